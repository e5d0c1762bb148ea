// IPv6 header (RFC 8200) and the walk over extension headers to the upper-layer protocol.
import { formatIpv6 } from './addresses.js';
import { put16, put32, u16, u32 } from './bytes.js';
import { IPV6_HEADER_LEN, IpProto } from './constants.js';
import { fail, ok, type Result } from './result.js';

export interface Ipv6Extension {
  readonly type: number;
  readonly offset: number;
  readonly length: number;
}

export interface Ipv6Fragment {
  readonly identification: number;
  /** In bytes. */
  readonly offset: number;
  readonly moreFragments: boolean;
}

export interface Ipv6Header {
  readonly kind: 'ipv6';
  readonly headerOffset: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
  /** Extension headers in wire order. */
  readonly extensions: readonly Ipv6Extension[];
  /**
   * The upper-layer protocol after the extensions (TCP, UDP, ICMPv6...), or the header the walk stopped at:
   * ESP (encrypted), No Next Header, or any protocol after a non-first fragment.
   */
  readonly protocol: number;
  readonly fragment: Ipv6Fragment | undefined;
  /** Offset of the upper-layer header. */
  readonly l4Offset: number;
  /** Upper-layer bytes present in the buffer. */
  readonly l4Length: number;
  readonly truncated: boolean;
}

/** Bounds the walk: real packets carry a handful, a crafted one could chain hundreds of empty headers. */
export const MAX_IPV6_EXTENSIONS = 16;
const NO_EXTENSIONS: readonly Ipv6Extension[] = Object.freeze([]);
const FRAGMENT_HEADER_LEN = 8;

/** The extension headers of RFC 7045 that share the Next Header / Hdr Ext Len layout (and AH, and Fragment). */
function isExtension(next: number): boolean {
  return (
    next === IpProto.HopByHop ||
    next === IpProto.Routing ||
    next === IpProto.Fragment ||
    next === IpProto.DestinationOptions ||
    next === IpProto.AH ||
    next === IpProto.Mobility ||
    next === IpProto.Hip ||
    next === IpProto.Shim6
  );
}

function extensionLength(buf: Uint8Array, at: number, type: number): number {
  if (type === IpProto.Fragment) return FRAGMENT_HEADER_LEN;
  if (type === IpProto.AH) return (buf[at + 1] + 2) * 4; // RFC 4302: 4-octet units, minus 2
  return (buf[at + 1] + 1) * 8; // RFC 8200: 8-octet units, not counting the first 8
}

export function parseIpv6(buf: Uint8Array, offset: number): Result<Ipv6Header> {
  const available = buf.length - offset;
  if (available < IPV6_HEADER_LEN) {
    return fail('ipv6', offset, `${available} bytes is shorter than an IPv6 header (40)`);
  }
  const version = buf[offset] >>> 4;
  if (version !== 6) return fail('ipv6', offset, `version ${version}, expected 6`);
  const payloadLength = u16(buf, offset + 4);
  const truncated = available < IPV6_HEADER_LEN + payloadLength;
  // The walk must stay inside both the payload length and the bytes we hold.
  const end = truncated ? buf.length : offset + IPV6_HEADER_LEN + payloadLength;

  let next = buf[offset + 6];
  let at = offset + IPV6_HEADER_LEN;
  let extensions = NO_EXTENSIONS;
  let fragment: Ipv6Fragment | undefined;
  if (isExtension(next)) {
    const list: Ipv6Extension[] = [];
    while (isExtension(next)) {
      if (list.length === MAX_IPV6_EXTENSIONS) {
        return fail('ipv6', at, `more than ${MAX_IPV6_EXTENSIONS} extension headers`);
      }
      if (at + 2 > end) return fail('ipv6', at, `extension header ${next} is cut`);
      const length = extensionLength(buf, at, next);
      if (at + length > end) {
        return fail('ipv6', at, `extension header ${next} of ${length} bytes overruns the packet`);
      }
      list.push({ type: next, offset: at, length });
      if (next === IpProto.Fragment) {
        const offFlags = u16(buf, at + 2);
        fragment = {
          identification: u32(buf, at + 4),
          offset: offFlags & 0xfff8,
          moreFragments: (offFlags & 1) !== 0,
        };
      }
      next = buf[at];
      at += length;
      // A later fragment holds no upper-layer header: stop at the protocol it names.
      if (fragment !== undefined && fragment.offset !== 0) break;
    }
    extensions = list;
  }
  return ok({
    kind: 'ipv6',
    headerOffset: offset,
    trafficClass: ((buf[offset] & 0x0f) << 4) | (buf[offset + 1] >>> 4),
    flowLabel: ((buf[offset + 1] & 0x0f) << 16) | u16(buf, offset + 2),
    payloadLength,
    hopLimit: buf[offset + 7],
    src: formatIpv6(buf, offset + 8),
    dst: formatIpv6(buf, offset + 24),
    extensions,
    protocol: next,
    fragment,
    l4Offset: at,
    l4Length: end - at,
    truncated,
  });
}

export interface Ipv6Fields {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly protocol: number;
  readonly payloadLength: number;
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
}

/** Writes a 40-byte header (no extensions) and returns the payload offset. */
export function writeIpv6(buf: Uint8Array, offset: number, f: Ipv6Fields): number {
  const tc = f.trafficClass ?? 0;
  put32(buf, offset, (6 * 0x10000000 + tc * 0x100000 + ((f.flowLabel ?? 0) & 0xfffff)) >>> 0);
  put16(buf, offset + 4, f.payloadLength);
  buf[offset + 6] = f.protocol;
  buf[offset + 7] = f.hopLimit ?? 64;
  buf.set(f.src.subarray(0, 16), offset + 8);
  buf.set(f.dst.subarray(0, 16), offset + 24);
  return offset + IPV6_HEADER_LEN;
}
