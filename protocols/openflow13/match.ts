// ofp_match (OFPMT_OXM) and OXM TLVs on the wire: decode into `OxmField` values and encode them back.
// Also used by set_field and NXAST_REG_LOAD2, which carry one TLV each.
import { u64At } from './structs.js';
import { Malformed, need } from './errors.js';
import {
  OXM_FIELDS,
  OxmClass,
  ipv4ToString,
  ipv6ToString,
  macToString,
  oxmEntry,
  oxmHeader,
  type Match,
  type OxmField,
  type OxmFieldInfo,
  type OxmFieldName,
} from './oxm.js';
import { EncodeError, type Writer } from './writer.js';

/** ofp_match.type: OFPMT_OXM (OpenFlow 1.2+); OFPMT_STANDARD (0) is the OpenFlow 1.1 layout, not accepted. */
export const OFPMT_OXM = 1;
/** ofp_match header: type(2) + length(2); `length` excludes the trailing padding to 8. */
const MATCH_HEADER = 4;

type Value = number | bigint | string;

function readValue(info: OxmFieldInfo, b: Buffer, off: number): Value {
  switch (info.kind) {
    case 'uint':
      switch (info.bytes) {
        case 1:
          return b[off];
        case 2:
          return (b[off] << 8) | b[off + 1];
        case 3:
          return (b[off] << 16) | (b[off + 1] << 8) | b[off + 2];
        default:
          return b.readUInt32BE(off);
      }
    case 'u64':
      return u64At(b, off);
    case 'u128':
      return (u64At(b, off) << 64n) | u64At(b, off + 8);
    case 'mac':
      return macToString(b, off);
    case 'ipv4':
      return ipv4ToString(b, off);
    case 'ipv6':
      return ipv6ToString(b, off);
  }
}

/** Decode one OXM TLV at `off`; returns the entry and the offset after it. */
export function decodeOxm(b: Buffer, off: number, end: number): { entry: OxmField; next: number } {
  const out: OxmField[] = [];
  const next = readOxm(b, off, end, out);
  return { entry: out[0], next };
}

/** Decode one OXM TLV at `off` onto `out`; returns the offset after it (no result object: the match hot path). */
function readOxm(b: Buffer, off: number, end: number, out: OxmField[]): number {
  need(off, 4, end, 'OXM header');
  const oxmClass = (b[off] << 8) | b[off + 1];
  const oxmField = b[off + 2] >>> 1;
  const hasMask = (b[off + 2] & 1) === 1;
  const len = b[off + 3];
  const body = off + 4;
  need(body, len, end, 'OXM payload');
  const next = body + len;
  const known = oxmEntry(oxmClass, oxmField);
  if (known === undefined) {
    let start = body;
    let experimenter: number | undefined;
    if (oxmClass === OxmClass.EXPERIMENTER) {
      if (len < 4) throw new Malformed(off, `experimenter OXM with length ${len} < 4`);
      experimenter = b.readUInt32BE(body);
      start += 4;
    }
    const size = next - start;
    if (hasMask && size % 2 !== 0)
      throw new Malformed(off, `masked OXM ${oxmClass}:${oxmField} with odd length ${size}`);
    const half = hasMask ? size / 2 : size;
    const value = b.subarray(start, start + half);
    const entry: OxmField =
      experimenter === undefined
        ? hasMask
          ? { field: 'unknown', oxmClass, oxmField, value, mask: b.subarray(start + half, next) }
          : { field: 'unknown', oxmClass, oxmField, value }
        : hasMask
          ? {
              field: 'unknown',
              oxmClass,
              oxmField,
              experimenter,
              value,
              mask: b.subarray(start + half, next),
            }
          : { field: 'unknown', oxmClass, oxmField, experimenter, value };
    out.push(entry);
    return next;
  }
  const { name, info } = known;
  if (len !== (hasMask ? 2 * info.bytes : info.bytes)) {
    throw new Malformed(
      off,
      `OXM ${name}${hasMask ? ' (masked)' : ''} has length ${len}, expected ${hasMask ? 2 * info.bytes : info.bytes}`,
    );
  }
  const value = readValue(info, b, body);
  // The cast names the pairing the table guarantees: `value` has the kind of `name`.
  out.push(
    (hasMask
      ? { field: name, value, mask: readValue(info, b, body + info.bytes) }
      : { field: name, value }) as OxmField,
  );
  return next;
}

/** Decode an ofp_match at `off`; returns the fields and the offset after its padding. */
export function decodeMatch(b: Buffer, off: number, end: number): { match: Match; next: number } {
  const match: OxmField[] = [];
  return { match, next: decodeMatchInto(b, off, end, match) };
}

/** Decode an ofp_match at `off` onto `out`; returns the offset after its padding (no result object). */
export function decodeMatchInto(b: Buffer, off: number, end: number, out: OxmField[]): number {
  need(off, MATCH_HEADER, end, 'ofp_match');
  const type = (b[off] << 8) | b[off + 1];
  const length = (b[off + 2] << 8) | b[off + 3];
  if (type !== OFPMT_OXM) throw new Malformed(off, `ofp_match type ${type} is not OFPMT_OXM`);
  if (length < MATCH_HEADER) throw new Malformed(off + 2, `ofp_match length ${length} < 4`);
  const padded = (length + 7) & ~7;
  need(off, padded, end, 'ofp_match');
  const fieldsEnd = off + length;
  let p = off + MATCH_HEADER;
  while (p < fieldsEnd) p = readOxm(b, p, fieldsEnd, out);
  return off + padded;
}

function writeValue(w: Writer, name: OxmFieldName, info: OxmFieldInfo, v: Value): void {
  switch (info.kind) {
    case 'uint': {
      if (typeof v !== 'number') throw new EncodeError(`${name} takes a number`);
      const max = info.bytes === 4 ? 0xffffffff : (1 << (info.bytes * 8)) - 1;
      if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${name} value ${v} out of range`);
      if (info.bytes === 1) w.u8(v);
      else if (info.bytes === 2) w.u16(v);
      else if (info.bytes === 3) w.u24(v);
      else w.u32(v);
      return;
    }
    case 'u64':
      if (typeof v !== 'bigint') throw new EncodeError(`${name} takes a bigint`);
      w.u64(v);
      return;
    case 'u128':
      if (typeof v !== 'bigint') throw new EncodeError(`${name} takes a bigint`);
      w.u64(BigInt.asUintN(64, v >> 64n)).u64(BigInt.asUintN(64, v));
      return;
    case 'mac':
      if (typeof v !== 'string') throw new EncodeError(`${name} takes a MAC address`);
      w.mac(v);
      return;
    case 'ipv4':
      if (typeof v !== 'string') throw new EncodeError(`${name} takes an IPv4 address`);
      w.ipv4(v);
      return;
    case 'ipv6':
      if (typeof v !== 'string') throw new EncodeError(`${name} takes an IPv6 address`);
      w.ipv6(v);
      return;
  }
}

/** Encode one OXM TLV. */
export function encodeOxm(w: Writer, e: OxmField): void {
  if (e.field === 'unknown') {
    const hasMask = e.mask !== undefined;
    const payload = (e.experimenter === undefined ? 0 : 4) + e.value.length + (hasMask ? e.mask.length : 0);
    if (payload > 255)
      throw new EncodeError(`OXM ${e.oxmClass}:${e.oxmField} payload of ${payload} bytes exceeds 255`);
    w.u16(e.oxmClass)
      .u8((e.oxmField << 1) | (hasMask ? 1 : 0))
      .u8(payload);
    if (e.experimenter !== undefined) w.u32(e.experimenter);
    w.bytes(e.value);
    if (hasMask) w.bytes(e.mask);
    return;
  }
  const h = HEADERS.get(e.field);
  if (h === undefined) throw new EncodeError(`unknown OXM field ${String(e.field)}`);
  const v = e.value;
  // Fast path for the common case, a number of 1, 2 or 4 bytes without mask.
  if (
    e.mask === undefined &&
    typeof v === 'number' &&
    h.uintMax !== 0 &&
    v >= 0 &&
    v <= h.uintMax &&
    Number.isInteger(v)
  ) {
    w.u32(h.plain);
    if (h.info.bytes === 1) w.u8(v);
    else if (h.info.bytes === 2) w.u16(v);
    else if (h.info.bytes === 4) w.u32(v);
    else w.u24(v);
    return;
  }
  if (e.mask === undefined) {
    w.u32(h.plain);
    writeValue(w, e.field, h.info, v);
  } else {
    w.u32(h.masked);
    writeValue(w, e.field, h.info, v);
    writeValue(w, e.field, h.info, e.mask);
  }
}

/** Precomputed headers per field name (the flow-mod encode hot path looks each field up once). */
const HEADERS = new Map<
  string,
  { readonly plain: number; readonly masked: number; readonly info: OxmFieldInfo; readonly uintMax: number }
>();
for (const name of Object.keys(OXM_FIELDS) as OxmFieldName[]) {
  const info: OxmFieldInfo = OXM_FIELDS[name];
  const uintMax = info.kind === 'uint' ? 2 ** (info.bytes * 8) - 1 : 0;
  HEADERS.set(name, { plain: oxmHeader(info, false), masked: oxmHeader(info, true), info, uintMax });
}

/** Encode an ofp_match (OFPMT_OXM) with its padding to 8 bytes. */
export function encodeMatch(w: Writer, match: Match): void {
  const start = w.offset;
  w.u16(OFPMT_OXM).u16(0);
  for (const e of match) encodeOxm(w, e);
  w.patchLength(start + 2, start);
  w.pad8(start);
}
