// The VTEP reconciler against ovsdb-server serving hardware_vtep (vtep.ovsschema): from a real model store, what
// vtep-ctl shows is exactly what the controller intended: a logical switch per network (tunnel_key = VNI,
// source_node), the (uplink port, VLAN) bindings that appear with a network's first endpoint on a network-overlay
// node and go with its last, remote MACs behind host-overlay nodes, unknown-dst to them; foreign rows untouched.
// And the model holds 5,000 networks across nodes with small VLAN ranges.
import assert from 'node:assert/strict';
import { SYSTEM } from '../../../controller/ops/actor';
import { createEndpoint, deleteEndpoint } from '../../../controller/ops/endpoints';
import { DomainError } from '../../../controller/ops/errors';
import { createNode } from '../../../controller/ops/nodes';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy';
import { createVtep, updateVtep } from '../../../controller/ops/vteps';
import { desiredVtep, logicalSwitchName, vtepRowCounts } from '../../../controller/reconcile/vtep-desired';
import { VtepReconciler } from '../../../controller/reconcile/vtep-reconciler';
import { snapshotFromModel } from '../../../controller/pipeline/snapshot';
import { TempModel } from '../../support/model';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs';
import { captureLogger, vtepctl } from '../ovsdb/helpers';

describe('integration: VTEP reconciler on a real hardware_vtep database', function () {
  this.timeout(120_000);
  let box: OvsSandbox;
  let m: TempModel;
  let rec: VtepReconciler;
  const ctl = async (...args: string[]) => (await vtepctl(box, ...args)).trim();

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start({ vtep: true, vswitchd: false });
    // The emulated leaf registers itself and its ports, as ovs-vtep does (OVS-LAB.md step 6); plus a foreign switch.
    await vtepctl(box, 'add-ps', 'leaf1');
    await vtepctl(box, 'set', 'Physical_Switch', 'leaf1', 'tunnel_ips=10.99.0.9');
    await vtepctl(box, 'add-port', 'leaf1', 'p1');
    await vtepctl(box, 'add-ls', 'foreign');
    await vtepctl(box, 'bind-ls', 'leaf1', 'p1', '7', 'foreign');
    m = new TempModel();
    const c = m.ctx;
    createTenant(c, SYSTEM, { name: 'a' });
    createTenant(c, SYSTEM, { name: 'b' });
    for (const [name, overlay, ip] of [
      ['n1', 'network', '10.99.0.1'],
      ['n2', 'network', '10.99.0.2'],
      ['n3', 'host', '10.99.0.3'],
    ] as const)
      createNode(c, SYSTEM, {
        name,
        vswitch: name === 'n2' ? 's1020v' : 'ovs',
        overlay,
        tunnelIp: ip,
        ovsdb: 'unix:/nonexistent',
        uplink: 'eth-up',
        vlanRange: { min: 100, max: 199 },
      });
    for (const t of ['a', 'b']) {
      createNetwork(c, SYSTEM, { tenant: t, name: 'net', vni: t === 'a' ? 5001 : 5002 });
      createSubnet(c, SYSTEM, { network: (await netOf(t)).id, cidr: '10.1.0.0/24' }); // same CIDR in both tenants
    }
    createVtep(c, SYSTEM, {
      name: 'leaf1',
      ovsdb: box.ovsdbTarget,
      tunnelIp: '10.99.0.9',
      uplinks: [
        { node: 'n1', port: 'p1' },
        { node: 'n2', port: 'p2' },
      ],
    });
    rec = new VtepReconciler({ model: m.store, events: m.store.events, log: captureLogger().log });
    rec.start();
    await rec.reconcileAll();
  });
  after(async () => {
    rec?.stop();
    await m?.store.durable();
    m?.dispose();
    await box?.stop();
  });

  async function netOf(tenant: string) {
    const t = [...m.store.all('tenant')].find((x) => x.name === tenant)!;
    return [...m.store.all('network')].find((n) => n.tenantId === t.id)!;
  }

  it('registers the uplink ports it binds; with no endpoint, no logical switch of ours', async () => {
    assert.equal(await ctl('list-ports', 'leaf1'), 'p1\np2');
    assert.equal(await ctl('list-ls'), 'foreign');
    assert.equal(await ctl('list-bindings', 'leaf1', 'p1'), '0007 foreign');
  });

  it('the first endpoint of a network on a network-overlay node binds its VLAN on the leaf', async () => {
    const net = await netOf('a');
    createEndpoint(m.ctx, SYSTEM, { network: net.id, kind: 'pod', node: 'n1', name: 'a1' });
    createEndpoint(m.ctx, SYSTEM, { network: net.id, kind: 'pod', node: 'n1', name: 'a2' });
    await rec.reconcileAll();
    const b = m.store.lookup('vlanBinding', 'nodeNetwork', `${nodeId('n1')}/${net.id}`)[0]!;
    assert.equal(b.vlan, 100);
    assert.equal(await ctl('list-ls'), `foreign\n${logicalSwitchName(5001)}`);
    assert.equal(await ctl('get', 'Logical_Switch', 'vni-5001', 'tunnel_key'), '5001');
    assert.equal(await ctl('get', 'Logical_Switch', 'vni-5001', 'replication_mode'), 'source_node');
    assert.equal(await ctl('list-bindings', 'leaf1', 'p1'), '0007 foreign\n0100 vni-5001');
    // Nothing lives behind another VTEP yet.
    assert.equal(await ctl('list-remote-macs', 'vni-5001'), 'ucast-mac-remote\n\nmcast-mac-remote');
  });

  it('tenant b, same CIDR, gets its own logical switch and VLAN on n2 (s1020v): isolated by VNI', async () => {
    createEndpoint(m.ctx, SYSTEM, { network: (await netOf('b')).id, kind: 'pod', node: 'n2', name: 'b1' });
    createEndpoint(m.ctx, SYSTEM, { network: (await netOf('a')).id, kind: 'vm', node: 'n2', name: 'a3' });
    await rec.reconcileAll();
    assert.equal(await ctl('list-ls'), 'foreign\nvni-5001\nvni-5002');
    // n2's VLANs are its own: 100 for the first network bound there, 101 for the next.
    assert.equal(await ctl('list-bindings', 'leaf1', 'p2'), '0100 vni-5002\n0101 vni-5001');
  });

  it('MACs behind a host-overlay node become Ucast_Macs_Remote at its tunnel IP, and BUM goes there', async () => {
    const e = createEndpoint(m.ctx, SYSTEM, {
      network: (await netOf('a')).id,
      kind: 'pod',
      node: 'n3',
      name: 'h1',
    });
    await rec.reconcileAll();
    const macs = await ctl('list-remote-macs', 'vni-5001');
    assert.equal(
      macs,
      `ucast-mac-remote\n  ${e.mac} -> vxlan_over_ipv4/10.99.0.3\n\nmcast-mac-remote\n  unknown-dst -> vxlan_over_ipv4/10.99.0.3`,
    );
    assert.equal(await ctl('list-remote-macs', 'vni-5002'), 'ucast-mac-remote\n\nmcast-mac-remote');
    const d = desiredVtep(snapshotFromModel(m.store), m.store.lookup('vtep', 'name', 'leaf1')[0]!);
    assert.deepEqual(vtepRowCounts(d), {
      Logical_Switch: 2,
      vlan_bindings: 3,
      Ucast_Macs_Remote: 1,
      Mcast_Macs_Remote: 1,
      Physical_Locator: 1,
    });
  });

  it('a second run with nothing changed writes nothing', async () => {
    const before = await ctl('show');
    const vtep = m.store.lookup('vtep', 'name', 'leaf1')[0]!;
    updateVtep(m.ctx, SYSTEM, vtep.id, { tunnelIp: vtep.tunnelIp });
    await rec.reconcileAll();
    assert.equal(await ctl('show'), before);
  });

  it('puts back what someone else removed from the leaf, and leaves what someone else added', async () => {
    await vtepctl(box, 'unbind-ls', 'leaf1', 'p2', '100');
    await vtepctl(box, 'add-ls', 'operator-ls');
    let text = '';
    for (let i = 0; i < 50 && !text.includes('0100 vni-5002'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await ctl('list-bindings', 'leaf1', 'p2');
    }
    assert.equal(text, '0100 vni-5002\n0101 vni-5001');
    await rec.reconcileAll();
    assert.equal(await ctl('list-ls'), 'foreign\noperator-ls\nvni-5001\nvni-5002');
    await vtepctl(box, 'del-ls', 'operator-ls');
  });

  it('the last endpoint leaving a node unbinds its VLAN on the leaf; the last anywhere removes the switch', async () => {
    deleteEndpoint(m.ctx, SYSTEM, 'a1');
    await rec.reconcileAll();
    assert.equal(await ctl('list-bindings', 'leaf1', 'p1'), '0007 foreign\n0100 vni-5001'); // a2 still there
    deleteEndpoint(m.ctx, SYSTEM, 'a2');
    await rec.reconcileAll();
    assert.equal(await ctl('list-bindings', 'leaf1', 'p1'), '0007 foreign');
    deleteEndpoint(m.ctx, SYSTEM, 'a3');
    await rec.reconcileAll();
    assert.equal(await ctl('list-ls'), 'foreign\nvni-5002');
    assert.equal(await ctl('list-bindings', 'leaf1', 'p2'), '0100 vni-5002');
    deleteEndpoint(m.ctx, SYSTEM, 'b1');
    deleteEndpoint(m.ctx, SYSTEM, 'h1');
    await rec.reconcileAll();
    assert.equal(await ctl('list-ls'), 'foreign');
    assert.equal(await ctl('list-bindings', 'leaf1', 'p1'), '0007 foreign');
  });

  function nodeId(name: string): string {
    return m.store.lookup('node', 'name', name)[0]!.id;
  }
});

describe('integration: 5,000 networks on nodes with small VLAN ranges', function () {
  this.timeout(180_000);
  let m: TempModel;
  before(() => (m = new TempModel()));
  after(async () => {
    await m?.store.durable();
    m?.dispose();
  });

  it('holds more than 4094 networks in the cluster, none over a node range, and says when a node is full', () => {
    const c = m.ctx;
    createTenant(c, SYSTEM, { name: 't' });
    const nodes = ['w1', 'w2', 'w3'];
    for (const [i, name] of nodes.entries())
      createNode(c, SYSTEM, {
        name,
        vswitch: 'ovs',
        overlay: 'network',
        tunnelIp: `10.99.1.${i + 1}`,
        ovsdb: 'unix:/nonexistent',
        uplink: 'eth-up',
        vlanRange: { min: 2000, max: 3699 }, // 1,700 VLANs per node
      });
    createVtep(c, SYSTEM, {
      name: 'leaf',
      ovsdb: 'unix:/nonexistent',
      tunnelIp: '10.99.1.9',
      uplinks: nodes.map((n, i) => ({ node: n, port: `p${i}` })),
    });
    const N = 5000;
    for (let i = 0; i < N; i++) {
      const net = createNetwork(c, SYSTEM, { tenant: 't', name: `n${i}` });
      createSubnet(c, SYSTEM, { network: net.id, cidr: '10.0.0.0/29' });
      createEndpoint(c, SYSTEM, { network: net.id, kind: 'pod', node: nodes[i % 3]!, name: `e${i}` });
    }
    const bindings = [...m.store.all('vlanBinding')];
    assert.equal(bindings.length, N);
    for (const name of nodes) {
      const node = m.store.lookup('node', 'name', name)[0]!;
      const mine = bindings.filter((b) => b.nodeId === node.id);
      assert.ok(
        mine.every((b) => b.vlan >= 2000 && b.vlan <= 3699),
        `${name} over its range`,
      );
      assert.equal(new Set(mine.map((b) => b.vlan)).size, mine.length, `${name} reuses a VLAN`);
    }
    const d = desiredVtep(snapshotFromModel(m.store), m.store.lookup('vtep', 'name', 'leaf')[0]!);
    assert.equal(d.logicalSwitches.length, N);
    assert.equal(d.bindings.length, N);
    // Fill w1 (1,667 bound) to its 1,700, then one more network there is refused with a message that says why.
    for (let i = 0; i < 33; i++) {
      const net = createNetwork(c, SYSTEM, { tenant: 't', name: `fill${i}` });
      createSubnet(c, SYSTEM, { network: net.id, cidr: '10.0.0.0/29' });
      createEndpoint(c, SYSTEM, { network: net.id, kind: 'pod', node: 'w1', name: `f${i}` });
    }
    const last = createNetwork(c, SYSTEM, { tenant: 't', name: 'one-too-many' });
    createSubnet(c, SYSTEM, { network: last.id, cidr: '10.0.0.0/29' });
    assert.throws(
      () => createEndpoint(c, SYSTEM, { network: last.id, kind: 'pod', node: 'w1', name: 'x' }),
      (e: unknown) =>
        e instanceof DomainError && /node w1 has no free VLAN: all of 2000-3699 are bound/.test(e.message),
    );
    // The same network lands fine on a node with room.
    createEndpoint(c, SYSTEM, { network: last.id, kind: 'pod', node: 'w2', name: 'x' });
  });
});
