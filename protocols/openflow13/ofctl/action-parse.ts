// Parses ovs-ofctl action and instruction syntax (`actions=ct(commit,zone=5,exec(...)),resubmit(,3),goto_table:4`)
// into the codec's actions and instructions, choosing the encoding ovs-ofctl itself picks for OpenFlow 1.3: a
// whole-field set_field is OFPAT_SET_FIELD, a masked one becomes NXAST_REG_LOAD segments, dec_ttl is
// OFPAT_DEC_NW_TTL, output to the controller without options is OFPAT_OUTPUT.
import type { Action } from '../actions.js';
import type { Instruction } from '../instructions.js';
import type { OxmFieldName } from '../oxm.js';
import { fieldBits } from './fields.js';
import { fieldByName, parseFieldValue } from './field-value.js';
import {
  parseBundle,
  parseController,
  parseCt,
  parseLearn,
  parseMultipath,
  parseSample,
} from './nicira-parse.js';
import type { FlowMatch } from './flow-match.js';
import { parseIntMasked, parseMacMasked } from './match-parse.js';
import { fail } from './errors.js';
import { callArgs, isSubfield, parseSubfield, splitPair, splitTop } from './tokens.js';
import {
  fromBig,
  ones,
  parseAddressMasked,
  parseDottedHex,
  parseInteger,
  parseNumber,
  parsePort16,
  parsePort32,
  port16to32,
} from './values.js';

const OFPP_CONTROLLER = 0xfffffffd;
const OFPP_IN_PORT_16 = 0xfff8;
const NO_MAX_LEN = 0xffff;

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
        return [parseCt(args, (text) => parseActionList(text, match))];
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
      return [parseCt('', (text) => parseActionList(text, match))];
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
