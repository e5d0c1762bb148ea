// CNI (container network interface) spec 0.3.0-1.1.0: environment, request config, results and errors.
// Pure and synchronous: text in, typed values out.
export * from './versions.js';
export * from './errors.js';
export * from './env.js';
export * from './config.js';
export * from './result.js';
