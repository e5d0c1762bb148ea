// controller/services: the pure part of ClusterIP load balancing (which backend takes a new connection).
export * from './types.js';
export * from './hash.js';
export * from './connections.js';
export * from './affinity.js';
export * from './connection-memory.js';
export * from './health.js';
export * from './policies/index.js';
export * from './balancer.js';
export * from './service-table.js';
