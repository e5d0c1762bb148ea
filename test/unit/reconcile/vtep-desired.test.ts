// The rows a leaf should hold, from the hybrid fixture: n1 (network overlay, VLANs 100..102) uplinked to leaf1 on
// p1, n2 a host-overlay node. And a second leaf: MACs behind it are remote at its tunnel IP, not at their node's.
import { strict as assert } from 'node:assert';
import { desiredVtep, vtepRowCounts } from '../../../controller/reconcile/vtep-desired.js';
import { hybrid, MAC } from '../pipeline/fixture.js';

describe('VTEP desired rows', () => {
  const s = hybrid();
  const leaf1 = s.vteps![0]!;

  it('one source_node logical switch per network bound behind the leaf, marked as ours, with its bindings', () => {
    const d = desiredVtep(s, leaf1);
    assert.deepEqual(
      d.logicalSwitches.map((l) => [l.name, l.vni, l.description]),
      [
        ['vni-100', 100, 'sdn-network:A1'],
        ['vni-101', 101, 'sdn-network:A2'],
        ['vni-200', 200, 'sdn-network:B1'],
      ],
    );
    assert.deepEqual(d.bindings, [
      { port: 'p1', vlan: 100, logicalSwitch: 'vni-100' },
      { port: 'p1', vlan: 101, logicalSwitch: 'vni-101' },
      { port: 'p1', vlan: 102, logicalSwitch: 'vni-200' },
    ]);
    assert.deepEqual(d.ports, ['p1']);
  });

  it('MACs behind the host-overlay node are remote at its tunnel IP; BUM goes there; local ones are not listed', () => {
    const d = desiredVtep(s, leaf1);
    assert.deepEqual(d.ucastRemote, [
      { logicalSwitch: 'vni-100', mac: MAC.a3, tunnelIp: '10.99.0.2', ipaddr: '10.1.0.12' },
      { logicalSwitch: 'vni-101', mac: MAC.a4, tunnelIp: '10.99.0.2', ipaddr: '10.2.0.20' },
      { logicalSwitch: 'vni-200', mac: MAC.b2, tunnelIp: '10.99.0.2', ipaddr: '10.1.0.11' },
    ]);
    assert.deepEqual(
      d.mcastRemote.map((m) => [m.logicalSwitch, m.tunnelIps]),
      [
        ['vni-100', ['10.99.0.2']],
        ['vni-101', ['10.99.0.2']],
        ['vni-200', ['10.99.0.2']],
      ],
    );
    assert.deepEqual(vtepRowCounts(d), {
      Logical_Switch: 3,
      vlan_bindings: 3,
      Ucast_Macs_Remote: 3,
      Mcast_Macs_Remote: 3,
      Physical_Locator: 1,
    });
  });

  it('MACs on a network-overlay node behind another leaf are remote at that leaf', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const n2 = { ...s.nodes[1]!, overlay: 'network' as const, uplink: 'eth-up' };
    const two = {
      ...s,
      nodes: [s.nodes[0]!, n2],
      vlanBindings: [
        ...s.vlanBindings,
        { id: 'V9', nodeId: 'N2', networkId: 'A1', vlan: 300, vni: 100, createdAt: at },
      ],
      vteps: [
        leaf1,
        { ...leaf1, id: 'L2', name: 'leaf2', tunnelIp: '10.99.0.8', uplinks: [{ nodeId: 'N2', port: 'q1' }] },
      ],
    };
    const d1 = desiredVtep(two, leaf1);
    assert.deepEqual(
      d1.ucastRemote.map((m) => [m.mac, m.tunnelIp]),
      [
        [MAC.a3, '10.99.0.8'],
        [MAC.a4, '10.99.0.8'],
        [MAC.b2, '10.99.0.8'],
      ],
    );
    const d2 = desiredVtep(two, two.vteps[1]!);
    // leaf2 holds only A1 (the one network bound on n2), with n1's MACs behind leaf1.
    assert.deepEqual(d2.bindings, [{ port: 'q1', vlan: 300, logicalSwitch: 'vni-100' }]);
    assert.deepEqual(
      d2.ucastRemote.map((m) => [m.mac, m.tunnelIp]),
      [
        [MAC.a1, '10.99.0.9'],
        [MAC.a2, '10.99.0.9'],
      ],
    );
  });

  it('a leaf with no uplinked node holds nothing', () => {
    const d = desiredVtep(s, { ...leaf1, uplinks: [] });
    assert.deepEqual([d.logicalSwitches, d.bindings, d.ucastRemote, d.mcastRemote], [[], [], [], []]);
  });
});
