// The controller's operations on the model, shared by the REST API, the CNI endpoints and, later, Kubernetes sync.
export * from './actor';
export * from './bindings';
export * from './cni';
export * from './context';
export * from './endpoints';
export * from './errors';
export * from './nodes';
export * from './policy';
export * from './routers';
export * from './services';
export * from './tenancy';
export * from './tokens';
export * from './vteps';
