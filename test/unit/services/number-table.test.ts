import assert from 'node:assert/strict';
import { ConnectionMemory } from '../../../controller/services/connection-memory.js';
import { LiveSessions } from '../../../controller/services/live-sessions.js';
import { NumberTable } from '../../../controller/services/number-table.js';
import { xorshift32 } from '../../support/rng.js';

describe('services: NumberTable (typed-array hash table of the packet-in path)', () => {
  it('agrees with a Map through 200,000 random sets, gets, takes and removals, growing as it goes', () => {
    const r = xorshift32(9);
    const t = new NumberTable();
    const model = new Map<string, [number, number]>();
    // Keys of up to 53 bits, as the balancer makes them (address, port and index in one number), on few tags.
    const keyOf = (): [number, number] => [
      Math.floor(r() * 3000) * 0x10000 * 32 + 0xfffff000 * 32 * (r() < 0.5 ? 1 : 0),
      Math.floor(r() * 3),
    ];
    for (let i = 0; i < 200_000; i++) {
      const [k, tag] = keyOf();
      const id = `${k}|${tag}`;
      const op = r();
      if (op < 0.5) {
        const v = Math.floor(r() * 1000);
        assert.equal(t.set(k, tag, v, i), !model.has(id), `set ${id} at ${i}`);
        model.set(id, [v, i]);
      } else if (op < 0.8) {
        const want = model.get(id);
        assert.equal(t.get(k, tag), want ? want[0] : -1, `get ${id} at ${i}`);
        if (want) assert.equal(t.foundTime, want[1]);
      } else if (op < 0.9999) {
        const want = model.get(id);
        assert.equal(t.take(k, tag), want ? want[0] : -1, `take ${id} at ${i}`);
        model.delete(id);
      } else {
        const n = t.removeWhere((v) => v % 2 === 0);
        let m = 0;
        for (const [key, [v]] of model)
          if (v % 2 === 0) {
            model.delete(key);
            m++;
          }
        assert.equal(n, m);
      }
      assert.equal(t.size, model.size);
    }
    for (const [id, [v]] of model) {
      const [k, tag] = id.split('|').map(Number) as [number, number];
      assert.equal(t.get(k, tag), v);
    }
  });

  it('keeps every entry while it grows from 16 slots to 100,000 entries, and empties in place', () => {
    const t = new NumberTable();
    for (let i = 0; i < 100_000; i++) assert.equal(t.set(0xc0a80000 * 0x10000 + i, 7, i & 0xffff, i), true);
    assert.equal(t.size, 100_000);
    for (let i = 0; i < 100_000; i += 7) assert.equal(t.get(0xc0a80000 * 0x10000 + i, 7), i & 0xffff);
    assert.equal(t.get(0xc0a80000 * 0x10000 + 5, 8), -1, 'another tag is another key');
    assert.equal(
      t.removeWhere((_, time) => time < 50_000),
      50_000,
    );
    assert.equal(t.get(0xc0a80000 * 0x10000 + 49_999, 7), -1);
    assert.equal(t.get(0xc0a80000 * 0x10000 + 50_000, 7), 50_000 & 0xffff);
    t.clear();
    assert.equal(t.size, 0);
    assert.equal(t.get(0xc0a80000 * 0x10000 + 50_000, 7), -1);
    assert.equal(t.set(1, 0, 1), true);
  });
});

describe('services: LiveSessions', () => {
  it('records IPv4 clients by number and IPv6 by text, per slot', () => {
    const live = new LiveSessions();
    const v4 = 0x0a010203 * 0x10000 + 40000;
    assert.equal(live.add(0, v4, 3), true);
    assert.equal(live.add(0, v4, 3), false, 'a retransmitted SYN is the same connection');
    assert.equal(live.add(1, v4, 4), true, 'the same client on another Service port is another');
    assert.equal(live.add(0, 'fd00::1|40000', 3), true);
    assert.equal(live.add(0, 'fd00::2|40000', 5), true);
    assert.equal(live.size, 4);
    assert.equal(live.take(0, v4), 3);
    assert.equal(live.take(0, v4), -1);
    assert.equal(live.take(0, 'fd00::1|40000'), 3);
    assert.equal(live.take(1, v4), 4);
    assert.equal(live.take(0, 'fd00::2|40000'), 5);
    assert.equal(live.size, 0);
  });
});

describe('services: ConnectionMemory by number', () => {
  it('remembers numbered and text connections alike, across generations and backend removal', () => {
    const memory = new ConnectionMemory(1000, 100);
    const a = 0x0a000001 * 0x10000 * 32 + 1;
    memory.remember(a, 'x', 0);
    memory.remember('fd00::1|1|6|80', 'y', 0);
    assert.equal(memory.lookup(a, 999), 'x');
    assert.equal(memory.lookup(a, 1000), undefined, 'expired');
    memory.remember(a + 32, 'y', 1000); // rotates
    memory.remember(a, 'x', 1000);
    assert.equal(memory.lookup(a, 1500), 'x');
    memory.forgetBackend('x');
    assert.equal(memory.lookup(a, 1500), undefined);
    assert.equal(memory.lookup(a + 32, 1500), 'y');
    // The generation of 0, whole: the text one and the number a (forgotten). Numbers go by whole generation.
    assert.equal(memory.sweep(1999), 2);
    assert.equal(memory.lookup(a + 32, 1999), 'y');
    assert.equal(memory.sweep(2000), 2, 'the generation of 1000: a + 32, and a (forgotten)');
    assert.equal(memory.size, 0);
    memory.remember(a, 'x', 2000);
    assert.equal(memory.lookup(a, 2000), 'x', 'a forgotten backend can come back');
  });
});
