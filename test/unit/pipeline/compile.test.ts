// flow() checks, cookies, determinism, incremental compile, snapshot from the model.
import { strict as assert } from 'node:assert';
import {
  compileContext,
  compileNode,
  endpointAdded,
  endpointFlows,
  endpointRemoved,
  finish,
  nodeContext,
} from '../../../controller/pipeline/compile.js';
import { SnapshotIndex } from '../../../controller/pipeline/context.js';
import {
  cookie,
  featureMask,
  featureOf,
  isOurs,
  objectIdOf,
  objectMask,
  OBJECT_MASK,
} from '../../../controller/pipeline/cookies.js';
import { flow, flowKey, PipelineError } from '../../../controller/pipeline/flow.js';
import { snapshotFromModel } from '../../../controller/pipeline/snapshot.js';
import { ModelCache } from '../../../controller/model/cache.js';
import { flowText } from './flow-text.js';
import { cluster, endpoint } from './fixture.js';

describe('pipeline flow() checks against the table declaration', () => {
  const c = cookie('l2', 1n);
  it('refuses a match field the table does not declare', () => {
    assert.throws(
      () =>
        flow({
          table: 'output',
          priority: 10,
          cookie: c,
          match: [{ field: 'eth_dst', value: '00:00:00:00:00:01' }],
        }),
      (e: unknown) => e instanceof PipelineError && /eth_dst is not declared/.test(e.message),
    );
  });
  it('refuses a goto to a table that is not a declared next table', () => {
    assert.throws(
      () => flow({ table: 'l2', priority: 10, cookie: c, goto: 'classify' }),
      /not a declared next table/,
    );
  });
  it('refuses matches on the default (priority 0) flow', () => {
    assert.throws(
      () =>
        flow({
          table: 'l2',
          priority: 0,
          cookie: c,
          match: [{ field: 'eth_dst', value: '00:00:00:00:00:01' }],
        }),
      /default flow cannot have matches/,
    );
  });
  it('refuses a field whose prerequisite is missing, and a field matched twice', () => {
    assert.throws(
      () => flow({ table: 'l3', priority: 10, cookie: c, match: [{ field: 'ipv4_dst', value: '10.0.0.1' }] }),
      /ipv4_dst needs eth_type 0x800/,
    );
    assert.throws(
      () =>
        flow({
          table: 'l2',
          priority: 10,
          cookie: c,
          match: [
            { field: 'eth_dst', value: '00:00:00:00:00:01' },
            { field: 'eth_dst', value: '00:00:00:00:00:02' },
          ],
        }),
      /matched twice/,
    );
  });
  it('puts instructions in OpenFlow order and keys flows by table, priority and canonical match', () => {
    const a = flow({
      table: 'l2',
      priority: 5,
      cookie: c,
      match: [
        { field: 'metadata', value: 1n, mask: 0xffffffn },
        { field: 'eth_dst', value: '00:00:00:00:00:01' },
      ],
      goto: 'output',
      writeMetadata: { value: 2n, mask: 0xffn },
      actions: [{ type: 'decTtl' }],
    });
    assert.deepEqual(
      a.instructions.map((i) => i.type),
      ['applyActions', 'writeMetadata', 'gotoTable'],
    );
    const b = flow({ ...{ table: 'l2' as const, priority: 5, cookie: c }, match: [...a.match].reverse() });
    assert.equal(flowKey(a), flowKey(b));
  });
});

describe('pipeline cookies', () => {
  it('packs marker, feature and object, and selects by feature or object', () => {
    const id = objectIdOf('01JEXAMPLE');
    const k = cookie('l3', id);
    assert.ok(isOurs(k));
    assert.equal(featureOf(k), 'l3');
    assert.equal(k & OBJECT_MASK, id);
    const f = featureMask('l3');
    assert.equal(k & f.mask, f.cookie);
    assert.notEqual(cookie('l2', id) & f.mask, f.cookie);
    const o = objectMask('l3', id);
    assert.equal(k & o.mask, o.cookie);
    assert.equal(k >> 48n, 0x5dc0n);
    assert.throws(() => cookie('l2', 1n << 40n), RangeError);
    assert.equal(objectIdOf('x'), objectIdOf('x'));
    assert.notEqual(objectIdOf('x'), objectIdOf('y'));
  });
});

describe('pipeline compile', () => {
  it('gives identical output for the same input, whatever the order of the snapshot arrays', () => {
    const s = cluster();
    const a = compileNode(s, 'n2');
    const b = compileNode(s, 'n2');
    const rev = compileNode(
      {
        ...s,
        nodes: [...s.nodes].reverse(),
        networks: [...s.networks].reverse(),
        subnets: [...s.subnets].reverse(),
        endpoints: [...s.endpoints].reverse(),
        routerInterfaces: [...s.routerInterfaces].reverse(),
      },
      'n2',
    );
    const text = (c: typeof a) =>
      [...c.flows.map((f) => flowText(f, true)), JSON.stringify(c.ports)].join('\n');
    assert.equal(text(a), text(b));
    assert.equal(text(a), text(rev));
    assert.deepEqual(a.conflicts, []);
  });

  it('sorts by table ascending, priority descending, and has exactly one miss flow per table', () => {
    const { flows } = compileNode(cluster(), 'n1');
    for (let i = 1; i < flows.length; i++) {
      const p = flows[i - 1]!;
      const q = flows[i]!;
      assert.ok(p.table < q.table || (p.table === q.table && p.priority >= q.priority));
    }
    assert.deepEqual(
      flows.filter((f) => f.priority === 0).map((f) => f.table),
      [0, 5, 10, 11, 20, 30, 40, 50, 60, 70],
    );
  });

  it("computes one new endpoint's flows alone, equal to its share of a full compile", () => {
    const s = cluster();
    const added = endpoint('a6', 'A1', 'TA', 'N1', undefined, '0a:58:0a:01:00:1e', ['10.1.0.30']);
    const s2 = { ...s, endpoints: [...s.endpoints, added] };
    const ctx = nodeContext(s2, 'n1');
    const view = ctx.localEndpoints.find((e) => e.ep.id === 'a6')!;
    // No ofport in the model yet: the lowest free one is requested.
    assert.equal(view.ofport, 5);
    const alone = finish(endpointFlows(ctx, view), []).map((f) => flowText(f, true));
    const full = compileContext(ctx).flows.map((f) => flowText(f, true));
    for (const line of alone) assert.ok(full.includes(line), line);
    const before = new Set(compileNode(s, 'n1').flows.map((f) => flowText(f, true)));
    const newInFull = full.filter((l) => !before.has(l));
    // Everything new in the full compile is the endpoint's own flows, plus the flood groups' flows unchanged.
    assert.deepEqual([...newInFull].sort(), [...alone].sort());
  });

  it('admits an added endpoint into a built context: the same state as compiling the new snapshot', () => {
    const s = cluster();
    const ctx = nodeContext(s, 'n1');
    const third = { ...s.nodes[1]!, id: 'N3', name: 'n3', tunnelIp: '10.99.0.3' };
    const local = endpoint('a6', 'A1', 'TA', 'N1', undefined, '0a:58:0a:01:00:1e', ['10.1.0.30']);
    const remote = endpoint('a7', 'A1', 'TA', 'N3', 1, '0a:58:0a:01:00:1f', ['10.1.0.31']);
    ctx.index.nodes.set(third.id, third);
    const d1 = endpointAdded(ctx, local);
    const d2 = endpointAdded(ctx, remote);
    assert.ok(d1 && d2);
    assert.equal(d1.endpoint.ofport, 5);
    // The remote one on a new node widens the flood group: a1, a2, a6, then n2 and n3.
    assert.ok(d2.groups.some((g) => g.groupId === 200 && g.buckets.length === 5));
    const s2 = { ...s, nodes: [...s.nodes, third], endpoints: [...s.endpoints, local, remote] };
    const fresh = compileNode(s2, 'n1');
    const incremental = compileContext(ctx);
    assert.deepEqual(
      incremental.flows.map((f) => flowText(f, true)),
      fresh.flows.map((f) => flowText(f, true)),
    );
    assert.deepEqual(incremental.groups, fresh.groups);
    const all = new Set(fresh.flows.map((f) => flowText(f, true)));
    for (const f of [...d1.flows, ...d2.flows]) assert.ok(all.has(flowText(f, true)));
    // An endpoint of a network this node has never seen needs a full compile.
    assert.equal(endpointAdded(ctx, endpoint('x', 'NEW', 'TA', 'N1', 9, '0a:00:00:00:00:99', [])), undefined);
  });

  it('evicts a removed endpoint from a built context: the same state as compiling without it', () => {
    const s = cluster();
    const ctx = nodeContext(s, 'n1');
    compileContext(ctx);
    const gone = endpointRemoved(ctx, 'a2');
    assert.ok(gone);
    assert.equal(gone.endpoint.ep.id, 'a2');
    const remoteGone = endpointRemoved(ctx, 'a3');
    assert.ok(remoteGone);
    // a3 was the only endpoint of network A1 on n2: the flood group no longer reaches n2.
    assert.deepEqual(remoteGone.groups.find((g) => g.groupId === 200)?.buckets.length, 1);
    const s2 = { ...s, endpoints: s.endpoints.filter((e) => e.id !== 'a2' && e.id !== 'a3') };
    const fresh = compileNode(s2, 'n1');
    assert.deepEqual(
      compileContext(ctx).flows.map((f) => flowText(f, true)),
      fresh.flows.map((f) => flowText(f, true)),
    );
    const before = new Set(fresh.flows.map((f) => flowText(f, true)));
    for (const f of [...gone.flows, ...remoteGone.flows]) assert.ok(!before.has(flowText(f, true)));
    // a4 is the next hop of a static route, and b1 the last endpoint of network B1 here: both need a full compile.
    assert.equal(endpointRemoved(nodeContext(s, 'n1'), 'a4'), undefined);
    assert.equal(endpointRemoved(ctx, 'b1'), undefined);
  });

  it('compiles several nodes from one index, and a node with no endpoints to the bare pipeline', () => {
    const s = cluster();
    const index = new SnapshotIndex(s);
    assert.equal(compileNode(s, 'n1', { index }).flows.length, compileNode(s, 'n1').flows.length);
    const empty = {
      ...s,
      nodes: [...s.nodes, { ...s.nodes[0]!, id: 'N3', name: 'n3', tunnelIp: '10.99.0.3' }],
    };
    const c = compileNode(empty, 'n3');
    // ARP/ND guards (3), nd_reply, the host MAC in l2, the node's own address in l3, output.
    assert.equal(c.flows.filter((f) => f.priority !== 0).length, 7);
    assert.throws(() => compileNode(s, 'nope'), /no node named nope/);
  });

  it('builds its snapshot from the model cache', () => {
    const s = cluster();
    const m = new ModelCache();
    for (const n of s.nodes) m.put('node', n);
    for (const t of s.tenants) m.put('tenant', t);
    for (const n of s.networks) m.put('network', n);
    for (const x of s.subnets) m.put('subnet', x);
    for (const r of s.routers) m.put('router', r);
    for (const i of s.routerInterfaces) m.put('routerInterface', i);
    for (const e of s.endpoints) m.put('endpoint', e);
    const snap = snapshotFromModel(m);
    assert.equal(snap.endpoints.length, s.endpoints.length);
    const a = compileNode(snap, 'n2').flows.map((f) => flowText(f, true));
    const b = compileNode(s, 'n2').flows.map((f) => flowText(f, true));
    assert.deepEqual(a, b);
  });
});
