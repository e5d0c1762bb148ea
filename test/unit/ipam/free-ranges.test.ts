import assert from 'node:assert/strict';
import { FreeRanges } from '../../../controller/ipam/free-ranges';

const runs = (f: FreeRanges): string[] => f.ranges().map((r) => `${r.start}-${r.end}`);

describe('ipam FreeRanges', () => {
  it('hands out the lowest free value and counts', () => {
    const f = new FreeRanges([{ start: 10n, end: 12n }]);
    assert.equal(f.size, 3n);
    assert.equal(f.takeLowest(), 10n);
    assert.equal(f.takeLowest(), 11n);
    assert.equal(f.takeLowest(), 12n);
    assert.equal(f.takeLowest(), undefined);
    assert.equal(f.size, 0n);
  });

  it('takes a value out of the middle, splitting a run, and merges it back', () => {
    const f = new FreeRanges([{ start: 1n, end: 10n }]);
    assert.ok(f.take(5n));
    assert.ok(!f.take(5n));
    assert.deepEqual(runs(f), ['1-4', '6-10']);
    f.release(5n);
    assert.deepEqual(runs(f), ['1-10']);
  });

  it('release is idempotent and merges across several runs', () => {
    const f = new FreeRanges([
      { start: 1n, end: 2n },
      { start: 5n, end: 6n },
      { start: 9n, end: 9n },
    ]);
    f.release(1n, 9n);
    assert.deepEqual(runs(f), ['1-9']);
    assert.equal(f.size, 9n);
    f.release(4n);
    assert.equal(f.size, 9n);
  });

  it('lowest-free after random releases matches a naive model', () => {
    const f = new FreeRanges([{ start: 0n, end: 999n }]);
    const used = new Set<number>();
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 1000;
    for (let i = 0; i < 5000; i++) {
      if (rnd() % 3 === 0 && used.size > 0) {
        const v = [...used][rnd() % used.size];
        used.delete(v);
        f.release(BigInt(v));
      } else {
        let expect = 0;
        while (used.has(expect)) expect++;
        const got = f.takeLowest();
        if (expect >= 1000) assert.equal(got, undefined);
        else {
          assert.equal(got, BigInt(expect));
          used.add(expect);
        }
      }
      assert.equal(f.size, BigInt(1000 - used.size));
    }
  });

  it('handles IPv6-sized spaces without enumerating them', () => {
    const f = new FreeRanges([{ start: 1n, end: (1n << 64n) - 1n }]);
    assert.equal(f.takeLowest(), 1n);
    assert.ok(f.take(1n << 63n));
    assert.equal(f.size, (1n << 64n) - 3n);
  });
});
