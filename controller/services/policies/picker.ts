import type { LbBackend } from '../types.js';

/**
 * One Service's backend picker. `candidates` are the backends that may take a new connection, in a stable
 * order, never empty. Pickers may keep state between calls (a rotation, current weights).
 */
export interface BackendPicker {
  pick(candidates: readonly LbBackend[], clientIp: string): LbBackend;
}
