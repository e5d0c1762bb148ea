// The trace probe's pure parts: the frame built from a traced packet (parsed back by the packet codec, checksums
// valid), and the rule that a probe only goes to an address the model holds.
import assert from 'node:assert/strict';
import { decodeFrame, verifyTransportChecksum } from '../../../protocols/packets/index.js';
import type { Packet } from '../../../controller/pipeline/trace.js';
import { isModelAddress } from '../../../northbound/dashboard/probe.js';
import { probeFrame } from '../../../northbound/dashboard/probe-frame.js';
import { TempModel } from '../../support/model.js';
import { SYSTEM } from '../../../controller/ops/actor.js';
import * as ops from '../../../controller/ops/index.js';

const L2 = { in_port: 3, eth_src: '02:00:00:00:00:0a', eth_dst: '02:00:00:00:00:0b', ip_ttl: 64 };
const V4 = { ...L2, eth_type: 0x0800, ipv4_src: '10.1.0.10', ipv4_dst: '10.1.0.11' };
const V6 = { ...L2, eth_type: 0x86dd, ipv6_src: 'fd00::a', ipv6_dst: 'fd00::b' };

describe('trace probe: the injected frame', () => {
  const cases: [string, Packet, number][] = [
    ['TCP SYN over IPv4', { ...V4, ip_proto: 6, tcp_src: 40000, tcp_dst: 8080 }, 6],
    ['UDP over IPv4', { ...V4, ip_proto: 17, udp_src: 40000, udp_dst: 53 }, 17],
    ['ICMP echo', { ...V4, ip_proto: 1, icmpv4_type: 8, icmpv4_code: 0 }, 1],
    ['TCP SYN over IPv6', { ...V6, ip_proto: 6, tcp_src: 40000, tcp_dst: 8080 }, 6],
    ['ICMPv6 echo', { ...V6, ip_proto: 58, icmpv6_type: 128, icmpv6_code: 0 }, 58],
  ];
  for (const [name, packet, proto] of cases)
    it(`${name}: parses back to the traced fields with a valid checksum`, () => {
      const f = probeFrame(packet);
      assert.ok(f.ok);
      const d = decodeFrame(f.value);
      assert.ok(d.ok, JSON.stringify(d));
      const { ethernet: eth, network, transport } = d.value;
      assert.equal(eth.src, packet.eth_src);
      assert.equal(eth.dst, packet.eth_dst);
      assert.ok(network && network.kind !== 'arp');
      assert.equal(network.protocol, proto);
      assert.equal(network.src, packet.ipv4_src ?? packet.ipv6_src);
      assert.equal(network.dst, packet.ipv4_dst ?? packet.ipv6_dst);
      assert.equal(verifyTransportChecksum(f.value, network), 'valid');
      if (proto === 6) {
        assert.equal((transport as { dstPort: number }).dstPort, 8080);
        assert.equal((transport as { flags: number }).flags, 0x02, 'SYN');
      }
      if (proto === 1 || proto === 58)
        assert.equal((transport as { type: number }).type, proto === 1 ? 8 : 128);
    });

  it('refuses a packet without addresses', () => {
    assert.equal(probeFrame({ ...L2, eth_type: 0x0800 }).ok, false);
    assert.equal(probeFrame({ ...V4, eth_src: 'nope' }).ok, false);
  });
});

describe('trace probe: addresses of the model only', () => {
  let model: TempModel;
  before(() => {
    model = new TempModel();
    const ctx = model.ctx;
    ops.createTenant(ctx, SYSTEM, { name: 't' });
    const net = ops.createNetwork(ctx, SYSTEM, { tenant: 't', name: 'n' });
    ops.createSubnet(ctx, SYSTEM, { network: net.id, cidr: '10.1.0.0/24', gateway: '10.1.0.1' });
    ops.createNode(ctx, SYSTEM, {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'tcp:127.0.0.1:1',
    });
    ops.createEndpoint(ctx, SYSTEM, {
      network: net.id,
      kind: 'pod',
      node: 'n1',
      name: 'a',
      ips: ['10.1.0.10'],
    });
  });
  after(() => model.dispose());

  it('takes endpoint, gateway and node addresses, and nothing outside the model', () => {
    for (const ip of ['10.1.0.10', '10.1.0.1', '192.0.2.1']) assert.ok(isModelAddress(model.store, ip), ip);
    for (const ip of ['10.1.0.99', '8.8.8.8', '::1', 'not-an-ip'])
      assert.equal(isModelAddress(model.store, ip), false, ip);
  });
});
