import { combine, hashString } from '../hash.js';
import type { LbBackend } from '../types.js';
import type { BackendPicker } from './picker.js';

/**
 * Weighted rendezvous (highest random weight) hashing of the client address: every backend scores
 * weight / -ln(u) with u uniform from hash(client, backend), the highest wins. The same client keeps its backend
 * while that backend stays; when one backend leaves only its clients move, and a new backend takes about
 * 1/n of the clients, from all the others alike. Stateless apart from a cache of backend id hashes.
 */
export class SourceIpHashPicker implements BackendPicker {
  private readonly idHashes = new Map<string, number>();

  pick(candidates: readonly LbBackend[], clientIp: string): LbBackend {
    const client = hashString(clientIp);
    let best = candidates[0];
    let bestScore = -1;
    for (const b of candidates) {
      const u = (combine(client, this.idHash(b.id)) + 0.5) / 0x100000000;
      const score = b.weight / -Math.log(u);
      if (score > bestScore) {
        best = b;
        bestScore = score;
      }
    }
    return best;
  }

  private idHash(id: string): number {
    let h = this.idHashes.get(id);
    if (h === undefined) {
      if (this.idHashes.size > 4096) this.idHashes.clear(); // ids of long-gone backends
      h = hashString(id);
      this.idHashes.set(id, h);
    }
    return h;
  }
}
