// controller/pipeline: the pure compiler from a model snapshot to one node's desired switch state.
export * from './compile.js';
export * from './context.js';
export * from './cookies.js';
export type { Feature as PipelineFeature, GroupSpec } from './feature.js';
export * from './fields.js';
export * from './flow.js';
export * from './meters.js';
export * from './ports.js';
export * from './priorities.js';
export * from './snapshot.js';
export * from './tables.js';
export * from './messages.js';
