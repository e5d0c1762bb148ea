// Behaviour of compiled pipelines on the fake switch: where does this packet go?
import { DEFAULT_EGRESS_TRANSIT_IP } from '../../../controller/pipeline/egress-transit.js';
import { strict as assert } from 'node:assert';
import { compileNode, type CompiledNode } from '../../../controller/pipeline/compile.js';
import { hostMac, syntheticGatewayMac } from '../../../controller/pipeline/context.js';
import { LOCAL_PORT, TUNNEL_OFPORT } from '../../../controller/pipeline/ports.js';
import { FakeSwitch, type Packet } from '../../support/fake-switch.js';
import { cluster, MAC } from './fixture.js';

const IPV4 = 0x0800;
const ARP = 0x0806;
const IPV6 = 0x86dd;

function switchOf(c: CompiledNode): FakeSwitch {
  return new FakeSwitch(c.flows, c.groups);
}

function ip(inPort: number, src: string, dst: string, ethSrc: string, ethDst: string): Packet {
  return {
    in_port: inPort,
    eth_src: ethSrc,
    eth_dst: ethDst,
    eth_type: IPV4,
    ipv4_src: src,
    ipv4_dst: dst,
    ip_proto: 1,
    ip_ttl: 64,
  };
}

function arpRequest(inPort: number, sha: string, spa: string, tpa: string): Packet {
  return {
    in_port: inPort,
    eth_src: sha,
    eth_dst: 'ff:ff:ff:ff:ff:ff',
    eth_type: ARP,
    arp_op: 1,
    arp_sha: sha,
    arp_spa: spa,
    arp_tha: '00:00:00:00:00:00',
    arp_tpa: tpa,
  };
}

describe('pipeline on the fake switch', () => {
  const snap = cluster();
  const n1 = compileNode(snap, 'n1');
  const n2 = compileNode(snap, 'n2');
  const s1 = switchOf(n1);
  const s2 = switchOf(n2);

  it('delivers to a pod on the same node, unchanged', () => {
    const r = s1.inject(ip(1, '10.1.0.10', '10.1.0.11', MAC.a1, MAC.a2));
    assert.deepEqual(
      r.outputs.map((o) => o.port),
      [2],
    );
    assert.equal(r.outputs[0]?.packet.ip_ttl, 64);
  });

  it('sends to a pod on another node over VXLAN with tun_id = VNI and tun_dst = that node', () => {
    const r = s1.inject(ip(1, '10.1.0.10', '10.1.0.12', MAC.a1, MAC.a3));
    assert.equal(r.outputs.length, 1);
    const o = r.outputs[0]!;
    assert.equal(o.port, TUNNEL_OFPORT);
    assert.equal(o.packet.tun_id, 100n);
    assert.equal(o.packet.tun_ipv4_dst, '10.99.0.2');
    // ...and the receiving node hands it to the pod.
    const back = s2.inject({ ...o.packet, in_port: TUNNEL_OFPORT, metadata: 0n, reg0: 0, reg1: 0, reg2: 0 });
    assert.deepEqual(
      back.outputs.map((x) => x.port),
      [1],
    );
  });

  it('keeps tenants apart when their addresses and MACs overlap', () => {
    // b1 (tenant B) has a1's IP and MAC. Its frame to a2's MAC (tenant A) finds nothing in network B.
    assert.deepEqual(s1.inject(ip(4, '10.1.0.10', '10.1.0.11', MAC.b1, MAC.a2)).outputs, []);
    // To its own neighbour b2 it goes over the tunnel with B's VNI.
    const r = s1.inject(ip(4, '10.1.0.10', '10.1.0.11', MAC.b1, MAC.b2));
    assert.equal(r.outputs[0]?.packet.tun_id, 200n);
    // On n2, VNI 200 to a2's MAC... does not exist there; VNI 200 to b2 reaches b2's port only.
    const inB = s2.inject({
      ...r.outputs[0]!.packet,
      in_port: TUNNEL_OFPORT,
      reg0: 0,
      reg1: 0,
      reg2: 0,
      metadata: 0n,
    });
    assert.deepEqual(
      inB.outputs.map((o) => o.port),
      [3],
    );
    // Tenant A's frame to a1's MAC reaches a1 (port 1), never b1 (port 4), although the MAC is the same.
    const toA1 = s1.inject(ip(2, '10.1.0.11', '10.1.0.10', MAC.a2, MAC.a1));
    assert.deepEqual(
      toA1.outputs.map((o) => o.port),
      [1],
    );
    // Tenant B cannot route into tenant A's other subnet: not routed, not sent out.
    const cross = s1.inject(ip(4, '10.1.0.10', '10.2.0.20', MAC.b1, n1GatewayMacB()));
    assert.deepEqual(cross.outputs, []);
  });

  function n1GatewayMacB(): string {
    const f = n1.flows.find(
      (x) =>
        x.table === 10 &&
        x.match.some((m) => m.field === 'metadata' && m.value === 200n) &&
        x.match.some((m) => m.field === 'arp_tpa'),
    );
    const act = f?.instructions[0];
    assert.ok(act && act.type === 'applyActions');
    const set = act.actions.find((a) => a.type === 'setField' && a.field.field === 'eth_src');
    assert.ok(set && set.type === 'setField');
    return set.field.value as string;
  }

  it('answers ARP in the switch for local, remote and gateway addresses, and drops unknown targets', () => {
    const remote = s1.inject(arpRequest(1, MAC.a1, '10.1.0.10', '10.1.0.12'));
    assert.equal(remote.outputs.length, 1);
    const reply = remote.outputs[0]!;
    assert.equal(reply.port, 1);
    assert.equal(reply.packet.arp_op, 2);
    assert.equal(reply.packet.arp_sha, MAC.a3);
    assert.equal(reply.packet.arp_spa, '10.1.0.12');
    assert.equal(reply.packet.arp_tha, MAC.a1);
    assert.equal(reply.packet.arp_tpa, '10.1.0.10');
    assert.equal(reply.packet.eth_dst, MAC.a1);
    assert.equal(reply.packet.eth_src, MAC.a3);

    const gw = s1.inject(arpRequest(1, MAC.a1, '10.1.0.10', '10.1.0.1'));
    assert.equal(gw.outputs[0]?.packet.arp_sha, MAC.gwA1);

    assert.deepEqual(s1.inject(arpRequest(1, MAC.a1, '10.1.0.10', '10.1.0.99')).outputs, []);
    // The same address asked from tenant B's network gets B's answer (b2), never A's.
    const b = s1.inject(arpRequest(4, MAC.b1, '10.1.0.10', '10.1.0.11'));
    assert.equal(b.outputs[0]?.packet.arp_sha, MAC.b2);
  });

  it('answers IPv6 neighbour solicitations and leaves DAD probes unanswered', () => {
    const ns: Packet = {
      in_port: 2,
      eth_src: MAC.a2,
      eth_dst: '33:33:ff:00:00:10',
      eth_type: IPV6,
      ipv6_src: 'fe80::1',
      ipv6_dst: 'ff02::1:ff00:10',
      ip_proto: 58,
      icmpv6_type: 135,
      ipv6_nd_target: 'fd00:1::10',
    };
    // a2 has no IPv6 address, so its link-local source is not allowed by the spoof guard: use a1 asking the gateway.
    assert.deepEqual(s1.inject(ns).outputs, []);
    const fromA1 = s1.inject({ ...ns, in_port: 1, eth_src: MAC.a1, ipv6_nd_target: 'fd00:1::1' });
    assert.equal(fromA1.outputs.length, 1);
    assert.equal(fromA1.outputs[0]?.packet.icmpv6_type, 136);
    // The IPv6 subnet has no router interface: its gateway answers with a MAC derived from the subnet.
    assert.equal(fromA1.outputs[0]?.packet.ipv6_nd_tll, syntheticGatewayMac('SA1v6'));
    assert.equal(fromA1.outputs[0]?.packet.ipv6_src, 'fd00:1::1');
    const dad = s1.inject({
      ...ns,
      in_port: 1,
      eth_src: MAC.a1,
      ipv6_src: '::',
      ipv6_nd_target: 'fd00:1::10',
    });
    assert.deepEqual(dad.outputs, []);
  });

  it("follows a router's static routes to their next hop, longest prefix first", () => {
    const wide = s1.inject(ip(1, '10.1.0.10', '172.16.5.5', MAC.a1, MAC.gwA1));
    assert.deepEqual(
      wide.outputs.map((o) => [o.port, o.packet.tun_id, o.packet.eth_dst, o.packet.eth_src, o.packet.ip_ttl]),
      [[TUNNEL_OFPORT, 101n, MAC.a4, MAC.gwA2, 63]],
    );
    const narrow = s1.inject(ip(1, '10.1.0.10', '172.16.9.5', MAC.a1, MAC.gwA1));
    assert.deepEqual(
      narrow.outputs.map((o) => [o.port, o.packet.eth_dst]),
      [[3, MAC.a5]],
    );
    // No next hop known: the route is left out and the packet takes the default way out (SNAT to the transit address).
    const unresolved = s1.inject(ip(1, '10.1.0.10', '192.168.1.1', MAC.a1, MAC.gwA1));
    assert.deepEqual(
      unresolved.outputs.map((o) => [o.port, o.packet.ipv4_src]),
      [[LOCAL_PORT, DEFAULT_EGRESS_TRANSIT_IP]],
    );
  });

  it('answers a ping to the gateway in the switch', () => {
    const r = s1.inject({ ...ip(1, '10.1.0.10', '10.1.0.1', MAC.a1, MAC.gwA1), icmpv4_type: 8 });
    assert.deepEqual(
      r.outputs.map((o) => [
        o.port,
        o.packet.ipv4_src,
        o.packet.ipv4_dst,
        o.packet.icmpv4_type,
        o.packet.eth_dst,
      ]),
      [[1, '10.1.0.1', '10.1.0.10', 0, MAC.a1]],
    );
    // Anything else to the gateway address is not routed anywhere.
    assert.deepEqual(
      s1.inject({ ...ip(1, '10.1.0.10', '10.1.0.1', MAC.a1, MAC.gwA1), ip_proto: 6 }).outputs,
      [],
    );
  });

  it('drops spoofed sources: IP, MAC and ARP sender', () => {
    assert.deepEqual(s1.inject(ip(1, '10.1.0.99', '10.1.0.11', MAC.a1, MAC.a2)).outputs, []);
    assert.deepEqual(s1.inject(ip(1, '10.1.0.10', '10.1.0.11', '0a:58:0a:01:00:63', MAC.a2)).outputs, []);
    assert.deepEqual(s1.inject(ip(1, '10.1.0.11', '10.1.0.12', MAC.a1, MAC.a3)).outputs, []);
    assert.deepEqual(s1.inject(arpRequest(1, MAC.a1, '10.1.0.11', '10.1.0.12')).outputs, []);
    assert.deepEqual(
      s1.inject({ ...arpRequest(1, MAC.a1, '10.1.0.10', '10.1.0.12'), arp_sha: MAC.a2 }).outputs,
      [],
    );
  });

  it('routes between two subnets of one tenant: dec_ttl and MAC rewrite, local and remote', () => {
    const remote = s1.inject(ip(1, '10.1.0.10', '10.2.0.20', MAC.a1, MAC.gwA1));
    assert.equal(remote.outputs.length, 1);
    const o = remote.outputs[0]!;
    assert.equal(o.port, TUNNEL_OFPORT);
    assert.equal(o.packet.tun_id, 101n);
    assert.equal(o.packet.tun_ipv4_dst, '10.99.0.2');
    assert.equal(o.packet.eth_src, MAC.gwA2);
    assert.equal(o.packet.eth_dst, MAC.a4);
    assert.equal(o.packet.ip_ttl, 63);
    const back = s2.inject({ ...o.packet, in_port: TUNNEL_OFPORT, reg0: 0, reg1: 0, reg2: 0, metadata: 0n });
    assert.deepEqual(
      back.outputs.map((x) => x.port),
      [2],
    );

    const local = s1.inject(ip(1, '10.1.0.10', '10.2.0.21', MAC.a1, MAC.gwA1));
    assert.deepEqual(
      local.outputs.map((x) => [x.port, x.packet.eth_dst, x.packet.ip_ttl]),
      [[3, MAC.a5, 63]],
    );
    // An address of a routed subnet that nobody holds is dropped, not sent out of the cluster.
    assert.deepEqual(s1.inject(ip(1, '10.1.0.10', '10.2.0.99', MAC.a1, MAC.gwA1)).outputs, []);
  });

  it('sends traffic for outside the cluster to the host with SNAT to the transit address, and brings replies back', () => {
    const out = s1.inject(ip(1, '10.1.0.10', '192.0.2.7', MAC.a1, MAC.gwA1));
    assert.equal(out.outputs.length, 1);
    const o = out.outputs[0]!;
    assert.equal(o.port, LOCAL_PORT);
    assert.equal(o.packet.ipv4_src, DEFAULT_EGRESS_TRANSIT_IP);
    assert.equal(o.packet.eth_dst, hostMac(snap.nodes[0]!));
    assert.equal(o.packet.ip_ttl, 63);
    const reply = s1.inject({
      in_port: LOCAL_PORT,
      eth_src: hostMac(snap.nodes[0]!),
      eth_dst: MAC.gwA1,
      eth_type: IPV4,
      ipv4_src: '192.0.2.7',
      ipv4_dst: DEFAULT_EGRESS_TRANSIT_IP,
      ip_proto: 1,
      ip_ttl: 60,
    });
    assert.deepEqual(
      reply.outputs.map((x) => [x.port, x.packet.ipv4_dst, x.packet.eth_dst]),
      [[1, '10.1.0.10', MAC.a1]],
    );
  });

  it('lets the node reach its pods through the bridge LOCAL port, and pods answer it', () => {
    const arp = s1.inject(arpRequest(LOCAL_PORT, hostMac(snap.nodes[0]!), '10.99.0.1', '10.1.0.11'));
    assert.deepEqual(
      arp.outputs.map((o) => [o.port, o.packet.arp_sha]),
      [[LOCAL_PORT, MAC.a2]],
    );
    const probe = s1.inject(ip(LOCAL_PORT, '10.99.0.1', '10.1.0.11', hostMac(snap.nodes[0]!), MAC.a2));
    assert.deepEqual(
      probe.outputs.map((o) => o.port),
      [2],
    );
    const answer = s1.inject(ip(2, '10.1.0.11', '10.99.0.1', MAC.a2, MAC.gwA1));
    assert.deepEqual(
      answer.outputs.map((o) => [o.port, o.packet.ipv4_src]),
      [[LOCAL_PORT, '10.1.0.11']],
    );
  });

  it('floods broadcast within the network: local ports and remote nodes, and from the tunnel to local ports only', () => {
    const bc = s1.inject({ ...ip(1, '10.1.0.10', '10.1.0.255', MAC.a1, 'ff:ff:ff:ff:ff:ff') });
    assert.deepEqual(
      bc.outputs.map((o) => [o.port, o.packet.tun_ipv4_dst]),
      [
        [2, undefined],
        [TUNNEL_OFPORT, '10.99.0.2'],
      ],
    );
    const fromTunnel = s1.inject({
      ...ip(TUNNEL_OFPORT, '10.1.0.12', '10.1.0.255', MAC.a3, 'ff:ff:ff:ff:ff:ff'),
      tun_id: 100n,
    });
    assert.deepEqual(
      fromTunnel.outputs.map((o) => o.port),
      [1, 2],
    );
  });
});
