export { Reconciler, toFlowEntry, type ReconcilerOptions } from './reconciler.js';
export { NodeSwitch, datapathIdOf } from './node-switch.js';
export { SerialRunner } from './serial-runner.js';
export {
  VtepReconciler,
  applyVtep,
  type LeafStatus,
  type LeafView,
  type VtepReconcilerOptions,
} from './vtep-reconciler.js';
export * from './vtep-desired.js';
