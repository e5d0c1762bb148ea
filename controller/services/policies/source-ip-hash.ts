import { combine, hashString } from '../hash.js';
import type { LbBackend } from '../types.js';
import type { BackendPicker } from './picker.js';

/**
 * Weighted rendezvous (highest random weight) hashing of the client address: every backend scores
 * weight / -ln(u) with u uniform from hash(client, backend id), the highest wins. The same client keeps its
 * backend while that backend stays; when one backend leaves only its clients move, and a new backend takes about
 * 1/n of the clients, from all the others alike. No state but a cache of the candidates' id hashes.
 */
export class SourceIpHashPicker implements BackendPicker {
  private cachedFor: readonly LbBackend[] | undefined;
  private idHashes = new Uint32Array(0);
  private weights = new Float64Array(0);
  private equalWeights = true;

  pick(candidates: readonly LbBackend[], clientIp: string): LbBackend {
    // The balancer hands the same array until its backends change: hash the ids once per change.
    if (candidates !== this.cachedFor) this.prepare(candidates);
    const client = hashString(clientIp);
    const n = candidates.length;
    let best = 0;
    if (this.equalWeights) {
      // weight / -ln(u) grows with u: with equal weights the highest hash wins, no logarithm needed.
      let bestHash = -1;
      for (let i = 0; i < n; i++) {
        const h = combine(client, this.idHashes[i]);
        if (h > bestHash) {
          bestHash = h;
          best = i;
        }
      }
    } else {
      let bestScore = -1;
      for (let i = 0; i < n; i++) {
        const u = (combine(client, this.idHashes[i]) + 0.5) / 0x100000000;
        const score = this.weights[i] / -Math.log(u);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
    }
    return candidates[best];
  }

  private prepare(candidates: readonly LbBackend[]): void {
    this.cachedFor = candidates;
    this.idHashes = Uint32Array.from(candidates, (b) => hashString(b.id));
    this.weights = Float64Array.from(candidates, (b) => b.weight);
    this.equalWeights = candidates.every((b) => b.weight === candidates[0].weight);
  }
}
