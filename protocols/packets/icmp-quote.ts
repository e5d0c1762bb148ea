// The packet quoted inside an ICMP or ICMPv6 error: which connection the error is about.
import { u16 } from './bytes.js';
import { ICMP_HEADER_LEN, IpProto } from './constants.js';
import { isIcmpError, type IcmpMessage } from './icmp.js';
import { isIcmpv6Error, type Icmpv6Message } from './icmpv6.js';
import { parseIpv4, type Ipv4Header } from './ipv4.js';
import { parseIpv6, type Ipv6Header } from './ipv6.js';
import { isFirstFragment } from './frame.js';
import { fail, ok, type Result } from './result.js';

export interface QuotedPacket {
  /** The quoted header; usually `truncated`, since an error quotes only the start of the packet. */
  readonly ip: Ipv4Header | Ipv6Header;
  /** TCP, UDP or SCTP ports of the quoted packet, when the quote reaches them. */
  readonly srcPort: number | undefined;
  readonly dstPort: number | undefined;
}

const HAS_PORTS = new Set<number>([IpProto.TCP, IpProto.UDP, IpProto.SCTP]);

/** Parses the quote of an error message (Destination Unreachable, Time Exceeded, Packet Too Big...). */
export function parseIcmpQuote(buf: Uint8Array, msg: IcmpMessage | Icmpv6Message): Result<QuotedPacket> {
  const v4 = msg.kind === 'icmp';
  if (!(v4 ? isIcmpError(msg.type) : isIcmpv6Error(msg.type))) {
    return fail(msg.kind, msg.offset, `type ${msg.type} is not an error and quotes nothing`);
  }
  // Both quote after an 8-byte header; the message ends where its IP packet said (not at Ethernet padding).
  const start = msg.offset + ICMP_HEADER_LEN;
  const end = msg.bodyOffset + msg.bodyLength;
  if (start > end) return fail(msg.kind, msg.offset, 'error message shorter than its 8-byte header');
  const quote = buf.subarray(0, end);
  const parsed = v4 ? parseIpv4(quote, start) : parseIpv6(quote, start);
  if (!parsed.ok) return parsed;
  const ip = parsed.value;
  const portsPresent = HAS_PORTS.has(ip.protocol) && ip.l4Length >= 4 && isFirstFragment(ip);
  return ok({
    ip,
    srcPort: portsPresent ? u16(quote, ip.l4Offset) : undefined,
    dstPort: portsPresent ? u16(quote, ip.l4Offset + 2) : undefined,
  });
}
