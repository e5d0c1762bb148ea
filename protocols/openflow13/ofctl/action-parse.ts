// Parses ovs-ofctl action and instruction syntax (`actions=ct(commit,zone=5,exec(...)),resubmit(,3),goto_table:4`)
// into the codec's actions and instructions, choosing the encoding ovs-ofctl itself picks for OpenFlow 1.3: a
// whole-field set_field is OFPAT_SET_FIELD, a masked one becomes NXAST_REG_LOAD segments, dec_ttl is
// OFPAT_DEC_NW_TTL, output to the controller without options is OFPAT_OUTPUT.
import type { Action, CtAction, LearnAction, LearnSpec, NatAction, SampleAction } from '../actions.js';
import type { Instruction } from '../instructions.js';
import type { OxmFieldName } from '../oxm.js';
import { fieldBits, mfByName, type MfField } from './fields.js';
import type { FlowMatch } from './flow-match.js';
import { parseIntMasked, parseMacMasked } from './match-parse.js';
import { fail } from './errors.js';
import { callArgs, isSubfield, parseSubfield, splitPair, splitTop } from './tokens.js';
import {
  CT_STATE_BITS,
  bigToIpv4,
  bigToIpv6,
  ipv4ToBig,
  ipv6ToBig,
  TCP_FLAG_BITS,
  TUN_FLAG_BITS,
  fromBig,
  ones,
  parseAddressMasked,
  parseDottedHex,
  parseFlags,
  parseFrag,
  parseInteger,
  parseNumber,
  parsePort16,
  parsePort32,
  port16to32,
} from './values.js';

const OFPP_CONTROLLER = 0xfffffffd;
const OFPP_IN_PORT_16 = 0xfff8;
const NO_MAX_LEN = 0xffff;

/** A field's value as ovs-ofctl reads it for that field, in the codec field's width. */
export function parseFieldValue(
  mf: MfField,
  text: string,
): { readonly v: bigint; readonly m: bigint | undefined } {
  const bits = fieldBits(mf.oxm);
  const full = (r: { v: bigint; m: bigint }): { v: bigint; m: bigint | undefined } => ({
    v: r.v,
    m: r.m === ones(bits) ? undefined : r.m,
  });
  switch (mf.format) {
    case 'mac':
      return full(parseMacMasked(text));
    case 'ipv4':
    case 'ipv6': {
      const r = parseAddressMasked(text, mf.format === 'ipv4' ? 32 : 128);
      return { v: r.value, m: r.mask };
    }
    case 'port16':
      return { v: BigInt(parsePort16(text)), m: undefined };
    case 'port32':
      return { v: BigInt(parsePort32(text)), m: undefined };
    case 'ctState':
    case 'tcpFlags':
    case 'tunFlags': {
      const names =
        mf.format === 'ctState' ? CT_STATE_BITS : mf.format === 'tcpFlags' ? TCP_FLAG_BITS : TUN_FLAG_BITS;
      const f = parseFlags(names, text, Number(ones(bits)));
      return full({ v: BigInt(f.value), m: BigInt(f.mask) });
    }
    case 'frag': {
      const f = parseFrag(text);
      return { v: BigInt(f.value), m: f.mask === 3 ? undefined : BigInt(f.mask) };
    }
    default:
      return full(parseIntMasked(text, bits));
  }
}

function fieldByName(name: string): MfField {
  const mf = mfByName(name);
  if (!mf) fail(`unknown field "${name}"`);
  return mf;
}

/**
 * set_field:V->F. A whole field is OFPAT_SET_FIELD with the field's OF1.3 header; a masked value becomes one
 * NXAST_REG_LOAD per run of mask bits (at most 64 bits each), as OVS's next_load_segment() splits it.
 */
function parseSetField(arg: string): Action[] {
  const arrow = arg.lastIndexOf('->');
  if (arrow < 0) fail(`set_field:${arg}: expected VALUE->FIELD`);
  const mf = fieldByName(arg.slice(arrow + 2).trim());
  const { v, m } = parseFieldValue(mf, arg.slice(0, arrow).trim());
  if (m === undefined) return [{ type: 'setField', field: fromBig(mf.oxm, v) }];
  const out: Action[] = [];
  const bits = fieldBits(mf.nxm);
  for (let ofs = 0; ofs < bits;) {
    if (((m >> BigInt(ofs)) & 1n) === 0n) {
      ofs++;
      continue;
    }
    let n = 0;
    while (ofs + n < bits && n < 64 && ((m >> BigInt(ofs + n)) & 1n) === 1n) n++;
    out.push({ type: 'regLoad', dst: { field: mf.nxm, ofs, nbits: n }, value: (v >> BigInt(ofs)) & ones(n) });
    ofs += n;
  }
  return out;
}

/** load:V->DST */
function parseLoad(arg: string): Action {
  const [src, dst] = arg.split('->');
  if (dst === undefined) fail(`load:${arg}: expected VALUE->DST`);
  const sf = parseSubfield(dst);
  const value = parseInteger(src);
  if (value > ones(sf.nbits)) fail(`load:${arg}: ${src} does not fit in ${sf.nbits} bits`);
  return { type: 'regLoad', dst: sf, value };
}

function parseMove(arg: string): Action {
  const [src, dst] = arg.split('->');
  if (dst === undefined) fail(`move:${arg}: expected SRC->DST`);
  const s = parseSubfield(src);
  const d = parseSubfield(dst);
  if (s.nbits !== d.nbits) fail(`move:${arg}: source is ${s.nbits} bits, destination ${d.nbits}`);
  return { type: 'regMove', src: s, dst: d };
}

function parseResubmit(args: string): Action {
  const parts = args.split(',').map((s) => s.trim());
  const inPort = parts[0] ? parsePort16(parts[0]) : OFPP_IN_PORT_16;
  const table = parts[1] ? parseNumber(parts[1], 254) : 255;
  if (parts.length > 2 && parts[2] !== 'ct') fail(`resubmit(${args}): third argument must be "ct"`);
  return { type: 'resubmit', inPort, table, ct: parts[2] === 'ct' };
}

/** nat(src=IP[-IP][:PORT[-PORT]],persistent,hash,random) */
function parseNat(args: string | undefined): NatAction {
  if (args === undefined) return { type: 'nat', flags: 0 };
  let flags = 0;
  let range: Omit<NatAction, 'type' | 'flags'> = {};
  for (const item of splitTop(args)) {
    const { key, value } = splitPair(item, '=');
    if (key === 'src' || key === 'dst') {
      flags |= key === 'src' ? 1 : 2;
      if (value !== undefined) range = parseNatRange(value);
    } else if (key === 'persistent') flags |= 4;
    else if (key === 'hash') flags |= 8;
    else if (key === 'random') flags |= 16;
    else fail(`nat: unknown option "${item}"`);
  }
  return { type: 'nat', flags, ...range };
}

/** `IP[-IP][:PORT[-PORT]]`; IPv6 addresses are bracketed when ports follow (`[fe80::1]-[fe80::5]:80`). */
const NAT_RANGE_V4 = /^([\d.]+)(?:-([\d.]+))?(?::(\d+)(?:-(\d+))?)?$/;
const NAT_RANGE_V6_BRACKETED = /^\[([0-9a-f:.]+)\](?:-\[([0-9a-f:.]+)\])?(?::(\d+)(?:-(\d+))?)?$/i;
const NAT_RANGE_V6 = /^([0-9a-f:.]+?)(?:-([0-9a-f:.]+))?$/i;

function parseNatRange(text: string): Omit<NatAction, 'type' | 'flags'> {
  const m = NAT_RANGE_V4.exec(text) ?? NAT_RANGE_V6_BRACKETED.exec(text) ?? NAT_RANGE_V6.exec(text);
  if (!m) fail(`nat: "${text}" is not IP[-IP][:PORT[-PORT]]`);
  const [, lo, hi, protoMin, protoMax] = m;
  // Canonical text, and a clear error for a bad address, before the codec sees it.
  const ip = (x: string): string => (x.includes(':') ? bigToIpv6(ipv6ToBig(x)) : bigToIpv4(ipv4ToBig(x)));
  return {
    ipMin: ip(lo),
    ...(hi !== undefined ? { ipMax: ip(hi) } : {}),
    ...(protoMin !== undefined ? { protoMin: parseNumber(protoMin, 0xffff) } : {}),
    ...(protoMax !== undefined ? { protoMax: parseNumber(protoMax, 0xffff) } : {}),
  };
}

function parseCt(args: string): CtAction {
  let flags = 0;
  let zone: CtAction['zone'] = { imm: 0 };
  let recircTable = 255;
  let alg = 0;
  const actions: Action[] = [];
  let nat: NatAction | undefined;
  for (const item of splitTop(args)) {
    const exec = callArgs(item, 'exec');
    if (exec !== undefined) {
      actions.push(...parseActionList(exec));
      continue;
    }
    if (item === 'nat' || item.startsWith('nat(')) {
      nat = parseNat(callArgs(item, 'nat'));
      continue;
    }
    const { key, value } = splitPair(item, '=');
    switch (key) {
      case 'commit':
        flags |= 1;
        break;
      case 'force':
        flags |= 2;
        break;
      case 'table':
        recircTable = parseNumber(value ?? '', 254);
        break;
      case 'zone':
        zone =
          value && isSubfield(value)
            ? { field: parseSubfield(value) }
            : { imm: parseNumber(value ?? '', 0xffff) };
        break;
      case 'alg':
        alg = value === 'ftp' ? 21 : value === 'tftp' ? 69 : parseNumber(value ?? '', 0xffff);
        break;
      default:
        fail(`ct: unknown option "${item}"`);
    }
  }
  return { type: 'ct', flags, zone, recircTable, alg, actions: nat ? [nat, ...actions] : actions };
}

function learnSource(text: string, nbits: number): LearnSpec['src'] {
  if (isSubfield(text)) {
    const sf = parseSubfield(text);
    if (sf.nbits !== nbits) fail(`learn: ${text} is ${sf.nbits} bits, expected ${nbits}`);
    return { field: sf.field, ofs: sf.ofs };
  }
  return { value: parseInteger(text) };
}

function parseLearn(args: string): LearnAction {
  const learn = {
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0x8000,
    cookie: 0n,
    flags: 0,
    tableId: 1,
    finIdleTimeout: 0,
    finHardTimeout: 0,
  };
  const specs: LearnSpec[] = [];
  for (const item of splitTop(args)) {
    const { key, value } = splitPair(item, '=:');
    const sep = item[key.length];
    if (sep === ':' && (key === 'load' || key === 'output')) {
      if (key === 'output') {
        const sf = parseSubfield(value ?? '');
        specs.push({ kind: 'output', nbits: sf.nbits, src: { field: sf.field, ofs: sf.ofs } });
      } else {
        const [src, dst] = (value ?? '').split('->');
        const d = parseSubfield(dst);
        specs.push({
          kind: 'load',
          nbits: d.nbits,
          src: learnSource(src, d.nbits),
          dst: { field: d.field, ofs: d.ofs },
        });
      }
      continue;
    }
    switch (key) {
      case 'table':
        learn.tableId = parseNumber(value ?? '', 254);
        continue;
      case 'idle_timeout':
        learn.idleTimeout = parseNumber(value ?? '', 0xffff);
        continue;
      case 'hard_timeout':
        learn.hardTimeout = parseNumber(value ?? '', 0xffff);
        continue;
      case 'fin_idle_timeout':
        learn.finIdleTimeout = parseNumber(value ?? '', 0xffff);
        continue;
      case 'fin_hard_timeout':
        learn.finHardTimeout = parseNumber(value ?? '', 0xffff);
        continue;
      case 'priority':
        learn.priority = parseNumber(value ?? '', 0xffff);
        continue;
      case 'cookie':
        learn.cookie = parseInteger(value ?? '');
        continue;
      case 'send_flow_rem':
        learn.flags |= 1;
        continue;
      case 'delete_learned':
        learn.flags |= 2;
        continue;
    }
    if (isSubfield(key)) {
      const d = parseSubfield(key);
      const src = value === undefined ? { field: d.field, ofs: d.ofs } : learnSource(value, d.nbits);
      specs.push({ kind: 'match', nbits: d.nbits, src, dst: { field: d.field, ofs: d.ofs } });
      continue;
    }
    const mf = mfByName(key);
    if (!mf || value === undefined) fail(`learn: unknown argument "${item}"`);
    const nbits = fieldBits(mf.nxm);
    if (isSubfield(value)) {
      specs.push({ kind: 'match', nbits, src: learnSource(value, nbits), dst: { field: mf.nxm, ofs: 0 } });
    } else {
      const { v, m } = parseFieldValue(mf, value);
      if (m !== undefined) fail(`learn: ${item}: masks are not allowed here`);
      specs.push({ kind: 'match', nbits, src: { value: v }, dst: { field: mf.nxm, ofs: 0 } });
    }
  }
  return { type: 'learn', ...learn, specs };
}

const REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

function parseController(args: string): Action {
  let maxLen = NO_MAX_LEN;
  let controllerId = 0;
  let reason = 1;
  let userdata: Uint8Array | undefined;
  let pause = false;
  let meterId: number | undefined;
  for (const item of splitTop(args)) {
    const { key, value } = splitPair(item, '=');
    switch (key) {
      case 'max_len':
        maxLen = parseNumber(value ?? '', 0xffff);
        break;
      case 'id':
        controllerId = parseNumber(value ?? '', 0xffff);
        break;
      case 'reason': {
        const r = REASONS.indexOf(value ?? '');
        if (r < 0) fail(`controller: unknown reason "${value}"`);
        reason = r;
        break;
      }
      case 'userdata':
        userdata = parseDottedHex(value ?? '');
        break;
      case 'pause':
        pause = true;
        break;
      case 'meter_id':
        meterId = parseNumber(value ?? '');
        break;
      default:
        fail(`controller: unknown option "${item}"`);
    }
  }
  if (reason === 1 && !controllerId && !userdata && !pause && meterId === undefined) {
    return { type: 'output', port: OFPP_CONTROLLER, maxLen };
  }
  if (!userdata && !pause && meterId === undefined)
    return { type: 'controller', maxLen, controllerId, reason };
  return {
    type: 'controller2',
    ...(maxLen !== NO_MAX_LEN ? { maxLen } : {}),
    ...(controllerId ? { controllerId } : {}),
    ...(reason !== 1 ? { reason } : {}),
    ...(userdata ? { userdata } : {}),
    ...(pause ? { pause } : {}),
    ...(meterId !== undefined ? { meterId } : {}),
  };
}

function parseSample(args: string): SampleAction {
  const s: { -readonly [K in keyof SampleAction]: SampleAction[K] } = {
    type: 'sample',
    probability: 0,
    collectorSetId: 0,
    obsDomainId: 0,
    obsPointId: 0,
  };
  for (const item of splitTop(args)) {
    const { key, value } = splitPair(item, '=');
    switch (key) {
      case 'probability':
        s.probability = parseNumber(value ?? '', 0xffff);
        break;
      case 'collector_set_id':
        s.collectorSetId = parseNumber(value ?? '');
        break;
      case 'obs_domain_id':
        s.obsDomainId = parseNumber(value ?? '');
        break;
      case 'obs_point_id':
        s.obsPointId = parseNumber(value ?? '');
        break;
      case 'sampling_port':
        s.samplingPort = parsePort16(value ?? '');
        break;
      case 'ingress':
      case 'egress':
        s.direction = key === 'ingress' ? 1 : 2;
        s.samplingPort ??= 0xffff;
        break;
      default:
        fail(`sample: unknown option "${item}"`);
    }
  }
  if (s.probability === 0) fail('sample: probability must be between 1 and 65535');
  return s;
}

const HASH_FIELDS = [
  'eth_src',
  'symmetric_l4',
  'symmetric_l3l4',
  'symmetric_l3l4+udp',
  'nw_src',
  'nw_dst',
  'symmetric_l3',
];
/** NXM_OF_IN_PORT, the only member type bundle supports (`ofport`). */
const NXM_OF_IN_PORT_HEADER = 0x00000002;

function hashFields(text: string): number {
  const i = HASH_FIELDS.indexOf(text);
  if (i < 0) fail(`unknown hash fields "${text}"`);
  return i;
}

function parseBundle(args: string, load: boolean): Action {
  const parts = args.split(',').map((s) => s.trim());
  const membersAt = parts.findIndex((p) => p.startsWith('members:') || p.startsWith('slaves:'));
  if (membersAt < 0) fail(`bundle(${args}): missing members:`);
  const members = [parts[membersAt].split(':')[1], ...parts.slice(membersAt + 1)]
    .filter((p) => p !== '')
    .map((p) => parsePort16(p));
  const algorithm = ['active_backup', 'hrw'].indexOf(parts[2]);
  if (algorithm < 0) fail(`bundle: unknown algorithm "${parts[2]}"`);
  if (parts[3] !== 'ofport') fail(`bundle: member type must be ofport`);
  const base = {
    type: 'bundle' as const,
    algorithm,
    fields: hashFields(parts[0]),
    basis: parseNumber(parts[1], 0xffff),
    memberType: NXM_OF_IN_PORT_HEADER,
    members,
  };
  return load ? { ...base, dst: parseSubfield(parts[4]) } : base;
}

function parseMultipath(args: string): Action {
  const p = splitTop(args);
  if (p.length !== 6) fail(`multipath(${args}): expected fields,basis,algorithm,n_links,arg,dst`);
  const algorithm = ['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'].indexOf(p[2]);
  if (algorithm < 0) fail(`multipath: unknown algorithm "${p[2]}"`);
  return {
    type: 'multipath',
    fields: hashFields(p[0]),
    basis: parseNumber(p[1], 0xffff),
    algorithm,
    maxLink: parseNumber(p[3], 0x10000) - 1,
    arg: parseNumber(p[4]),
    dst: parseSubfield(p[5]),
  };
}

/** Ports that are actions on their own (`NORMAL`, `in_port`, `LOCAL`), case-insensitive. */
const PORT_WORDS = new Set(['in_port', 'table', 'normal', 'flood', 'all', 'local', 'any']);

/** `mod_tp_src:N` sets tcp_src, udp_src or sctp_src depending on the flow's protocol. */
function transportField(match: FlowMatch | undefined, dir: 'src' | 'dst'): OxmFieldName {
  const proto = match?.nwProto;
  const l4 = proto === 17 ? 'udp' : proto === 132 ? 'sctp' : 'tcp';
  return `${l4}_${dir}` as OxmFieldName;
}

/** OFPAT_OUTPUT; output to the controller sends the whole packet unless a max_len says otherwise. */
function output(port: number): Action {
  return { type: 'output', port, maxLen: port === OFPP_CONTROLLER ? NO_MAX_LEN : 0 };
}

function setField(name: OxmFieldName, v: bigint): Action {
  return { type: 'setField', field: fromBig(name, v) };
}

/** One action (possibly expanding to several, as masked set_field does). */
export function parseAction(item: string, match?: FlowMatch): Action[] {
  const paren = item.indexOf('(');
  const colon = item.indexOf(':');
  if (paren < 0 && colon < 0) {
    // A bare word: a port (`NORMAL`, `in_port`, `5`), `controller`, or an action without arguments.
    const lower = item.toLowerCase();
    if (PORT_WORDS.has(lower)) return [output(port16to32(parsePort16(lower)))];
    if (/^\d+$/.test(item)) return [output(parseNumber(item))];
    if (lower === 'controller') return [{ type: 'output', port: OFPP_CONTROLLER, maxLen: NO_MAX_LEN }];
  }

  const call = paren > 0 && (colon < 0 || paren < colon) ? /^([a-z_0-9]+)\((.*)\)$/s.exec(item) : null;
  if (call) {
    const [, name, args] = call;
    switch (name) {
      case 'resubmit':
        return [parseResubmit(args)];
      case 'ct':
        return [parseCt(args)];
      case 'learn':
        return [parseLearn(args)];
      case 'conjunction': {
        const m = /^\s*(\d+)\s*,\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(args);
        if (!m) fail(`conjunction(${args}): expected ID,K/N`);
        const [id, k, n] = [Number(m[1]), Number(m[2]), Number(m[3])];
        if (n < 2 || n > 64 || k < 1 || k > n)
          fail(`conjunction(${args}): need 1 <= K <= N and 2 <= N <= 64`);
        return [{ type: 'conjunction', id, clause: k - 1, nClauses: n }];
      }
      case 'dec_ttl': {
        const ids = args.split(',').map((s) => parseNumber(s, 0xffff));
        return ids.length === 1 && ids[0] === 0
          ? [{ type: 'decNwTtl' }]
          : [{ type: 'decTtlCntIds', controllerIds: ids }];
      }
      case 'controller':
        return [parseController(args)];
      case 'output': {
        const o: { port?: number; maxLen?: number } = {};
        for (const p of splitTop(args)) {
          const { key, value } = splitPair(p, '=');
          if (key === 'port') o.port = parsePort32(value ?? '');
          else if (key === 'max_len') o.maxLen = parseNumber(value ?? '');
          else fail(`output(${args}): unknown option "${p}"`);
        }
        if (o.port === undefined || o.maxLen === undefined) fail(`output(${args}): needs port= and max_len=`);
        return [{ type: 'outputTrunc', port: o.port, maxLen: o.maxLen }];
      }
      case 'fin_timeout': {
        let finIdleTimeout = 0;
        let finHardTimeout = 0;
        for (const p of splitTop(args)) {
          const { key, value } = splitPair(p, '=');
          if (key === 'idle_timeout') finIdleTimeout = parseNumber(value ?? '', 0xffff);
          else if (key === 'hard_timeout') finHardTimeout = parseNumber(value ?? '', 0xffff);
          else fail(`fin_timeout: unknown option "${p}"`);
        }
        return [{ type: 'finTimeout', finIdleTimeout, finHardTimeout }];
      }
      case 'sample':
        return [parseSample(args)];
      case 'multipath':
        return [parseMultipath(args)];
      case 'bundle':
      case 'bundle_load':
        return [parseBundle(args, name === 'bundle_load')];
      case 'set_mpls_ttl':
        return [{ type: 'setMplsTtl', ttl: parseNumber(args, 255) }];
      default:
        fail(`unknown action "${name}(...)"`);
    }
  }

  const { key, value } = splitPair(item, ':');
  const arg = value ?? '';
  switch (key.toLowerCase()) {
    case 'output':
      if (isSubfield(arg)) return [{ type: 'outputReg', src: parseSubfield(arg), maxLen: NO_MAX_LEN }];
      return [output(parsePort32(arg))];
    case 'controller':
      return [{ type: 'output', port: OFPP_CONTROLLER, maxLen: parseNumber(arg, 0xffff) }];
    case 'drop':
      return [];
    case 'group':
      return [{ type: 'group', groupId: parseNumber(arg) }];
    case 'set_queue':
      return [{ type: 'setQueue', queueId: parseNumber(arg) }];
    case 'pop_queue':
      return [{ type: 'popQueue' }];
    case 'push_vlan':
      return [{ type: 'pushVlan', ethertype: parseNumber(arg, 0xffff) }];
    case 'pop_vlan':
    case 'strip_vlan':
      return [{ type: 'popVlan' }];
    case 'push_mpls':
      return [{ type: 'pushMpls', ethertype: parseNumber(arg, 0xffff) }];
    case 'pop_mpls':
      return [{ type: 'popMpls', ethertype: parseNumber(arg, 0xffff) }];
    case 'set_mpls_ttl':
      return [{ type: 'setMplsTtl', ttl: parseNumber(arg, 255) }];
    case 'dec_mpls_ttl':
      return [{ type: 'decMplsTtl' }];
    case 'mod_nw_ttl':
      return [{ type: 'setNwTtl', ttl: parseNumber(arg, 255) }];
    case 'dec_ttl':
      return [{ type: 'decNwTtl' }];
    case 'copy_ttl_out':
      return [{ type: 'copyTtlOut' }];
    case 'copy_ttl_in':
      return [{ type: 'copyTtlIn' }];
    case 'push_pbb':
      return [{ type: 'pushPbb', ethertype: parseNumber(arg, 0xffff) }];
    case 'pop_pbb':
      return [{ type: 'popPbb' }];
    case 'set_field':
      return parseSetField(arg);
    case 'load':
      return [parseLoad(arg)];
    case 'move':
      return [parseMove(arg)];
    case 'resubmit':
      return [{ type: 'resubmit', inPort: parsePort16(arg), table: 255, ct: false }];
    case 'ct':
      return [parseCt('')];
    case 'ct_clear':
      return [{ type: 'ctClear' }];
    case 'note': {
      // NXAST_NOTE is padded to a multiple of 8 bytes; the padding is part of the note as OVS prints it.
      const bytes = parseDottedHex(arg);
      const padded = new Uint8Array(Math.ceil((bytes.length + 10) / 8) * 8 - 10);
      padded.set(bytes);
      return [{ type: 'note', note: padded }];
    }
    case 'push':
      return [{ type: 'stackPush', field: parseSubfield(arg) }];
    case 'pop':
      return [{ type: 'stackPop', field: parseSubfield(arg) }];
    case 'exit':
      return [{ type: 'exit' }];
    case 'set_tunnel':
    case 'set_tunnel64':
      // In OpenFlow 1.3 ovs-ofctl sends set_tunnel as OFPAT_SET_FIELD of tunnel_id.
      return [setField('tunnel_id', parseInteger(arg))];
    case 'mod_dl_src':
    case 'mod_dl_dst':
      return [setField(key === 'mod_dl_src' ? 'eth_src' : 'eth_dst', parseMacMasked(arg).v)];
    case 'mod_nw_src':
    case 'mod_nw_dst':
      return [setField(key === 'mod_nw_src' ? 'ipv4_src' : 'ipv4_dst', parseAddressMasked(arg, 32).value)];
    case 'mod_tp_src':
    case 'mod_tp_dst':
      return [
        setField(
          transportField(match, key === 'mod_tp_src' ? 'src' : 'dst'),
          BigInt(parseNumber(arg, 0xffff)),
        ),
      ];
    case 'mod_nw_tos':
      return [setField('ip_dscp', BigInt(parseNumber(arg, 255) >> 2))];
    case 'mod_nw_ecn':
      return [setField('ip_ecn', BigInt(parseNumber(arg, 3)))];
    case 'mod_vlan_vid':
      return [needsVlan(setField('vlan_vid', BigInt(parseNumber(arg, 0xfff) | 0x1000)))];
    case 'mod_vlan_pcp':
      return [needsVlan(setField('vlan_pcp', BigInt(parseNumber(arg, 7))))];
    case 'enqueue': {
      // OpenFlow 1.3 has no enqueue: ovs-ofctl sends set_queue, output (max_len 0xffff), pop_queue.
      const [port, queue] = arg.split(':');
      if (queue === undefined) fail(`enqueue:${arg}: expected PORT:QUEUE`);
      return [
        { type: 'setQueue', queueId: parseNumber(queue) },
        { type: 'output', port: parsePort32(port), maxLen: NO_MAX_LEN },
        { type: 'popQueue' },
      ];
    }
    default:
      fail(`unknown action "${item}"`);
  }
}

/** Actions from mod_vlan_vid/mod_vlan_pcp, which push a tag first when the packet has none. */
const VLAN_SETTERS = new WeakSet<Action>();

function needsVlan(a: Action): Action {
  VLAN_SETTERS.add(a);
  return a;
}

/**
 * OVS puts push_vlan:0x8100 before a mod_vlan_vid/mod_vlan_pcp when the packet cannot have a tag at that point:
 * the match does not require one and no earlier push_vlan added one (ofpacts_check's flow_has_vlan).
 */
function placeVlanPushes(actions: Action[], match: FlowMatch | undefined): Action[] {
  let hasVlan = ((match?.get('vlan_tci')?.v ?? 0n) & 0x1000n) !== 0n;
  const out: Action[] = [];
  for (const a of actions) {
    if (a.type === 'pushVlan') hasVlan = true;
    else if (a.type === 'popVlan') hasVlan = false;
    else if (VLAN_SETTERS.has(a) && !hasVlan) {
      out.push({ type: 'pushVlan', ethertype: 0x8100 });
      hasVlan = true;
    }
    out.push(a);
  }
  return out;
}

export function parseActionList(text: string, match?: FlowMatch): Action[] {
  return placeVlanPushes(
    splitTop(text).flatMap((item) => parseAction(item, match)),
    match,
  );
}

/**
 * The `actions=` part of a flow into OpenFlow 1.3 instructions, in the order OVS writes them: meter,
 * apply-actions, clear-actions, write-actions, write-metadata, goto-table. `drop` (or nothing) is no instruction.
 */
export function parseInstructions(text: string, match?: FlowMatch): Instruction[] {
  const apply: Action[] = [];
  let meter: Instruction | undefined;
  let clear: Instruction | undefined;
  let write: Instruction | undefined;
  let metadata: Instruction | undefined;
  let goto: Instruction | undefined;
  for (const item of splitTop(text)) {
    const writeArgs = callArgs(item, 'write_actions');
    if (writeArgs !== undefined) {
      write = { type: 'writeActions', actions: parseActionList(writeArgs, match) };
      continue;
    }
    const { key, value } = splitPair(item, ':');
    switch (key) {
      case 'meter':
        meter = { type: 'meter', meterId: parseNumber(value ?? '') };
        break;
      case 'clear_actions':
        clear = { type: 'clearActions' };
        break;
      case 'write_metadata': {
        const { v, m } = parseIntMasked(value ?? '', 64);
        metadata = { type: 'writeMetadata', metadata: v, metadataMask: m };
        break;
      }
      case 'goto_table':
        goto = { type: 'gotoTable', tableId: parseNumber(value ?? '', 254) };
        break;
      default:
        apply.push(...parseAction(item, match));
    }
  }
  const out: Instruction[] = [];
  if (meter) out.push(meter);
  if (apply.length) out.push({ type: 'applyActions', actions: placeVlanPushes(apply, match) });
  if (clear) out.push(clear);
  if (write) out.push(write);
  if (metadata) out.push(metadata);
  if (goto) out.push(goto);
  return out;
}
