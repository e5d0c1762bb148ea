// Prints actions and instructions as ovs-ofctl does (lib/ofp-actions.c format_*, lib/learn.c learn_format).
import type { Action, LearnAction, NatAction, CtAction, SampleAction } from '../actions.js';
import type { Instruction } from '../instructions.js';
import type { KnownOxmField, OxmField, Subfield } from '../oxm.js';
import { fieldBits, mfOfCodec } from './fields.js';
import {
  CT_STATE_BITS,
  TCP_FLAG_BITS,
  TUN_FLAG_BITS,
  bigToIpv6,
  dottedHex,
  formatFlags,
  formatFrag,
  formatIpv4Masked,
  formatIpv6Masked,
  formatMacMasked,
  formatPort16,
  formatPort32,
  fromBig,
  hex,
  isReservedPort16,
  ones,
  port32to16,
  putHex,
  toBig,
} from './values.js';

const CONTROLLER_16 = 0xfffd;
const OFPR_ACTION = 1;
const NO_METER = 0xffffffff;

/** `NXM_NX_REG0[]`, `NXM_NX_REG0[5]`, `NXM_NX_REG0[0..15]` (mf_format_subfield). */
export function formatSubfield(sf: Subfield): string {
  const name = mfOfCodec(sf.field).nxmName;
  if (sf.ofs === 0 && sf.nbits === fieldBits(sf.field)) return `${name}[]`;
  if (sf.nbits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nbits - 1}]`;
}

/** A field's value (and mask) as mf_format writes it. */
export function formatFieldValue(e: KnownOxmField): string {
  const mf = mfOfCodec(e.field);
  const bits = fieldBits(e.field);
  const v = toBig(e.field, e.value);
  let m = e.mask === undefined ? undefined : toBig(e.field, e.mask);
  if (m === ones(bits)) m = undefined;
  if (m === 0n) return 'ANY';
  switch (mf.format) {
    case 'mac':
      return formatMacMasked(v, m);
    case 'ipv4':
      return formatIpv4Masked(v, m);
    case 'ipv6':
      return formatIpv6Masked(v, m);
    case 'port16':
      if (m === undefined) return formatPort16(Number(v));
      break;
    case 'port32':
      if (m === undefined) return formatPort32(Number(v));
      break;
    case 'ctState':
      return m === undefined ? formatFlags(CT_STATE_BITS, Number(v)) : `${hex(v)}/${hex(m)}`;
    case 'tcpFlags':
      return m === undefined ? formatFlags(TCP_FLAG_BITS, Number(v)) : `${hex(v)}/${hex(m)}`;
    case 'tunFlags':
      return m === undefined ? formatFlags(TUN_FLAG_BITS, Number(v)) : `${hex(v)}/${hex(m)}`;
    case 'frag':
      return formatFrag(Number(v), m === undefined ? 0xff : Number(m));
    default:
      break;
  }
  const num = mf.format === 'hex' ? putHex(v) : v.toString();
  return m === undefined ? num : `${num}/${putHex(m)}`;
}

function formatSetField(field: OxmField, masked: boolean): string {
  if (field.field === 'unknown') {
    return `set_field:${dottedHex(field.value)}->oxm(0x${field.oxmClass.toString(16)}:${field.oxmField})`;
  }
  const shown = masked ? field : ({ field: field.field, value: field.value } as KnownOxmField);
  return `set_field:${formatFieldValue(shown)}->${mfOfCodec(field.field).name}`;
}

const REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

function formatController(
  maxLen: number,
  controllerId: number,
  reason: number,
  userdata?: Uint8Array,
  pause?: boolean,
  meterId?: number,
): string {
  const meter = meterId ?? NO_METER;
  if (reason === OFPR_ACTION && !controllerId && !userdata?.length && !pause && meter === NO_METER) {
    return `CONTROLLER:${maxLen}`;
  }
  const parts: string[] = [];
  if (reason !== OFPR_ACTION) parts.push(`reason=${REASONS[reason] ?? reason}`);
  if (maxLen !== 0xffff) parts.push(`max_len=${maxLen}`);
  if (controllerId) parts.push(`id=${controllerId}`);
  if (userdata?.length) parts.push(`userdata=${dottedHex(userdata)}`);
  if (pause) parts.push('pause');
  if (meter !== NO_METER) parts.push(`meter_id=${meter}`);
  return `controller(${parts.join(',')})`;
}

function formatNat(a: NatAction): string {
  if (!(a.flags & 3)) return 'nat';
  let s = a.flags & 1 ? 'src' : 'dst';
  if (a.ipMin !== undefined) {
    const v6 = a.ipMin.includes(':');
    const bracket = (x: string): string => (v6 && a.protoMin ? `[${x}]` : x);
    const norm = (x: string): string => (v6 ? bigToIpv6(toBig('ipv6_src', x)) : x);
    s += `=${bracket(norm(a.ipMin))}`;
    if (a.ipMax !== undefined && norm(a.ipMax) !== norm(a.ipMin)) s += `-${bracket(norm(a.ipMax))}`;
    if (a.protoMin) {
      s += `:${a.protoMin}`;
      if (a.protoMax && a.protoMax !== a.protoMin) s += `-${a.protoMax}`;
    }
    if (a.flags & 4) s += ',persistent';
    if (a.flags & 8) s += ',hash';
    if (a.flags & 16) s += ',random';
  }
  return `nat(${s})`;
}

function formatCt(a: CtAction): string {
  const parts: string[] = [];
  if (a.flags & 1) parts.push('commit');
  if (a.flags & 2) parts.push('force');
  if (a.recircTable !== 255) parts.push(`table=${a.recircTable}`);
  if ('field' in a.zone) parts.push(`zone=${formatSubfield(a.zone.field)}`);
  else if (a.zone.imm) parts.push(`zone=${a.zone.imm}`);
  let rest = a.actions;
  if (rest.length && rest[0].type === 'nat') {
    parts.push(formatNat(rest[0]));
    rest = rest.slice(1);
  }
  if (rest.length) parts.push(`exec(${formatActions(rest)})`);
  if (a.alg === 21) parts.push('alg=ftp');
  else if (a.alg === 69) parts.push('alg=tftp');
  else if (a.alg) parts.push(`alg=${a.alg}`);
  return `ct(${parts.join(',')})`;
}

function formatLearn(a: LearnAction): string {
  let s = `learn(table=${a.tableId}`;
  if (a.idleTimeout !== 0) s += `,idle_timeout=${a.idleTimeout}`;
  if (a.hardTimeout !== 0) s += `,hard_timeout=${a.hardTimeout}`;
  if (a.finIdleTimeout) s += `,fin_idle_timeout=${a.finIdleTimeout}`;
  if (a.finHardTimeout) s += `,fin_hard_timeout=${a.finHardTimeout}`;
  if (a.priority !== 0x8000) s += `,priority=${a.priority}`;
  if (a.flags & 1) s += ',send_flow_rem';
  if (a.flags & 2) s += ',delete_learned';
  if (a.cookie !== 0n) s += `,cookie=${hex(a.cookie)}`;
  for (const spec of a.specs) {
    s += ',';
    const imm = (v: bigint, nbits: number): string => {
      const bytes = Math.ceil(nbits / 8);
      return putHex(v & ones(bytes * 8));
    };
    switch (spec.kind) {
      case 'match': {
        const dst: Subfield = { field: spec.dst.field, ofs: spec.dst.ofs, nbits: spec.nbits };
        if ('value' in spec.src) {
          if (dst.ofs === 0 && dst.nbits === fieldBits(dst.field)) {
            const mf = mfOfCodec(dst.field);
            s += `${mf.name}=${formatFieldValue(fromBig(dst.field, spec.src.value))}`;
          } else {
            s += `${formatSubfield(dst)}=${imm(spec.src.value, spec.nbits)}`;
          }
        } else {
          s += formatSubfield(dst);
          const src: Subfield = { field: spec.src.field, ofs: spec.src.ofs, nbits: spec.nbits };
          if (mfOfCodec(src.field) !== mfOfCodec(dst.field) || src.ofs !== dst.ofs)
            s += `=${formatSubfield(src)}`;
        }
        break;
      }
      case 'load': {
        const dst: Subfield = { field: spec.dst.field, ofs: spec.dst.ofs, nbits: spec.nbits };
        const src =
          'value' in spec.src
            ? imm(spec.src.value, spec.nbits)
            : formatSubfield({ field: spec.src.field, ofs: spec.src.ofs, nbits: spec.nbits });
        s += `load:${src}->${formatSubfield(dst)}`;
        break;
      }
      case 'output':
        s +=
          'value' in spec.src
            ? `output:${spec.src.value}`
            : `output:${formatSubfield({ field: spec.src.field, ofs: spec.src.ofs, nbits: spec.nbits })}`;
        break;
    }
  }
  return `${s})`;
}

function formatSample(a: SampleAction): string {
  let s = `sample(probability=${a.probability},collector_set_id=${a.collectorSetId},obs_domain_id=${a.obsDomainId},obs_point_id=${a.obsPointId}`;
  if (a.samplingPort !== undefined && port32to16(a.samplingPort) !== 0xffff) {
    s += `,sampling_port=${formatPort32(a.samplingPort)}`;
  }
  if (a.direction === 1) s += ',ingress';
  else if (a.direction === 2) s += ',egress';
  return `${s})`;
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
const MULTIPATH_ALGS = ['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'];
const BUNDLE_ALGS = ['active_backup', 'hrw'];

/** One action, as ovs-ofctl writes it. */
export function formatAction(a: Action): string {
  switch (a.type) {
    case 'output': {
      const p = port32to16(a.port);
      if (p === CONTROLLER_16) return `CONTROLLER:${a.maxLen}`;
      return isReservedPort16(p) ? formatPort16(p) : `output:${p}`;
    }
    case 'copyTtlOut':
      return 'copy_ttl_out';
    case 'copyTtlIn':
      return 'copy_ttl_in';
    case 'setMplsTtl':
      return `set_mpls_ttl(${a.ttl})`;
    case 'decMplsTtl':
      return 'dec_mpls_ttl';
    case 'pushVlan':
      return `push_vlan:${hex(a.ethertype)}`;
    case 'popVlan':
      return 'pop_vlan';
    case 'pushMpls':
      return `push_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'popMpls':
      return `pop_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'setQueue':
      return `set_queue:${a.queueId}`;
    case 'group':
      return `group:${a.groupId}`;
    case 'setNwTtl':
      return `mod_nw_ttl:${a.ttl}`;
    case 'decNwTtl':
    case 'decTtl':
      return 'dec_ttl';
    case 'decTtlCntIds':
      return `dec_ttl(${a.controllerIds.join(',')})`;
    case 'setField':
      return formatSetField(a.field, false);
    case 'regLoad2':
      return formatSetField(a.field, true);
    case 'pushPbb':
      return `push_pbb:${hex(a.ethertype)}`;
    case 'popPbb':
      return 'pop_pbb';
    case 'experimenter':
      return `experimenter(0x${a.experimenter.toString(16)},${dottedHex(a.data)})`;
    case 'resubmit': {
      if (a.inPort !== 0xfff8 && a.table === 255 && !a.ct) return `resubmit:${formatPort16(a.inPort)}`;
      const port = a.inPort !== 0xfff8 ? formatPort16(a.inPort) : '';
      const table = a.table !== 255 ? String(a.table) : '';
      return `resubmit(${port},${table}${a.ct ? ',ct' : ''})`;
    }
    case 'regMove':
      return `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`;
    case 'regLoad':
      return `load:${hex(a.value)}->${formatSubfield(a.dst)}`;
    case 'nat':
      return formatNat(a);
    case 'ct':
      return formatCt(a);
    case 'ctClear':
      return 'ct_clear';
    case 'learn':
      return formatLearn(a);
    case 'conjunction':
      return `conjunction(${a.id},${a.clause + 1}/${a.nClauses})`;
    case 'note':
      return `note:${dottedHex(a.note)}`;
    case 'outputReg':
      return `output:${formatSubfield(a.src)}`;
    case 'outputTrunc':
      return `output(port=${formatPort32(a.port)},max_len=${a.maxLen})`;
    case 'controller':
      return formatController(a.maxLen, a.controllerId, a.reason);
    case 'controller2':
      return formatController(
        a.maxLen ?? 0xffff,
        a.controllerId ?? 0,
        a.reason ?? OFPR_ACTION,
        a.userdata,
        a.pause,
        a.meterId,
      );
    case 'finTimeout': {
      const p: string[] = [];
      if (a.finIdleTimeout) p.push(`idle_timeout=${a.finIdleTimeout}`);
      if (a.finHardTimeout) p.push(`hard_timeout=${a.finHardTimeout}`);
      return `fin_timeout(${p.join(',')})`;
    }
    case 'sample':
      return formatSample(a);
    case 'multipath':
      return `multipath(${HASH_FIELDS[a.fields] ?? a.fields},${a.basis},${MULTIPATH_ALGS[a.algorithm] ?? a.algorithm},${a.maxLink + 1},${a.arg},${formatSubfield(a.dst)})`;
    case 'bundle': {
      const head = `${HASH_FIELDS[a.fields] ?? a.fields},${a.basis},${BUNDLE_ALGS[a.algorithm] ?? a.algorithm},ofport`;
      const members = `members:${a.members.join(',')}`;
      return a.dst
        ? `bundle_load(${head},${formatSubfield(a.dst)},${members})`
        : `bundle(${head},${members})`;
    }
    case 'stackPush':
      return `push:${formatSubfield(a.field)}`;
    case 'stackPop':
      return `pop:${formatSubfield(a.field)}`;
    case 'setTunnel':
      return `set_tunnel${a.wide || a.tunId > 0xffffffffn ? '64' : ''}:${hex(a.tunId)}`;
    case 'popQueue':
      return 'pop_queue';
    case 'exit':
      return 'exit';
  }
}

export function formatActions(actions: readonly Action[]): string {
  return actions.map(formatAction).join(',');
}

/** The instruction set as `actions=` shows it: meter, apply, clear, write, write_metadata, goto; `drop` if empty. */
export function formatInstructions(instructions: readonly Instruction[]): string {
  const order = [
    'meter',
    'applyActions',
    'clearActions',
    'writeActions',
    'writeMetadata',
    'gotoTable',
    'experimenter',
  ];
  const sorted = [...instructions].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  const parts: string[] = [];
  for (const i of sorted) {
    switch (i.type) {
      case 'meter':
        parts.push(`meter:${i.meterId}`);
        break;
      case 'applyActions':
        if (i.actions.length) parts.push(formatActions(i.actions));
        break;
      case 'clearActions':
        parts.push('clear_actions');
        break;
      case 'writeActions':
        parts.push(`write_actions(${formatActions(i.actions)})`);
        break;
      case 'writeMetadata':
        parts.push(
          i.metadataMask === 0xffffffffffffffffn
            ? `write_metadata:${hex(i.metadata)}`
            : `write_metadata:${hex(i.metadata)}/${hex(i.metadataMask)}`,
        );
        break;
      case 'gotoTable':
        parts.push(`goto_table:${i.tableId}`);
        break;
      case 'experimenter':
        parts.push(`experimenter_instruction(0x${i.experimenter.toString(16)},${dottedHex(i.data)})`);
        break;
    }
  }
  return parts.length ? parts.join(',') : 'drop';
}
