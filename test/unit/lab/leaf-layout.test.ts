// The lab's leaf VTEP plan: which nodes are network-overlay nodes, their uplinks, the leaf's names and addresses.
import assert from 'node:assert/strict';
import { planLab, validateOptions, type LabOptions } from '../../../northbound/cli/lab/layout';
import { nodeRegistration } from '../../../northbound/cli/lab/register';

const base: LabOptions = {
  dir: '/tmp/lab',
  prefix: 'sdnlab',
  nodes: 3,
  podsPerNode: 2,
  tenants: 1,
  controller: null,
  ovsdbPortBase: 16640,
};

describe('unit: lab plan with a leaf VTEP', () => {
  it('has no leaf and only host-overlay nodes without --vtep', () => {
    const plan = planLab(base);
    assert.equal(plan.leaf, undefined);
    assert.deepEqual(
      plan.nodes.map((n) => n.overlay),
      ['host', 'host', 'host'],
    );
  });

  it('makes n1..nK network-overlay nodes, each with a trunk to its own leaf port', () => {
    const plan = planLab({ ...base, vtep: { networkNodes: 2 } });
    assert.deepEqual(
      plan.nodes.map((n) => [n.name, n.overlay, n.leafUplink]),
      [
        ['n1', 'network', 'eth-leaf'],
        ['n2', 'network', 'eth-leaf'],
        ['n3', 'host', undefined],
      ],
    );
    const leaf = plan.leaf!;
    assert.equal(leaf.name, 'leaf1');
    assert.equal(leaf.netns, 'sdnlab-leaf');
    assert.equal(leaf.dir, '/tmp/lab/leaf');
    assert.equal(leaf.tunnelIp, '10.99.0.250');
    assert.equal(leaf.brPhyMac, '02:00:0a:63:00:fa');
    assert.equal(leaf.ovsdbPort, 16644, 'after the three nodes');
    assert.deepEqual(leaf.uplinks, [
      { node: 'n1', nodeIf: 'eth-leaf', port: 'up-n1' },
      { node: 'n2', nodeIf: 'eth-leaf', port: 'up-n2' },
    ]);
    assert.equal(leaf.bareMetalPort, 'bm0');
  });

  it('registers network-overlay nodes with their uplink', () => {
    const [n1, , n3] = planLab({ ...base, vtep: { networkNodes: 2 } }).nodes;
    assert.equal(nodeRegistration(n1).overlay, 'network');
    assert.equal(nodeRegistration(n1).uplink, 'eth-leaf');
    assert.equal(nodeRegistration(n3).overlay, 'host');
    assert.equal('uplink' in nodeRegistration(n3), false);
  });

  it('refuses more network-overlay nodes than nodes', () => {
    assert.match(validateOptions({ ...base, vtep: { networkNodes: 4 } }) ?? '', /--network-nodes/);
    assert.equal(validateOptions({ ...base, vtep: { networkNodes: 3 } }), null);
  });
});
