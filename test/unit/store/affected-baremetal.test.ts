// Change events of routed networks and bare metal: an endpoint reaches every node of its routing domain (each routes to
// its address), and a network with a server behind a leaf reaches the leaf gateway, even when that node hosts none
// of the tenant's pods, and even when the change removes the last server.
import assert from 'node:assert/strict';
import type { ChangeEvent } from '../../../controller/events';
import { SYSTEM } from '../../../controller/ops/actor';
import { createEndpoint, deleteEndpoint } from '../../../controller/ops/endpoints';
import { createNode, updateNode } from '../../../controller/ops/nodes';
import { addRouterInterface, createRouter } from '../../../controller/ops/routers';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy';
import { createVtep } from '../../../controller/ops/vteps';
import { TempModel } from '../../support/model';

describe('store: changes name the routing domain and the leaf gateway', () => {
  let m: TempModel;
  beforeEach(() => (m = new TempModel({ retentionMs: 60_000 })));
  afterEach(() => m.dispose());

  async function nodesOf(change: () => void): Promise<string[]> {
    await m.store.durable();
    const events: ChangeEvent[] = [];
    const on = (e: ChangeEvent): number => events.push(e);
    m.store.events.on('change', on);
    change();
    await m.store.durable();
    m.store.events.off('change', on);
    assert.equal(events.length, 1);
    return [...events[0]!.nodes].sort();
  }

  it('a server joining a routed network names the leaf gateway and the nodes of the other subnet', async () => {
    createTenant(m.ctx, SYSTEM, { name: 'acme' });
    const node = (name: string, ip: string) =>
      createNode(m.ctx, SYSTEM, { name, vswitch: 'ovs', overlay: 'host', tunnelIp: ip, ovsdb: 'unix:/x' });
    const gw = node('gw', '192.0.2.1'); // first by id: the leaf gateway, with no pod of the tenant
    const n2 = node('node2', '192.0.2.2');
    const n3 = node('node3', '192.0.2.3');
    const r = createRouter(m.ctx, SYSTEM, { tenant: 'acme', name: 'r1' });
    for (const [name, cidr] of [
      ['metal', '10.0.0.0/24'],
      ['pods', '10.0.1.0/24'],
      ['lonely', '10.0.2.0/24'],
    ] as const) {
      const n = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name });
      const s = createSubnet(m.ctx, SYSTEM, { network: n.id, cidr });
      if (name !== 'lonely') addRouterInterface(m.ctx, SYSTEM, r.id, { subnet: s.id });
    }
    createEndpoint(m.ctx, SYSTEM, { network: 'pods', kind: 'pod', node: 'node2', name: 'p' });
    createEndpoint(m.ctx, SYSTEM, { network: 'lonely', kind: 'pod', node: 'node3', name: 'l' });
    const leaf = createVtep(m.ctx, SYSTEM, {
      name: 'leaf1',
      ovsdb: 'tcp:127.0.0.1:1',
      tunnelIp: '192.0.2.9',
    });

    let server: { id: string } | undefined;
    const created = await nodesOf(() => {
      server = createEndpoint(m.ctx, SYSTEM, {
        network: 'metal',
        kind: 'baremetal',
        vtep: 'leaf1',
        port: 'p1',
        vlan: 10,
        name: 'bm',
      });
    });
    // node3 hosts only a network outside the router: not named.
    assert.deepEqual(created, [gw.id, n2.id, leaf.id].sort());
    assert.ok(!created.includes(n3.id));
    // A pod of the other subnet arriving: its routes reach the leaf gateway (which routes for the server).
    const pod = await nodesOf(() =>
      createEndpoint(m.ctx, SYSTEM, { network: 'pods', kind: 'pod', node: 'node2', name: 'p2' }),
    );
    assert.deepEqual(pod, [gw.id, n2.id, leaf.id].sort());
    // The last server leaving still names the leaf gateway, which drops its part.
    const gone = await nodesOf(() => deleteEndpoint(m.ctx, SYSTEM, server!.id));
    assert.ok(gone.includes(gw.id), gone.join(','));
  });

  it('a node whose overlay changes names every node: the leaf gateway may move to or from it', async () => {
    const node = (name: string, ip: string) =>
      createNode(m.ctx, SYSTEM, { name, vswitch: 'ovs', overlay: 'host', tunnelIp: ip, ovsdb: 'unix:/x' });
    const gw = node('gw', '192.0.2.1');
    const n2 = node('node2', '192.0.2.2');
    const n3 = node('node3', '192.0.2.3');
    // gw becomes a network-overlay node: node2 is the leaf gateway now and must compile so.
    const changed = await nodesOf(() => updateNode(m.ctx, SYSTEM, 'gw', { overlay: 'network' }));
    assert.deepEqual(changed, [gw.id, n2.id, n3.id].sort());
    // Any other change of a node names that node only.
    assert.deepEqual(
      await nodesOf(() => updateNode(m.ctx, SYSTEM, 'node3', { vlanRange: { min: 200, max: 300 } })),
      [n3.id],
    );
  });
});
