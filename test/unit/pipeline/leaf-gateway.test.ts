// Routing for bare metal: a server behind leaf L1 (10.99.0.9) in network A1 (10.1.0.0/24, routed with A2 by router
// RA) of the hybrid fixture (n1 network-overlay behind L1, n2 host-overlay). The leaf gateway is the first
// host-overlay node by id: it accepts A1 from the leaf's tunnel, answers the server's ARP and ping for its gateway
// back into the tunnel, and routes what the server sends to the gateway MAC; the leaf holds the gateway MAC there.
import { strict as assert } from 'node:assert';
import { leafGatewayNode } from '../../../controller/model/leaf-gateway.js';
import type { Endpoint } from '../../../controller/model/types.js';
import { compileNode } from '../../../controller/pipeline/compile.js';
import type { PipelineSnapshot } from '../../../controller/pipeline/snapshot.js';
import { TUNNEL_OFPORT } from '../../../controller/pipeline/ports.js';
import { desiredVtep } from '../../../controller/reconcile/vtep-desired.js';
import { FakeSwitch, type Packet } from '../../support/fake-switch.js';
import { flowText } from './flow-text.js';
import { endpoint, hybrid, MAC, node } from './fixture.js';

const BM_MAC = '02:00:00:00:b0:01';
const BM_IP = '10.1.0.50';
const LEAF = '10.99.0.9';

function bareMetal(over: Partial<Endpoint> = {}): Endpoint {
  return {
    id: 'bm1',
    networkId: 'A1',
    tenantId: 'TA',
    nodeId: 'L1',
    physical: { vtepId: 'L1', port: 'p7', vlan: 30 },
    kind: 'baremetal',
    name: 'bm1',
    mac: BM_MAC,
    ips: [BM_IP],
    securityGroupIds: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

function withBareMetal(s: PipelineSnapshot = hybrid()): PipelineSnapshot {
  return { ...s, endpoints: [...s.endpoints, bareMetal()] };
}

/** A frame the leaf sends over VXLAN to the node at `nodeIp`, from the server. */
function fromLeaf(nodeIp: string, p: Packet, vni = 100n): Packet {
  return { ...p, in_port: TUNNEL_OFPORT, tun_id: vni, tun_ipv4_src: LEAF, tun_ipv4_dst: nodeIp };
}

function ip(src: string, dst: string, ethSrc: string, ethDst: string, extra: Packet = {}): Packet {
  return {
    eth_src: ethSrc,
    eth_dst: ethDst,
    eth_type: 0x0800,
    ipv4_src: src,
    ipv4_dst: dst,
    ip_proto: 1,
    ip_ttl: 64,
    ...extra,
  };
}

const outs = (r: { outputs: { port: number; packet: Packet }[] }, ...fields: (keyof Packet)[]) =>
  r.outputs.map((o) => [o.port, ...fields.map((f) => o.packet[f])]);

describe('bare metal routed by the leaf gateway', () => {
  const s = withBareMetal();

  it('is the first host-overlay node by id, never a network-overlay node or a leaf', () => {
    assert.equal(leafGatewayNode(s.nodes)?.name, 'n2');
    const early = node('N0', 'n0', '10.99.0.5');
    assert.equal(leafGatewayNode([...s.nodes, early])?.name, 'n0');
    assert.equal(leafGatewayNode([{ ...early, overlay: 'network' }, s.nodes[0]!]), undefined);
  });

  it('accepts the network from the leaf only, into arp_nd, answers going back to the leaf (ovs-ofctl)', () => {
    const text = compileNode(s, 'n2').flows.map((f) => flowText(f));
    const classify = text.filter((l) => l.startsWith('table=0,') && l.includes('tun_src='));
    assert.deepEqual(classify, [
      `table=0, priority=300,in_port=65000,tun_id=0x64,tun_src=${LEAF} actions=set_field:${LEAF}->tun_dst,load:0x2->NXM_NX_REG0[0..3],load:0x7c04fc1c->NXM_NX_REG2[],write_metadata:0x64/0xffffff,goto_table:10`,
    ]);
    assert.deepEqual(
      text.filter((l) => l.startsWith('table=70,') && l.includes('IN_PORT')),
      ['table=70, priority=300,reg0=0x112/0xf1f,reg1=0xfde8 actions=output:IN_PORT'],
    );
    // n1 is not the leaf gateway: no such flow; and a network without bare metal has none on n2 either.
    assert.ok(!compileNode(s, 'n1').flows.some((f) => flowText(f).includes('tun_src=')));
    assert.ok(!compileNode(hybrid(), 'n2').flows.some((f) => flowText(f).includes('tun_src=')));
  });

  const n2 = compileNode(s, 'n2');
  const sw = new FakeSwitch(n2.flows, n2.groups);

  it("answers the server's ARP for its gateway back into the tunnel to the leaf, with the network's VNI", () => {
    const r = sw.inject(
      fromLeaf('10.99.0.2', {
        eth_src: BM_MAC,
        eth_dst: 'ff:ff:ff:ff:ff:ff',
        eth_type: 0x0806,
        arp_op: 1,
        arp_sha: BM_MAC,
        arp_spa: BM_IP,
        arp_tha: '00:00:00:00:00:00',
        arp_tpa: '10.1.0.1',
      }),
    );
    assert.deepEqual(outs(r, 'tun_id', 'tun_ipv4_dst', 'arp_op', 'arp_sha', 'arp_spa', 'eth_dst'), [
      [TUNNEL_OFPORT, 100n, LEAF, 2, MAC.gwA1, '10.1.0.1', BM_MAC],
    ]);
  });

  it("answers the server's ping to its gateway back to the leaf", () => {
    const r = sw.inject(fromLeaf('10.99.0.2', ip(BM_IP, '10.1.0.1', BM_MAC, MAC.gwA1, { icmpv4_type: 8 })));
    assert.deepEqual(outs(r, 'tun_ipv4_dst', 'ipv4_src', 'ipv4_dst', 'icmpv4_type'), [
      [TUNNEL_OFPORT, LEAF, '10.1.0.1', BM_IP, 0],
    ]);
  });

  it('routes the server to a pod in another subnet on this node: dec_ttl, MAC rewrite, its port', () => {
    const r = sw.inject(fromLeaf('10.99.0.2', ip(BM_IP, '10.2.0.20', BM_MAC, MAC.gwA1)));
    assert.deepEqual(outs(r, 'eth_src', 'eth_dst', 'ip_ttl'), [[2, MAC.gwA2, MAC.a4, 63]]);
  });

  it('routes the server to a pod behind a network-overlay node: over VXLAN to the leaf with that network', () => {
    const r = sw.inject(fromLeaf('10.99.0.2', ip(BM_IP, '10.2.0.21', BM_MAC, MAC.gwA1)));
    assert.deepEqual(outs(r, 'tun_id', 'tun_ipv4_dst', 'eth_src', 'eth_dst', 'ip_ttl'), [
      [TUNNEL_OFPORT, 101n, LEAF, MAC.gwA2, MAC.a5, 63],
    ]);
  });

  it("routes a pod's reply to the server: to the leaf with the server's network and MAC", () => {
    const r = sw.inject({ ...ip('10.2.0.20', BM_IP, MAC.a4, MAC.gwA2), in_port: 2 });
    assert.deepEqual(outs(r, 'tun_id', 'tun_ipv4_dst', 'eth_src', 'eth_dst', 'ip_ttl'), [
      [TUNNEL_OFPORT, 100n, LEAF, MAC.gwA1, BM_MAC, 63],
    ]);
  });

  it('does not route what another VTEP sends to the gateway MAC (it routed its own already)', () => {
    const r = sw.inject({
      ...fromLeaf('10.99.0.2', ip(BM_IP, '10.2.0.20', BM_MAC, MAC.gwA1)),
      tun_ipv4_src: '10.99.0.7',
    });
    assert.deepEqual(r.outputs, []);
  });

  it('a leaf gateway without pods of the tenant takes part in its routing domain all the same', () => {
    const t = withBareMetal();
    const s0 = { ...t, nodes: [...t.nodes, node('N0', 'n0', '10.99.0.5')] };
    const n0 = compileNode(s0, 'n0');
    const r = new FakeSwitch(n0.flows, n0.groups).inject(
      fromLeaf('10.99.0.5', ip(BM_IP, '10.2.0.20', BM_MAC, MAC.gwA1)),
    );
    assert.deepEqual(outs(r, 'tun_id', 'tun_ipv4_dst', 'eth_dst', 'ip_ttl'), [
      [TUNNEL_OFPORT, 101n, '10.99.0.2', MAC.a4, 63],
    ]);
    // n2 is no longer the gateway: the leaf's frames to the gateway MAC are not routed there.
    assert.ok(!compileNode(s0, 'n2').flows.some((f) => flowText(f).includes('tun_src=')));
  });

  it('a network without a gateway is switched only: no leaf gateway flows', () => {
    const t = withBareMetal();
    const noGw = {
      ...t,
      subnets: t.subnets.map((x) => (x.networkId === 'B1' ? { ...x, gateway: undefined } : x)),
      endpoints: [
        ...t.endpoints,
        bareMetal({ id: 'bm2', networkId: 'B1', tenantId: 'TB', mac: '02:00:00:00:b0:02' }),
      ],
    } as PipelineSnapshot;
    const text = compileNode(noGw, 'n2').flows.map((f) => flowText(f));
    assert.ok(!text.some((l) => l.includes('tun_src=') && l.includes('tun_id=0xc8')));
  });
});

describe("the leaf's rows for a routed bare-metal network", () => {
  it('holds each gateway MAC of the network at the leaf gateway, which is also a BUM target', () => {
    const s = withBareMetal();
    const d = desiredVtep(s, s.vteps![0]!);
    const gw = d.ucastRemote.filter((m) => m.tunnelIp === '10.99.0.2' && m.logicalSwitch === 'vni-100');
    // The IPv4 gateway's router interface MAC, and the IPv6 subnet's synthetic gateway MAC; pods a3 on n2 too.
    assert.deepEqual(
      gw.map((m) => [m.mac, m.ipaddr]).sort(),
      [
        [MAC.a3, '10.1.0.12'],
        [MAC.gwA1, '10.1.0.1'],
        [d.ucastRemote.find((m) => m.ipaddr === '' && m.logicalSwitch === 'vni-100')!.mac, ''],
      ].sort(),
    );
    assert.deepEqual(d.mcastRemote.find((m) => m.logicalSwitch === 'vni-100')?.tunnelIps, ['10.99.0.2']);
  });

  it('names as BUM targets the host-overlay nodes that route into the network, so that the leaf takes their VXLAN', () => {
    const t = withBareMetal();
    // n0 (the leaf gateway) and n5, which hosts only A2, a pod of the same router's other subnet.
    const s = {
      ...t,
      nodes: [...t.nodes, node('N0', 'n0', '10.99.0.5'), node('N5', 'n5', '10.99.0.6')],
      endpoints: [...t.endpoints, endpoint('a6', 'A2', 'TA', 'N5', 1, '0a:58:0a:02:00:16', ['10.2.0.22'])],
    };
    const d = desiredVtep(s, s.vteps![0]!);
    assert.deepEqual(d.mcastRemote.find((m) => m.logicalSwitch === 'vni-100')?.tunnelIps, [
      '10.99.0.2',
      '10.99.0.5',
      '10.99.0.6',
    ]);
    assert.ok(d.ucastRemote.some((m) => m.mac === MAC.gwA1 && m.tunnelIp === '10.99.0.5'));
  });

  it('has no gateway rows for a network without bare metal behind this leaf', () => {
    const s = hybrid();
    const d = desiredVtep(s, s.vteps![0]!);
    assert.ok(!d.ucastRemote.some((m) => m.mac === MAC.gwA1));
  });
});
