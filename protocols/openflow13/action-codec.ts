// Actions on the wire: decode an action list into `Action` values and encode them back, byte for byte.
// Standard actions follow ofp_action_* (openflow-1.3.h); Nicira ones the nx_action_* structs of lib/ofp-actions.c.
// An experimenter action the codec does not know (other experimenter, unknown NX subtype, or an NX action naming a
// field header the codec does not name) decodes to `{ type: 'experimenter' }` with its raw bytes.
import type { Action, CtZone, LearnSource, LearnSpec } from './actions.js';
import {
  ActionType,
  NX_VENDOR_ID,
  NxActionSubtype as NX,
  NxController2Prop,
  NxNatRange,
} from './constants.js';
import { u64At } from './structs.js';
import { Malformed, need } from './errors.js';
import { decodeOxm, encodeOxm } from './match.js';
import {
  OXM_FIELDS,
  fieldOfHeader,
  ipv4ToString,
  ipv6ToString,
  oxmHeader,
  writeIpv4,
  writeIpv6,
  type OxmFieldName,
  type Subfield,
} from './oxm.js';
import { EncodeError, type Writer } from './writer.js';

/** Raised inside a Nicira action that names a field header this codec has no name for: keep the action opaque. */
class UnnamedField extends Error {}

function fieldAt(b: Buffer, off: number): OxmFieldName {
  const name = fieldOfHeader(b.readUInt32BE(off));
  if (name === undefined) throw new UnnamedField();
  return name;
}

/** NXM ofs_nbits: (ofs << 6) | (n_bits - 1). */
function subfield(b: Buffer, ofsNbitsAt: number, headerAt: number): Subfield {
  const v = b.readUInt16BE(ofsNbitsAt);
  return { field: fieldAt(b, headerAt), ofs: v >>> 6, nbits: (v & 0x3f) + 1 };
}

function ofsNbits(s: Subfield): number {
  if (s.nbits < 1 || s.nbits > 64 || s.ofs < 0 || s.ofs > 1023)
    throw new EncodeError(`bad subfield ${s.field}[${s.ofs}..+${s.nbits}]`);
  return (s.ofs << 6) | (s.nbits - 1);
}

function headerOf(field: OxmFieldName): number {
  return oxmHeader(OXM_FIELDS[field], false);
}

function u16list(b: Buffer, off: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(b.readUInt16BE(off + 2 * i));
  return out;
}

function fixed(subtype: number, off: number, len: number, n: number): void {
  if (len !== n) throw new Malformed(off + 2, `NXAST subtype ${subtype} has length ${len}, expected ${n}`);
}

function atLeast(subtype: number, off: number, len: number, n: number): void {
  if (len < n)
    throw new Malformed(off + 2, `NXAST subtype ${subtype} has length ${len}, expected at least ${n}`);
}

/** Decode a Nicira action whose 16-byte-or-longer body spans [off, end) (off = start of the action). */
function decodeNicira(b: Buffer, off: number, end: number): Action | undefined {
  const len = end - off;
  need(off, 10, end, 'Nicira action');
  const subtype = b.readUInt16BE(off + 8);
  switch (subtype) {
    case NX.RESUBMIT:
    case NX.RESUBMIT_TABLE:
    case NX.RESUBMIT_TABLE_CT:
      fixed(subtype, off, len, 16);
      return {
        type: 'resubmit',
        inPort: b.readUInt16BE(off + 10),
        table: subtype === NX.RESUBMIT ? 255 : b[off + 12],
        ct: subtype === NX.RESUBMIT_TABLE_CT,
      };
    case NX.SET_TUNNEL:
      fixed(subtype, off, len, 16);
      return { type: 'setTunnel', tunId: BigInt(b.readUInt32BE(off + 12)), wide: false };
    case NX.SET_TUNNEL64:
      fixed(subtype, off, len, 24);
      return { type: 'setTunnel', tunId: u64At(b, off + 16), wide: true };
    case NX.POP_QUEUE:
      fixed(subtype, off, len, 16);
      return { type: 'popQueue' };
    case NX.EXIT:
      fixed(subtype, off, len, 16);
      return { type: 'exit' };
    case NX.DEC_TTL:
      fixed(subtype, off, len, 16);
      return { type: 'decTtl' };
    case NX.CT_CLEAR:
      fixed(subtype, off, len, 16);
      return { type: 'ctClear' };
    case NX.REG_MOVE: {
      fixed(subtype, off, len, 24);
      const nbits = b.readUInt16BE(off + 10);
      return {
        type: 'regMove',
        src: { field: fieldAt(b, off + 16), ofs: b.readUInt16BE(off + 12), nbits },
        dst: { field: fieldAt(b, off + 20), ofs: b.readUInt16BE(off + 14), nbits },
      };
    }
    case NX.REG_LOAD:
      fixed(subtype, off, len, 24);
      return { type: 'regLoad', dst: subfield(b, off + 10, off + 12), value: u64At(b, off + 16) };
    case NX.REG_LOAD2: {
      atLeast(subtype, off, len, 16);
      const { entry, next } = decodeOxm(b, off + 10, end);
      if (entry.field === 'unknown') throw new UnnamedField();
      if (((next - off + 7) & ~7) !== len)
        throw new Malformed(off + 2, `NXAST_REG_LOAD2 length ${len} does not fit its OXM`);
      return { type: 'regLoad2', field: entry };
    }
    case NX.NOTE:
      atLeast(subtype, off, len, 16);
      return { type: 'note', note: b.subarray(off + 10, end) };
    case NX.OUTPUT_REG:
      fixed(subtype, off, len, 24);
      return { type: 'outputReg', src: subfield(b, off + 10, off + 12), maxLen: b.readUInt16BE(off + 16) };
    case NX.OUTPUT_REG2:
      fixed(subtype, off, len, 24);
      return {
        type: 'outputReg',
        src: subfield(b, off + 10, off + 14),
        maxLen: b.readUInt16BE(off + 12),
        reg2: true,
      };
    case NX.OUTPUT_TRUNC:
      fixed(subtype, off, len, 16);
      return { type: 'outputTrunc', port: b.readUInt16BE(off + 10), maxLen: b.readUInt32BE(off + 12) };
    case NX.FIN_TIMEOUT:
      fixed(subtype, off, len, 16);
      return {
        type: 'finTimeout',
        finIdleTimeout: b.readUInt16BE(off + 10),
        finHardTimeout: b.readUInt16BE(off + 12),
      };
    case NX.CONTROLLER:
      fixed(subtype, off, len, 16);
      return {
        type: 'controller',
        maxLen: b.readUInt16BE(off + 10),
        controllerId: b.readUInt16BE(off + 12),
        reason: b[off + 14],
      };
    case NX.CONTROLLER2:
      atLeast(subtype, off, len, 16);
      return decodeController2(b, off, end);
    case NX.DEC_TTL_CNT_IDS: {
      atLeast(subtype, off, len, 16);
      const n = b.readUInt16BE(off + 10);
      const size = (16 + 2 * n + 7) & ~7;
      if (len !== size)
        throw new Malformed(
          off + 2,
          `NXAST_DEC_TTL_CNT_IDS with ${n} ids has length ${len}, expected ${size}`,
        );
      return { type: 'decTtlCntIds', controllerIds: u16list(b, off + 16, n) };
    }
    case NX.CONJUNCTION:
      fixed(subtype, off, len, 16);
      return {
        type: 'conjunction',
        clause: b[off + 10],
        nClauses: b[off + 11],
        id: b.readUInt32BE(off + 12),
      };
    case NX.SAMPLE:
      fixed(subtype, off, len, 24);
      return {
        type: 'sample',
        probability: b.readUInt16BE(off + 10),
        collectorSetId: b.readUInt32BE(off + 12),
        obsDomainId: b.readUInt32BE(off + 16),
        obsPointId: b.readUInt32BE(off + 20),
      };
    case NX.SAMPLE2:
    case NX.SAMPLE3: {
      fixed(subtype, off, len, 32);
      const base = {
        type: 'sample' as const,
        probability: b.readUInt16BE(off + 10),
        collectorSetId: b.readUInt32BE(off + 12),
        obsDomainId: b.readUInt32BE(off + 16),
        obsPointId: b.readUInt32BE(off + 20),
        samplingPort: b.readUInt16BE(off + 24),
      };
      return subtype === NX.SAMPLE3 ? { ...base, direction: b[off + 26] } : base;
    }
    case NX.STACK_PUSH:
    case NX.STACK_POP:
      fixed(subtype, off, len, 24);
      return {
        type: subtype === NX.STACK_PUSH ? 'stackPush' : 'stackPop',
        field: {
          field: fieldAt(b, off + 12),
          ofs: b.readUInt16BE(off + 10),
          nbits: b.readUInt16BE(off + 16),
        },
      };
    case NX.MULTIPATH:
      fixed(subtype, off, len, 32);
      return {
        type: 'multipath',
        fields: b.readUInt16BE(off + 10),
        basis: b.readUInt16BE(off + 12),
        algorithm: b.readUInt16BE(off + 16),
        maxLink: b.readUInt16BE(off + 18),
        arg: b.readUInt32BE(off + 20),
        dst: subfield(b, off + 26, off + 28),
      };
    case NX.BUNDLE:
    case NX.BUNDLE_LOAD: {
      atLeast(subtype, off, len, 32);
      const n = b.readUInt16BE(off + 20);
      const size = (32 + 2 * n + 7) & ~7;
      if (len !== size)
        throw new Malformed(off + 2, `NXAST_BUNDLE with ${n} members has length ${len}, expected ${size}`);
      const common = {
        type: 'bundle' as const,
        algorithm: b.readUInt16BE(off + 10),
        fields: b.readUInt16BE(off + 12),
        basis: b.readUInt16BE(off + 14),
        memberType: b.readUInt32BE(off + 16),
        members: u16list(b, off + 32, n),
      };
      return subtype === NX.BUNDLE_LOAD ? { ...common, dst: subfield(b, off + 22, off + 24) } : common;
    }
    case NX.CT:
      atLeast(subtype, off, len, 24);
      return decodeCt(b, off, end);
    case NX.NAT:
      atLeast(subtype, off, len, 16);
      return decodeNat(b, off, end);
    case NX.LEARN:
      atLeast(subtype, off, len, 32);
      return decodeLearn(b, off, end);
    default:
      return undefined;
  }
}

function decodeController2(b: Buffer, off: number, end: number): Action {
  let maxLen: number | undefined;
  let controllerId: number | undefined;
  let reason: number | undefined;
  let userdata: Uint8Array | undefined;
  let pause: boolean | undefined;
  let meterId: number | undefined;
  let p = off + 16;
  while (p < end) {
    need(p, 4, end, 'NXAST_CONTROLLER2 property');
    const type = b.readUInt16BE(p);
    const plen = b.readUInt16BE(p + 2);
    if (plen < 4) throw new Malformed(p + 2, `NXAST_CONTROLLER2 property length ${plen} < 4`);
    const padded = (plen + 7) & ~7;
    need(p, padded, end, 'NXAST_CONTROLLER2 property');
    const body = p + 4;
    const size = plen - 4;
    const want = (n: number): void => {
      if (size !== n)
        throw new Malformed(p + 2, `NXAST_CONTROLLER2 property ${type} has ${size} bytes, expected ${n}`);
    };
    switch (type) {
      // u16 properties are ofp_prop_u16: the value plus 2 bytes of padding inside the length.
      case NxController2Prop.MAX_LEN:
        want(4);
        maxLen = b.readUInt16BE(body);
        break;
      case NxController2Prop.CONTROLLER_ID:
        want(4);
        controllerId = b.readUInt16BE(body);
        break;
      case NxController2Prop.REASON:
        want(1);
        reason = b[body];
        break;
      case NxController2Prop.USERDATA:
        userdata = b.subarray(body, body + size);
        break;
      case NxController2Prop.PAUSE:
        want(0);
        pause = true;
        break;
      case NxController2Prop.METER_ID:
        want(4);
        meterId = b.readUInt32BE(body);
        break;
      default:
        throw new UnnamedField();
    }
    p += padded;
  }
  return {
    type: 'controller2',
    ...(maxLen === undefined ? {} : { maxLen }),
    ...(controllerId === undefined ? {} : { controllerId }),
    ...(reason === undefined ? {} : { reason }),
    ...(userdata === undefined ? {} : { userdata }),
    ...(pause === undefined ? {} : { pause }),
    ...(meterId === undefined ? {} : { meterId }),
  };
}

function decodeCt(b: Buffer, off: number, end: number): Action {
  const header = b.readUInt32BE(off + 12);
  const zone: CtZone =
    header === 0 ? { imm: b.readUInt16BE(off + 16) } : { field: subfield(b, off + 16, off + 12) };
  return {
    type: 'ct',
    flags: b.readUInt16BE(off + 10),
    zone,
    recircTable: b[off + 18],
    alg: b.readUInt16BE(off + 22),
    actions: decodeActions(b, off + 24, end),
  };
}

function decodeNat(b: Buffer, off: number, end: number): Action {
  const flags = b.readUInt16BE(off + 12);
  const range = b.readUInt16BE(off + 14);
  let p = off + 16;
  const take = (n: number): number => {
    need(p, n, end, 'NXAST_NAT range');
    const at = p;
    p += n;
    return at;
  };
  let ipMin: string | undefined;
  let ipMax: string | undefined;
  let protoMin: number | undefined;
  let protoMax: number | undefined;
  if (range & NxNatRange.IPV4_MIN) ipMin = ipv4ToString(b, take(4));
  if (range & NxNatRange.IPV4_MAX) ipMax = ipv4ToString(b, take(4));
  if (range & NxNatRange.IPV6_MIN) ipMin = ipv6ToString(b, take(16));
  if (range & NxNatRange.IPV6_MAX) ipMax = ipv6ToString(b, take(16));
  if (range & NxNatRange.PROTO_MIN) protoMin = b.readUInt16BE(take(2));
  if (range & NxNatRange.PROTO_MAX) protoMax = b.readUInt16BE(take(2));
  if (range & ~0x3f || ((range & 0x3) !== 0 && (range & 0xc) !== 0)) throw new UnnamedField();
  if (((p - off + 7) & ~7) !== end - off)
    throw new Malformed(off + 2, `NXAST_NAT length ${end - off} does not fit its ranges`);
  return {
    type: 'nat',
    flags,
    ...(ipMin === undefined ? {} : { ipMin }),
    ...(ipMax === undefined ? {} : { ipMax }),
    ...(protoMin === undefined ? {} : { protoMin }),
    ...(protoMax === undefined ? {} : { protoMax }),
  };
}

function decodeLearn(b: Buffer, off: number, end: number): Action {
  const specs: LearnSpec[] = [];
  let p = off + 32;
  // Specs run until the end of the action or a zero header (the start of the padding).
  while (p + 2 <= end) {
    const h = b.readUInt16BE(p);
    if (h === 0) break;
    const nbits = h & 0x7ff;
    const srcImm = (h & 0x2000) !== 0;
    const dstType = (h >>> 11) & 3;
    if (dstType === 3 || (h & 0xc000) !== 0)
      throw new Malformed(p, `learn spec header 0x${h.toString(16)} is invalid`);
    p += 2;
    let src: LearnSource;
    if (srcImm) {
      const n = ((nbits + 15) >>> 4) * 2;
      need(p, n, end, 'learn immediate');
      let v = 0n;
      for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[p + i]);
      src = { value: v };
      p += n;
    } else {
      need(p, 6, end, 'learn source field');
      src = { field: fieldAt(b, p), ofs: b.readUInt16BE(p + 4) };
      p += 6;
    }
    if (dstType === 2) {
      specs.push({ kind: 'output', nbits, src });
    } else {
      need(p, 6, end, 'learn destination field');
      const dst = { field: fieldAt(b, p), ofs: b.readUInt16BE(p + 4) };
      p += 6;
      specs.push({ kind: dstType === 0 ? 'match' : 'load', nbits, src, dst });
    }
  }
  for (let i = p; i < end; i++) if (b[i] !== 0) throw new Malformed(i, 'learn padding is not zero');
  return {
    type: 'learn',
    idleTimeout: b.readUInt16BE(off + 10),
    hardTimeout: b.readUInt16BE(off + 12),
    priority: b.readUInt16BE(off + 14),
    cookie: u64At(b, off + 16),
    flags: b.readUInt16BE(off + 24),
    tableId: b[off + 26],
    finIdleTimeout: b.readUInt16BE(off + 28),
    finHardTimeout: b.readUInt16BE(off + 30),
    specs,
  };
}

function simple(type: number, off: number, len: number): void {
  if (len !== 8) throw new Malformed(off + 2, `action type ${type} has length ${len}, expected 8`);
}

/** Decode one action at `off` whose length is `len` (already bounds-checked and a multiple of 8). */
function decodeAction(b: Buffer, off: number, len: number): Action {
  const type = b.readUInt16BE(off);
  switch (type) {
    case ActionType.OUTPUT:
      if (len !== 16) throw new Malformed(off + 2, `output action has length ${len}, expected 16`);
      return { type: 'output', port: b.readUInt32BE(off + 4), maxLen: b.readUInt16BE(off + 8) };
    case ActionType.COPY_TTL_OUT:
      simple(type, off, len);
      return { type: 'copyTtlOut' };
    case ActionType.COPY_TTL_IN:
      simple(type, off, len);
      return { type: 'copyTtlIn' };
    case ActionType.SET_MPLS_TTL:
      simple(type, off, len);
      return { type: 'setMplsTtl', ttl: b[off + 4] };
    case ActionType.DEC_MPLS_TTL:
      simple(type, off, len);
      return { type: 'decMplsTtl' };
    case ActionType.PUSH_VLAN:
      simple(type, off, len);
      return { type: 'pushVlan', ethertype: b.readUInt16BE(off + 4) };
    case ActionType.POP_VLAN:
      simple(type, off, len);
      return { type: 'popVlan' };
    case ActionType.PUSH_MPLS:
      simple(type, off, len);
      return { type: 'pushMpls', ethertype: b.readUInt16BE(off + 4) };
    case ActionType.POP_MPLS:
      simple(type, off, len);
      return { type: 'popMpls', ethertype: b.readUInt16BE(off + 4) };
    case ActionType.SET_QUEUE:
      simple(type, off, len);
      return { type: 'setQueue', queueId: b.readUInt32BE(off + 4) };
    case ActionType.GROUP:
      simple(type, off, len);
      return { type: 'group', groupId: b.readUInt32BE(off + 4) };
    case ActionType.SET_NW_TTL:
      simple(type, off, len);
      return { type: 'setNwTtl', ttl: b[off + 4] };
    case ActionType.DEC_NW_TTL:
      simple(type, off, len);
      return { type: 'decNwTtl' };
    case ActionType.SET_FIELD: {
      const { entry, next } = decodeOxm(b, off + 4, off + len);
      if (((next - off + 7) & ~7) !== len)
        throw new Malformed(off + 2, `set_field length ${len} does not fit its OXM`);
      return { type: 'setField', field: entry };
    }
    case ActionType.PUSH_PBB:
      simple(type, off, len);
      return { type: 'pushPbb', ethertype: b.readUInt16BE(off + 4) };
    case ActionType.POP_PBB:
      simple(type, off, len);
      return { type: 'popPbb' };
    case ActionType.EXPERIMENTER: {
      if (len < 8) throw new Malformed(off + 2, `experimenter action length ${len} < 8`);
      const experimenter = b.readUInt32BE(off + 4);
      if (experimenter === NX_VENDOR_ID && len >= 16) {
        try {
          const a = decodeNicira(b, off, off + len);
          if (a !== undefined) return a;
        } catch (e) {
          if (!(e instanceof UnnamedField)) throw e;
        }
      }
      return { type: 'experimenter', experimenter, data: b.subarray(off + 8, off + len) };
    }
    default:
      throw new Malformed(off, `unknown action type ${type}`);
  }
}

/** Decode the action list in [off, end). */
export function decodeActions(b: Buffer, off: number, end: number): Action[] {
  const actions: Action[] = [];
  let p = off;
  while (p < end) {
    need(p, 4, end, 'action header');
    const len = b.readUInt16BE(p + 2);
    if (len < 8 || len % 8 !== 0)
      throw new Malformed(p + 2, `action length ${len} is not a positive multiple of 8`);
    need(p, len, end, 'action');
    actions.push(decodeAction(b, p, len));
    p += len;
  }
  return actions;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

function nxHeader(w: Writer, subtype: number): number {
  const start = w.offset;
  w.u16(ActionType.EXPERIMENTER).u16(0).u32(NX_VENDOR_ID).u16(subtype);
  return start;
}

/** Pad the action begun at `start` to 8 bytes and back-patch its length. */
function close(w: Writer, start: number): void {
  w.pad8(start);
  w.patchLength(start + 2, start);
}

function learnSource(w: Writer, s: LearnSource, nbits: number): void {
  if ('value' in s) {
    const n = ((nbits + 15) >>> 4) * 2;
    for (let i = n - 1; i >= 0; i--) w.u8(Number((s.value >> BigInt(8 * i)) & 0xffn));
  } else {
    w.u32(headerOf(s.field)).u16(s.ofs);
  }
}

function encodeAction(w: Writer, a: Action): void {
  const start = w.offset;
  switch (a.type) {
    case 'output':
      w.u16(ActionType.OUTPUT).u16(16).u32(a.port).u16(a.maxLen).zeros(6);
      return;
    case 'copyTtlOut':
      w.u16(ActionType.COPY_TTL_OUT).u16(8).zeros(4);
      return;
    case 'copyTtlIn':
      w.u16(ActionType.COPY_TTL_IN).u16(8).zeros(4);
      return;
    case 'setMplsTtl':
      w.u16(ActionType.SET_MPLS_TTL).u16(8).u8(a.ttl).zeros(3);
      return;
    case 'decMplsTtl':
      w.u16(ActionType.DEC_MPLS_TTL).u16(8).zeros(4);
      return;
    case 'pushVlan':
      w.u16(ActionType.PUSH_VLAN).u16(8).u16(a.ethertype).zeros(2);
      return;
    case 'popVlan':
      w.u16(ActionType.POP_VLAN).u16(8).zeros(4);
      return;
    case 'pushMpls':
      w.u16(ActionType.PUSH_MPLS).u16(8).u16(a.ethertype).zeros(2);
      return;
    case 'popMpls':
      w.u16(ActionType.POP_MPLS).u16(8).u16(a.ethertype).zeros(2);
      return;
    case 'setQueue':
      w.u16(ActionType.SET_QUEUE).u16(8).u32(a.queueId);
      return;
    case 'group':
      w.u16(ActionType.GROUP).u16(8).u32(a.groupId);
      return;
    case 'setNwTtl':
      w.u16(ActionType.SET_NW_TTL).u16(8).u8(a.ttl).zeros(3);
      return;
    case 'decNwTtl':
      w.u16(ActionType.DEC_NW_TTL).u16(8).zeros(4);
      return;
    case 'setField':
      w.u16(ActionType.SET_FIELD).u16(0);
      encodeOxm(w, a.field);
      close(w, start);
      return;
    case 'pushPbb':
      w.u16(ActionType.PUSH_PBB).u16(8).u16(a.ethertype).zeros(2);
      return;
    case 'popPbb':
      w.u16(ActionType.POP_PBB).u16(8).zeros(4);
      return;
    case 'experimenter':
      if ((8 + a.data.length) % 8 !== 0)
        throw new EncodeError('experimenter action data must pad the action to 8 bytes');
      w.u16(ActionType.EXPERIMENTER)
        .u16(8 + a.data.length)
        .u32(a.experimenter)
        .bytes(a.data);
      return;
    case 'resubmit':
      if (a.table === 255 && !a.ct) nxHeader(w, NX.RESUBMIT);
      else nxHeader(w, a.ct ? NX.RESUBMIT_TABLE_CT : NX.RESUBMIT_TABLE);
      w.u16(a.inPort).u8(a.table).zeros(3);
      break;
    case 'setTunnel':
      if (a.wide) {
        nxHeader(w, NX.SET_TUNNEL64);
        w.zeros(6).u64(a.tunId);
      } else {
        nxHeader(w, NX.SET_TUNNEL);
        w.zeros(2).u32(Number(BigInt.asUintN(32, a.tunId)));
      }
      break;
    case 'popQueue':
      nxHeader(w, NX.POP_QUEUE);
      break;
    case 'exit':
      nxHeader(w, NX.EXIT);
      break;
    case 'decTtl':
      nxHeader(w, NX.DEC_TTL);
      break;
    case 'ctClear':
      nxHeader(w, NX.CT_CLEAR);
      break;
    case 'regMove':
      if (a.src.nbits !== a.dst.nbits) throw new EncodeError('reg_move source and destination widths differ');
      nxHeader(w, NX.REG_MOVE);
      w.u16(a.src.nbits).u16(a.src.ofs).u16(a.dst.ofs).u32(headerOf(a.src.field)).u32(headerOf(a.dst.field));
      break;
    case 'regLoad':
      nxHeader(w, NX.REG_LOAD);
      w.u16(ofsNbits(a.dst)).u32(headerOf(a.dst.field)).u64(a.value);
      break;
    case 'regLoad2':
      nxHeader(w, NX.REG_LOAD2);
      encodeOxm(w, a.field);
      break;
    case 'note':
      nxHeader(w, NX.NOTE);
      w.bytes(a.note);
      break;
    case 'outputReg':
      if (a.reg2) {
        nxHeader(w, NX.OUTPUT_REG2);
        w.u16(ofsNbits(a.src)).u16(a.maxLen).u32(headerOf(a.src.field)).zeros(6);
      } else {
        nxHeader(w, NX.OUTPUT_REG);
        w.u16(ofsNbits(a.src)).u32(headerOf(a.src.field)).u16(a.maxLen).zeros(6);
      }
      break;
    case 'outputTrunc':
      nxHeader(w, NX.OUTPUT_TRUNC);
      w.u16(a.port).u32(a.maxLen);
      break;
    case 'finTimeout':
      nxHeader(w, NX.FIN_TIMEOUT);
      w.u16(a.finIdleTimeout).u16(a.finHardTimeout).zeros(2);
      break;
    case 'controller':
      nxHeader(w, NX.CONTROLLER);
      w.u16(a.maxLen).u16(a.controllerId).u8(a.reason).u8(0);
      break;
    case 'controller2': {
      nxHeader(w, NX.CONTROLLER2);
      w.zeros(6);
      const prop = (type: number, body: (w: Writer) => void): void => {
        const p = w.offset;
        w.u16(type).u16(0);
        body(w);
        w.patchLength(p + 2, p);
        w.pad8(p);
      };
      if (a.maxLen !== undefined) prop(NxController2Prop.MAX_LEN, (x) => x.u16(a.maxLen ?? 0).zeros(2));
      if (a.controllerId !== undefined)
        prop(NxController2Prop.CONTROLLER_ID, (x) => x.u16(a.controllerId ?? 0).zeros(2));
      if (a.reason !== undefined) prop(NxController2Prop.REASON, (x) => x.u8(a.reason ?? 0));
      if (a.userdata !== undefined)
        prop(NxController2Prop.USERDATA, (x) => x.bytes(a.userdata ?? new Uint8Array()));
      if (a.pause) prop(NxController2Prop.PAUSE, () => undefined);
      if (a.meterId !== undefined) prop(NxController2Prop.METER_ID, (x) => x.u32(a.meterId ?? 0));
      break;
    }
    case 'decTtlCntIds':
      nxHeader(w, NX.DEC_TTL_CNT_IDS);
      w.u16(a.controllerIds.length).zeros(4);
      for (const id of a.controllerIds) w.u16(id);
      break;
    case 'conjunction':
      nxHeader(w, NX.CONJUNCTION);
      w.u8(a.clause).u8(a.nClauses).u32(a.id);
      break;
    case 'sample': {
      const sub =
        a.direction !== undefined ? NX.SAMPLE3 : a.samplingPort !== undefined ? NX.SAMPLE2 : NX.SAMPLE;
      nxHeader(w, sub);
      w.u16(a.probability).u32(a.collectorSetId).u32(a.obsDomainId).u32(a.obsPointId);
      if (sub !== NX.SAMPLE) w.u16(a.samplingPort ?? 0).u8(a.direction ?? 0);
      break;
    }
    case 'stackPush':
    case 'stackPop':
      nxHeader(w, a.type === 'stackPush' ? NX.STACK_PUSH : NX.STACK_POP);
      w.u16(a.field.ofs).u32(headerOf(a.field.field)).u16(a.field.nbits);
      break;
    case 'multipath':
      nxHeader(w, NX.MULTIPATH);
      w.u16(a.fields).u16(a.basis).zeros(2).u16(a.algorithm).u16(a.maxLink).u32(a.arg).zeros(2);
      w.u16(ofsNbits(a.dst)).u32(headerOf(a.dst.field));
      break;
    case 'bundle':
      nxHeader(w, a.dst === undefined ? NX.BUNDLE : NX.BUNDLE_LOAD);
      w.u16(a.algorithm).u16(a.fields).u16(a.basis).u32(a.memberType).u16(a.members.length);
      if (a.dst === undefined) w.u16(0).u32(0);
      else w.u16(ofsNbits(a.dst)).u32(headerOf(a.dst.field));
      w.zeros(4);
      for (const m of a.members) w.u16(m);
      break;
    case 'ct':
      nxHeader(w, NX.CT);
      w.u16(a.flags);
      if ('imm' in a.zone) w.u32(0).u16(a.zone.imm);
      else w.u32(headerOf(a.zone.field.field)).u16(ofsNbits(a.zone.field));
      w.u8(a.recircTable).zeros(3).u16(a.alg);
      encodeActions(w, a.actions);
      break;
    case 'nat': {
      nxHeader(w, NX.NAT);
      const v6 = (a.ipMin ?? a.ipMax ?? '').includes(':');
      let range = 0;
      if (a.ipMin !== undefined) range |= v6 ? NxNatRange.IPV6_MIN : NxNatRange.IPV4_MIN;
      if (a.ipMax !== undefined) range |= v6 ? NxNatRange.IPV6_MAX : NxNatRange.IPV4_MAX;
      if (a.protoMin !== undefined) range |= NxNatRange.PROTO_MIN;
      if (a.protoMax !== undefined) range |= NxNatRange.PROTO_MAX;
      w.zeros(2).u16(a.flags).u16(range);
      for (const ip of [a.ipMin, a.ipMax]) {
        if (ip === undefined) continue;
        if (v6) w.text(16, (o, at) => writeIpv6(ip, o, at), `IPv6 address for nat: ${ip}`);
        else w.text(4, (o, at) => writeIpv4(ip, o, at), `IPv4 address for nat: ${ip}`);
      }
      if (a.protoMin !== undefined) w.u16(a.protoMin);
      if (a.protoMax !== undefined) w.u16(a.protoMax);
      break;
    }
    case 'learn':
      nxHeader(w, NX.LEARN);
      w.u16(a.idleTimeout).u16(a.hardTimeout).u16(a.priority).u64(a.cookie).u16(a.flags).u8(a.tableId).u8(0);
      w.u16(a.finIdleTimeout).u16(a.finHardTimeout);
      for (const s of a.specs) {
        const srcImm = 'value' in s.src;
        const dstType = s.kind === 'match' ? 0 : s.kind === 'load' ? 1 : 2;
        if (s.nbits < 1 || s.nbits > 0x7ff) throw new EncodeError(`learn spec width ${s.nbits} out of range`);
        w.u16((srcImm ? 0x2000 : 0) | (dstType << 11) | s.nbits);
        learnSource(w, s.src, s.nbits);
        if (s.kind !== 'output') w.u32(headerOf(s.dst.field)).u16(s.dst.ofs);
      }
      break;
  }
  close(w, start);
}

/** Encode an action list (each action padded to 8 bytes). */
export function encodeActions(w: Writer, actions: readonly Action[]): void {
  for (const a of actions) encodeAction(w, a);
}
