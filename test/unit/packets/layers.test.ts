import assert from 'node:assert/strict';
import {
  ArpOp,
  EtherType,
  IpProto,
  TcpFlag,
  decodeFrame,
  formatTcpFlags,
  parseArp,
  parseEthernet,
  parseIpv4,
  parseIpv6,
  parseTcp,
  parseTcpOptions,
  parseUdp,
  type Result,
} from '../../../protocols/packets/index.js';
import { captures, hex } from './captures.js';
import { ext, withIpv6Extensions, withVlan } from './craft.js';

function value<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`${r.error.layer} at ${r.error.offset}: ${r.error.reason}`);
  return r.value;
}

function reason<T>(r: Result<T>): string {
  assert.equal(r.ok, false, 'expected a refusal');
  return r.ok ? '' : r.error.reason;
}

describe('packets: Ethernet and VLAN', () => {
  it('reads MACs and EtherType of an untagged frame', () => {
    const eth = value(parseEthernet(captures.arpReply));
    assert.equal(eth.dst, '02:00:00:00:00:0a');
    assert.equal(eth.src, '02:00:00:00:00:0b');
    assert.equal(eth.etherType, EtherType.ARP);
    assert.deepEqual(eth.vlans, []);
    assert.equal(eth.payloadOffset, 14);
  });

  it('reads an 802.1Q tag (PCP, DEI, VID) and QinQ, outermost first', () => {
    const one = value(parseEthernet(withVlan(captures.tcpSyn, 100, 5)));
    assert.deepEqual(one.vlans, [{ tpid: 0x8100, pcp: 5, dei: false, vid: 100 }]);
    assert.equal(one.etherType, EtherType.IPv4);
    assert.equal(one.payloadOffset, 18);
    const two = value(parseEthernet(withVlan(withVlan(captures.tcpSyn, 100), 4000, 0, 0x88a8)));
    assert.deepEqual(
      two.vlans.map((v) => [v.tpid, v.vid]),
      [
        [0x88a8, 4000],
        [0x8100, 100],
      ],
    );
    assert.equal(two.payloadOffset, 22);
  });

  it('refuses short frames, cut tags and more than two tags', () => {
    assert.match(reason(parseEthernet(Buffer.alloc(13))), /shorter than an Ethernet header/);
    assert.match(reason(parseEthernet(withVlan(captures.tcpSyn, 1).subarray(0, 16))), /VLAN tag truncated/);
    assert.match(
      reason(parseEthernet(withVlan(withVlan(withVlan(captures.tcpSyn, 1), 2), 3))),
      /more than 2 VLAN tags/,
    );
  });
});

describe('packets: ARP', () => {
  it('reads the kernel request and reply', () => {
    const req = value(parseArp(captures.arpRequest, 14));
    assert.deepEqual(req, {
      kind: 'arp',
      op: ArpOp.Request,
      senderMac: '02:00:00:00:00:0a',
      senderIp: '10.77.0.1',
      targetMac: '00:00:00:00:00:00',
      targetIp: '10.77.0.2',
    });
    const rep = value(parseArp(captures.arpReply, 14));
    assert.equal(rep.op, ArpOp.Reply);
    assert.equal(rep.senderMac, '02:00:00:00:00:0b');
  });

  it('refuses other hardware or protocol types and short bodies', () => {
    const tokenRing = Buffer.from(captures.arpRequest);
    tokenRing[15] = 6;
    assert.match(reason(parseArp(tokenRing, 14)), /not Ethernet\/IPv4 ARP/);
    assert.match(reason(parseArp(captures.arpRequest.subarray(0, 41), 14)), /shorter than 28/);
  });
});

describe('packets: IPv4', () => {
  it('reads every field of the kernel SYN', () => {
    const ip = value(parseIpv4(captures.tcpSyn, 14));
    assert.equal(ip.headerLength, 20);
    assert.equal(ip.totalLength, 60);
    assert.equal(ip.protocol, IpProto.TCP);
    assert.equal(ip.src, '10.77.0.1');
    assert.equal(ip.dst, '10.77.0.2');
    assert.equal(ip.ttl, 64);
    assert.equal(ip.dontFragment, true);
    assert.equal(ip.moreFragments, false);
    assert.equal(ip.fragmentOffset, 0);
    assert.equal(ip.checksumValid, true);
    assert.equal(ip.l4Offset, 34);
    assert.equal(ip.l4Length, 40);
    assert.equal(ip.truncated, false);
  });

  it('reads fragments: first, middle and last of a 3000-byte ping', () => {
    const first = value(parseIpv4(captures.ipv4FirstFragment, 14));
    const middle = value(parseIpv4(captures.ipv4MiddleFragment, 14));
    const last = value(parseIpv4(captures.ipv4LastFragment, 14));
    assert.deepEqual([first.moreFragments, first.fragmentOffset], [true, 0]);
    assert.deepEqual([middle.moreFragments, middle.fragmentOffset], [true, 1480]);
    assert.deepEqual([last.moreFragments, last.fragmentOffset], [false, 2960]);
    assert.equal(first.identification, last.identification);
    assert.equal(
      decodeFrame(captures.ipv4MiddleFragment).ok &&
        value(decodeFrame(captures.ipv4MiddleFragment)).transport,
      undefined,
    );
  });

  it('reads options (Router Alert, NOP, End) and reports a bad header checksum', () => {
    // IHL 7: Router Alert (94 04 0000), NOP, End, padding.
    const header = hex('4700002000000000400200000a0000010a00000294040000 01000000');
    const ip = value(parseIpv4(header, 0));
    assert.equal(ip.headerLength, 28);
    assert.deepEqual(
      ip.options.map((o) => [o.type, o.length]),
      [
        [0x94, 4],
        [1, 1],
        [0, 1],
      ],
    );
    assert.equal(ip.checksumValid, false);
  });

  it('drops Ethernet padding and marks a packet cut by the capture', () => {
    const padded = Buffer.concat([captures.tcpRstAck, Buffer.alloc(6)]); // 54 -> 60 bytes on the wire
    assert.equal(value(parseIpv4(padded, 14)).l4Length, 20);
    const cut = value(parseIpv4(captures.icmpEchoRequest.subarray(0, 50), 14));
    assert.equal(cut.truncated, true);
    assert.equal(cut.l4Length, 16);
  });

  it('refuses wrong version, IHL below 5, a cut header, total length below the header, bad options', () => {
    const b = (f: (x: Buffer) => void) => {
      const x = Buffer.from(captures.tcpSyn.subarray(14));
      f(x);
      return x;
    };
    assert.match(
      reason(
        parseIpv4(
          b((x) => (x[0] = 0x65)),
          0,
        ),
      ),
      /version 6/,
    );
    assert.match(
      reason(
        parseIpv4(
          b((x) => (x[0] = 0x44)),
          0,
        ),
      ),
      /IHL 4/,
    );
    assert.match(reason(parseIpv4(b((x) => (x[0] = 0x4f)).subarray(0, 40), 0)), /cut at 40/);
    assert.match(
      reason(
        parseIpv4(
          b((x) => x.writeUInt16BE(19, 2)),
          0,
        ),
      ),
      /total length 19/,
    );
    const badOpt = hex('4600002000000000400200000a0000010a00000207090000');
    assert.match(reason(parseIpv4(badOpt, 0)), /option 7 length 9/);
  });
});

describe('packets: IPv6 extension headers', () => {
  it('walks the kernel MLD report hop-by-hop header to ICMPv6', () => {
    const ip = value(parseIpv6(captures.mldReportHopByHop, 14));
    assert.deepEqual(
      ip.extensions.map((e) => [e.type, e.length]),
      [[IpProto.HopByHop, 8]],
    );
    assert.equal(ip.protocol, IpProto.ICMPv6);
    assert.equal(ip.l4Offset, 14 + 40 + 8);
    assert.equal(ip.src, 'fe80::ff:fe00:b');
    assert.equal(ip.dst, 'ff02::16');
  });

  it('walks hop-by-hop, routing, first fragment and destination options to TCP', () => {
    const frame = withIpv6Extensions(captures.tcp6Syn, [
      ext.hopByHop,
      ext.routing,
      ext.fragment(0, true, 77),
      ext.destination,
    ]);
    const d = value(decodeFrame(frame));
    const ip = d.network;
    assert.ok(ip?.kind === 'ipv6');
    assert.deepEqual(
      ip.extensions.map((e) => e.type),
      [0, 43, 44, 60],
    );
    assert.deepEqual(ip.fragment, { identification: 77, offset: 0, moreFragments: true });
    assert.equal(ip.protocol, IpProto.TCP);
    assert.equal(ip.l4Offset, 14 + 40 + 8 + 8 + 8 + 16);
    assert.equal(d.transport?.kind, 'tcp');
    assert.equal(d.transport?.kind === 'tcp' && d.transport.dstPort, 81);
  });

  it('stops at a non-first fragment: no upper-layer header is read', () => {
    const frame = withIpv6Extensions(captures.tcp6Syn, [ext.fragment(1448, false, 9)]);
    const d = value(decodeFrame(frame));
    assert.ok(d.network?.kind === 'ipv6');
    assert.equal(d.network.fragment?.offset, 1448);
    assert.equal(d.network.protocol, IpProto.TCP);
    assert.equal(d.transport, undefined);
  });

  it('refuses a chain of more than 16 headers and a header that overruns the packet', () => {
    const many = withIpv6Extensions(
      captures.tcp6Syn,
      Array.from({ length: 17 }, () => ext.destination),
    );
    assert.match(reason(parseIpv6(many, 14)), /more than 16 extension headers/);
    const over = withIpv6Extensions(captures.tcp6Syn, [ext.hopByHop]);
    over[14 + 40 + 1] = 200; // Hdr Ext Len: 1608 bytes
    assert.match(reason(parseIpv6(over, 14)), /overruns the packet/);
  });

  it('reads traffic class and flow label', () => {
    const ip = value(parseIpv6(captures.tcp6RstAck, 14));
    assert.equal(ip.trafficClass, 0);
    assert.equal(ip.flowLabel, 0xa9357);
    assert.equal(ip.hopLimit, 64);
  });
});

describe('packets: TCP and UDP', () => {
  it('reads the kernel SYN: ports, sequence, flags, options and their length', () => {
    const tcp = value(parseTcp(captures.tcpSyn, 34, 40));
    assert.equal(tcp.srcPort, 36664);
    assert.equal(tcp.dstPort, 81);
    assert.equal(tcp.seq, 2854706914);
    assert.equal(tcp.flags, TcpFlag.SYN);
    assert.equal(formatTcpFlags(tcp.flags), 'SYN');
    assert.equal(tcp.window, 64240);
    assert.equal(tcp.headerLength, 40);
    assert.equal(tcp.optionsLength, 20);
    assert.equal(tcp.payloadLength, 0);
    assert.deepEqual(value(parseTcpOptions(captures.tcpSyn, tcp)), [
      { kind: 'mss', mss: 1460 },
      { kind: 'sackPermitted' },
      { kind: 'timestamps', value: 3843786058, echo: 0 },
      { kind: 'windowScale', shift: 10 },
    ]);
  });

  it('reads the RST|ACK the kernel answered with', () => {
    const tcp = value(parseTcp(captures.tcpRstAck, 34, 20));
    assert.equal(formatTcpFlags(tcp.flags), 'RST|ACK');
    assert.equal(tcp.ack, 2854706915);
  });

  it('refuses a data offset below 5 or beyond the bytes present, and malformed options', () => {
    const low = Buffer.from(captures.tcpSyn);
    low[34 + 12] = 0x40;
    assert.match(reason(parseTcp(low, 34, 40)), /data offset 4/);
    assert.match(reason(parseTcp(captures.tcpSyn, 34, 30)), /cut at 30/);
    const badMss = Buffer.from(captures.tcpSyn);
    badMss[34 + 21] = 5; // MSS option length 5
    const tcp = value(parseTcp(badMss, 34, 40));
    assert.match(reason(parseTcpOptions(badMss, tcp)), /option 2 must be 4 bytes/);
  });

  it('reads UDP and refuses a length field below 8', () => {
    const udp = value(parseUdp(captures.udpToClosedPort, 34, 14));
    assert.deepEqual([udp.srcPort, udp.dstPort, udp.length, udp.payloadLength], [50379, 9999, 14, 6]);
    const bad = Buffer.from(captures.udpToClosedPort);
    bad.writeUInt16BE(7, 38);
    assert.match(reason(parseUdp(bad, 34, 14)), /length field 7/);
  });
});
