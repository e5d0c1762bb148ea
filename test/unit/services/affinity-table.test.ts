import assert from 'node:assert/strict';
import { AffinityTable } from '../../../controller/services/affinity.js';
import { xorshift32 } from '../../support/rng.js';

/** What AffinityTable does, said plainly with one Map in last-use order: the reference it is checked against. */
class MapAffinity {
  readonly entries = new Map<string, { backendId: string; expiresAt: number }>();
  constructor(
    private readonly timeoutMs: number,
    private readonly maxEntries: number,
  ) {}
  lookup(client: string, now: number): string | undefined {
    const e = this.entries.get(client);
    if (e === undefined) return undefined;
    if (now >= e.expiresAt) {
      this.entries.delete(client);
      return undefined;
    }
    return e.backendId;
  }
  remember(client: string, backendId: string, now: number): void {
    this.entries.delete(client);
    this.entries.set(client, { backendId, expiresAt: now + this.timeoutMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
  forgetBackend(backendId: string): void {
    for (const [c, e] of this.entries) if (e.backendId === backendId) this.entries.delete(c);
  }
  sweep(now: number): number {
    let n = 0;
    for (const [c, e] of this.entries) {
      if (now < e.expiresAt) break;
      this.entries.delete(c);
      n++;
    }
    return n;
  }
}

describe('services: AffinityTable in typed arrays', () => {
  for (const [clients, maxEntries] of [
    [300, 1000],
    [3000, 500],
  ] as const)
    it(`does what one Map in last-use order does: 100,000 random operations, ${clients} clients, bound ${maxEntries}`, () => {
      const r = xorshift32(clients);
      const t = new AffinityTable(2000, maxEntries);
      const m = new MapAffinity(2000, maxEntries);
      let now = 0;
      // IPv4 text as a balancer gets it, and a few IPv6 clients (kept apart, in the table's Map), at distinct times.
      const clientOf = (): string => {
        const i = Math.floor(r() * clients);
        return i % 50 === 7 ? `fd00::${i.toString(16)}` : `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
      };
      for (let i = 0; i < 100_000; i++) {
        now += Math.floor(r() * 3) + 1;
        const op = r();
        const c = clientOf();
        if (op < 0.45) assert.equal(t.lookup(c, now), m.lookup(c, now), `lookup ${c} at ${i}`);
        else if (op < 0.95) {
          const b = `b${Math.floor(r() * 5)}`;
          t.remember(c, b, now);
          m.remember(c, b, now);
        } else if (op < 0.999) assert.equal(t.sweep(now), m.sweep(now), `sweep at ${i}`);
        else {
          const b = `b${Math.floor(r() * 5)}`;
          t.forgetBackend(b);
          m.forgetBackend(b);
        }
        assert.equal(t.size, m.entries.size, `size at ${i}`);
      }
      for (const c of m.entries.keys()) assert.equal(t.lookup(c, now), m.lookup(c, now));
    });

  it('lets a crowd of expired clients go over several sweeps, never answering with an expired binding', () => {
    const t = new AffinityTable(1000);
    for (let i = 0; i < 10_000; i++) t.remember(`10.0.${i >> 8}.${i & 255}`, 'a', i / 100);
    t.remember('10.9.9.9', 'b', 1500);
    assert.equal(t.lookup('10.0.0.5', 1200), undefined, 'expired, though not swept yet');
    assert.deepEqual([t.sweep(2000), t.sweep(2000), t.sweep(2000), t.sweep(2000)], [4096, 4096, 1807, 0]);
    assert.equal(t.size, 1);
    assert.equal(t.lookup('10.9.9.9', 2000), 'b');
  });

  it('tells canonical IPv4 text from anything else', () => {
    const t = new AffinityTable(1000, 10);
    t.remember('10.0.0.1', 'a', 0);
    // Text that is not a canonical address is another client, even where it would read as the same number.
    for (const other of ['010.0.0.1', '10.0.0.1.', '10.0.0', '10.0.0.256', 'x', ''])
      assert.equal(t.lookup(other, 1), undefined, other);
    t.remember('010.0.0.1', 'b', 1);
    assert.deepEqual([t.lookup('10.0.0.1', 2), t.lookup('010.0.0.1', 2)], ['a', 'b']);
    t.remember('255.255.255.255', 'c', 3);
    t.remember('0.0.0.0', 'd', 3);
    assert.deepEqual([t.lookup('255.255.255.255', 4), t.lookup('0.0.0.0', 4)], ['c', 'd']);
  });
});
