import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { ChangeEvent } from '../../../controller/events';
import { SYSTEM } from '../../../controller/ops/actor';
import { cniAdd, cniCheck, cniDel, cniGc } from '../../../controller/ops/cni';
import { modelOnlyDataplane } from '../../../controller/dataplane';
import { createEndpoint, deleteEndpoint } from '../../../controller/ops/endpoints';
import { DomainError } from '../../../controller/ops/errors';
import { createNode, deleteNode } from '../../../controller/ops/nodes';
import { createBinding } from '../../../controller/ops/bindings';
import {
  createNetwork,
  createSubnet,
  createTenant,
  deleteNetwork,
  deleteSubnet,
} from '../../../controller/ops/tenancy';
import { createToken } from '../../../controller/ops/tokens';
import { SqliteStore } from '../../../controller/store/sqlite-store';
import { SCHEMA_VERSION } from '../../../controller/store/migrations';
import { TempModel } from '../../support/model';

function expectDomain(
  fn: () => unknown,
  kind: DomainError['kind'],
  message: RegExp,
  field?: string,
): DomainError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    if (field !== undefined) assert.equal(e.field, field);
    return e;
  }
  return assert.fail('expected an error');
}

describe('store: the model on a real SQLite file', () => {
  let m: TempModel;
  beforeEach(() => (m = new TempModel({ retentionMs: 60_000 })));
  afterEach(() => m.dispose());

  function basics(cidr = '10.0.0.0/24', overlay: 'host' | 'network' = 'host') {
    const t = createTenant(m.ctx, SYSTEM, { name: 'acme' });
    const n = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name: 'web' });
    const s = createSubnet(m.ctx, SYSTEM, { network: n.id, cidr });
    const node = createNode(m.ctx, SYSTEM, {
      name: 'node1',
      vswitch: 'ovs',
      overlay,
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
    return { t, n, s, node };
  }

  it('opens in WAL mode with foreign keys and the current schema version', () => {
    assert.equal(m.store.schemaVersion, SCHEMA_VERSION);
    m.store.close();
    const db = new Database(m.file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    db.close();
    m.reopen();
  });

  it('refuses a store written by a newer controller', () => {
    m.store.close();
    const db = new Database(m.file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => new SqliteStore(m.file), /newer than this controller/);
    m.reopen = () => undefined;
    m.store = new SqliteStore(':memory:');
  });

  it('keeps everything across a restart, and allocation continues without a duplicate', () => {
    const { n, node } = basics();
    const a = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'vm', node: 'node1', name: 'a' });
    const b = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'vm', node: 'node1', name: 'b' });
    assert.deepEqual([a.ips, b.ips], [['10.0.0.2'], ['10.0.0.3']]);
    deleteEndpoint(m.ctx, SYSTEM, 'a');
    m.reopen();
    assert.equal(m.store.get('network', n.id)?.vni, n.vni);
    assert.equal(m.store.get('node', node.id)?.name, 'node1');
    assert.deepEqual(m.store.get('endpoint', b.id), b);
    const c = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'vm', node: 'node1', name: 'c' });
    assert.deepEqual(c.ips, ['10.0.0.2'], 'the released address is the lowest free one again');
    const d = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'vm', node: 'node1', name: 'd' });
    assert.deepEqual(d.ips, ['10.0.0.4']);
  });

  it('writes one audit row and emits one change event per mutation, naming the nodes, once durable', async () => {
    const { node } = basics();
    await m.store.durable();
    const events: ChangeEvent[] = [];
    m.store.events.on('change', (e) => events.push(e));
    const e = createEndpoint(
      m.ctx,
      { id: 'tok-1', role: 'admin' },
      { network: 'web', kind: 'pod', node: 'node1', name: 'p' },
    );
    assert.equal(events.length, 0, 'not before the commit');
    await m.store.durable();
    assert.equal(events.length, 1);
    assert.equal(events[0].action, 'endpoint.create');
    assert.equal(events[0].actor, 'tok-1');
    assert.deepEqual(events[0].nodes, [node.id]);
    const created = events[0].changes.find((c) => c.kind === 'endpoint');
    assert.equal(created?.op, 'created');
    assert.deepEqual(created?.after, e);
    const [row] = m.store.audit(1);
    assert.equal(row.seq, events[0].seq);
    assert.equal(row.action, 'endpoint.create');
    assert.deepEqual(row.changes, JSON.parse(JSON.stringify(events[0].changes)));
  });

  it('a failed transaction leaves store, cache and free lists as they were', () => {
    basics();
    createEndpoint(m.ctx, SYSTEM, {
      network: 'web',
      kind: 'vm',
      node: 'node1',
      name: 'a',
      ips: ['10.0.0.9'],
    });
    const before = m.store.audit(100).length;
    // The second address is taken: the first, already claimed inside the transaction, must be given back.
    expectDomain(
      () =>
        createEndpoint(m.ctx, SYSTEM, {
          network: 'web',
          kind: 'vm',
          node: 'node1',
          name: 'b',
          ips: ['10.0.0.5', '10.0.0.9'],
        }),
      'conflict',
      /10\.0\.0\.9 is already in use/,
      'body/ips/1',
    );
    assert.equal(m.store.audit(100).length, before);
    assert.equal(m.store.lookup('endpoint', 'name', 'b').length, 0);
    const s = m.store.lookup('subnet', 'name', '10.0.0.0/24')[0];
    assert.ok(m.ctx.ipam.isFree(s.id, '10.0.0.5'));
    const c = createEndpoint(m.ctx, SYSTEM, {
      network: 'web',
      kind: 'vm',
      node: 'node1',
      name: 'c',
      ips: ['10.0.0.5'],
    });
    assert.deepEqual(c.ips, ['10.0.0.5']);
  });

  it('auto-allocates the lowest free VNI and refuses a taken one', () => {
    createTenant(m.ctx, SYSTEM, { name: 't' });
    const a = createNetwork(m.ctx, SYSTEM, { tenant: 't', name: 'a', vni: 1 });
    const b = createNetwork(m.ctx, SYSTEM, { tenant: 't', name: 'b' });
    assert.deepEqual([a.vni, b.vni], [1, 2]);
    expectDomain(
      () => createNetwork(m.ctx, SYSTEM, { tenant: 't', name: 'c', vni: 2 }),
      'conflict',
      /VNI 2 is taken/,
      'body/vni',
    );
    deleteNetwork(m.ctx, SYSTEM, 'a');
    assert.equal(createNetwork(m.ctx, SYSTEM, { tenant: 't', name: 'd' }).vni, 1);
  });

  it('gives a dual-stack endpoint one address per family, MAC derived from the first', () => {
    basics();
    createSubnet(m.ctx, SYSTEM, { network: 'web', cidr: 'fd00:1::/64' });
    const e = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'node1', name: 'p' });
    assert.deepEqual(e.ips, ['10.0.0.2', 'fd00:1::2']);
    assert.equal(e.mac, '0a:58:0a:00:00:02');
  });

  it('says when a subnet is exhausted, and which', () => {
    basics('10.0.0.0/30'); // .1 is the gateway, .2 the only host
    createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'vm', node: 'node1', name: 'a' });
    expectDomain(
      () => createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'vm', node: 'node1', name: 'b' }),
      'exhausted',
      /no free IPv4 address in network web \(subnets 10\.0\.0\.0\/30 are full\)/,
    );
  });

  it('retains a stable owner’s address and MAC within the window, and nobody else gets it', () => {
    basics();
    const owner = { namespace: 'db', name: 'pg-0' };
    const a = createEndpoint(m.ctx, SYSTEM, {
      network: 'web',
      kind: 'pod',
      node: 'node1',
      name: 'pg-0',
      owner,
    });
    deleteEndpoint(m.ctx, SYSTEM, 'pg-0');
    const other = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'node1', name: 'x' });
    assert.notDeepEqual(other.ips, a.ips);
    m.reopen();
    const back = createEndpoint(m.ctx, SYSTEM, {
      network: 'web',
      kind: 'pod',
      node: 'node1',
      name: 'pg-0',
      owner,
    });
    assert.deepEqual(back.ips, a.ips);
    assert.equal(back.mac, a.mac);
  });

  it('frees retained addresses after the window', async () => {
    m.dispose();
    m = new TempModel({ retentionMs: 20 });
    basics('10.0.0.0/30');
    createEndpoint(m.ctx, SYSTEM, {
      network: 'web',
      kind: 'pod',
      node: 'node1',
      name: 'a',
      owner: { namespace: 'n', name: 'a' },
    });
    deleteEndpoint(m.ctx, SYSTEM, 'a');
    await new Promise((r) => setTimeout(r, 40));
    const b = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'node1', name: 'b' });
    assert.deepEqual(b.ips, ['10.0.0.2']);
  });

  it('binds a VLAN per (node, network) on network-overlay nodes and says when the range is exhausted', () => {
    createTenant(m.ctx, SYSTEM, { name: 't' });
    createNode(m.ctx, SYSTEM, {
      name: 'leaf1',
      vswitch: 'ovs',
      overlay: 'network',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
      vlanRange: { min: 10, max: 11 },
    });
    for (const name of ['n1', 'n2', 'n3']) {
      createNetwork(m.ctx, SYSTEM, { tenant: 't', name });
      createSubnet(m.ctx, SYSTEM, { network: name, cidr: '10.0.0.0/24' }); // overlapping across networks is fine
    }
    createEndpoint(m.ctx, SYSTEM, { network: 'n1', kind: 'pod', node: 'leaf1', name: 'a' });
    createEndpoint(m.ctx, SYSTEM, { network: 'n1', kind: 'pod', node: 'leaf1', name: 'b' });
    createEndpoint(m.ctx, SYSTEM, { network: 'n2', kind: 'pod', node: 'leaf1', name: 'c' });
    const vlans = [...m.store.all('vlanBinding')].map((b) => b.vlan).sort();
    assert.deepEqual(vlans, [10, 11]);
    expectDomain(
      () => createEndpoint(m.ctx, SYSTEM, { network: 'n3', kind: 'pod', node: 'leaf1', name: 'd' }),
      'exhausted',
      /node leaf1 has no free VLAN: all of 10-11 are bound/,
    );
    deleteEndpoint(m.ctx, SYSTEM, 'c');
    const d = createEndpoint(m.ctx, SYSTEM, { network: 'n3', kind: 'pod', node: 'leaf1', name: 'd' });
    const binding = m.store.lookup('vlanBinding', 'nodeNetwork', `${d.nodeId}/${d.networkId}`)[0];
    assert.equal(binding.vlan, 11);
  });

  it('refuses deletes that would orphan objects, naming what holds them', () => {
    const { s } = basics();
    createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'vm', node: 'node1', name: 'a' });
    const e = expectDomain(() => deleteSubnet(m.ctx, SYSTEM, s.id), 'conflict', /still used by endpoint a/);
    assert.equal(e.holders?.[0].kind, 'endpoint');
    expectDomain(() => deleteNetwork(m.ctx, SYSTEM, 'web'), 'conflict', /endpoint a, subnet 10\.0\.0\.0\/24/);
    expectDomain(() => deleteNode(m.ctx, SYSTEM, 'node1'), 'conflict', /endpoint a/);
    deleteEndpoint(m.ctx, SYSTEM, 'a');
    deleteSubnet(m.ctx, SYSTEM, s.id);
    deleteNetwork(m.ctx, SYSTEM, 'web');
  });

  it('CNI add is idempotent by (node, containerId, ifname); del and gc release', async () => {
    const { node } = basics();
    createBinding(m.ctx, SYSTEM, { namespace: 'default', network: 'web' });
    const { token } = createToken(m.ctx, SYSTEM, { role: 'cni', node: 'node1' });
    const cni = { id: token.id, role: 'cni' as const, nodeId: node.id };
    const req = {
      containerId: 'c1',
      ifname: 'eth0',
      netns: '/proc/1/ns/net',
      hostIfName: 'veth1',
      k8sNamespace: 'default',
      k8sPodName: 'p',
    };
    const r1 = await cniAdd(m.ctx, modelOnlyDataplane, cni, req);
    const r2 = await cniAdd(m.ctx, modelOnlyDataplane, cni, req);
    assert.deepEqual(r1, r2);
    assert.deepEqual(r1.ips, [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }]);
    assert.deepEqual(r1.routes, [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }]);
    assert.equal(m.store.get('endpoint', r1.endpointId)?.portName, 'veth1');
    assert.deepEqual(cniCheck(m.ctx, cni, req), r1);
    const r3 = await cniAdd(m.ctx, modelOnlyDataplane, cni, { ...req, containerId: 'c2', k8sPodName: 'q' });
    const released = await cniGc(m.ctx, modelOnlyDataplane, cni, [{ containerId: 'c2', ifname: 'eth0' }]);
    assert.deepEqual(released, [{ containerId: 'c1', ifname: 'eth0', endpointId: r1.endpointId }]);
    await cniDel(m.ctx, modelOnlyDataplane, cni, { containerId: 'c2', ifname: 'eth0' });
    await cniDel(m.ctx, modelOnlyDataplane, cni, { containerId: 'c2', ifname: 'eth0' });
    assert.equal(m.store.get('endpoint', r3.endpointId), undefined);
    expectDomain(() => cniCheck(m.ctx, cni, req), 'not-found', /not found/);
  });
});

describe('store: group commit', () => {
  let m: TempModel;
  beforeEach(() => (m = new TempModel()));
  afterEach(() => m.dispose());

  it('a failed mutation between two good ones in the same commit undoes only itself', async () => {
    createTenant(m.ctx, SYSTEM, { name: 'a' });
    assert.throws(() => createTenant(m.ctx, SYSTEM, { name: 'a' }), /already exists/);
    assert.throws(
      () =>
        m.store.transact({ actor: 'test', action: 'boom' }, (tx) => {
          tx.create('tenant', { id: '01a00000-0000-7000-8000-000000000001', name: 'ghost', createdAt: '' });
          throw new Error('boom');
        }),
      /boom/,
    );
    createTenant(m.ctx, SYSTEM, { name: 'b' });
    await m.store.durable();
    m.reopen();
    assert.deepEqual(
      [...m.store.all('tenant')].map((t) => t.name),
      ['a', 'b'],
    );
    assert.deepEqual(
      m.store.audit(10).map((r) => r.action),
      ['tenant.create', 'tenant.create'],
    );
  });

  it('closing commits what is pending', () => {
    createTenant(m.ctx, SYSTEM, { name: 'a' });
    m.reopen();
    assert.equal(m.store.lookup('tenant', 'name', 'a').length, 1);
  });
});
