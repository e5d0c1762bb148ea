// Values as ovs-ofctl writes and reads them: codec values <-> bigints, hex as OVS's ds_put_hex, addresses with
// masks (CIDR when the mask is a prefix), reserved port names, and the flag-set spellings of ct_state, tcp_flags,
// tun_flags and ip_frag.
import { OXM_FIELDS, ipv6ToString, type KnownOxmField, type OxmFieldName } from '../oxm.js';
import { fail } from './errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Codec values <-> bigint

export function toBig(name: OxmFieldName, v: number | bigint | string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  switch (OXM_FIELDS[name].kind) {
    case 'mac':
      return BigInt(`0x${v.replace(/[:-]/g, '')}`);
    case 'ipv4':
      return ipv4ToBig(v);
    case 'ipv6':
      return ipv6ToBig(v);
    default:
      throw new Error(`${name}: unexpected text value ${v}`);
  }
}

/** A codec match/set-field entry from bigints (mask omitted when undefined). */
export function fromBig(name: OxmFieldName, value: bigint, mask?: bigint): KnownOxmField {
  const conv = (x: bigint): number | bigint | string => {
    switch (OXM_FIELDS[name].kind) {
      case 'uint':
        return Number(x);
      case 'u64':
      case 'u128':
        return x;
      case 'mac':
        return bigToMac(x);
      case 'ipv4':
        return bigToIpv4(x);
      case 'ipv6':
        return bigToIpv6(x);
    }
  };
  const entry =
    mask === undefined
      ? { field: name, value: conv(value) }
      : { field: name, value: conv(value), mask: conv(mask) };
  return entry as KnownOxmField;
}

const ONES: bigint[] = Array.from({ length: 129 }, (_, n) => (1n << BigInt(n)) - 1n);

/** A mask of `bits` one bits (bits <= 128). */
export function ones(bits: number): bigint {
  return ONES[bits] ?? (1n << BigInt(bits)) - 1n;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

/** C's `%#x`, as OVS prints most hex numbers: `0x1f`, but `0` for zero. */
export function hex(v: bigint | number): string {
  return v === 0 || v === 0n ? '0' : `0x${v.toString(16)}`;
}

/** OVS's ds_put_hex: always `0x`, `0x0` for zero. */
export function putHex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

/** Parses an integer as ovs-ofctl does (decimal, or hex with 0x). */
const INTEGER = /^(?:0x[0-9a-f]+|\d+)$/i;

export function parseInteger(text: string): bigint {
  const t = text.trim();
  if (!INTEGER.test(t)) fail(`"${text}" is not a number`);
  return BigInt(t);
}

export function parseNumber(text: string, max = 0xffffffff): number {
  const v = parseInteger(text);
  if (v > BigInt(max)) fail(`${text} is out of range (max ${max})`);
  return Number(v);
}

/** Hex bytes separated by dots (`01.02.ab`), as note: and controller userdata write them. */
export function dottedHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('.');
}

export function parseDottedHex(text: string): Uint8Array {
  const clean = text.replace(/[.:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(clean)) fail(`bad hex bytes "${text}"`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipv4ToBig(text: string): bigint {
  const m = IPV4.exec(text);
  const [a, b, c, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : [256, 0, 0, 0];
  if (a > 255 || b > 255 || c > 255 || d > 255) fail(`"${text}" is not an IPv4 address`);
  return BigInt(a * 0x1000000 + ((b << 16) | (c << 8) | d));
}

export function bigToIpv4(v: bigint): string {
  const n = Number(v);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function bigToMac(v: bigint): string {
  const h = v.toString(16).padStart(12, '0');
  return `${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`;
}

export function macToBig(text: string): bigint {
  if (!/^([0-9a-f]{1,2}[:-]){5}[0-9a-f]{1,2}$/i.test(text)) fail(`"${text}" is not an Ethernet address`);
  return text.split(/[:-]/).reduce((acc, x) => (acc << 8n) | BigInt(parseInt(x, 16)), 0n);
}

export function ipv6ToBig(text: string): bigint {
  let s = text;
  const dot = s.lastIndexOf('.');
  if (dot >= 0) {
    const colon = s.lastIndexOf(':');
    const q = Number(ipv4ToBig(s.slice(colon + 1)));
    s = `${s.slice(0, colon + 1)}${(q >>> 16).toString(16)}:${(q & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) fail(`"${text}" is not an IPv6 address`);
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) fail(`"${text}" is not an IPv6 address`);
  const groups = [...head, ...new Array<string>(fill).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) fail(`"${text}" is not an IPv6 address`);
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** RFC 5952 text, as inet_ntop writes it (the codec's formatter, plus inet_ntop's IPv4-mapped form). */
export function bigToIpv6(v: bigint): string {
  if (v >> 32n === 0xffffn) return `::ffff:${bigToIpv4(v & 0xffffffffn)}`;
  const bytes = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) bytes[i] = Number((v >> BigInt((15 - i) * 8)) & 0xffn);
  return ipv6ToString(bytes, 0);
}

function cidr(mask: bigint, bits: number): number {
  const inv = ones(bits) ^ mask;
  if ((inv & (inv + 1n)) !== 0n) return -1;
  return inv === 0n ? bits : bits - inv.toString(2).length;
}

export function formatIpv4Masked(v: bigint, mask: bigint | undefined): string {
  if (mask === undefined || mask === ones(32)) return bigToIpv4(v);
  const n = cidr(mask, 32);
  return n >= 0 ? `${bigToIpv4(v)}/${n}` : `${bigToIpv4(v)}/${bigToIpv4(mask)}`;
}

export function formatIpv6Masked(v: bigint, mask: bigint | undefined): string {
  if (mask === undefined || mask === ones(128)) return bigToIpv6(v);
  const n = cidr(mask, 128);
  return n >= 0 ? `${bigToIpv6(v)}/${n}` : `${bigToIpv6(v)}/${bigToIpv6(mask)}`;
}

export function formatMacMasked(v: bigint, mask: bigint | undefined): string {
  if (mask === undefined || mask === ones(48)) return bigToMac(v);
  return `${bigToMac(v)}/${bigToMac(mask)}`;
}

/** Parses `addr`, `addr/len` or `addr/mask` for an address of `bits` (32 or 128). */
export function parseAddressMasked(
  text: string,
  bits: 32 | 128,
): { readonly value: bigint; readonly mask: bigint | undefined } {
  const [a, m] = text.split('/', 2);
  const parse = bits === 32 ? ipv4ToBig : ipv6ToBig;
  const value = parse(a);
  if (m === undefined) return { value, mask: undefined };
  let mask: bigint;
  if (/^\d+$/.test(m)) {
    const len = Number(m);
    if (len > bits) fail(`prefix length ${len} is too long`);
    mask = ones(bits) ^ ones(bits - len);
  } else {
    mask = parse(m);
  }
  return { value: value & mask, mask: mask === ones(bits) ? undefined : mask };
}

// ---------------------------------------------------------------------------------------------------------------
// Ports and tables

/** OpenFlow 1.0 16-bit reserved ports, as ovs-ofctl names them. */
const PORT16_NAMES: ReadonlyMap<number, string> = new Map([
  [0xfff7, 'UNSET'],
  [0xfff8, 'IN_PORT'],
  [0xfff9, 'TABLE'],
  [0xfffa, 'NORMAL'],
  [0xfffb, 'FLOOD'],
  [0xfffc, 'ALL'],
  [0xfffd, 'CONTROLLER'],
  [0xfffe, 'LOCAL'],
  [0xffff, 'ANY'],
]);
const PORT_BY_NAME = new Map<string, number>([...PORT16_NAMES].map(([n, s]) => [s.toLowerCase(), n]));
PORT_BY_NAME.set('none', 0xffff);

/** An OpenFlow 1.1+ 32-bit port number as OVS's 16-bit one (reserved ports 0xffffff00+ move to 0xff00+). */
export function port32to16(p: number): number {
  return p >= 0xffffff00 ? p - 0xffff0000 : p;
}

export function port16to32(p: number): number {
  return p >= 0xff00 ? p + 0xffff0000 : p;
}

/** ofputil_format_port: a reserved name or the number. Takes an OVS 16-bit port. */
export function formatPort16(p: number): string {
  return PORT16_NAMES.get(p) ?? String(p);
}

export function formatPort32(p: number): string {
  return formatPort16(port32to16(p));
}

/** True when ovs-ofctl prints this (16-bit) port with a name rather than `output:N`. */
export function isReservedPort16(p: number): boolean {
  return p >= 0xff00;
}

/** Parses a port name or number into a 16-bit OVS port. */
export function parsePort16(text: string): number {
  const named = PORT_BY_NAME.get(text.toLowerCase());
  if (named !== undefined) return named;
  const v = parseNumber(text);
  return port32to16(v);
}

export function parsePort32(text: string): number {
  return port16to32(parsePort16(text));
}

// ---------------------------------------------------------------------------------------------------------------
// Flag sets

/** ct_state bits (CS_*), in bit order. */
export const CT_STATE_BITS: readonly string[] = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];
/** TCP flag bits as ovs-ofctl names them, in bit order. */
export const TCP_FLAG_BITS: readonly string[] = [
  'fin',
  'syn',
  'rst',
  'psh',
  'ack',
  'urg',
  'ece',
  'cwr',
  'ns',
];
/** FLOW_TNL_F_* bits; only oam (bit 0) is visible to OpenFlow. */
export const TUN_FLAG_BITS: readonly string[] = ['oam', 'df', 'csum', 'key'];

/** format_flags: names joined by '|', unknown bits as hex, `0` when none. */
export function formatFlags(names: readonly string[], flags: number): string {
  if (flags === 0) return '0';
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const b = 2 ** bit;
    if ((flags & b) === 0 || flags < b) continue;
    out.push(names[bit] ?? `0x${b.toString(16)}`);
  }
  return out.join('|');
}

/** format_flags_masked: `+a-b` from the lowest set mask bit up, or the plain set when the mask is full. */
export function formatFlagsMasked(
  names: readonly string[],
  flags: number,
  mask: number,
  full: number,
): string {
  if (mask === full) return formatFlags(names, flags);
  if (mask === 0) return '0/0';
  let out = '';
  for (let bit = 0; bit < 32; bit++) {
    const b = 2 ** bit;
    if (Math.floor(mask / b) % 2 === 0) continue;
    out += `${Math.floor(flags / b) % 2 === 1 ? '+' : '-'}${names[bit] ?? '[Unknown]'}`;
  }
  return out;
}

/**
 * Parses `+a-b`, `a|b` or a number (`0x22/0x22`) into value and mask. `full` is the mask of a plain set (all
 * defined bits).
 */
export function parseFlags(
  names: readonly string[],
  text: string,
  full: number,
): { readonly value: number; readonly mask: number } {
  if (/^(0x[0-9a-f]+|\d+)(\/(0x[0-9a-f]+|\d+))?$/i.test(text)) {
    const [v, m] = text.split('/');
    return { value: Number(parseInteger(v)), mask: m === undefined ? full : Number(parseInteger(m)) };
  }
  let value = 0;
  let mask = 0;
  if (text.startsWith('+') || text.startsWith('-')) {
    const re = /([+-])([a-z]+)/gy;
    let m: RegExpExecArray | null;
    let at = 0;
    while ((m = re.exec(text)) !== null) {
      const bit = names.indexOf(m[2]);
      if (bit < 0) fail(`unknown flag "${m[2]}"`);
      mask |= 1 << bit;
      if (m[1] === '+') value |= 1 << bit;
      at = re.lastIndex;
    }
    if (at !== text.length) fail(`bad flags "${text}"`);
    return { value: value >>> 0, mask: mask >>> 0 };
  }
  for (const n of text.split('|')) {
    const bit = names.indexOf(n);
    if (bit < 0) fail(`unknown flag "${n}"`);
    value |= 1 << bit;
  }
  return { value: value >>> 0, mask: full };
}

/** nw_frag spellings for a value/mask over FLOW_NW_FRAG_ANY (1) | FLOW_NW_FRAG_LATER (2). */
export function formatFrag(value: number, mask: number): string {
  switch (mask & 3) {
    case 3:
      return value & 1 ? (value & 2 ? 'later' : 'first') : value & 2 ? '<error>' : 'no';
    case 1:
      return value & 1 ? 'yes' : 'no';
    case 2:
      return value & 2 ? 'later' : 'not_later';
    default:
      return '';
  }
}

const FRAG_NAMES: Record<string, readonly [number, number]> = {
  no: [0, 3],
  yes: [1, 1],
  first: [1, 3],
  later: [3, 3],
  not_later: [0, 2],
};

export function parseFrag(text: string): { readonly value: number; readonly mask: number } {
  const f = FRAG_NAMES[text];
  if (!f) fail(`"${text}" is not a fragment type (no, yes, first, later, not_later)`);
  return { value: f[0], mask: f[1] };
}
