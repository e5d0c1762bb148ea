// ICMP for IPv4 (RFC 792).
import { u16 } from './bytes.js';
import { ICMP_HEADER_LEN, IcmpType } from './constants.js';
import { fail, ok, type Result } from './result.js';

export interface IcmpMessage {
  readonly kind: 'icmp';
  readonly offset: number;
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** Echo request/reply identifier and sequence number; zero for other types. */
  readonly identifier: number;
  readonly sequence: number;
  /** After the 8-byte header: echo data, or the quoted datagram of an error. */
  readonly bodyOffset: number;
  readonly bodyLength: number;
}

export function isIcmpError(type: number): boolean {
  return (
    type === IcmpType.DestinationUnreachable ||
    type === IcmpType.TimeExceeded ||
    type === 4 ||
    type === 5 ||
    type === 12
  );
}

/** `length` is the number of upper-layer bytes present. */
export function parseIcmp(buf: Uint8Array, offset: number, length: number): Result<IcmpMessage> {
  if (length < ICMP_HEADER_LEN) {
    return fail('icmp', offset, `${length} bytes is shorter than an ICMP header (8)`);
  }
  const type = buf[offset];
  const echo = type === IcmpType.EchoRequest || type === IcmpType.EchoReply;
  return ok({
    kind: 'icmp',
    offset,
    type,
    code: buf[offset + 1],
    checksum: u16(buf, offset + 2),
    identifier: echo ? u16(buf, offset + 4) : 0,
    sequence: echo ? u16(buf, offset + 6) : 0,
    bodyOffset: offset + ICMP_HEADER_LEN,
    bodyLength: length - ICMP_HEADER_LEN,
  });
}
