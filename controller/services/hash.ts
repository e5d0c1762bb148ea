// 32-bit hashing for backend selection: FNV-1a over text, then MurmurHash3's block mix and finalizer so that
// nearby inputs (10.0.0.1, 10.0.0.2) land far apart.

export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes two hashes into one, order-sensitive: one MurmurHash3 round of `b` into seed `a`, then finalized. */
export function combine(a: number, b: number): number {
  let k = Math.imul(b, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  let h = a ^ k;
  h = rotl(h, 13);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  return fmix32(h ^ 8);
}
