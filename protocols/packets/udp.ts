// UDP header (RFC 768).
import { u16 } from './bytes.js';
import { UDP_HEADER_LEN } from './constants.js';
import { fail, ok, type Result } from './result.js';

export interface UdpHeader {
  readonly kind: 'udp';
  readonly offset: number;
  readonly srcPort: number;
  readonly dstPort: number;
  /** The length field: header plus data. */
  readonly length: number;
  /** Zero over IPv4 means the sender computed none. */
  readonly checksum: number;
  readonly payloadOffset: number;
  /** Payload bytes present in the buffer. */
  readonly payloadLength: number;
}

/** `length` is the number of upper-layer bytes present. */
export function parseUdp(buf: Uint8Array, offset: number, length: number): Result<UdpHeader> {
  if (length < UDP_HEADER_LEN) return fail('udp', offset, `${length} bytes is shorter than a UDP header (8)`);
  const wireLength = u16(buf, offset + 4);
  if (wireLength < UDP_HEADER_LEN) return fail('udp', offset + 4, `length field ${wireLength} is below 8`);
  return ok({
    kind: 'udp',
    offset,
    srcPort: u16(buf, offset),
    dstPort: u16(buf, offset + 2),
    length: wireLength,
    checksum: u16(buf, offset + 6),
    payloadOffset: offset + UDP_HEADER_LEN,
    payloadLength: Math.min(wireLength, length) - UDP_HEADER_LEN,
  });
}
