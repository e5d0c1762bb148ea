import assert from 'node:assert/strict';
import {
  ArpOp,
  IpProto,
  TcpFlag,
  buildArp,
  buildArpReply,
  buildDestinationUnreachable,
  buildNeighborAdvertisement,
  buildNeighborAdvertisementReply,
  buildRouterAdvertisement,
  buildTcpReset,
  decodeFrame,
  parseIcmpv6,
  verifyTransportChecksum,
  type DecodedFrame,
  type Result,
} from '../../../protocols/packets/index.js';
import { captures } from './captures.js';
import { withVlan } from './craft.js';

function value<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`${r.error.layer} at ${r.error.offset}: ${r.error.reason}`);
  return r.value;
}

function refusal<T>(r: Result<T>): string {
  assert.equal(r.ok, false, 'expected a refusal');
  return r.ok ? '' : r.error.reason;
}

/** Parses a built frame and checks every checksum in it. */
function roundTrip(frame: Buffer): DecodedFrame {
  const d = value(decodeFrame(frame));
  const ip = d.network;
  if (ip && ip.kind !== 'arp') {
    if (ip.kind === 'ipv4') assert.equal(ip.checksumValid, true, 'IPv4 header checksum');
    assert.equal(verifyTransportChecksum(frame, ip), 'valid', 'upper-layer checksum');
  }
  return d;
}

describe('packets: reply builders, byte for byte against the Linux kernel', () => {
  it('ARP reply', () => {
    const reply = value(buildArpReply(captures.arpRequest, '02:00:00:00:00:0b'));
    assert.equal(reply.toString('hex'), captures.arpReply.toString('hex'));
  });

  it('TCP RST|ACK for an IPv4 SYN', () => {
    const rst = value(buildTcpReset(captures.tcpSyn));
    assert.equal(rst.toString('hex'), captures.tcpRstAck.toString('hex'));
  });

  it('TCP RST|ACK for an IPv6 SYN (given the kernel flow label)', () => {
    const rst = value(buildTcpReset(captures.tcp6Syn, { flowLabel: 0xa9357 }));
    assert.equal(rst.toString('hex'), captures.tcp6RstAck.toString('hex'));
  });

  it('ICMP port unreachable for UDP to a closed port (given the kernel IP id)', () => {
    const icmp = value(buildDestinationUnreachable(captures.udpToClosedPort, { identification: 0x95f7 }));
    assert.equal(icmp.toString('hex'), captures.icmpPortUnreachable.toString('hex'));
  });

  it('ICMPv6 port unreachable for UDP to a closed port (given the kernel flow label)', () => {
    const icmp = value(buildDestinationUnreachable(captures.udp6ToClosedPort, { flowLabel: 0x75d7c }));
    assert.equal(icmp.toString('hex'), captures.icmpv6PortUnreachable.toString('hex'));
  });

  it('Neighbor Advertisement answering a solicitation', () => {
    const na = value(buildNeighborAdvertisementReply(captures.neighborSolicitation, '02:00:00:00:00:0b'));
    assert.equal(na.toString('hex'), captures.neighborAdvertisement.toString('hex'));
  });
});

describe('packets: reply builders, semantics', () => {
  it('answers on the VLAN tags the request came with', () => {
    const tagged = withVlan(captures.arpRequest, 300, 3);
    const d = roundTrip(value(buildArpReply(tagged, '02:00:00:00:00:0b')));
    assert.deepEqual(d.ethernet.vlans, [{ tpid: 0x8100, pcp: 3, dei: false, vid: 300 }]);
    assert.equal(d.network?.kind === 'arp' && d.network.op, ArpOp.Reply);
    const rst = roundTrip(value(buildTcpReset(withVlan(captures.tcp6Syn, 7))));
    assert.equal(rst.ethernet.vlans[0].vid, 7);
  });

  it('RST for a segment with ACK takes SEQ=SEG.ACK and no ACK; SEG.LEN counts payload, SYN and FIN', () => {
    const withAck = Buffer.from(captures.tcpSyn);
    withAck[34 + 13] = TcpFlag.ACK | TcpFlag.PSH;
    withAck.writeUInt32BE(123456789, 34 + 8);
    const a = roundTrip(value(buildTcpReset(withAck))).transport;
    assert.ok(a?.kind === 'tcp');
    assert.deepEqual([a.flags, a.seq, a.ack], [TcpFlag.RST, 123456789, 0]);

    const finData = Buffer.concat([captures.tcpRstAck.subarray(0, 54), Buffer.from('hello')]);
    finData.writeUInt16BE(20 + 20 + 5, 14 + 2);
    finData[34 + 13] = TcpFlag.FIN;
    finData.writeUInt32BE(0xffffffff, 34 + 4); // wraps
    const f = roundTrip(value(buildTcpReset(finData))).transport;
    assert.ok(f?.kind === 'tcp');
    assert.deepEqual([f.flags, f.seq, f.ack], [TcpFlag.RST | TcpFlag.ACK, 0, 5]); // 0xffffffff + 5 + 1
  });

  it('never answers a RST, and refuses what is not TCP', () => {
    assert.match(refusal(buildTcpReset(captures.tcpRstAck)), /itself a RST/);
    assert.match(refusal(buildTcpReset(captures.udpToClosedPort)), /not TCP/);
    assert.match(refusal(buildTcpReset(captures.arpRequest)), /not an IP packet/);
  });

  it('quotes at most 576 bytes of IPv4 datagram and 1280 of IPv6 packet', () => {
    const v4 = roundTrip(value(buildDestinationUnreachable(captures.ipv4FirstFragment)));
    assert.ok(v4.network?.kind === 'ipv4');
    assert.equal(v4.network.totalLength, 576);
    const bigPayload = Buffer.alloc(1400, 0x61);
    const big6 = Buffer.concat([captures.udp6ToClosedPort, bigPayload]);
    big6.writeUInt16BE(8 + 6 + 1400, 14 + 4);
    big6.writeUInt16BE(8 + 6 + 1400, 14 + 40 + 4);
    const v6 = roundTrip(value(buildDestinationUnreachable(big6)));
    assert.ok(v6.network?.kind === 'ipv6');
    assert.equal(40 + v6.network.payloadLength, 1280);
  });

  it('never sends an ICMP error about an ICMP error, a fragment tail, or multicast', () => {
    assert.match(refusal(buildDestinationUnreachable(captures.icmpPortUnreachable)), /itself an ICMP error/);
    assert.match(
      refusal(buildDestinationUnreachable(captures.icmpv6PortUnreachable)),
      /itself an ICMPv6 error/,
    );
    assert.match(refusal(buildDestinationUnreachable(captures.ipv4MiddleFragment)), /non-first fragment/);
    assert.match(refusal(buildDestinationUnreachable(captures.routerSolicitation)), /group address/);
  });

  it('the code is selectable (host unreachable)', () => {
    const d = roundTrip(value(buildDestinationUnreachable(captures.tcpSyn, { code: 1 })));
    assert.ok(d.transport?.kind === 'icmp');
    assert.deepEqual([d.transport.type, d.transport.code], [3, 1]);
  });

  it('answers a duplicate address probe unsolicited to all nodes', () => {
    const dad = Buffer.from(captures.neighborSolicitation.subarray(0, 14 + 40 + 24)); // no source link-layer option
    dad.fill(0, 14 + 8, 14 + 24); // source ::
    dad.writeUInt16BE(24, 14 + 4);
    const d = roundTrip(value(buildNeighborAdvertisementReply(dad, '02:00:00:00:00:0b', { router: true })));
    assert.equal(d.ethernet.dst, '33:33:00:00:00:01');
    assert.ok(d.network?.kind === 'ipv6');
    assert.equal(d.network.dst, 'ff02::1');
    assert.equal(d.network.hopLimit, 255);
    assert.ok(d.transport?.kind === 'icmpv6');
    assert.deepEqual(d.transport.nd, {
      kind: 'neighborAdvertisement',
      router: true,
      solicited: false,
      override: true,
      target: 'fd77::2',
      options: [{ kind: 'targetLinkLayerAddress', mac: '02:00:00:00:00:0b' }],
    });
  });

  it('refuses a solicitation that did not arrive with hop limit 255', () => {
    const forwarded = Buffer.from(captures.neighborSolicitation);
    forwarded[14 + 7] = 254;
    assert.match(refusal(buildNeighborAdvertisementReply(forwarded, '02:00:00:00:00:0b')), /hop limit 254/);
  });

  it('builds ARP and NA from fields, and refuses bad addresses', () => {
    const garp = roundTrip(
      value(
        buildArp({
          op: ArpOp.Request,
          senderMac: '02:00:00:00:00:01',
          senderIp: '10.0.0.1',
          targetMac: '00:00:00:00:00:00',
          targetIp: '10.0.0.1',
          ethDst: 'ff:ff:ff:ff:ff:ff',
        }),
      ),
    );
    assert.equal(garp.ethernet.dst, 'ff:ff:ff:ff:ff:ff');
    assert.match(
      refusal(
        buildArp({
          op: 1,
          senderMac: 'x',
          senderIp: '10.0.0.1',
          targetMac: '00:00:00:00:00:00',
          targetIp: '1.1.1.1',
        }),
      ),
      /not a MAC address/,
    );
    const na = value(
      buildNeighborAdvertisement({
        target: 'fd00::10',
        targetMac: '02:00:00:00:00:10',
        dstIp: 'fd00::1',
        dstMac: '02:00:00:00:00:01',
        solicited: true,
      }),
    );
    const d = roundTrip(na);
    assert.ok(d.network?.kind === 'ipv6');
    assert.equal(d.network.protocol, IpProto.ICMPv6);
    assert.equal(parseIcmpv6(na, d.network.l4Offset, d.network.l4Length).ok, true);
    assert.match(
      refusal(
        buildNeighborAdvertisement({
          target: '10.0.0.1',
          targetMac: '02:00:00:00:00:10',
          dstIp: 'fd00::1',
          dstMac: '02:00:00:00:00:01',
          solicited: true,
        }),
      ),
      /not an IPv6 address/,
    );
  });
});

describe('packets: router advertisement builder', () => {
  it('builds an RA that parses back with its options and a valid checksum', () => {
    const frame = value(
      buildRouterAdvertisement({
        srcIp: 'fe80::1',
        srcMac: '02:00:00:00:00:01',
        dstIp: 'ff02::1',
        dstMac: '33:33:00:00:00:01',
        managed: false,
        otherConfig: true,
        mtu: 1450,
        prefixes: [{ prefix: 'fd00:10:244:1::99', prefixLength: 62 }],
      }),
    );
    const d = roundTrip(frame);
    assert.ok(d.network?.kind === 'ipv6');
    assert.equal(d.network.hopLimit, 255);
    assert.ok(d.transport?.kind === 'icmpv6');
    assert.deepEqual(d.transport.nd, {
      kind: 'routerAdvertisement',
      curHopLimit: 64,
      managed: false,
      otherConfig: true,
      routerLifetime: 1800,
      reachableTime: 0,
      retransTimer: 0,
      options: [
        { kind: 'sourceLinkLayerAddress', mac: '02:00:00:00:00:01' },
        { kind: 'mtu', mtu: 1450 },
        {
          kind: 'prefixInformation',
          prefix: 'fd00:10:244::', // bits past /62 cleared
          prefixLength: 62,
          onLink: true,
          autonomous: true,
          validLifetime: 2592000,
          preferredLifetime: 604800,
        },
      ],
    });
  });

  it('refuses a prefix that is not IPv6 or a length past 128', () => {
    const base = {
      srcIp: 'fe80::1',
      srcMac: '02:00:00:00:00:01',
      dstIp: 'ff02::1',
      dstMac: '33:33:00:00:00:01',
    };
    assert.match(
      refusal(buildRouterAdvertisement({ ...base, prefixes: [{ prefix: '10.0.0.0', prefixLength: 8 }] })),
      /not an IPv6/,
    );
    assert.match(
      refusal(buildRouterAdvertisement({ ...base, prefixes: [{ prefix: 'fd00::', prefixLength: 129 }] })),
      /prefix length 129/,
    );
  });
});
