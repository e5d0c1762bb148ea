// Ethernet and IP headers of a reply: back to the sender, from the address it wrote to, on the same VLAN tags.
import { ethernetHeaderLength, macBytes, writeEthernet, type EthernetHeader } from './ethernet.js';
import { writeIpv4, type Ipv4Header } from './ipv4.js';
import { writeIpv6, type Ipv6Header } from './ipv6.js';
import { EtherType, IPV4_MIN_HEADER_LEN, IPV6_HEADER_LEN } from './constants.js';
import { ok, type Result } from './result.js';

export interface ReplyOptions {
  /** Ethernet source of the reply; defaults to the destination MAC of the original frame. */
  readonly srcMac?: string;
  /** TTL or hop limit; 64 by default. */
  readonly ttl?: number;
  /** IPv4 identification; 0 by default. */
  readonly identification?: number;
  /** IPv6 flow label; 0 by default. */
  readonly flowLabel?: number;
}

/** What the kind of reply fixes about its IP header (Linux's choices, which hosts and middleboxes expect). */
export interface ReplyIpProfile {
  readonly dscp: number;
  readonly dontFragment: boolean;
}

export interface ReplyFrame {
  readonly out: Buffer;
  readonly ip: { readonly kind: 'ipv4' | 'ipv6'; readonly headerOffset: number };
  readonly l4Offset: number;
}

/** Allocates the reply and writes its Ethernet and IP headers; the caller writes `l4Length` bytes at l4Offset. */
export function startReply(
  frame: Uint8Array,
  eth: EthernetHeader,
  ip: Ipv4Header | Ipv6Header,
  protocol: number,
  l4Length: number,
  options: ReplyOptions,
  profile: ReplyIpProfile,
): Result<ReplyFrame> {
  let src: Uint8Array = frame.subarray(0, 6);
  if (options.srcMac !== undefined) {
    const mac = macBytes(options.srcMac);
    if (!mac.ok) return mac;
    src = mac.value;
  }
  const ipLen = ip.kind === 'ipv4' ? IPV4_MIN_HEADER_LEN : IPV6_HEADER_LEN;
  const out = Buffer.alloc(ethernetHeaderLength(eth.vlans.length) + ipLen + l4Length);
  const ipOffset = writeEthernet(out, 0, {
    dst: frame.subarray(6, 12),
    src,
    vlans: eth.vlans,
    etherType: ip.kind === 'ipv4' ? EtherType.IPv4 : EtherType.IPv6,
  });
  const o = ip.headerOffset;
  const l4Offset =
    ip.kind === 'ipv4'
      ? writeIpv4(out, ipOffset, {
          src: frame.subarray(o + 16, o + 20),
          dst: frame.subarray(o + 12, o + 16),
          protocol,
          payloadLength: l4Length,
          ttl: options.ttl,
          dscp: profile.dscp,
          identification: options.identification,
          dontFragment: profile.dontFragment,
        })
      : writeIpv6(out, ipOffset, {
          src: frame.subarray(o + 24, o + 40),
          dst: frame.subarray(o + 8, o + 24),
          protocol,
          payloadLength: l4Length,
          hopLimit: options.ttl,
          trafficClass: profile.dscp << 2,
          flowLabel: options.flowLabel,
        });
  return ok({ out, ip: { kind: ip.kind, headerOffset: ipOffset }, l4Offset });
}

/** Length of the upper layer as the IP header states it (what the sender sent, whatever we were given). */
export function l4WireLength(ip: Ipv4Header | Ipv6Header): number {
  return ip.kind === 'ipv4'
    ? ip.totalLength - ip.headerLength
    : ip.payloadLength - (ip.l4Offset - ip.headerOffset - IPV6_HEADER_LEN);
}
