import type { ConnectionCounts } from '../connections.js';
import type { LbBackend } from '../types.js';
import type { BackendPicker } from './picker.js';

/**
 * The backend with the fewest open connections per unit of weight. Ties go round the list from a rotating start,
 * so a burst of connections to idle backends spreads instead of piling onto the first.
 */
export class LeastConnectionsPicker implements BackendPicker {
  private start = 0;

  constructor(private readonly connections: ConnectionCounts) {}

  pick(candidates: readonly LbBackend[]): LbBackend {
    const n = candidates.length;
    const first = this.start % n;
    this.start = (this.start + 1) % 0x40000000;
    let best = candidates[first];
    let bestConns = this.connections.get(best.id);
    for (let i = 1; i < n; i++) {
      const b = candidates[(first + i) % n];
      const conns = this.connections.get(b.id);
      // conns/weight < bestConns/bestWeight, without division.
      if (conns * best.weight < bestConns * b.weight) {
        best = b;
        bestConns = conns;
      }
    }
    return best;
  }
}
