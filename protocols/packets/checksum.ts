// The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words.
// Sums are kept as plain numbers and folded once at the end: a JS number holds 2^53 without loss,
// far more than any frame can add up to.

/** Adds the bytes [start, end) as big-endian 16-bit words to `initial`; an odd last byte is padded with zero. */
export function sum16(buf: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds the carries back in and complements: the value to write into a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return finishChecksum(sum16(buf, start, end));
}

/** Sum of the IPv4 pseudo-header (RFC 9293 3.1, RFC 768): src, dst, zero, protocol, L4 length. */
export function pseudoHeaderSumV4(
  buf: Uint8Array,
  srcOffset: number,
  dstOffset: number,
  proto: number,
  l4Length: number,
): number {
  let sum = sum16(buf, srcOffset, srcOffset + 4);
  sum = sum16(buf, dstOffset, dstOffset + 4, sum);
  return sum + proto + l4Length;
}

/** Sum of the IPv6 pseudo-header (RFC 8200 8.1): src, dst, 32-bit upper-layer length, next header. */
export function pseudoHeaderSumV6(
  buf: Uint8Array,
  srcOffset: number,
  dstOffset: number,
  proto: number,
  l4Length: number,
): number {
  let sum = sum16(buf, srcOffset, srcOffset + 16);
  sum = sum16(buf, dstOffset, dstOffset + 16, sum);
  return sum + (l4Length >>> 16) + (l4Length & 0xffff) + proto;
}
