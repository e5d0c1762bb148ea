// Checksums of the upper layer: TCP, UDP and ICMPv6 cover a pseudo-header of the IP addresses; ICMPv4 does not.
import { put16, u16 } from './bytes.js';
import { finishChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6, sum16 } from './checksum.js';
import { IpProto } from './constants.js';
import type { Ipv4Header } from './ipv4.js';
import type { Ipv6Header } from './ipv6.js';

export type ChecksumStatus =
  | 'valid'
  | 'invalid'
  /** UDP over IPv4 with a zero checksum: the sender computed none (RFC 768). */
  | 'absent'
  /** The buffer holds part of the packet (a truncated packet-in, or one fragment of several). */
  | 'unverifiable';

const CHECKSUM_FIELD: Record<number, number> = {
  [IpProto.TCP]: 16,
  [IpProto.UDP]: 6,
  [IpProto.ICMP]: 2,
  [IpProto.ICMPv6]: 2,
};

function initialSum(
  buf: Uint8Array,
  ip: { kind: 'ipv4' | 'ipv6'; headerOffset: number },
  proto: number,
  l4Length: number,
): number {
  if (proto === IpProto.ICMP) return 0;
  return ip.kind === 'ipv4'
    ? pseudoHeaderSumV4(buf, ip.headerOffset + 12, ip.headerOffset + 16, proto, l4Length)
    : pseudoHeaderSumV6(buf, ip.headerOffset + 8, ip.headerOffset + 24, proto, l4Length);
}

/** Checks the upper-layer checksum of a parsed IP packet (TCP, UDP, ICMP, ICMPv6); undefined for other protocols. */
export function verifyTransportChecksum(
  buf: Uint8Array,
  ip: Ipv4Header | Ipv6Header,
): ChecksumStatus | undefined {
  const field = CHECKSUM_FIELD[ip.protocol];
  if (field === undefined) return undefined;
  if (
    (ip.kind === 'ipv4' && ip.protocol === IpProto.ICMPv6) ||
    (ip.kind === 'ipv6' && ip.protocol === IpProto.ICMP)
  ) {
    return undefined;
  }
  const fragmented =
    ip.kind === 'ipv4' ? ip.moreFragments || ip.fragmentOffset !== 0 : ip.fragment !== undefined;
  if (ip.truncated || fragmented || ip.l4Length < field + 2) return 'unverifiable';
  if (ip.kind === 'ipv4' && ip.protocol === IpProto.UDP && u16(buf, ip.l4Offset + 6) === 0) return 'absent';
  const sum = sum16(
    buf,
    ip.l4Offset,
    ip.l4Offset + ip.l4Length,
    initialSum(buf, ip, ip.protocol, ip.l4Length),
  );
  return finishChecksum(sum) === 0 ? 'valid' : 'invalid';
}

/**
 * Computes and writes the checksum of an upper-layer message being built, whose checksum field is still zero.
 * `ip` names where the IP header starts (addresses are read from it).
 */
export function writeTransportChecksum(
  buf: Uint8Array,
  ip: { kind: 'ipv4' | 'ipv6'; headerOffset: number },
  proto: number,
  l4Offset: number,
  l4Length: number,
): void {
  const field = CHECKSUM_FIELD[proto];
  let value = finishChecksum(sum16(buf, l4Offset, l4Offset + l4Length, initialSum(buf, ip, proto, l4Length)));
  // UDP sends a computed zero as all ones: zero means "no checksum" (RFC 768).
  if (proto === IpProto.UDP && value === 0) value = 0xffff;
  put16(buf, l4Offset + field, value);
}
