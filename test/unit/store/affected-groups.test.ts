// A membership change reaches every node whose pipeline matches on the group's addresses: nodes of members of
// groups that name it as remote, in other networks too (their conjunction's clause 2 lists its addresses).
import assert from 'node:assert/strict';
import type { ChangeEvent } from '../../../controller/events';
import { SYSTEM } from '../../../controller/ops/actor';
import { createEndpoint, updateEndpoint } from '../../../controller/ops/endpoints';
import { createNode } from '../../../controller/ops/nodes';
import { addRule, createSecurityGroup } from '../../../controller/ops/policy';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy';
import { TempModel } from '../../support/model';

describe('store: changes of security group membership name the nodes that match on it', () => {
  let m: TempModel;
  beforeEach(() => (m = new TempModel({ retentionMs: 60_000 })));
  afterEach(() => m.dispose());

  it('a pod joining a remote group reaches the node of a member in another network', async () => {
    createTenant(m.ctx, SYSTEM, { name: 'acme' });
    for (const [name, cidr] of [
      ['front', '10.0.0.0/24'],
      ['back', '10.0.1.0/24'],
    ] as const) {
      const n = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name });
      createSubnet(m.ctx, SYSTEM, { network: n.id, cidr });
    }
    const node = (name: string, ip: string) =>
      createNode(m.ctx, SYSTEM, { name, vswitch: 'ovs', overlay: 'host', tunnelIp: ip, ovsdb: 'unix:/x' });
    const n1 = node('node1', '192.0.2.1');
    const n2 = node('node2', '192.0.2.2');
    const web = createSecurityGroup(m.ctx, SYSTEM, { tenant: 'acme', name: 'web' });
    const clients = createSecurityGroup(m.ctx, SYSTEM, { tenant: 'acme', name: 'clients' });
    addRule(m.ctx, SYSTEM, web.id, {
      direction: 'ingress',
      protocol: 'tcp',
      portMin: 80,
      remoteGroup: clients.id,
    });
    createEndpoint(m.ctx, SYSTEM, {
      network: 'back',
      kind: 'pod',
      node: 'node1',
      name: 'server',
      securityGroups: [web.id],
    });
    const c = createEndpoint(m.ctx, SYSTEM, { network: 'front', kind: 'pod', node: 'node2', name: 'client' });
    await m.store.durable();
    const events: ChangeEvent[] = [];
    m.store.events.on('change', (e) => events.push(e));
    updateEndpoint(m.ctx, SYSTEM, c.id, { securityGroups: [clients.id] });
    await m.store.durable();
    assert.equal(events.length, 1);
    assert.deepEqual([...events[0].nodes].sort(), [n1.id, n2.id].sort());
  });
});
