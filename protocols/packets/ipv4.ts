// IPv4 header (RFC 791): options, fragmentation fields, header checksum.
import { formatIpv4 } from './addresses.js';
import { put16, u16 } from './bytes.js';
import { internetChecksum } from './checksum.js';
import { IPV4_MIN_HEADER_LEN } from './constants.js';
import { fail, ok, type Result } from './result.js';

export interface Ipv4Option {
  /** The whole type octet (copied flag, class, number). */
  readonly type: number;
  /** Offset of the option's type octet in the frame. */
  readonly offset: number;
  /** Whole option length, type and length octets included (1 for NOP and End of Options). */
  readonly length: number;
}

export interface Ipv4Header {
  readonly kind: 'ipv4';
  readonly headerOffset: number;
  readonly headerLength: number;
  readonly dscp: number;
  readonly ecn: number;
  readonly totalLength: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In bytes (the wire field counts 8-byte units). */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  /** The header checksum over the received header sums to zero. */
  readonly checksumValid: boolean;
  readonly src: string;
  readonly dst: string;
  readonly options: readonly Ipv4Option[];
  /** Offset of the upper-layer header. */
  readonly l4Offset: number;
  /** Upper-layer bytes present in the buffer: bounded by totalLength (drops Ethernet padding) and by the capture. */
  readonly l4Length: number;
  /** The buffer holds less than totalLength: a packet-in cut at miss_send_len, or a short capture. */
  readonly truncated: boolean;
}

const NO_OPTIONS: readonly Ipv4Option[] = Object.freeze([]);
const OPT_END = 0;
const OPT_NOP = 1;

function parseOptions(buf: Uint8Array, start: number, end: number): Result<readonly Ipv4Option[]> {
  const options: Ipv4Option[] = [];
  let at = start;
  while (at < end) {
    const type = buf[at];
    if (type === OPT_END) {
      options.push({ type, offset: at, length: 1 });
      break; // the rest is padding
    }
    if (type === OPT_NOP) {
      options.push({ type, offset: at, length: 1 });
      at += 1;
      continue;
    }
    if (at + 1 >= end) return fail('ipv4', at, `option ${type} has no length octet`);
    const length = buf[at + 1];
    if (length < 2 || at + length > end) {
      return fail('ipv4', at + 1, `option ${type} length ${length} does not fit the header`);
    }
    options.push({ type, offset: at, length });
    at += length;
  }
  return ok(options);
}

export function parseIpv4(buf: Uint8Array, offset: number): Result<Ipv4Header> {
  const available = buf.length - offset;
  if (available < IPV4_MIN_HEADER_LEN) {
    return fail('ipv4', offset, `${available} bytes is shorter than an IPv4 header (20)`);
  }
  const version = buf[offset] >>> 4;
  if (version !== 4) return fail('ipv4', offset, `version ${version}, expected 4`);
  const headerLength = (buf[offset] & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LEN) {
    return fail('ipv4', offset, `IHL ${headerLength / 4} is below the minimum 5`);
  }
  if (headerLength > available) {
    return fail('ipv4', offset, `header of ${headerLength} bytes is cut at ${available}`);
  }
  const totalLength = u16(buf, offset + 2);
  if (totalLength < headerLength) {
    return fail(
      'ipv4',
      offset + 2,
      `total length ${totalLength} is shorter than the header (${headerLength})`,
    );
  }
  let options = NO_OPTIONS;
  if (headerLength > IPV4_MIN_HEADER_LEN) {
    const parsed = parseOptions(buf, offset + IPV4_MIN_HEADER_LEN, offset + headerLength);
    if (!parsed.ok) return parsed;
    options = parsed.value;
  }
  const flagsFrag = u16(buf, offset + 6);
  const truncated = available < totalLength;
  return ok({
    kind: 'ipv4',
    headerOffset: offset,
    headerLength,
    dscp: buf[offset + 1] >>> 2,
    ecn: buf[offset + 1] & 3,
    totalLength,
    identification: u16(buf, offset + 4),
    dontFragment: (flagsFrag & 0x4000) !== 0,
    moreFragments: (flagsFrag & 0x2000) !== 0,
    fragmentOffset: (flagsFrag & 0x1fff) * 8,
    ttl: buf[offset + 8],
    protocol: buf[offset + 9],
    checksum: u16(buf, offset + 10),
    checksumValid: internetChecksum(buf, offset, offset + headerLength) === 0,
    src: formatIpv4(buf, offset + 12),
    dst: formatIpv4(buf, offset + 16),
    options,
    l4Offset: offset + headerLength,
    l4Length: (truncated ? available : totalLength) - headerLength,
    truncated,
  });
}

export interface Ipv4Fields {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly protocol: number;
  readonly payloadLength: number;
  readonly ttl?: number;
  readonly dscp?: number;
  readonly identification?: number;
  readonly dontFragment?: boolean;
}

/** Writes a 20-byte header (no options) with its checksum and returns the payload offset. */
export function writeIpv4(buf: Uint8Array, offset: number, f: Ipv4Fields): number {
  buf[offset] = 0x45;
  buf[offset + 1] = (f.dscp ?? 0) << 2;
  put16(buf, offset + 2, IPV4_MIN_HEADER_LEN + f.payloadLength);
  put16(buf, offset + 4, f.identification ?? 0);
  put16(buf, offset + 6, f.dontFragment ? 0x4000 : 0);
  buf[offset + 8] = f.ttl ?? 64;
  buf[offset + 9] = f.protocol;
  put16(buf, offset + 10, 0);
  buf.set(f.src.subarray(0, 4), offset + 12);
  buf.set(f.dst.subarray(0, 4), offset + 16);
  put16(buf, offset + 10, internetChecksum(buf, offset, offset + IPV4_MIN_HEADER_LEN));
  return offset + IPV4_MIN_HEADER_LEN;
}
