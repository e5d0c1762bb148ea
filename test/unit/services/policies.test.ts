import assert from 'node:assert/strict';
import {
  ConnectionCounts,
  LeastConnectionsPicker,
  RoundRobinPicker,
  SourceIpHashPicker,
  WeightedPicker,
  combine,
  hashString,
  type LbBackend,
} from '../../../controller/services/index.js';
import { backend, clients, tally } from './fixtures.js';

const abc = [backend('a'), backend('b'), backend('c')];

describe('services: round robin', () => {
  it('cycles through the backends in order, evenly', () => {
    const p = new RoundRobinPicker();
    const picks = Array.from({ length: 300 }, () => p.pick(abc).id);
    assert.deepEqual(picks.slice(0, 6), ['a', 'b', 'c', 'a', 'b', 'c']);
    assert.deepEqual(tally(picks), { a: 100, b: 100, c: 100 });
  });

  it('keeps spreading when the list changes', () => {
    const p = new RoundRobinPicker();
    p.pick(abc);
    const two = [backend('a'), backend('c')];
    assert.deepEqual(tally(Array.from({ length: 100 }, () => p.pick(two).id)), { a: 50, c: 50 });
  });
});

describe('services: least connections', () => {
  it('picks the backend with the fewest open connections, as the caller counts them', () => {
    const counts = new ConnectionCounts();
    const p = new LeastConnectionsPicker(counts);
    counts.set('a', 5);
    counts.set('b', 2);
    counts.set('c', 7);
    assert.equal(p.pick(abc).id, 'b');
    counts.set('b', 9);
    assert.equal(p.pick(abc).id, 'a');
  });

  it('opened/closed feed it: a burst to idle backends spreads evenly, and closing frees a slot', () => {
    const counts = new ConnectionCounts();
    const p = new LeastConnectionsPicker(counts);
    const picks: string[] = [];
    for (let i = 0; i < 30; i++) {
      const b = p.pick(abc);
      counts.opened(b.id);
      picks.push(b.id);
    }
    assert.deepEqual(tally(picks), { a: 10, b: 10, c: 10 });
    counts.closed('c');
    counts.closed('c');
    assert.equal(p.pick(abc).id, 'c');
    counts.closed('zzz'); // unknown: not below zero, no error
    assert.equal(counts.get('zzz'), 0);
  });

  it('divides by weight: a weight-3 backend holds three times the connections', () => {
    const counts = new ConnectionCounts();
    const p = new LeastConnectionsPicker(counts);
    const weighted = [backend('a', 3), backend('b', 1)];
    for (let i = 0; i < 400; i++) counts.opened(p.pick(weighted).id);
    assert.deepEqual([counts.get('a'), counts.get('b')], [300, 100]);
  });
});

describe('services: source-IP hash (weighted rendezvous)', () => {
  const ten: LbBackend[] = Array.from({ length: 10 }, (_, i) => backend(`be-${i}`));
  const many = clients(20000);

  it('sends a client to the same backend every time, whatever the picker instance', () => {
    const p1 = new SourceIpHashPicker();
    const p2 = new SourceIpHashPicker();
    for (const c of many.slice(0, 500)) assert.equal(p1.pick(ten, c).id, p2.pick(ten, c).id);
    // and whatever the order of the backend list
    const reversed = [...ten].reverse();
    for (const c of many.slice(0, 500)) assert.equal(p1.pick(ten, c).id, p1.pick(reversed, c).id);
  });

  it('spreads 20k clients over 10 backends within 10% of an even share', () => {
    const p = new SourceIpHashPicker();
    const t = tally(many.map((c) => p.pick(ten, c).id));
    for (const b of ten) assert.ok(Math.abs(t[b.id] - 2000) < 200, `${b.id}: ${t[b.id]}`);
  });

  it('moves only the clients of a removed backend', () => {
    const p = new SourceIpHashPicker();
    const before = many.map((c) => p.pick(ten, c).id);
    const without = ten.filter((b) => b.id !== 'be-3');
    const after = many.map((c) => p.pick(without, c).id);
    for (let i = 0; i < many.length; i++) {
      if (before[i] !== 'be-3') assert.equal(after[i], before[i], `client ${many[i]} moved`);
    }
  });

  it('an added backend takes about 1/(n+1) of the clients, all of them from the others', () => {
    const p = new SourceIpHashPicker();
    const before = many.map((c) => p.pick(ten, c).id);
    const after = many.map((c) => p.pick([...ten, backend('be-new')], c).id);
    let moved = 0;
    for (let i = 0; i < many.length; i++) {
      if (after[i] !== before[i]) {
        assert.equal(after[i], 'be-new');
        moved++;
      }
    }
    assert.ok(Math.abs(moved - many.length / 11) < many.length * 0.02, `moved ${moved}`);
  });

  it('picks what the rendezvous formula says, on the equal-weight shortcut and the weighted path alike', () => {
    const p = new SourceIpHashPicker();
    const reference = (bs: LbBackend[], c: string): string => {
      let best = bs[0];
      let bestScore = -1;
      for (const b of bs) {
        const u = (combine(hashString(c), hashString(b.id)) + 0.5) / 0x100000000;
        const score = b.weight / -Math.log(u);
        if (score > bestScore) [best, bestScore] = [b, score];
      }
      return best.id;
    };
    const mixed = ten.map((b, i) => backend(b.id, 1 + (i % 4)));
    for (const c of many.slice(0, 2000)) {
      assert.equal(p.pick(ten, c).id, reference(ten, c));
      assert.equal(p.pick(mixed, c).id, reference(mixed, c));
    }
  });

  it('with weights too, moves only the clients of a removed backend', () => {
    const p = new SourceIpHashPicker();
    const mixed = ten.map((b, i) => backend(b.id, 1 + (i % 4)));
    const before = many.map((c) => p.pick(mixed, c).id);
    const after = many.map((c) => p.pick(mixed.slice(1), c).id);
    for (let i = 0; i < many.length; i++) if (before[i] !== mixed[0].id) assert.equal(after[i], before[i]);
  });

  it('honours weights: 3:1 within 5%', () => {
    const p = new SourceIpHashPicker();
    const t = tally(many.map((c) => p.pick([backend('heavy', 3), backend('light', 1)], c).id));
    assert.ok(Math.abs(t.heavy / many.length - 0.75) < 0.05, JSON.stringify(t));
  });
});

describe('services: smooth weighted round robin', () => {
  it('interleaves 5:1:1 as a a b a c a a', () => {
    const p = new WeightedPicker();
    const bs = [backend('a', 5), backend('b', 1), backend('c', 1)];
    const picks = Array.from({ length: 7 }, () => p.pick(bs).id);
    assert.deepEqual(picks, ['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('gives each backend exactly its share over every full cycle', () => {
    const p = new WeightedPicker();
    const bs = [backend('a', 4), backend('b', 2), backend('c', 1)];
    for (let cycle = 0; cycle < 50; cycle++) {
      assert.deepEqual(tally(Array.from({ length: 7 }, () => p.pick(bs).id)), { a: 4, b: 2, c: 1 });
    }
  });

  it('starts a returning backend fresh once the state of gone ones is pruned', () => {
    const p = new WeightedPicker();
    for (let i = 0; i < 10; i++) p.pick([backend('a', 1), backend('b', 1), backend('x', 9)]);
    for (let i = 0; i < 10; i++) p.pick([backend('a', 1), backend('b', 1)]);
    const picks = Array.from(
      { length: 11 },
      () => p.pick([backend('a', 1), backend('b', 1), backend('x', 9)]).id,
    );
    assert.equal(tally(picks).x, 9);
  });
});
