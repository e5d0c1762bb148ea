// A flow as the flow sync sees it, and its canonical identity. Two flows are the same OpenFlow entry when table,
// priority and match are equal (that is what ADD replaces and *_STRICT selects); they are equal entries when
// cookie, timeouts, flags and instructions are equal too. The switch hands flows back in its own normal form
// (fields reordered, full masks dropped, masked-out bits zeroed, instructions in spec order), so both sides are
// put in that form before comparing.
import {
  OXM_FIELDS,
  type Action,
  type Instruction,
  type Match,
  type OxmField,
} from '../../protocols/openflow13/index.js';

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

export function canonicalMatch(match: Match): string {
  return match
    .map(canonicalOxm)
    .filter((s) => s !== '')
    .sort()
    .join(',');
}

function canonicalOxm(e: OxmField): string {
  if (e.field === 'unknown') {
    return `?${e.oxmClass}:${e.oxmField}:${e.experimenter ?? ''}=${hex(e.value)}${e.mask ? '/' + hex(e.mask) : ''}`;
  }
  const info = OXM_FIELDS[e.field];
  const bits = info.bits ?? info.bytes * 8;
  if (e.mask === undefined) return `${e.field}=${String(e.value)}`;
  switch (info.kind) {
    case 'uint':
    case 'u64':
    case 'u128': {
      const full = (1n << BigInt(bits)) - 1n;
      const mask = BigInt(e.mask as number | bigint) & full;
      if (mask === 0n) return ''; // a wildcard: the switch drops it
      const value = BigInt(e.value as number | bigint) & mask;
      return mask === full ? `${e.field}=${value}` : `${e.field}=${value}/${mask}`;
    }
    case 'ipv4':
    case 'mac':
    case 'ipv6': {
      const v = addrBytes(e.value as string, info.kind);
      const m = addrBytes(e.mask as string, info.kind);
      if (!v || !m) return `${e.field}=${String(e.value)}/${String(e.mask)}`;
      if (m.every((b) => b === 0)) return '';
      for (let i = 0; i < v.length; i++) v[i] &= m[i];
      return m.every((b) => b === 0xff) ? `${e.field}=${hex(v)}` : `${e.field}=${hex(v)}/${hex(m)}`;
    }
  }
}

function addrBytes(text: string, kind: 'ipv4' | 'mac' | 'ipv6'): number[] | undefined {
  if (kind === 'ipv4') {
    const parts = text.split('.').map(Number);
    return parts.length === 4 ? parts : undefined;
  }
  if (kind === 'mac') {
    const parts = text.split(':').map((p) => Number.parseInt(p, 16));
    return parts.length === 6 ? parts : undefined;
  }
  return ipv6Bytes(text);
}

function ipv6Bytes(text: string): number[] | undefined {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const words = (s: string | undefined): number[] =>
    s ? s.split(':').map((w) => Number.parseInt(w, 16)) : [];
  const h = words(head);
  const t = words(tail);
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...new Array<number>(Math.max(0, fill)).fill(0), ...t];
  if (all.length !== 8 || all.some((w) => Number.isNaN(w))) return undefined;
  return all.flatMap((w) => [w >> 8, w & 0xff]);
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

export function canonicalInstructions(instructions: readonly Instruction[]): string {
  return instructions
    .filter((i) => !((i.type === 'applyActions' || i.type === 'writeActions') && i.actions.length === 0))
    .slice()
    .sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type])
    .map((i) => JSON.stringify(i, canonicalReplacer))
    .join(';');
}

export function canonicalActions(actions: readonly Action[]): string {
  return JSON.stringify(actions, canonicalReplacer);
}

function canonicalReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return hex(value);
  return value;
}

function hex(b: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] as number).toString(16).padStart(2, '0');
  return s;
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
