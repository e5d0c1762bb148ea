import type { LbBackend } from '../types.js';
import type { BackendPicker } from './picker.js';

/** Each new connection to the next backend in turn; weights are ignored. */
export class RoundRobinPicker implements BackendPicker {
  private next = 0;

  pick(candidates: readonly LbBackend[]): LbBackend {
    // When the list shrinks, the rotation continues from where the modulo lands: no backend is skipped twice.
    const chosen = candidates[this.next % candidates.length];
    this.next = (this.next + 1) % 0x40000000;
    return chosen;
  }
}
