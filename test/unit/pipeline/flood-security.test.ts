// Broadcast and multicast meet the receiving ports' security groups: the flood group's local copies go through
// ingress_security (and output) like unicast frames do. On the fake multi-table switch (strict: every action of the
// path is simulated, conntrack included): a UDP broadcast reaches a pod without a group and the other node, but not a
// pod whose group denies ingress; the same from the tunnel (local-only group); with an allowing rule it passes.
import { strict as assert } from 'node:assert';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { TUNNEL_OFPORT } from '../../../controller/pipeline/ports.js';
import type { PipelineSnapshot } from '../../../controller/pipeline/snapshot.js';
import { FakeSwitch, type Packet } from '../../support/fake-switch.js';
import { cluster, endpoint, MAC } from './fixture.js';
import { group, rule } from './sg-fixture.js';

const A6_MAC = '0a:58:0a:01:00:0d';

/** n1 hosts a1 (port 1), a2 (port 2, deny-all group) and a6 (port 5, no group) in network A1 (VNI 100). */
function snapshot(rules = false): PipelineSnapshot {
  const base = cluster();
  return {
    ...base,
    endpoints: [
      ...base.endpoints.map((e) => (e.id === 'a2' ? { ...e, securityGroupIds: ['G-deny'] } : e)),
      endpoint('a6', 'A1', 'TA', 'N1', 5, A6_MAC, ['10.1.0.13']),
    ],
    securityGroups: [group('G-deny', { allowWithinGroup: false })],
    securityGroupRules: rules
      ? [rule('R-udp', 'G-deny', { protocol: 'udp', portMin: 5353, portMax: 5353 })]
      : [],
  };
}

function udpBroadcast(extra: Packet): Packet {
  return {
    eth_src: MAC.a1,
    eth_dst: 'ff:ff:ff:ff:ff:ff',
    eth_type: 0x0800,
    ipv4_src: '10.1.0.10',
    ipv4_dst: '10.1.0.255',
    ip_proto: 17,
    ip_ttl: 64,
    udp_src: 40000,
    udp_dst: 5353,
    ...extra,
  };
}

const ports = (s: FakeSwitch, p: Packet): number[] =>
  [...new Set(s.inject(p).outputs.map((o) => o.port))].sort((a, b) => a - b);

describe('pipeline: flooded frames pass the ingress security of each receiving port', () => {
  const denying = new FakeSwitch(compileNode(snapshot(), 'n1').flows, compileNode(snapshot(), 'n1').groups);

  it('a broadcast from a pod reaches the pod without a group and the other node, not the deny-all pod', () => {
    assert.deepEqual(ports(denying, udpBroadcast({ in_port: 1 })), [5, TUNNEL_OFPORT]);
  });

  it('the same broadcast from the tunnel (local-only group) reaches a1 and a6, not a2', () => {
    const fromTunnel = udpBroadcast({ in_port: TUNNEL_OFPORT, tun_id: 100n, tun_ipv4_src: '10.99.0.2' });
    assert.deepEqual(ports(denying, { ...fromTunnel, eth_src: MAC.a3, ipv4_src: '10.1.0.12' }), [1, 5]);
  });

  it('never sends a copy back out of the port it came in on', () => {
    assert.ok(!ports(denying, udpBroadcast({ in_port: 1 })).includes(1));
  });

  it("a rule of the receiving port's group that allows the datagram lets the broadcast in", () => {
    const c = compileNode(snapshot(true), 'n1');
    assert.deepEqual(ports(new FakeSwitch(c.flows, c.groups), udpBroadcast({ in_port: 1 })), [
      2,
      5,
      TUNNEL_OFPORT,
    ]);
  });

  it('without any group every local port and the other node get the broadcast', () => {
    const c = compileNode(cluster(), 'n1');
    assert.deepEqual(ports(new FakeSwitch(c.flows, c.groups), udpBroadcast({ in_port: 1 })), [
      2,
      TUNNEL_OFPORT,
    ]);
  });
});
