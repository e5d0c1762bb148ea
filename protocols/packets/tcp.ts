// TCP header (RFC 9293 3.1) and its options.
import { put16, put32, u16, u32 } from './bytes.js';
import { TCP_MIN_HEADER_LEN, TcpFlag } from './constants.js';
import { fail, ok, type Result } from './result.js';

export interface TcpHeader {
  readonly kind: 'tcp';
  readonly offset: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly headerLength: number;
  /** FIN..CWR as one byte (TcpFlag bits). */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgentPointer: number;
  /** headerLength - 20. */
  readonly optionsLength: number;
  readonly payloadOffset: number;
  /** Payload bytes present in the buffer. */
  readonly payloadLength: number;
}

/** `length` is the number of upper-layer bytes present (Ipv4Header.l4Length / Ipv6Header.l4Length). */
export function parseTcp(buf: Uint8Array, offset: number, length: number): Result<TcpHeader> {
  if (length < TCP_MIN_HEADER_LEN) {
    return fail('tcp', offset, `${length} bytes is shorter than a TCP header (20)`);
  }
  const headerLength = (buf[offset + 12] >>> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LEN) {
    return fail('tcp', offset + 12, `data offset ${headerLength / 4} is below 5`);
  }
  if (headerLength > length) {
    return fail('tcp', offset + 12, `header of ${headerLength} bytes is cut at ${length}`);
  }
  return ok({
    kind: 'tcp',
    offset,
    srcPort: u16(buf, offset),
    dstPort: u16(buf, offset + 2),
    seq: u32(buf, offset + 4),
    ack: u32(buf, offset + 8),
    headerLength,
    flags: buf[offset + 13],
    window: u16(buf, offset + 14),
    checksum: u16(buf, offset + 16),
    urgentPointer: u16(buf, offset + 18),
    optionsLength: headerLength - TCP_MIN_HEADER_LEN,
    payloadOffset: offset + headerLength,
    payloadLength: length - headerLength,
  });
}

/** `SYN|ACK` style text, for logs and traces. */
export function formatTcpFlags(flags: number): string {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(TcpFlag)) if (flags & bit) names.push(name);
  return names.length ? names.join('|') : 'none';
}

export type TcpOption =
  | { readonly kind: 'mss'; readonly mss: number }
  | { readonly kind: 'windowScale'; readonly shift: number }
  | { readonly kind: 'sackPermitted' }
  | { readonly kind: 'sack'; readonly blocks: readonly (readonly [number, number])[] }
  | { readonly kind: 'timestamps'; readonly value: number; readonly echo: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly offset: number; readonly length: number };

const OPT_END = 0;
const OPT_NOP = 1;
const FIXED_LENGTH: Record<number, number> = { 2: 4, 3: 3, 4: 2, 8: 10 };

/** The options of a parsed header; NOPs and End of Option List are layout, not content, and are left out. */
export function parseTcpOptions(buf: Uint8Array, tcp: TcpHeader): Result<readonly TcpOption[]> {
  const options: TcpOption[] = [];
  let at = tcp.offset + TCP_MIN_HEADER_LEN;
  const end = tcp.offset + tcp.headerLength;
  while (at < end) {
    const type = buf[at];
    if (type === OPT_END) break;
    if (type === OPT_NOP) {
      at++;
      continue;
    }
    if (at + 1 >= end) return fail('tcp', at, `option ${type} has no length octet`);
    const length = buf[at + 1];
    if (length < 2 || at + length > end) {
      return fail('tcp', at + 1, `option ${type} length ${length} does not fit the header`);
    }
    const fixed = FIXED_LENGTH[type];
    if (fixed !== undefined && length !== fixed) {
      return fail('tcp', at + 1, `option ${type} must be ${fixed} bytes, is ${length}`);
    }
    switch (type) {
      case 2:
        options.push({ kind: 'mss', mss: u16(buf, at + 2) });
        break;
      case 3:
        options.push({ kind: 'windowScale', shift: buf[at + 2] });
        break;
      case 4:
        options.push({ kind: 'sackPermitted' });
        break;
      case 5: {
        if ((length - 2) % 8 !== 0) return fail('tcp', at + 1, `SACK option length ${length} is not 2 + 8n`);
        const blocks: (readonly [number, number])[] = [];
        for (let b = at + 2; b < at + length; b += 8) blocks.push([u32(buf, b), u32(buf, b + 4)]);
        options.push({ kind: 'sack', blocks });
        break;
      }
      case 8:
        options.push({ kind: 'timestamps', value: u32(buf, at + 2), echo: u32(buf, at + 6) });
        break;
      default:
        options.push({ kind: 'unknown', type, offset: at, length });
    }
    at += length;
  }
  return ok(options);
}

export interface TcpFields {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window?: number;
}

/** Writes a 20-byte header with a zero checksum (the caller adds it over the pseudo-header); returns its end. */
export function writeTcp(buf: Uint8Array, offset: number, f: TcpFields): number {
  put16(buf, offset, f.srcPort);
  put16(buf, offset + 2, f.dstPort);
  put32(buf, offset + 4, f.seq);
  put32(buf, offset + 8, f.ack);
  buf[offset + 12] = (TCP_MIN_HEADER_LEN / 4) << 4;
  buf[offset + 13] = f.flags;
  put16(buf, offset + 14, f.window ?? 0);
  put16(buf, offset + 16, 0);
  put16(buf, offset + 18, 0);
  return offset + TCP_MIN_HEADER_LEN;
}
