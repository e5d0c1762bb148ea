// Node-to-pod health probes over IPv6 on the fake switch: the node's neighbour solicitation for a pod's address
// (sent to the solicited-node multicast address, so no ipv6_dst match can take it) enters the pod's network by its
// target and is answered in the switch; the node's TCP probe then reaches a deny-all pod and teaches the switch
// (NXAST_LEARN, simulated) the flow of exactly its reply, while nothing else from the pod reaches the node.
import { strict as assert } from 'node:assert';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { hostMac, syntheticGatewayMac } from '../../../controller/pipeline/context.js';
import { LOCAL_PORT } from '../../../controller/pipeline/ports.js';
import type { PipelineSnapshot } from '../../../controller/pipeline/snapshot.js';
import { FakeSwitch, type Packet } from '../../support/fake-switch.js';
import { cluster, MAC } from './fixture.js';
import { group } from './sg-fixture.js';

const NODE_V6 = 'fd00:5dc0::1';

/** a1 (n1, port 1, fd00:1::10) in a group that denies every new ingress connection. */
function denyAll(): PipelineSnapshot {
  const base = cluster();
  return {
    ...base,
    endpoints: base.endpoints.map((e) => (e.id === 'a1' ? { ...e, securityGroupIds: ['G-deny'] } : e)),
    securityGroups: [group('G-deny', { allowWithinGroup: false })],
    securityGroupRules: [],
  };
}

describe('pipeline: node-to-pod probes over IPv6', () => {
  const snap = denyAll();
  const n1 = compileNode(snap, 'n1');
  const host = hostMac(snap.nodes.find((n) => n.name === 'n1') as never);

  it("answers the node's neighbour solicitation for a local pod's address back out of LOCAL", () => {
    const ns: Packet = {
      in_port: LOCAL_PORT,
      eth_src: host,
      eth_dst: '33:33:ff:00:00:10',
      eth_type: 0x86dd,
      ipv6_src: NODE_V6,
      ipv6_dst: 'ff02::1:ff00:10',
      ip_proto: 58,
      icmpv6_type: 135,
      ipv6_nd_target: 'fd00:1::10',
    };
    const r = new FakeSwitch(n1.flows, n1.groups).inject(ns);
    assert.equal(r.outputs.length, 1, r.trace.join('\n'));
    const na = r.outputs[0];
    assert.equal(na?.port, LOCAL_PORT);
    assert.equal(na?.packet.icmpv6_type, 136);
    assert.equal(na?.packet.ipv6_src, 'fd00:1::10');
    assert.equal(na?.packet.ipv6_nd_tll, MAC.a1);
    // A target no local pod holds is not answered for the node.
    assert.deepEqual(
      new FakeSwitch(n1.flows, n1.groups).inject({ ...ns, ipv6_nd_target: 'fd00:1::99' }).outputs,
      [],
    );
  });

  it('passes the TCP probe to the deny-all pod, lets exactly its reply back to the node, and nothing else', () => {
    const sw = new FakeSwitch(n1.flows, n1.groups);
    const syn: Packet = {
      in_port: LOCAL_PORT,
      eth_src: host,
      eth_dst: MAC.a1,
      eth_type: 0x86dd,
      ipv6_src: NODE_V6,
      ipv6_dst: 'fd00:1::10',
      ip_proto: 6,
      ip_ttl: 64,
      tcp_src: 40000,
      tcp_dst: 7070,
    };
    // The pod's reply goes to its gateway (the node's address is on no pod subnet).
    const reply = (sport: number, dport: number): Packet => ({
      in_port: 1,
      eth_src: MAC.a1,
      eth_dst: syntheticGatewayMac('SA1v6'),
      eth_type: 0x86dd,
      ipv6_src: 'fd00:1::10',
      ipv6_dst: NODE_V6,
      ip_proto: 6,
      ip_ttl: 64,
      tcp_src: sport,
      tcp_dst: dport,
    });
    assert.deepEqual(
      sw.inject(reply(7070, 40000)).outputs,
      [],
      'before any probe, the pod reaches nothing of the node',
    );
    const probe = sw.inject(syn);
    assert.deepEqual(
      probe.outputs.map((o) => o.port),
      [1],
      probe.trace.join('\n'),
    );
    const back = sw.inject(reply(7070, 40000));
    assert.deepEqual(
      back.outputs.map((o) => [o.port, o.packet.eth_dst]),
      [[LOCAL_PORT, host]],
      back.trace.join('\n'),
    );
    assert.match(back.trace[back.trace.length - 1] ?? '', /table=30 priority=12000/, 'by the learned flow');
    assert.deepEqual(sw.inject(reply(7070, 40001)).outputs, [], 'another port of the node: no');
    assert.deepEqual(sw.inject(reply(33000, 7171)).outputs, [], 'a connection the pod opens: no');
    // The same SYN from the tunnel (another node's pod): the group's default denies it.
    const fromPod = sw.inject({
      ...syn,
      in_port: 65000,
      tun_id: 100n,
      tun_ipv4_src: '10.99.0.2',
      ipv6_src: 'fd00:1::12',
    });
    assert.deepEqual(fromPod.outputs, []);
    assert.match(fromPod.trace[fromPod.trace.length - 1] ?? '', /^table=60 /, 'dropped in ingress_security');
  });
});
