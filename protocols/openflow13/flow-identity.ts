// A flow's identity and body in the switch's normal form, read straight from wire bytes: the FLOW_MOD a controller
// is about to send, or one ofp_flow_stats entry of a flow dump. Two flows are the same OpenFlow entry when table,
// priority and match are equal (what ADD replaces and *_STRICT selects); they are equal entries when cookie,
// timeouts, flags and instructions are equal too. Open vSwitch hands flows back normalised (match fields in its own
// order, full masks dropped, masked-out bits zeroed; instructions in execution order), so both sides are brought
// to that form here, on the bytes, and become latin1 strings: one short string each for the identity and the body,
// no decoded objects per flow. That is what lets a sync of 100,000 flows stay cheap in time and memory.
//
//   identity (key):  table u8, priority u16, the match's OXM TLVs in canonical form
//   body:            cookie u64, idle_timeout u16, hard_timeout u16, flags u16 (the kept bits), instructions
import { InstructionType } from './constants.js';
import { Malformed, need } from './errors.js';
import { decodeInstructions } from './instruction-codec.js';
import type { Instruction } from './instructions.js';
import { decodeMatch } from './match.js';
import { OXM_FIELDS, type Match, type OxmFieldName } from './oxm.js';
import { Writer } from './writer.js';

/** ofp_flow_mod and ofp_flow_stats both put their ofp_match at byte 48. */
const MATCH_AT = 48;
const OFPMT_OXM = 1;
/** Characters of a key before the match: table, priority. */
export const KEY_HEAD = 3;
/** Characters of a body before the instructions: cookie, idle and hard timeouts, flags. */
export const BODY_HEAD = 14;

/**
 * Only SEND_FLOW_REM (1) and NO_PKT_COUNTS/NO_BYT_COUNTS (8, 16) are reported back by OVS; CHECK_OVERLAP and
 * RESET_COUNTS act at insertion time only.
 */
export const FLAGS_KEPT = 0x1 | 0x8 | 0x10;

/**
 * Fields with two headers of the same width and meaning: a legacy NXM one and the OpenFlow basic one (NXM_OF_ETH_SRC
 * and OXM_OF_ETH_SRC, NXM_NX_TUN_ID and OXM_OF_TUNNEL_ID, ...), keyed by class << 7 | field. Open vSwitch reports
 * such a field with its OXM header in a match, and with its NXM header in the src/dst of a Nicira reg_move,
 * whichever the controller sent. (NXM_OF_IP_TOS is not ip_dscp's twin: its value is shifted.)
 */
const NXM_TO_OXM = new Map<number, number>();
const OXM_TO_NXM = new Map<number, number>();
for (const [name, info] of Object.entries(OXM_FIELDS)) {
  const twin = name === 'tun_id' ? 'tunnel_id' : name.endsWith('_nxm') ? name.slice(0, -4) : undefined;
  if (twin === undefined || twin === 'ip_dscp' || !(twin in OXM_FIELDS)) continue;
  const oxm = OXM_FIELDS[twin as OxmFieldName];
  if (oxm.bytes !== info.bytes) continue;
  const n = (info.oxmClass << 7) | info.oxmField;
  const o = (oxm.oxmClass << 7) | oxm.oxmField;
  NXM_TO_OXM.set(n, o);
  OXM_TO_NXM.set(o, n);
}

/** The header `h` with its class and field replaced as `aliases` says (unchanged when it has no entry). */
function alias(h: number, aliases: ReadonlyMap<number, number>): number {
  const id = aliases.get(h >>> 9);
  return id === undefined ? h : ((id << 9) | (h & 0x1ff)) >>> 0;
}

const NX_VENDOR = 0x2320;
const OFPAT_SET_FIELD = 25;
const NXAST_REG_MOVE = 6;
const NXAST_LEARN = 16;
/** nx_action_learn: where its flow_mod_specs start. */
const LEARN_SPECS_AT = 32;

/**
 * The field headers of a learn action's specs (nx_flow_mod_spec: a 16-bit header with the source kind in bit 13,
 * the destination kind in bits 11-12 and n_bits below; a source field or an immediate value; a destination field
 * unless it is an output), given their NXM form. The list ends at a zero header (padding).
 */
function aliasLearnSpecs(b: Buffer, p: number, end: number): void {
  while (p + 2 <= end) {
    const h = b.readUInt16BE(p);
    if (h === 0) return;
    const nBits = h & 0x7ff;
    const immediate = (h & (1 << 13)) !== 0;
    const dst = (h >> 11) & 3;
    p += 2;
    if (immediate) p += 2 * Math.ceil(nBits / 16);
    else {
      if (p + 6 > end) return;
      b.writeUInt32BE(alias(b.readUInt32BE(p), OXM_TO_NXM), p);
      p += 6;
    }
    if (dst === 0 || dst === 1) {
      if (p + 6 > end) return;
      b.writeUInt32BE(alias(b.readUInt32BE(p), OXM_TO_NXM), p);
      p += 6;
    }
  }
}

/** OpenFlow 1.3 §5.9: instructions execute in this order, and OVS reports them in it. */
function instructionRank(type: number): number {
  switch (type) {
    case InstructionType.METER:
      return 0;
    case InstructionType.APPLY_ACTIONS:
      return 1;
    case InstructionType.CLEAR_ACTIONS:
      return 2;
    case InstructionType.WRITE_ACTIONS:
      return 3;
    case InstructionType.WRITE_METADATA:
      return 4;
    case InstructionType.GOTO_TABLE:
      return 5;
    default:
      return 6;
  }
}

/** Lexicographic order of a[as, ae) and b[bs, be); a prefix sorts first. */
function compareBytes(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = (a[as + i] as number) - (b[bs + i] as number);
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/**
 * Reads flows into their canonical identity and body. One instance is reused flow after flow: `read*` fills its
 * scratch buffer, then `key()`, `body()` and the comparisons read it, until the next `read*`. Throws `Malformed`
 * for bytes that are not a flow.
 */
export class FlowIdentity {
  private readonly out = new Writer(4096);
  /** Normalised TLVs or reordered instructions before they are put in order. */
  private readonly tmp = new Writer(4096);
  private readonly ranges: number[] = [];
  private keyEnd = 0;
  private bodyEnd = 0;

  /** An encoded ofp_flow_mod starting (at its header) at `at` and ending at `end`. */
  readFlowMod(b: Buffer, at: number, end: number): void {
    this.read(b, at, end, b[at + 24] as number, b.readUInt16BE(at + 30), at + 8, at + 26, at + 44);
  }

  /** One ofp_flow_stats entry of a flow dump at `at`, ending at `end`. */
  readFlowStats(b: Buffer, at: number, end: number): void {
    this.read(b, at, end, b[at + 2] as number, b.readUInt16BE(at + 12), at + 24, at + 14, at + 18);
  }

  /** The identity: table, priority and canonical match. */
  key(): string {
    return this.out.buffer.toString('latin1', 0, this.keyEnd);
  }

  /** The body: cookie, timeouts, kept flags and canonical instructions. */
  body(): string {
    return this.out.buffer.toString('latin1', this.keyEnd, this.bodyEnd);
  }

  /** body() === s, without making the string. */
  bodyEquals(s: string): boolean {
    return s.length === this.bodyEnd - this.keyEnd && this.sameAs(s, s.length);
  }

  /** Cookie, timeouts and flags equal those of body `s`: what MODIFY cannot change in OpenFlow 1.3. */
  headEquals(s: string): boolean {
    return s.length >= BODY_HEAD && this.sameAs(s, BODY_HEAD);
  }

  private sameAs(s: string, n: number): boolean {
    const b = this.out.buffer;
    const at = this.keyEnd;
    for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== b[at + i]) return false;
    return true;
  }

  private read(
    b: Buffer,
    at: number,
    end: number,
    table: number,
    priority: number,
    cookieAt: number,
    timeoutsAt: number,
    flagsAt: number,
  ): void {
    const m = at + MATCH_AT;
    need(m, 4, end, 'ofp_match');
    if (b.readUInt16BE(m) !== OFPMT_OXM) throw new Malformed(m, 'ofp_match is not OFPMT_OXM');
    const length = b.readUInt16BE(m + 2);
    if (length < 4) throw new Malformed(m + 2, `ofp_match length ${length} < 4`);
    const padded = (length + 7) & ~7;
    need(m, padded, end, 'ofp_match');
    const out = this.out.reset();
    out.u8(table).u16(priority);
    this.writeMatch(b, m + 4, m + length);
    this.keyEnd = out.offset;
    out
      .copy(b, cookieAt, cookieAt + 8)
      .copy(b, timeoutsAt, timeoutsAt + 4)
      .u16(b.readUInt16BE(flagsAt) & FLAGS_KEPT);
    const instructions = out.offset;
    this.writeInstructions(b, m + padded, end);
    this.bodyEnd = out.offset;
    this.aliasActionFields(instructions);
  }

  /**
   * OXM TLVs with full masks dropped, wildcards (all-zero masks) dropped, masked-out bits zeroed, legacy NXM headers
   * replaced by their OXM twins, sorted.
   */
  private writeMatch(b: Buffer, off: number, end: number): void {
    let sorted = true;
    let normalise = false;
    let prev = -1;
    let p = off;
    while (p < end) {
      need(p, 4, end, 'OXM header');
      const next = p + 4 + (b[p + 3] as number);
      need(p, next - p, end, 'OXM TLV');
      if (((b[p + 2] as number) & 1) !== 0) normalise = true;
      // NXM classes 0 and 1: a legacy header whose OXM twin the switch reports instead.
      if (b[p] === 0 && (b[p + 1] as number) <= 1 && NXM_TO_OXM.has(b.readUInt32BE(p) >>> 9))
        normalise = true;
      if (prev >= 0 && compareBytes(b, prev, p, b, p, next) > 0) sorted = false;
      prev = p;
      p = next;
    }
    // The common case, and the only one for a compiler that emits fields in canonical order: one copy.
    if (sorted && !normalise) {
      this.out.copy(b, off, end);
      return;
    }
    const tmp = this.tmp.reset();
    const ranges = this.ranges;
    ranges.length = 0;
    for (p = off; p < end; p += 4 + (b[p + 3] as number)) {
      const start = tmp.offset;
      if (!writeNormalTlv(tmp, b, p)) continue;
      tmp.buffer.writeUInt32BE(alias(tmp.buffer.readUInt32BE(start), NXM_TO_OXM), start);
      ranges.push(start, tmp.offset);
    }
    this.copySorted(this.byBytes);
  }

  /** Instructions in execution order, empty apply/write-actions dropped. */
  private writeInstructions(b: Buffer, off: number, end: number): void {
    let canonical = true;
    let rank = -1;
    for (let p = off; p < end;) {
      need(p, 4, end, 'instruction header');
      const type = b.readUInt16BE(p);
      const len = b.readUInt16BE(p + 2);
      if (len < 8 || len % 8 !== 0)
        throw new Malformed(p + 2, `instruction length ${len} is not a positive multiple of 8`);
      need(p, len, end, 'instruction');
      const r = instructionRank(type);
      if (r < rank || isEmptyActions(type, len)) canonical = false;
      rank = r;
      p += len;
    }
    if (canonical) {
      this.out.copy(b, off, end);
      return;
    }
    const tmp = this.tmp.reset();
    const ranges = this.ranges;
    ranges.length = 0;
    for (let p = off; p < end;) {
      const type = b.readUInt16BE(p);
      const len = b.readUInt16BE(p + 2);
      if (!isEmptyActions(type, len)) {
        ranges.push(tmp.offset);
        tmp.copy(b, p, p + len);
        ranges.push(tmp.offset);
      }
      p += len;
    }
    // Array.prototype.sort is stable: instructions of one rank keep their order.
    this.copySorted(this.byRank);
  }

  /**
   * Gives every field header inside the written actions the form the switch reports: OXM in a set_field, NXM in
   * the src/dst of a Nicira reg_move and in the specs of a learn. Lengths do not change.
   */
  private aliasActionFields(from: number): void {
    const b = this.out.buffer;
    const end = this.out.offset;
    for (let p = from; p < end; p += b.readUInt16BE(p + 2)) {
      const type = b.readUInt16BE(p);
      if (type !== InstructionType.APPLY_ACTIONS && type !== InstructionType.WRITE_ACTIONS) continue;
      const last = p + b.readUInt16BE(p + 2);
      for (let q = p + 8; q + 8 <= last;) {
        const len = b.readUInt16BE(q + 2);
        if (len < 8 || q + len > last) break;
        const actionType = b.readUInt16BE(q);
        if (actionType === OFPAT_SET_FIELD) {
          b.writeUInt32BE(alias(b.readUInt32BE(q + 4), NXM_TO_OXM), q + 4);
        } else if (actionType === 0xffff && len >= 16 && b.readUInt32BE(q + 4) === NX_VENDOR) {
          const subtype = b.readUInt16BE(q + 8);
          if (subtype === NXAST_REG_MOVE && len >= 24) {
            b.writeUInt32BE(alias(b.readUInt32BE(q + 16), OXM_TO_NXM), q + 16);
            b.writeUInt32BE(alias(b.readUInt32BE(q + 20), OXM_TO_NXM), q + 20);
          } else if (subtype === NXAST_LEARN) {
            aliasLearnSpecs(b, q + LEARN_SPECS_AT, q + len);
          }
        }
        q += len;
      }
    }
  }

  /** Orders two ranges of `tmp` by their bytes. */
  private readonly byBytes = (as: number, ae: number, bs: number, be: number): number =>
    compareBytes(this.tmp.buffer, as, ae, this.tmp.buffer, bs, be);

  /** Orders two instructions in `tmp` by execution order. */
  private readonly byRank = (as: number, _ae: number, bs: number): number =>
    instructionRank(this.tmp.buffer.readUInt16BE(as)) - instructionRank(this.tmp.buffer.readUInt16BE(bs));

  /**
   * Appends the (start, end) ranges of `tmp` listed in `ranges` to the output in the order `compare` gives: an
   * insertion sort in place, stable, for the handful of TLVs or instructions of one flow.
   */
  private copySorted(compare: (as: number, ae: number, bs: number, be: number) => number): void {
    const r = this.ranges;
    for (let i = 2; i < r.length; i += 2) {
      const s = r[i] as number;
      const e = r[i + 1] as number;
      let j = i - 2;
      for (; j >= 0 && compare(r[j] as number, r[j + 1] as number, s, e) > 0; j -= 2) {
        r[j + 2] = r[j] as number;
        r[j + 3] = r[j + 1] as number;
      }
      r[j + 2] = s;
      r[j + 3] = e;
    }
    for (let i = 0; i < r.length; i += 2) this.out.copy(this.tmp.buffer, r[i] as number, r[i + 1] as number);
  }
}

function isEmptyActions(type: number, len: number): boolean {
  return len === 8 && (type === InstructionType.APPLY_ACTIONS || type === InstructionType.WRITE_ACTIONS);
}

/** Writes the TLV at `p` in normal form to `w`; false when it is a wildcard and drops out. */
function writeNormalTlv(w: Writer, b: Buffer, p: number): boolean {
  const header = b.readUInt32BE(p);
  const end = p + 4 + (header & 0xff);
  if ((header & 0x100) === 0) {
    w.copy(b, p, end);
    return true;
  }
  // Experimenter-class OXMs carry a 4-byte experimenter id before value and mask.
  const pre = header >>> 16 === 0xffff ? 8 : 4;
  const twice = end - p - pre;
  if (twice <= 0 || twice % 2 !== 0) {
    w.copy(b, p, end);
    return true;
  }
  const n = twice / 2;
  const v = p + pre;
  let allOnes = true;
  let allZero = true;
  for (let i = 0; i < n; i++) {
    const m = b[v + n + i] as number;
    if (m !== 0xff) allOnes = false;
    if (m !== 0) allZero = false;
  }
  if (allZero) return false;
  if (allOnes) {
    w.u32(((header & ~0x1ff) | (n + pre - 4)) >>> 0).copy(b, p + 4, v + n);
    return true;
  }
  w.copy(b, p, v);
  for (let i = 0; i < n; i++) w.u8((b[v + i] as number) & (b[v + n + i] as number));
  w.copy(b, v + n, end);
  return true;
}

/** The parts of a flow that a key and a body hold, decoded (for reports about a flow known only by them). */
export interface IdentityParts {
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  readonly cookie: bigint;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly flags: number;
  readonly instructions: readonly Instruction[];
}

export function decodeIdentity(key: string, body: string): IdentityParts {
  const k = Buffer.from(key, 'latin1');
  const oxm = k.length - KEY_HEAD;
  const match = Buffer.alloc(4 + oxm + 7);
  match.writeUInt16BE(OFPMT_OXM, 0);
  match.writeUInt16BE(4 + oxm, 2);
  k.copy(match, 4, KEY_HEAD);
  const b = Buffer.from(body, 'latin1');
  return {
    tableId: k[0] as number,
    priority: k.readUInt16BE(1),
    match: decodeMatch(match, 0, match.length).match,
    cookie: b.readBigUInt64BE(0),
    idleTimeout: b.readUInt16BE(8),
    hardTimeout: b.readUInt16BE(10),
    flags: b.readUInt16BE(12),
    instructions: decodeInstructions(b, BODY_HEAD, b.length),
  };
}
