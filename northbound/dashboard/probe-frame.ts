// The bytes of a traced packet, so that it can be injected for real: Ethernet + IPv4/IPv6 + a TCP SYN, a UDP datagram,
// an SCTP-less IP packet or an ICMP/ICMPv6 echo request, with every checksum right (a switch that drops a bad checksum
// would make the counters lie). Pure: the trace's packet fields in, a frame out.
import {
  fail,
  IpProto,
  macBytes,
  ok,
  parseIp,
  writeEthernet,
  writeIpv4,
  writeIpv6,
  writeTcp,
  writeTransportChecksum,
  type Result,
} from '../../protocols/packets/index.js';
import type { Packet } from '../../controller/pipeline/trace.js';

const ETH_LEN = 14;
const TCP_SYN = 0x02;
/** Marks probe traffic in a capture: ICMP echo identifier and the first bytes of every payload. */
export const PROBE_ID = 0x5dc0;
const PAYLOAD = Buffer.from('sdn-probe');

function l4Length(proto: number): number {
  switch (proto) {
    case IpProto.TCP:
      return 20;
    case IpProto.UDP:
      return 8 + PAYLOAD.length;
    case IpProto.ICMP:
    case IpProto.ICMPv6:
      return 8 + PAYLOAD.length;
    default:
      return PAYLOAD.length;
  }
}

const num = (v: Packet[keyof Packet]): number => Number(v ?? 0);

/** Builds the frame of a traced IP packet (the fields trace.ts gives the compiled pipeline). */
export function probeFrame(p: Packet): Result<Buffer> {
  const src = macBytes(String(p.eth_src));
  const dst = macBytes(String(p.eth_dst));
  if (!src.ok || !dst.ok) return fail('build', 0, 'the traced packet has no MAC addresses');
  const v6 = p.eth_type === 0x86dd;
  const ipSrc = parseIp(String(v6 ? p.ipv6_src : p.ipv4_src));
  const ipDst = parseIp(String(v6 ? p.ipv6_dst : p.ipv4_dst));
  if (!ipSrc || !ipDst || ipSrc.version !== (v6 ? 6 : 4) || ipDst.version !== ipSrc.version)
    return fail('build', 0, 'the traced packet has no IP addresses');
  const proto = num(p.ip_proto);
  const len = l4Length(proto);
  const ipLen = v6 ? 40 : 20;
  const buf = Buffer.alloc(ETH_LEN + ipLen + len);
  const at = writeEthernet(buf, 0, { dst: dst.value, src: src.value, etherType: v6 ? 0x86dd : 0x0800 });
  const ip = { src: ipSrc.bytes, dst: ipDst.bytes, protocol: proto, payloadLength: len };
  const l4 = v6 ? writeIpv6(buf, at, { ...ip, hopLimit: num(p.ip_ttl) || 64 }) : writeIpv4(buf, at, ip);
  switch (proto) {
    case IpProto.TCP:
      writeTcp(buf, l4, {
        srcPort: num(p.tcp_src),
        dstPort: num(p.tcp_dst),
        seq: 1,
        ack: 0,
        flags: TCP_SYN,
        window: 64240,
      });
      break;
    case IpProto.UDP:
      buf.writeUInt16BE(num(p.udp_src), l4);
      buf.writeUInt16BE(num(p.udp_dst), l4 + 2);
      buf.writeUInt16BE(len, l4 + 4);
      PAYLOAD.copy(buf, l4 + 8);
      break;
    case IpProto.ICMP:
    case IpProto.ICMPv6:
      buf[l4] = num(v6 ? p.icmpv6_type : p.icmpv4_type);
      buf[l4 + 1] = num(v6 ? p.icmpv6_code : p.icmpv4_code);
      buf.writeUInt16BE(PROBE_ID, l4 + 4);
      buf.writeUInt16BE(1, l4 + 6);
      PAYLOAD.copy(buf, l4 + 8);
      break;
    default:
      PAYLOAD.copy(buf, l4);
  }
  if (proto === IpProto.TCP || proto === IpProto.UDP || proto === IpProto.ICMP || proto === IpProto.ICMPv6)
    writeTransportChecksum(buf, { kind: v6 ? 'ipv6' : 'ipv4', headerOffset: at }, proto, l4, len);
  return ok(buf);
}
