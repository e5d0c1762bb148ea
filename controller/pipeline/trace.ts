// A model of a multi-table OpenFlow switch (faucet's fakeoftable idea, ovn-trace's purpose): load a compiled
// pipeline, inject a packet, and learn which flow of which table it hit, where it left, and why it stopped. Pure: the
// trace API, the dashboard's Trace page, `sdnctl` and the unit tests all walk the same code.
// It implements what the pipeline uses: priorities, masked matches, goto, resubmit, write_metadata,
// set_field/load/move, output (also to a register, IN_PORT, never back out of the in_port), ALL groups, dec_ttl,
// conjunctive matches (conj_id), learn (the learned flow joins the tables), and conntrack treated simply (commit with SNAT remembered, replies un-NATed,
// ct_state/ct_mark set).
import type { Action, LearnSource } from '../../protocols/openflow13/actions.js';
import { OXM_FIELDS, type OxmField, type OxmFieldName } from '../../protocols/openflow13/oxm.js';
import type { GroupSpec } from './feature.js';
import type { FlowSpec } from './flow.js';
import { IN_PORT } from './ports.js';

/** A packet as a bag of field values (OXM names), values as the codec carries them. */
export type Packet = Partial<Record<OxmFieldName, number | bigint | string>>;

export interface Output {
  readonly port: number;
  readonly packet: Packet;
}

/** One table lookup: the flow it hit, or a miss (no flow at all: the packet is dropped there). */
export interface TraceStep {
  readonly table: number;
  /** Nesting: 0 for the main path, +1 inside each resubmit or ct recirculation. */
  readonly depth: number;
  readonly flow?: FlowSpec;
  /** Actions the model does not simulate, named so that a reader knows the trace is partial there. */
  readonly skipped: readonly string[];
}

export interface TraceResult {
  readonly outputs: Output[];
  readonly steps: TraceStep[];
  /** True when dec_ttl reached zero. */
  readonly ttlExpired: boolean;
}

export interface TracerOptions {
  /** Throw on an action the model does not simulate (unit tests), instead of noting it in the step. Default true. */
  readonly strict?: boolean;
}

const MAX_STEPS = 64;

function toBig(field: OxmFieldName, v: number | bigint | string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v >>> 0 === v ? v : v >>> 0);
  const kind = OXM_FIELDS[field].kind;
  if (kind === 'mac') return BigInt('0x' + v.split(':').join(''));
  if (kind === 'ipv4') return v.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n);
  if (kind === 'ipv6') return ipv6ToBig(v);
  return BigInt(v);
}

function ipv6ToBig(text: string): bigint {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

/** A clause flow of a conjunctive match: its actions are `conjunction` actions and nothing else. */
function isConjunctive(f: FlowSpec): boolean {
  let any = false;
  for (const i of f.instructions) {
    if (i.type !== 'applyActions') return false;
    for (const a of i.actions) {
      if (a.type !== 'conjunction') return false;
      any = true;
    }
  }
  return any;
}

function width(field: OxmFieldName): bigint {
  return (1n << BigInt(OXM_FIELDS[field].bytes * 8)) - 1n;
}

interface Conn {
  /** Reply tuple as seen after NAT: src, dst. */
  readonly replySrc: bigint;
  readonly replyDst: bigint;
  readonly origSrc: bigint;
  readonly mark: number;
  readonly zone: number;
}

/** The switch model. Conntrack state lives as long as the instance, so a reply after a request is ESTABLISHED. */
export class PipelineTracer {
  private readonly tables = new Map<number, FlowSpec[]>();
  private readonly groups = new Map<number, GroupSpec>();
  private readonly conns: Conn[] = [];
  private readonly strict: boolean;

  constructor(flows: readonly FlowSpec[], groups: readonly GroupSpec[] = [], options: TracerOptions = {}) {
    this.strict = options.strict ?? true;
    for (const f of flows) {
      let t = this.tables.get(f.table);
      if (!t) this.tables.set(f.table, (t = []));
      t.push(f);
    }
    for (const t of this.tables.values()) t.sort((a, b) => b.priority - a.priority);
    for (const g of groups) this.groups.set(g.groupId, g);
  }

  /** Runs `packet` (which must carry in_port) through the pipeline from table 0. */
  inject(packet: Packet): TraceResult {
    const result = { outputs: [], steps: [], ttlExpired: false };
    this.runTable(0, { ...packet }, result, 0, 0);
    return result;
  }

  /**
   * The highest-priority flow of `table` matching `packet`. Conjunctive flows (actions only `conjunction`) are clauses,
   * not hits: once every clause of a conjunction has a matching flow, the flow matching `conj_id` takes the
   * conjunction's priority in the contest (Open vSwitch's conjunctive match, ovs-fields(7)).
   */
  lookup(table: number, packet: Packet): FlowSpec | undefined {
    const flows = this.tables.get(table) ?? [];
    const conj = new Map<
      number,
      { readonly clauses: Set<number>; readonly n: number; readonly priority: number }
    >();
    const complete = (above: number): FlowSpec | undefined => {
      const done = [...conj]
        .filter(([, c]) => c.clauses.size === c.n && c.priority > above)
        .sort((a, b) => b[1].priority - a[1].priority);
      for (const [id] of done) {
        const withId = { ...packet, conj_id: id };
        const f = flows.find(
          (x) => !isConjunctive(x) && x.match.some((m) => m.field === 'conj_id') && matches(x.match, withId),
        );
        if (f) return f;
      }
      return undefined;
    };
    for (const f of flows) {
      if (!matches(f.match, packet)) continue;
      if (!isConjunctive(f)) return complete(f.priority) ?? f;
      for (const i of f.instructions) {
        if (i.type !== 'applyActions') continue;
        for (const a of i.actions) {
          if (a.type !== 'conjunction') continue;
          let c = conj.get(a.id);
          if (!c) conj.set(a.id, (c = { clauses: new Set(), n: a.nClauses, priority: f.priority }));
          c.clauses.add(a.clause);
        }
      }
    }
    return complete(-1);
  }

  private runTable(table: number, pkt: Packet, res: MutableResult, depth: number, nesting: number): void {
    if (depth > MAX_STEPS) throw new Error('pipeline loop: more than 64 table lookups');
    const f = this.lookup(table, pkt);
    const skipped: string[] = [];
    res.steps.push({ table, depth: nesting, ...(f ? { flow: f } : {}), skipped });
    if (!f) return;
    let next: number | undefined;
    for (const i of f.instructions) {
      if (i.type === 'applyActions') {
        if (!this.apply(i.actions, pkt, res, depth, nesting, skipped)) return;
      } else if (i.type === 'writeMetadata') {
        const cur = (pkt.metadata as bigint | undefined) ?? 0n;
        pkt.metadata = (cur & ~i.metadataMask) | (i.metadata & i.metadataMask);
      } else if (i.type === 'gotoTable') next = i.tableId;
    }
    if (next !== undefined) this.runTable(next, pkt, res, depth + 1, nesting);
  }

  /** Applies an action list; false when the packet is gone (dec_ttl to zero). */
  private apply(
    actions: readonly Action[],
    pkt: Packet,
    res: MutableResult,
    depth: number,
    nesting: number,
    skipped: string[],
  ): boolean {
    for (const a of actions) {
      switch (a.type) {
        case 'output':
          emit(a.port, pkt, res);
          break;
        case 'outputReg': {
          // Open vSwitch reads the register as a 16-bit port: above 0xff00 only the reserved ports exist (0xfff8 ..
          // 0xffff map to OpenFlow 1.3's 0xfffffff8 ..); anything else wider than 16 bits is out of range: dropped.
          const v = Number(readBits(pkt, a.src.field, a.src.ofs, a.src.nbits));
          if (v >= 0xfff8 && v <= 0xffff) emit(v + 0xffff0000, pkt, res);
          else if (v < 0xff00) emit(v, pkt, res);
          break;
        }
        case 'setField':
        case 'regLoad2':
          if (a.field.field !== 'unknown') setMasked(pkt, a.field);
          break;
        case 'regLoad':
          writeBits(pkt, a.dst.field, a.dst.ofs, a.dst.nbits, a.value);
          break;
        case 'regMove':
          writeBits(
            pkt,
            a.dst.field,
            a.dst.ofs,
            a.dst.nbits,
            readBits(pkt, a.src.field, a.src.ofs, a.src.nbits),
          );
          break;
        case 'group': {
          const g = this.groups.get(a.groupId);
          if (!g) throw new Error(`group ${a.groupId} does not exist`);
          for (const b of g.buckets) this.apply(b.actions, { ...pkt }, res, depth, nesting, skipped);
          break;
        }
        case 'decTtl':
        case 'decNwTtl': {
          const ttl = Number(pkt.ip_ttl ?? 64);
          if (ttl <= 1) {
            res.ttlExpired = true;
            return false;
          }
          pkt.ip_ttl = ttl - 1;
          break;
        }
        case 'resubmit':
          this.runTable(a.table === 255 ? 0 : a.table, { ...pkt }, res, depth + 1, nesting + 1);
          break;
        case 'learn':
          if (!this.learn(a, pkt)) {
            if (this.strict)
              throw new Error('pipeline tracer: a learn spec on part of a field is not simulated');
            skipped.push(a.type);
          }
          break;
        case 'ct':
          this.conntrack(a, pkt);
          if (a.recircTable !== 255) this.runTable(a.recircTable, { ...pkt }, res, depth + 1, nesting + 1);
          break;
        default:
          if (this.strict) throw new Error(`pipeline tracer: action ${a.type} not simulated`);
          skipped.push(a.type);
      }
    }
    return true;
  }

  /**
   * NXAST_LEARN: adds (or replaces) the flow the specs build from this packet, in the tracer's own tables, so that a
   * later packet meets it (idle timeouts do not run here). Whole-field specs only; false when a spec is partial.
   */
  private learn(a: Extract<Action, { type: 'learn' }>, pkt: Packet): boolean {
    const match: OxmField[] = [];
    const actions: Action[] = [];
    const valueOf = (src: LearnSource, nbits: number): bigint =>
      'value' in src ? src.value : readBits(pkt, plainField(src.field), src.ofs, nbits);
    for (const spec of a.specs) {
      const v = valueOf(spec.src, spec.nbits);
      if (spec.kind === 'output') {
        actions.push({ type: 'output', port: widePort(Number(v)), maxLen: 0 });
        continue;
      }
      const field = plainField(spec.dst.field);
      if (spec.kind === 'load') {
        actions.push({ type: 'regLoad', dst: { field, ofs: spec.dst.ofs, nbits: spec.nbits }, value: v });
        continue;
      }
      if (spec.dst.ofs !== 0 || spec.nbits !== fieldBits(spec.dst.field)) return false;
      const value = field === 'in_port' ? widePort(Number(v)) : fromBig(field, v);
      match.push({ field, value } as OxmField);
    }
    const learned: FlowSpec = {
      table: a.tableId,
      priority: a.priority,
      match,
      instructions: [{ type: 'applyActions', actions }],
      cookie: a.cookie,
      idleTimeout: a.idleTimeout,
      hardTimeout: a.hardTimeout,
      flags: 0,
    };
    const key = JSON.stringify(match, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    let table = this.tables.get(a.tableId);
    if (!table) this.tables.set(a.tableId, (table = []));
    const same = table.findIndex(
      (f) =>
        f.priority === a.priority &&
        JSON.stringify(f.match, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) === key,
    );
    if (same >= 0) table[same] = learned;
    else {
      table.push(learned);
      table.sort((x, y) => y.priority - x.priority);
    }
    return true;
  }

  private conntrack(a: Extract<Action, { type: 'ct' }>, pkt: Packet): void {
    const zone = 'imm' in a.zone ? a.zone.imm : 0;
    const src = pkt.ipv4_src !== undefined ? toBig('ipv4_src', pkt.ipv4_src) : undefined;
    const dst = pkt.ipv4_dst !== undefined ? toBig('ipv4_dst', pkt.ipv4_dst) : undefined;
    const reply = this.conns.find((c) => c.zone === zone && c.replySrc === src && c.replyDst === dst);
    const natAll = a.actions.some((x) => x.type === 'nat');
    if (reply) {
      pkt.ct_state = 0x20 | 0x02 | 0x08;
      pkt.ct_mark = reply.mark;
      if (natAll) pkt.ipv4_dst = fromBig4(reply.origSrc);
      return;
    }
    pkt.ct_state = 0x20 | 0x01;
    if (!(a.flags & 1) || src === undefined || dst === undefined) return;
    let mark = 0;
    for (const n of a.actions)
      if (n.type === 'setField' && n.field.field === 'ct_mark') mark = n.field.value as number;
    const snat = a.actions.find((x) => x.type === 'nat' && x.flags & 1);
    const natIp = snat && snat.type === 'nat' && snat.ipMin ? toBig('ipv4_src', snat.ipMin) : src;
    this.conns.push({ zone, origSrc: src, replySrc: dst, replyDst: natIp, mark });
    pkt.ct_mark = mark;
    if (snat) pkt.ipv4_src = fromBig4(natIp);
  }
}

interface MutableResult {
  outputs: Output[];
  steps: TraceStep[];
  ttlExpired: boolean;
}

function emit(port: number, pkt: Packet, res: MutableResult): void {
  const inPort = Number(pkt.in_port);
  if (port === IN_PORT) res.outputs.push({ port: inPort, packet: { ...pkt } });
  else if (port !== inPort) res.outputs.push({ port, packet: { ...pkt } });
}

/** Learn specs name NXM fields (`in_port_nxm`); the packet carries the same values under the OXM name. */
function plainField(f: OxmFieldName): OxmFieldName {
  return (f.endsWith('_nxm') ? f.slice(0, -4) : f) as OxmFieldName;
}

function fieldBits(f: OxmFieldName): number {
  const d = OXM_FIELDS[f];
  return 'bits' in d && d.bits !== undefined ? d.bits : d.bytes * 8;
}

/** A 16-bit port number as Open vSwitch reads it: 0xfff8.. are the reserved ports of OpenFlow 1.3 (0xfffffff8..). */
function widePort(p: number): number {
  return p >= 0xfff8 && p <= 0xffff ? p + 0xffff0000 : p;
}

function fromBig4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)).join('.');
}

function fromBig(field: OxmFieldName, v: bigint): number | bigint | string {
  const kind = OXM_FIELDS[field].kind;
  if (kind === 'mac') return (v.toString(16).padStart(12, '0').match(/../g) ?? []).join(':');
  if (kind === 'ipv4') return fromBig4(v);
  if (kind === 'ipv6') {
    const groups: string[] = [];
    for (let s = 112n; s >= 0n; s -= 16n) groups.push(((v >> s) & 0xffffn).toString(16));
    return groups.join(':');
  }
  if (kind === 'u64' || kind === 'u128') return v;
  return Number(v);
}

function readBits(pkt: Packet, field: OxmFieldName, ofs: number, nbits: number): bigint {
  const v = pkt[field];
  const big = v === undefined ? 0n : toBig(field, v);
  return (big >> BigInt(ofs)) & ((1n << BigInt(nbits)) - 1n);
}

function writeBits(pkt: Packet, field: OxmFieldName, ofs: number, nbits: number, value: bigint): void {
  const cur = pkt[field] === undefined ? 0n : toBig(field, pkt[field] as number | bigint | string);
  const m = ((1n << BigInt(nbits)) - 1n) << BigInt(ofs);
  pkt[field] = fromBig(field, (cur & ~m) | ((value << BigInt(ofs)) & m));
}

function setMasked(pkt: Packet, f: Exclude<OxmField, { field: 'unknown' }>): void {
  if (f.mask === undefined) {
    pkt[f.field] = f.value;
    return;
  }
  const cur = pkt[f.field] === undefined ? 0n : toBig(f.field, pkt[f.field] as number | bigint | string);
  const m = toBig(f.field, f.mask);
  pkt[f.field] = fromBig(f.field, (cur & ~m) | (toBig(f.field, f.value) & m));
}

/** Does `packet` satisfy every (masked) field of `match`? Absent packet fields never match (zero for registers). */
export function matches(match: readonly OxmField[], packet: Packet): boolean {
  for (const m of match) {
    if (m.field === 'unknown') return false;
    let v = packet[m.field];
    if (v === undefined) {
      if (
        /^reg\d+$/.test(m.field) ||
        m.field === 'metadata' ||
        m.field === 'ct_state' ||
        m.field === 'ct_mark'
      )
        v = 0;
      else return false;
    }
    const pv = toBig(m.field, v);
    const mv = toBig(m.field, m.value);
    const mask = m.mask === undefined ? width(m.field) : toBig(m.field, m.mask);
    if ((pv & mask) !== (mv & mask)) return false;
  }
  return true;
}
