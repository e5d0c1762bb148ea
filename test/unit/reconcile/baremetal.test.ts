// Bare metal behind a leaf, in the hybrid fixture: a server on leaf1 port p7, VLAN 30, in network A1. The leaf binds
// (p7, 30) to A1's logical switch and lists no remote row for the server (it learns that MAC itself); a host-overlay
// node reaches the server over VXLAN to the leaf and floods A1 there; a network-overlay node reaches it tagged out
// of its uplink, like any MAC behind the leaf.
import { strict as assert } from 'node:assert';
import type { Endpoint } from '../../../controller/model/types.js';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { desiredVtep } from '../../../controller/reconcile/vtep-desired.js';
import { flowText } from '../pipeline/flow-text.js';
import { hybrid } from '../pipeline/fixture.js';

const BM_MAC = '02:00:00:00:b0:01';

function withBareMetal() {
  const s = hybrid();
  const bm: Endpoint = {
    id: 'bm1',
    networkId: 'A1',
    tenantId: 'TA',
    nodeId: 'L1',
    physical: { vtepId: 'L1', port: 'p7', vlan: 30 },
    kind: 'baremetal',
    name: 'bm1',
    mac: BM_MAC,
    ips: ['10.1.0.50'],
    securityGroupIds: [],
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  return { ...s, endpoints: [...s.endpoints, bm] };
}

describe('bare-metal endpoints behind a leaf', () => {
  const s = withBareMetal();

  it("binds the server's (port, VLAN) to its network's logical switch and registers the port", () => {
    const d = desiredVtep(s, s.vteps![0]!);
    assert.deepEqual(
      d.bindings.filter((b) => b.port === 'p7'),
      [{ port: 'p7', vlan: 30, logicalSwitch: 'vni-100' }],
    );
    assert.deepEqual(d.ports, ['p1', 'p7']);
    assert.ok(!d.ucastRemote.some((m) => m.mac === BM_MAC), 'the leaf learns its own MACs');
  });

  it('is remote at its leaf for another leaf', () => {
    const other = { ...s.vteps![0]!, id: 'L2', name: 'leaf2', tunnelIp: '10.99.0.8', uplinks: [] };
    const d = desiredVtep({ ...s, vteps: [...s.vteps!, other] }, other);
    // leaf2 holds no binding for A1, so no row at all: the MAC matters only where the network is.
    assert.deepEqual(d.ucastRemote, []);
  });

  it('a host-overlay node tunnels to the leaf for the server and floods there', () => {
    const text = compileNode(s, 'n2').flows.map((f) => flowText(f));
    const toBm = text.find((l) => l.includes(`dl_dst=${BM_MAC}`) && l.includes('table=50'));
    assert.ok(toBm?.includes('set_field:10.99.0.9->tun_dst'), toBm ?? text.join('\n'));
  });

  it('a network-overlay node reaches the server tagged out of its uplink', () => {
    const text = compileNode(s, 'n1').flows.map((f) => flowText(f));
    const toBm = text.find((l) => l.includes(`dl_dst=${BM_MAC}`) && l.includes('table=50'));
    assert.ok(toBm?.includes('set_field:4196->vlan_vid'), toBm ?? text.join('\n'));
  });
});
