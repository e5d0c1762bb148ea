// ICMP / ICMPv6 Destination Unreachable quoting the packet that could not be delivered.
import { put16 } from './bytes.js';
import { internetChecksum } from './checksum.js';
import {
  ICMP_ERROR_MAX_DATAGRAM,
  ICMP_HEADER_LEN,
  ICMPV6_ERROR_MAX_PACKET,
  IcmpType,
  IcmpUnreachableCode,
  Icmpv6Type,
  Icmpv6UnreachableCode,
  IpProto,
  IPV4_MIN_HEADER_LEN,
  IPV6_HEADER_LEN,
} from './constants.js';
import { parseEthernet } from './ethernet.js';
import { isFirstFragment, parseNetwork } from './frame.js';
import { isIcmpError } from './icmp.js';
import { isIcmpv6Error } from './icmpv6.js';
import type { Ipv4Header } from './ipv4.js';
import type { Ipv6Header } from './ipv6.js';
import { startReply, type ReplyOptions } from './reply-headers.js';
import { fail, ok, type Result } from './result.js';
import { writeTransportChecksum } from './transport-checksum.js';

/**
 * ICMPv4 errors travel as network control traffic (class selector 6, RFC 1812 4.3.2.5); ICMPv6 errors with
 * traffic class 0. Both as Linux sends them.
 */
const ERROR_PROFILE_V4 = { dscp: 48, dontFragment: false };
const ERROR_PROFILE_V6 = { dscp: 0, dontFragment: false };

export interface UnreachableOptions extends ReplyOptions {
  /** ICMP code (IcmpUnreachableCode) or ICMPv6 code (Icmpv6UnreachableCode); port unreachable by default. */
  readonly code?: number;
}

/** Why an ICMP error must not be sent about this packet (RFC 1122 3.2.2, RFC 4443 2.4(e)), or undefined. */
function mustNotAnswer(frame: Uint8Array, ip: Ipv4Header | Ipv6Header): string | undefined {
  if (frame[0] & 1) return 'sent to an Ethernet group address';
  if (!isFirstFragment(ip)) return 'a non-first fragment';
  const o = ip.headerOffset;
  if (ip.kind === 'ipv4') {
    const dst0 = frame[o + 16];
    const src0 = frame[o + 12];
    if (dst0 >= 224 || ip.dst === '255.255.255.255') return 'sent to a multicast or broadcast address';
    if (src0 >= 224 || ip.src === '0.0.0.0') return 'sent from an address that is not a unicast host';
    if (ip.protocol === IpProto.ICMP && ip.l4Length > 0 && isIcmpError(frame[ip.l4Offset])) {
      return 'itself an ICMP error';
    }
  } else {
    if (frame[o + 24] === 0xff) return 'sent to a multicast address';
    if (frame[o + 8] === 0xff || ip.src === '::') return 'sent from an address that is not a unicast host';
    if (ip.protocol === IpProto.ICMPv6 && ip.l4Length > 0 && isIcmpv6Error(frame[ip.l4Offset])) {
      return 'itself an ICMPv6 error';
    }
  }
  return undefined;
}

/**
 * The Destination Unreachable a host would send about `frame` (ICMP for IPv4, ICMPv6 for IPv6), from the address
 * the packet was sent to, quoting as much of it as fits in 576 bytes (IPv4, RFC 1812 4.3.2.3) or 1280 bytes
 * (IPv6, RFC 4443 2.4(c)). Refuses packets an error must never answer.
 */
export function buildDestinationUnreachable(
  frame: Uint8Array,
  options: UnreachableOptions = {},
): Result<Buffer> {
  const eth = parseEthernet(frame);
  if (!eth.ok) return eth;
  const net = parseNetwork(frame, eth.value);
  if (!net.ok) return net;
  const ip = net.value;
  if (ip === undefined || ip.kind === 'arp') {
    return fail('build', eth.value.payloadOffset, 'not an IP packet');
  }
  const why = mustNotAnswer(frame, ip);
  if (why !== undefined) return fail('build', ip.headerOffset, `no ICMP error is sent about a packet ${why}`);

  const v4 = ip.kind === 'ipv4';
  // Quote from the start of the IP header, up to the end of the IP packet or of what we hold.
  const quoteEnd = ip.l4Offset + ip.l4Length;
  const room = v4
    ? ICMP_ERROR_MAX_DATAGRAM - IPV4_MIN_HEADER_LEN - ICMP_HEADER_LEN
    : ICMPV6_ERROR_MAX_PACKET - IPV6_HEADER_LEN - ICMP_HEADER_LEN;
  const quoteLength = Math.min(quoteEnd - ip.headerOffset, room);
  const l4Length = ICMP_HEADER_LEN + quoteLength;
  const protocol = v4 ? IpProto.ICMP : IpProto.ICMPv6;
  const reply = startReply(
    frame,
    eth.value,
    ip,
    protocol,
    l4Length,
    options,
    v4 ? ERROR_PROFILE_V4 : ERROR_PROFILE_V6,
  );
  if (!reply.ok) return reply;
  const { out, l4Offset } = reply.value;
  out[l4Offset] = v4 ? IcmpType.DestinationUnreachable : Icmpv6Type.DestinationUnreachable;
  out[l4Offset + 1] = options.code ?? (v4 ? IcmpUnreachableCode.Port : Icmpv6UnreachableCode.Port);
  out.set(frame.subarray(ip.headerOffset, ip.headerOffset + quoteLength), l4Offset + ICMP_HEADER_LEN);
  if (v4) put16(out, l4Offset + 2, internetChecksum(out, l4Offset, l4Offset + l4Length));
  else writeTransportChecksum(out, reply.value.ip, IpProto.ICMPv6, l4Offset, l4Length);
  return ok(out);
}
