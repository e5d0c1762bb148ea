import type { LbBackend } from '../types.js';
import type { BackendPicker } from './picker.js';

/**
 * Smooth weighted round robin (as in nginx): each pick adds every backend's weight to its current value, takes the
 * highest, and subtracts the total from it. Weights 5,1,1 give a,a,b,a,c,a,a rather than a,a,a,a,a,b,c: over any
 * window of sum(weights) picks each backend gets exactly its share, interleaved.
 */
export class WeightedPicker implements BackendPicker {
  private readonly current = new Map<string, number>();

  pick(candidates: readonly LbBackend[]): LbBackend {
    let total = 0;
    let best = candidates[0];
    let bestCurrent = -Infinity;
    for (const b of candidates) {
      const c = (this.current.get(b.id) ?? 0) + b.weight;
      this.current.set(b.id, c);
      total += b.weight;
      if (c > bestCurrent) {
        best = b;
        bestCurrent = c;
      }
    }
    this.current.set(best.id, bestCurrent - total);
    if (this.current.size > candidates.length * 2) this.prune(candidates);
    return best;
  }

  /** Drops the state of backends that are gone, so that one coming back starts fresh. */
  private prune(candidates: readonly LbBackend[]): void {
    const live = new Set(candidates.map((b) => b.id));
    for (const id of this.current.keys()) if (!live.has(id)) this.current.delete(id);
  }
}
