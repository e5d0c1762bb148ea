// The argument languages of the Nicira actions: ct(...) with nat(...) and exec(...), learn(...) with its flow-spec
// language, controller(...), sample(...), bundle(...)/bundle_load(...) and multipath(...).
import type { Action, CtAction, LearnAction, LearnSpec, NatAction, SampleAction } from '../actions.js';
import { fail } from './errors.js';
import { fieldBits, mfByName } from './fields.js';
import { parseFieldValue } from './field-value.js';
import { callArgs, isSubfield, parseSubfield, splitPair, splitTop } from './tokens.js';
import {
  bigToIpv4,
  bigToIpv6,
  ipv4ToBig,
  ipv6ToBig,
  parseDottedHex,
  parseInteger,
  parseNumber,
  parsePort16,
} from './values.js';

const OFPP_CONTROLLER = 0xfffffffd;
const NO_MAX_LEN = 0xffff;

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

/** ct(...): `parseNested` reads the actions of exec(...). */
export function parseCt(args: string, parseNested: (text: string) => Action[]): CtAction {
  let flags = 0;
  let zone: CtAction['zone'] = { imm: 0 };
  let recircTable = 255;
  let alg = 0;
  const actions: Action[] = [];
  let nat: NatAction | undefined;
  for (const item of splitTop(args)) {
    const exec = callArgs(item, 'exec');
    if (exec !== undefined) {
      actions.push(...parseNested(exec));
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

export function parseLearn(args: string): LearnAction {
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

export function parseController(args: string): Action {
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

export function parseSample(args: string): SampleAction {
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

export function parseBundle(args: string, load: boolean): Action {
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

export function parseMultipath(args: string): Action {
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
