// A flow as the flow sync sees it, and its canonical identity. Two flows are the same OpenFlow entry when table,
// priority and match are equal (that is what ADD replaces and *_STRICT selects); they are equal entries when
// cookie, timeouts, flags and instructions are equal too. The switch hands flows back in its own normal form
// (fields reordered, full masks dropped, masked-out bits zeroed, instructions in spec order), so both sides are
// put in that form before comparing.
import { Writer, type Instruction, type Match } from '../../protocols/openflow13/index.js';
import { encodeInstructions } from '../../protocols/openflow13/instruction-codec.js';
import { encodeOxm } from '../../protocols/openflow13/match.js';

export interface FlowEntry {
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
  readonly cookie: bigint;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  /** OFPFF_* bits. */
  readonly flags?: number;
}

/** table|priority|match: the entry's identity on the switch. */
export function flowKey(f: FlowEntry): string {
  return `${f.tableId}|${f.priority}|${canonicalMatch(f.match)}`;
}

/** cookie|timeouts|flags|instructions: what MODIFY or a re-ADD would change. */
export function flowBody(f: FlowEntry): string {
  return `${f.cookie}|${f.idleTimeout ?? 0}|${f.hardTimeout ?? 0}|${(f.flags ?? 0) & FLAGS_KEPT}|${canonicalInstructions(f.instructions)}`;
}

/** Only SEND_FLOW_REM (1) and NO_PKT_COUNTS/NO_BYT_COUNTS (8, 16) are reported back by OVS; CHECK_OVERLAP and
 * RESET_COUNTS act at insertion time only. */
const FLAGS_KEPT = 0x1 | 0x8 | 0x10;

/**
 * The match in the switch's normal form, as bytes (latin1): each OXM TLV encoded, a full mask dropped, an all-zero
 * mask (a wildcard) dropped, masked-out value bits zeroed; TLVs sorted. Bytes rather than text keep this cheap at
 * 100,000 flows and exact for every field kind.
 */
export function canonicalMatch(match: Match): string {
  const parts: string[] = [];
  for (const e of match) {
    scratch.reset();
    encodeOxm(scratch, e);
    const tlv = normalizeTlv(scratch.view());
    if (tlv !== '') parts.push(tlv);
  }
  return parts.length > 1 ? parts.sort().join('') : (parts[0] ?? '');
}

const scratch = new Writer(1024);

function normalizeTlv(b: Buffer): string {
  const header = b.readUInt32BE(0);
  if ((header & 0x100) === 0) return b.toString('latin1');
  // Experimenter-class OXMs carry a 4-byte experimenter id before value and mask.
  const pre = header >>> 16 === 0xffff ? 8 : 4;
  const n = (b.length - pre) / 2;
  let allOnes = true;
  let allZero = true;
  for (let i = 0; i < n; i++) {
    const m = b[pre + n + i] as number;
    if (m !== 0xff) allOnes = false;
    if (m !== 0) allZero = false;
    b[pre + i] = (b[pre + i] as number) & m;
  }
  if (allZero) return '';
  if (!allOnes) return b.toString('latin1');
  const exact = Buffer.from(b.subarray(0, pre + n));
  exact.writeUInt32BE(((header & ~0x1ff) | ((b.length - pre) / 2 + (pre - 4))) >>> 0, 0);
  return exact.toString('latin1');
}

/** OpenFlow 1.3 §5.9: instructions execute in this order, and OVS reports them in it. */
const INSTRUCTION_ORDER: Record<Instruction['type'], number> = {
  meter: 0,
  applyActions: 1,
  clearActions: 2,
  writeActions: 3,
  writeMetadata: 4,
  gotoTable: 5,
  experimenter: 6,
};

/** The instructions in the switch's normal form, as bytes: spec order, empty action lists dropped. */
export function canonicalInstructions(instructions: readonly Instruction[]): string {
  let kept = instructions.filter(
    (i) => !((i.type === 'applyActions' || i.type === 'writeActions') && i.actions.length === 0),
  );
  if (kept.length > 1)
    kept = kept.slice().sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type]);
  scratch.reset();
  encodeInstructions(scratch, kept);
  return scratch.view().toString('latin1');
}

/** Cookie ownership: a cookie is ours when (cookie & mask) === value, except the excluded ranges. */
export interface CookieOwnership {
  readonly value: bigint;
  readonly mask: bigint;
  /** Ours but not the reconciler's (e.g. packet-in session flows that expire by themselves). */
  readonly exclude?: readonly { readonly value: bigint; readonly mask: bigint }[];
}

export function isManaged(cookie: bigint, own: CookieOwnership): boolean {
  if ((cookie & own.mask) !== own.value) return false;
  return !(own.exclude ?? []).some((x) => (cookie & x.mask) === x.value);
}
