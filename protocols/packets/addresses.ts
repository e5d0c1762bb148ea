// Address text forms. Formatting runs on every parsed packet, so it is hand-written and table-driven;
// parsing text (for builders and configuration) goes through ipaddr.js.
import ipaddr from 'ipaddr.js';

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `aa:bb:cc:dd:ee:ff`, lower case. */
export function formatMac(buf: Uint8Array, offset: number): string {
  return (
    HEX2[buf[offset]] +
    ':' +
    HEX2[buf[offset + 1]] +
    ':' +
    HEX2[buf[offset + 2]] +
    ':' +
    HEX2[buf[offset + 3]] +
    ':' +
    HEX2[buf[offset + 4]] +
    ':' +
    HEX2[buf[offset + 5]]
  );
}

const MAC_RE =
  /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i;

/** Six bytes from `aa:bb:cc:dd:ee:ff` (or dashes), or undefined when the text is not a MAC address. */
export function parseMac(text: string): Uint8Array | undefined {
  const m = MAC_RE.exec(text);
  if (!m) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(m[i + 1], 16);
  return out;
}

export function formatIpv4(buf: Uint8Array, offset: number): string {
  return buf[offset] + '.' + buf[offset + 1] + '.' + buf[offset + 2] + '.' + buf[offset + 3];
}

/**
 * RFC 5952 text: lower-case hex, no leading zeros, the longest run (first if tied) of two or more zero
 * groups shortened to `::`. Embedded IPv4 is written in hex, as ipaddr.js does, so both agree on keys.
 */
export function formatIpv6(buf: Uint8Array, offset: number): string {
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = buf[offset + 2 * g] === 0 && buf[offset + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      if (g - runStart + 1 > bestLen) {
        bestLen = g - runStart + 1;
        bestStart = runStart;
      }
    } else runStart = -1;
  }
  let out = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += '::';
      g += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += ((buf[offset + 2 * g] << 8) | buf[offset + 2 * g + 1]).toString(16);
  }
  return out;
}

export interface IpBytes {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
}

/** Bytes of an IPv4 or IPv6 address text, or undefined when it is neither. */
export function parseIp(text: string): IpBytes | undefined {
  // Only dotted quads for IPv4: ipaddr.parse would also take "10" or "0x0a.1" (inet_aton forms).
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return { version: 4, bytes: Uint8Array.from(ipaddr.IPv4.parse(text).toByteArray()) };
  }
  if (ipaddr.IPv6.isValid(text)) {
    return { version: 6, bytes: Uint8Array.from(ipaddr.IPv6.parse(text).toByteArray()) };
  }
  return undefined;
}

/** The canonical text of an address (what the parsers produce), or undefined when it is not one. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  return ip.version === 4 ? formatIpv4(ip.bytes, 0) : formatIpv6(ip.bytes, 0);
}
