import assert from 'node:assert/strict';
import {
  AffinityTable,
  HealthTracker,
  ConnectionMemory,
  ServiceBalancer,
  connectionKey,
  type Choice,
  type LbBackend,
} from '../../../controller/services/index.js';
import { ManualClock, backend, clients, service, tally } from './fixtures.js';

function picked(c: Choice): string {
  assert.equal(c.kind, 'backend', c.kind === 'none' ? c.reason : '');
  return c.kind === 'backend' ? c.backend.id : '';
}

describe('services: ClientIP session affinity', () => {
  const affinity = { kind: 'ClientIP' as const, timeoutSeconds: 10 };

  it('keeps a client on its backend within the timeout, even under round robin', () => {
    const clock = new ManualClock();
    const lb = new ServiceBalancer(
      service('round-robin', [backend('a'), backend('b'), backend('c')], affinity),
      {
        clock: clock.read,
      },
    );
    const first = picked(lb.choose('10.244.0.5'));
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      const c = lb.choose('10.244.0.5');
      assert.equal(picked(c), first);
      assert.equal(c.kind === 'backend' && c.via, 'affinity');
    }
    // other clients still rotate
    assert.notDeepEqual(new Set(clients(6).map((c) => picked(lb.choose(c)))).size, 1);
  });

  it('expires after the timeout counted from the last connection', () => {
    const clock = new ManualClock();
    const lb = new ServiceBalancer(service('round-robin', [backend('a'), backend('b')], affinity), {
      clock: clock.read,
    });
    assert.equal(picked(lb.choose('c1')), 'a');
    clock.advance(9_999);
    assert.equal(picked(lb.choose('c1')), 'a'); // refreshed here
    clock.advance(9_999);
    const c = lb.choose('c1');
    assert.equal(picked(c), 'a');
    assert.equal(c.kind === 'backend' && c.via, 'affinity');
    clock.advance(10_000); // exactly the timeout: expired
    const after = lb.choose('c1');
    assert.equal(after.kind === 'backend' && after.via, 'policy');
    assert.equal(picked(after), 'b'); // the rotation moved on
  });

  it('rebinds a client whose backend left or became unhealthy', () => {
    const clock = new ManualClock();
    const lb = new ServiceBalancer(service('round-robin', [backend('a'), backend('b')], affinity), {
      clock: clock.read,
    });
    assert.equal(picked(lb.choose('c1')), 'a');
    lb.setHealth('a', 'unhealthy');
    assert.equal(picked(lb.choose('c1')), 'b');
    lb.setHealth('a', 'healthy');
    assert.equal(picked(lb.choose('c1')), 'b'); // the binding moved with the client
    lb.update(service('round-robin', [backend('a')], affinity));
    assert.equal(picked(lb.choose('c1')), 'a');
  });

  it('sweeps expired bindings, oldest first', () => {
    const t = new AffinityTable(1000);
    t.remember('x', 'a', 0);
    t.remember('y', 'a', 500);
    t.remember('x', 'b', 600); // refreshed: now the newest
    assert.equal(t.sweep(1200), 0);
    assert.equal(t.sweep(1550), 1); // y only
    assert.equal(t.lookup('x', 1550), 'b');
    assert.equal(t.lookup('x', 1600), undefined);
    assert.equal(t.size, 0);
  });

  it('forgets the least recently used client past its bound', () => {
    const t = new AffinityTable(10_000, 2);
    t.remember('x', 'a', 0);
    t.remember('y', 'a', 1);
    t.lookup('x', 2);
    t.remember('x', 'a', 2); // x is used again: y is now the oldest
    t.remember('z', 'b', 3);
    assert.deepEqual([t.lookup('x', 4), t.lookup('y', 4), t.lookup('z', 4)], ['a', undefined, 'b']);
  });

  it('drops its bindings when affinity is turned off', () => {
    const clock = new ManualClock();
    const lb = new ServiceBalancer(service('round-robin', [backend('a'), backend('b')], affinity), {
      clock: clock.read,
    });
    lb.choose('c1');
    assert.equal(lb.affinityBindings, 1);
    lb.update(service('round-robin', [backend('a'), backend('b')]));
    assert.equal(lb.affinityBindings, 0);
  });
});

describe('services: connections already placed', () => {
  const syn = { src: '10.244.1.7', srcPort: 40000, protocol: 6, dstPort: 80 };

  it('sends a retransmitted SYN where the first went, even under round robin', () => {
    const clock = new ManualClock();
    const lb = new ServiceBalancer(service('round-robin', [backend('a'), backend('b'), backend('c')]), {
      clock: clock.read,
    });
    // SYN retransmits come 1 s, then 2 s, then 4 s apart: each one renews the 5 s memory.
    const first = lb.choose(syn.src, connectionKey(syn));
    assert.equal(first.kind === 'backend' && first.via, 'policy');
    for (const wait of [1000, 2000, 4000]) {
      lb.choose('10.244.9.9'); // other clients move the rotation on
      clock.advance(wait);
      const again = lb.choose(syn.src, connectionKey(syn));
      assert.equal(picked(again), picked(first));
      assert.equal(again.kind === 'backend' && again.via, 'connection');
    }
    // another port of the same client is another connection
    const other = lb.choose(syn.src, connectionKey({ ...syn, srcPort: 40001 }));
    assert.equal(other.kind === 'backend' && other.via, 'policy');
  });

  it('forgets after the memory window, and keeps a draining backend but not a failed one', () => {
    const clock = new ManualClock();
    const lb = new ServiceBalancer(service('round-robin', [backend('a'), backend('b')]), {
      clock: clock.read,
      connectionMemoryMs: 5000,
    });
    const key = connectionKey(syn);
    assert.equal(picked(lb.choose(syn.src, key)), 'a');
    lb.setHealth('a', 'draining');
    assert.equal(picked(lb.choose(syn.src, key)), 'a');
    lb.setHealth('a', 'unhealthy');
    assert.equal(picked(lb.choose(syn.src, key)), 'b');
    clock.advance(5000);
    lb.setHealth('a', 'healthy');
    const fresh = lb.choose(syn.src, key);
    assert.equal(fresh.kind === 'backend' && fresh.via, 'policy');
    assert.equal(lb.sweep(), 1); // the expired memory of the placement on b
  });

  it('holds about connectionMemoryEntries, the oldest generation going first', () => {
    const memory = new ConnectionMemory(5000, 4);
    for (let port = 1; port <= 6; port++) memory.remember(`c|${port}`, 'a', 0);
    // generations of 2: {5,6} current, {3,4} previous; 1 and 2 are gone
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((p) => memory.lookup(`c|${p}`, 0)),
      [undefined, undefined, 'a', 'a', 'a', 'a'],
    );
    assert.ok(memory.size <= 4);
  });

  it('expires by time across generations, and sweeps', () => {
    const memory = new ConnectionMemory(1000, 100);
    memory.remember('x', 'a', 0);
    memory.remember('y', 'b', 900);
    assert.equal(memory.lookup('x', 999), 'a');
    assert.equal(memory.lookup('x', 1000), undefined);
    memory.remember('z', 'c', 1000); // rotates: x and y move to the previous generation
    assert.equal(memory.lookup('y', 1500), 'b');
    memory.forgetBackend('b');
    assert.equal(memory.lookup('y', 1500), undefined);
    assert.equal(memory.sweep(1950), 1); // x
    assert.equal(memory.size, 1);
  });
});

describe('services: backend health', () => {
  it('takes new connections only on healthy backends with weight', () => {
    const clock = new ManualClock();
    const lb = new ServiceBalancer(
      service('round-robin', [
        backend('a', 1, 'unhealthy'),
        backend('b', 1, 'draining'),
        backend('c', 0),
        backend('d'),
      ]),
      { clock: clock.read },
    );
    assert.deepEqual(tally(Array.from({ length: 10 }, () => picked(lb.choose('x')))), { d: 10 });
  });

  it('says why there is no backend, so the caller refuses the connection', () => {
    const lb = new ServiceBalancer(service('least-connections', []), { clock: () => 0 });
    assert.deepEqual(lb.choose('x'), { kind: 'none', reason: 'no backends' });
    lb.update(service('least-connections', [backend('a', 1, 'unhealthy')]));
    assert.deepEqual(lb.choose('x'), {
      kind: 'none',
      reason: 'no IPv4 backend takes new connections (1 unhealthy)',
    });
    lb.update(service('least-connections', [backend('a', 1, 'draining'), backend('b', 0), backend('c', 0)]));
    assert.deepEqual(lb.choose('x'), {
      kind: 'none',
      reason: 'no IPv4 backend takes new connections (1 draining, 2 with weight 0)',
    });
  });

  it('sends a client only to backends of its own address family (dual-stack Services)', () => {
    const v6 = (id: string): LbBackend => ({ ...backend(id), address: `fd00:10:244::${id.charCodeAt(0)}` });
    for (const policy of ['round-robin', 'least-connections', 'source-ip-hash', 'weighted'] as const) {
      const lb = new ServiceBalancer(service(policy, [backend('a'), v6('x'), backend('b'), v6('y')]), {
        clock: () => 0,
      });
      const four = new Set(clients(50).map((c) => picked(lb.choose(c))));
      const six = new Set(clients(50).map((c, i) => picked(lb.choose(`fd00:1::${i.toString(16)}`))));
      assert.deepEqual([...four].sort(), ['a', 'b'], policy);
      assert.deepEqual([...six].sort(), ['x', 'y'], policy);
    }
    const onlyV4 = new ServiceBalancer(service('round-robin', [backend('a')]), { clock: () => 0 });
    assert.deepEqual(onlyV4.choose('fd00:1::1'), { kind: 'none', reason: 'no IPv6 backends' });
  });

  it('changes state only after `fall` failures in a row and `rise` successes in a row', () => {
    const h = new HealthTracker({ rise: 2, fall: 3 });
    assert.equal(h.report('a', false), undefined);
    assert.equal(h.report('a', false), undefined);
    assert.equal(h.report('a', true), undefined); // streak broken
    assert.equal(h.report('a', false), undefined);
    assert.equal(h.report('a', false), undefined);
    assert.deepEqual(h.report('a', false), { backendId: 'a', from: 'healthy', to: 'unhealthy' });
    assert.equal(h.report('a', true), undefined);
    assert.deepEqual(h.report('a', true), { backendId: 'a', from: 'unhealthy', to: 'healthy' });
    assert.equal(h.get('a'), 'healthy');
  });

  it('keeps a draining backend draining whatever the probes say', () => {
    const h = new HealthTracker();
    assert.deepEqual(h.setDraining('a', true), { backendId: 'a', from: 'healthy', to: 'draining' });
    for (let i = 0; i < 5; i++) assert.equal(h.report('a', false), undefined);
    assert.equal(h.get('a'), 'draining');
    assert.deepEqual(h.setDraining('a', false), { backendId: 'a', from: 'draining', to: 'healthy' });
  });

  it('a policy change keeps working on the same backends', () => {
    const lb = new ServiceBalancer(service('round-robin', [backend('a', 3), backend('b', 1)]), {
      clock: () => 0,
    });
    lb.update(service('weighted', [backend('a', 3), backend('b', 1)]));
    assert.deepEqual(tally(Array.from({ length: 8 }, () => picked(lb.choose('x')))), { a: 6, b: 2 });
  });
});
