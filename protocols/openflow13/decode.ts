// Decoding: one whole OpenFlow message (header included) -> a typed `OfpMessage`, or a `DecodeError` value.
// Fixed-size parts are read by the compiled binary-parser structs of structs.ts; TLV lists (OXM, actions,
// instructions, properties, buckets, bands) are walked here with bounds checks. decode() never throws.
import { decodeActions } from './action-codec.js';
import {
  MsgType,
  MultipartType,
  OFP_HEADER_LEN,
  OFP_VERSION,
  QueuePropType,
  TableFeaturePropType,
} from './constants.js';
import { Malformed, need, type DecodeError } from './errors.js';
import { decodeInstructions } from './instruction-codec.js';
import { decodeMatch, decodeMatchInto } from './match.js';
import type { OxmField } from './oxm.js';
import type {
  Bucket,
  FlowStats,
  GroupDesc,
  GroupStats,
  HelloElement,
  MeterBand,
  MeterConfig,
  MeterStats,
  MultipartReply,
  MultipartRequest,
  OfpMessage,
  PacketQueue,
  Port,
  PortStats,
  QueueProperty,
  QueueStats,
  TableFeatureProperty,
  TableFeatures,
  TableStats,
} from './messages.js';
import * as S from './structs.js';

export type DecodeResult =
  { readonly ok: true; readonly message: OfpMessage } | { readonly ok: false; readonly error: DecodeError };

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Decode the message at the start of `bytes`. The header's length must fit in `bytes`; bytes after it are ignored
 * (use the framer to split a stream). Never throws: malformed input yields `{ ok: false, error }` with the offset
 * (from the start of the message), the message type and xid.
 */
export function decode(bytes: Uint8Array): DecodeResult {
  const b = asBuffer(bytes);
  if (b.length < OFP_HEADER_LEN) {
    return {
      ok: false,
      error: {
        offset: 0,
        msgType: -1,
        xid: 0,
        reason: `${b.length} bytes is shorter than the 8-byte header`,
      },
    };
  }
  const version = b[0];
  const msgType = b[1];
  const length = b.readUInt16BE(2);
  const xid = b.readUInt32BE(4);
  if (length < OFP_HEADER_LEN)
    return { ok: false, error: { offset: 2, msgType, xid, reason: `header length ${length} < 8` } };
  if (length > b.length) {
    return {
      ok: false,
      error: {
        offset: b.length,
        msgType,
        xid,
        reason: `truncated: header says ${length} bytes, ${b.length} present`,
      },
    };
  }
  try {
    return { ok: true, message: decodeBody(b, version, msgType, xid, length) };
  } catch (e) {
    if (e instanceof Malformed)
      return { ok: false, error: { offset: e.offset, msgType, xid, reason: e.message } };
    // Anything else (a RangeError from a read the checks missed) is still the peer's bytes' fault: report it.
    return {
      ok: false,
      error: { offset: 0, msgType, xid, reason: `malformed: ${e instanceof Error ? e.message : String(e)}` },
    };
  }
}

function exactBody(msgType: number, len: number, want: number): void {
  if (len !== want) throw new Malformed(2, `message type ${msgType} has length ${len}, expected ${want}`);
}

function decodeBody(b: Buffer, version: number, msgType: number, xid: number, end: number): OfpMessage {
  const H = OFP_HEADER_LEN;
  if (msgType === MsgType.HELLO) {
    return version === OFP_VERSION
      ? { type: 'hello', xid, elements: decodeHelloElements(b, H, end) }
      : { type: 'hello', xid, version, elements: decodeHelloElements(b, H, end) };
  }
  // ofp_error_msg has the same layout in every version: decode it so that a failed negotiation can be reported.
  if (msgType === MsgType.ERROR && version !== OFP_VERSION && end >= H + 4) {
    return {
      type: 'error',
      xid,
      version,
      errType: b.readUInt16BE(H),
      code: b.readUInt16BE(H + 2),
      data: b.subarray(H + 4, end),
    };
  }
  if (version !== OFP_VERSION) return { type: 'unknown', xid, version, msgType, body: b.subarray(H, end) };
  switch (msgType) {
    case MsgType.ERROR: {
      need(H, 4, end, 'ofp_error_msg');
      const errType = b.readUInt16BE(H);
      if (errType === 0xffff) {
        need(H, 8, end, 'ofp_error_experimenter_msg');
        return {
          type: 'error',
          xid,
          errType,
          code: b.readUInt16BE(H + 2),
          experimenter: b.readUInt32BE(H + 4),
          data: b.subarray(H + 8, end),
        };
      }
      return { type: 'error', xid, errType, code: b.readUInt16BE(H + 2), data: b.subarray(H + 4, end) };
    }
    case MsgType.ECHO_REQUEST:
      return { type: 'echoRequest', xid, data: b.subarray(H, end) };
    case MsgType.ECHO_REPLY:
      return { type: 'echoReply', xid, data: b.subarray(H, end) };
    case MsgType.EXPERIMENTER:
      need(H, 8, end, 'ofp_experimenter_header');
      return {
        type: 'experimenter',
        xid,
        experimenter: b.readUInt32BE(H),
        expType: b.readUInt32BE(H + 4),
        data: b.subarray(H + 8, end),
      };
    case MsgType.FEATURES_REQUEST:
      exactBody(msgType, end, H);
      return { type: 'featuresRequest', xid };
    case MsgType.FEATURES_REPLY:
      exactBody(msgType, end, H + S.featuresReply.size);
      return { type: 'featuresReply', xid, ...S.featuresReply.read(b, H) };
    case MsgType.GET_CONFIG_REQUEST:
      exactBody(msgType, end, H);
      return { type: 'getConfigRequest', xid };
    case MsgType.GET_CONFIG_REPLY:
    case MsgType.SET_CONFIG:
      exactBody(msgType, end, H + 4);
      return {
        type: msgType === MsgType.SET_CONFIG ? 'setConfig' : 'getConfigReply',
        xid,
        flags: b.readUInt16BE(H),
        missSendLen: b.readUInt16BE(H + 2),
      };
    case MsgType.PACKET_IN: {
      // The hot message of a controller under load (one per new connection to a ClusterIP): its fixed fields are
      // read in place rather than through the struct parser's intermediate object.
      need(H, S.packetIn.size, end, 'ofp_packet_in');
      const match: OxmField[] = [];
      const next = decodeMatchInto(b, H + S.packetIn.size, end, match);
      need(next, 2, end, 'ofp_packet_in padding');
      return {
        type: 'packetIn',
        xid,
        bufferId: b.readUInt32BE(H),
        totalLen: (b[H + 4] << 8) | b[H + 5],
        reason: b[H + 6],
        tableId: b[H + 7],
        cookie: b.readBigUInt64BE(H + 8),
        match,
        data: b.subarray(next + 2, end),
      };
    }
    case MsgType.FLOW_REMOVED: {
      need(H, S.flowRemoved.size, end, 'ofp_flow_removed');
      const fixed = S.flowRemoved.read(b, H);
      const { match, next } = decodeMatch(b, H + S.flowRemoved.size, end);
      if (next !== end) throw new Malformed(next, `${end - next} bytes after the flow_removed match`);
      return { type: 'flowRemoved', xid, ...fixed, match };
    }
    case MsgType.PORT_STATUS:
      exactBody(msgType, end, H + 8 + S.port.size);
      return { type: 'portStatus', xid, reason: b[H], port: S.port.read(b, H + 8) };
    case MsgType.PACKET_OUT: {
      need(H, S.packetOut.size, end, 'ofp_packet_out');
      const { bufferId, inPort, actionsLen } = S.packetOut.read(b, H);
      const actionsAt = H + S.packetOut.size;
      need(actionsAt, actionsLen, end, 'packet_out actions');
      return {
        type: 'packetOut',
        xid,
        bufferId,
        inPort,
        actions: decodeActions(b, actionsAt, actionsAt + actionsLen),
        data: b.subarray(actionsAt + actionsLen, end),
      };
    }
    case MsgType.FLOW_MOD: {
      need(H, S.flowMod.size, end, 'ofp_flow_mod');
      const fixed = S.flowMod.read(b, H);
      const { match, next } = decodeMatch(b, H + S.flowMod.size, end);
      return {
        type: 'flowMod',
        xid,
        cookie: fixed.cookie,
        cookieMask: fixed.cookieMask,
        tableId: fixed.tableId,
        command: fixed.command,
        idleTimeout: fixed.idleTimeout,
        hardTimeout: fixed.hardTimeout,
        priority: fixed.priority,
        bufferId: fixed.bufferId,
        outPort: fixed.outPort,
        outGroup: fixed.outGroup,
        flags: fixed.flags,
        match,
        instructions: decodeInstructions(b, next, end),
      };
    }
    case MsgType.GROUP_MOD:
      need(H, 8, end, 'ofp_group_mod');
      return {
        type: 'groupMod',
        xid,
        command: b.readUInt16BE(H),
        groupType: b[H + 2],
        groupId: b.readUInt32BE(H + 4),
        buckets: decodeBuckets(b, H + 8, end),
      };
    case MsgType.PORT_MOD:
      exactBody(msgType, end, H + S.portMod.size);
      return { type: 'portMod', xid, ...S.portMod.read(b, H) };
    case MsgType.TABLE_MOD:
      exactBody(msgType, end, H + 8);
      return { type: 'tableMod', xid, tableId: b[H], config: b.readUInt32BE(H + 4) };
    case MsgType.MULTIPART_REQUEST:
      return decodeMultipartRequest(b, xid, end);
    case MsgType.MULTIPART_REPLY:
      return decodeMultipartReply(b, xid, end);
    case MsgType.BARRIER_REQUEST:
      exactBody(msgType, end, H);
      return { type: 'barrierRequest', xid };
    case MsgType.BARRIER_REPLY:
      exactBody(msgType, end, H);
      return { type: 'barrierReply', xid };
    case MsgType.QUEUE_GET_CONFIG_REQUEST:
      exactBody(msgType, end, H + 8);
      return { type: 'queueGetConfigRequest', xid, port: b.readUInt32BE(H) };
    case MsgType.QUEUE_GET_CONFIG_REPLY:
      need(H, 8, end, 'ofp_queue_get_config_reply');
      return {
        type: 'queueGetConfigReply',
        xid,
        port: b.readUInt32BE(H),
        queues: decodeQueues(b, H + 8, end),
      };
    case MsgType.ROLE_REQUEST:
    case MsgType.ROLE_REPLY:
      exactBody(msgType, end, H + S.role.size);
      return {
        type: msgType === MsgType.ROLE_REQUEST ? 'roleRequest' : 'roleReply',
        xid,
        ...S.role.read(b, H),
      };
    case MsgType.GET_ASYNC_REQUEST:
      exactBody(msgType, end, H);
      return { type: 'getAsyncRequest', xid };
    case MsgType.GET_ASYNC_REPLY:
    case MsgType.SET_ASYNC: {
      exactBody(msgType, end, H + S.asyncConfig.size);
      const a = S.asyncConfig.read(b, H);
      return {
        type: msgType === MsgType.SET_ASYNC ? 'setAsync' : 'getAsyncReply',
        xid,
        packetInMask: [a.pim, a.pis],
        portStatusMask: [a.psm, a.pss],
        flowRemovedMask: [a.frm, a.frs],
      };
    }
    case MsgType.METER_MOD:
      need(H, 8, end, 'ofp_meter_mod');
      return {
        type: 'meterMod',
        xid,
        command: b.readUInt16BE(H),
        flags: b.readUInt16BE(H + 2),
        meterId: b.readUInt32BE(H + 4),
        bands: decodeBands(b, H + 8, end),
      };
    default:
      return { type: 'unknown', xid, version, msgType, body: b.subarray(H, end) };
  }
}

function decodeHelloElements(b: Buffer, off: number, end: number): HelloElement[] {
  const out: HelloElement[] = [];
  let p = off;
  while (p < end) {
    need(p, 4, end, 'hello element header');
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    if (len < 4) throw new Malformed(p + 2, `hello element length ${len} < 4`);
    need(p, len, end, 'hello element');
    if (type === 1) {
      if (len % 4 !== 0) throw new Malformed(p + 2, `version bitmap length ${len} is not a multiple of 4`);
      const bitmaps: number[] = [];
      for (let q = p + 4; q < p + len; q += 4) bitmaps.push(b.readUInt32BE(q));
      out.push({ kind: 'versionBitmap', bitmaps });
    } else {
      out.push({ kind: 'unknown', elemType: type, data: b.subarray(p + 4, p + len) });
    }
    // Elements are padded to 8 bytes; the padding is not counted in `len`. A final element may omit it.
    p = Math.min(end, p + ((len + 7) & ~7));
  }
  return out;
}

function decodeBuckets(b: Buffer, off: number, end: number): Bucket[] {
  const out: Bucket[] = [];
  let p = off;
  while (p < end) {
    need(p, 16, end, 'ofp_bucket');
    const len = b.readUInt16BE(p);
    if (len < 16 || len % 8 !== 0)
      throw new Malformed(p, `bucket length ${len} is not a multiple of 8 >= 16`);
    need(p, len, end, 'ofp_bucket');
    out.push({
      weight: b.readUInt16BE(p + 2),
      watchPort: b.readUInt32BE(p + 4),
      watchGroup: b.readUInt32BE(p + 8),
      actions: decodeActions(b, p + 16, p + len),
    });
    p += len;
  }
  return out;
}

function decodeBands(b: Buffer, off: number, end: number): MeterBand[] {
  const out: MeterBand[] = [];
  let p = off;
  while (p < end) {
    need(p, 12, end, 'ofp_meter_band');
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    if (len < 16 || len % 8 !== 0)
      throw new Malformed(p + 2, `meter band length ${len} is not a multiple of 8 >= 16`);
    need(p, len, end, 'ofp_meter_band');
    const rate = b.readUInt32BE(p + 4);
    const burstSize = b.readUInt32BE(p + 8);
    if (type === 1 && len === 16) out.push({ type: 'drop', rate, burstSize });
    else if (type === 2 && len === 16)
      out.push({ type: 'dscpRemark', rate, burstSize, precLevel: b[p + 12] });
    else if (type === 0xffff)
      out.push({
        type: 'experimenter',
        rate,
        burstSize,
        experimenter: b.readUInt32BE(p + 12),
        data: b.subarray(p + 16, p + len),
      });
    else out.push({ type: 'unknown', bandType: type, rate, burstSize, data: b.subarray(p + 12, p + len) });
    p += len;
  }
  return out;
}

function decodeQueues(b: Buffer, off: number, end: number): PacketQueue[] {
  const out: PacketQueue[] = [];
  let p = off;
  while (p < end) {
    need(p, 16, end, 'ofp_packet_queue');
    const len = b.readUInt16BE(p + 8);
    if (len < 16) throw new Malformed(p + 8, `packet queue length ${len} < 16`);
    need(p, len, end, 'ofp_packet_queue');
    const properties: QueueProperty[] = [];
    let q = p + 16;
    while (q < p + len) {
      need(q, 8, p + len, 'queue property');
      const prop = b.readUInt16BE(q);
      const plen = b.readUInt16BE(q + 2);
      if (plen < 8) throw new Malformed(q + 2, `queue property length ${plen} < 8`);
      need(q, plen, p + len, 'queue property');
      if ((prop === QueuePropType.MIN_RATE || prop === QueuePropType.MAX_RATE) && plen === 16) {
        properties.push({
          type: prop === QueuePropType.MIN_RATE ? 'minRate' : 'maxRate',
          rate: b.readUInt16BE(q + 8),
        });
      } else if (prop === QueuePropType.EXPERIMENTER && plen >= 16) {
        properties.push({
          type: 'experimenter',
          experimenter: b.readUInt32BE(q + 8),
          data: b.subarray(q + 16, q + plen),
        });
      } else {
        properties.push({ type: 'unknown', property: prop, data: b.subarray(q + 8, q + plen) });
      }
      q += plen;
    }
    out.push({ queueId: b.readUInt32BE(p), port: b.readUInt32BE(p + 4), properties });
    p += len;
  }
  return out;
}

/** An array of equal-size entries read with a struct. */
function fixedArray<T>(b: Buffer, off: number, end: number, s: S.Struct<T>, what: string): T[] {
  if ((end - off) % s.size !== 0)
    throw new Malformed(off, `${what} body of ${end - off} bytes is not a multiple of ${s.size}`);
  const out: T[] = [];
  for (let p = off; p < end; p += s.size) out.push(s.read(b, p));
  return out;
}

function decodeFlowStats(b: Buffer, off: number, end: number): FlowStats[] {
  const out: FlowStats[] = [];
  let p = off;
  while (p < end) {
    need(p, S.flowStats.size, end, 'ofp_flow_stats');
    const length = b.readUInt16BE(p);
    if (length < S.flowStats.size + 8 || length % 8 !== 0)
      throw new Malformed(p, `flow stats length ${length} is invalid`);
    need(p, length, end, 'ofp_flow_stats');
    // The hot path of a flow dump: the parsed fixed part becomes the entry itself.
    const entry = S.flowStats.read(b, p);
    const match: OxmField[] = [];
    const next = decodeMatchInto(b, p + S.flowStats.size, p + length, match);
    entry.match = match;
    entry.instructions = decodeInstructions(b, next, p + length);
    out.push(entry);
    p += length;
  }
  return out;
}

function decodeGroupStats(b: Buffer, off: number, end: number): GroupStats[] {
  const out: GroupStats[] = [];
  let p = off;
  while (p < end) {
    need(p, S.groupStats.size, end, 'ofp_group_stats');
    const { length, ...fixed } = S.groupStats.read(b, p);
    if (length < S.groupStats.size || (length - S.groupStats.size) % 16 !== 0)
      throw new Malformed(p, `group stats length ${length} is invalid`);
    need(p, length, end, 'ofp_group_stats');
    const bucketStats: { packetCount: bigint; byteCount: bigint }[] = [];
    for (let q = p + S.groupStats.size; q < p + length; q += 16) {
      bucketStats.push({ packetCount: S.u64At(b, q), byteCount: S.u64At(b, q + 8) });
    }
    out.push({ ...fixed, bucketStats });
    p += length;
  }
  return out;
}

function decodeGroupDescs(b: Buffer, off: number, end: number): GroupDesc[] {
  const out: GroupDesc[] = [];
  let p = off;
  while (p < end) {
    need(p, 8, end, 'ofp_group_desc');
    const length = b.readUInt16BE(p);
    if (length < 8) throw new Malformed(p, `group desc length ${length} < 8`);
    need(p, length, end, 'ofp_group_desc');
    out.push({
      groupType: b[p + 2],
      groupId: b.readUInt32BE(p + 4),
      buckets: decodeBuckets(b, p + 8, p + length),
    });
    p += length;
  }
  return out;
}

function decodeMeterStats(b: Buffer, off: number, end: number): MeterStats[] {
  const out: MeterStats[] = [];
  let p = off;
  while (p < end) {
    need(p, S.meterStats.size, end, 'ofp_meter_stats');
    const { len, ...fixed } = S.meterStats.read(b, p);
    if (len < S.meterStats.size || (len - S.meterStats.size) % 16 !== 0)
      throw new Malformed(p + 4, `meter stats length ${len} is invalid`);
    need(p, len, end, 'ofp_meter_stats');
    const bandStats: { packetBandCount: bigint; byteBandCount: bigint }[] = [];
    for (let q = p + S.meterStats.size; q < p + len; q += 16) {
      bandStats.push({ packetBandCount: S.u64At(b, q), byteBandCount: S.u64At(b, q + 8) });
    }
    out.push({ ...fixed, bandStats });
    p += len;
  }
  return out;
}

function decodeMeterConfigs(b: Buffer, off: number, end: number): MeterConfig[] {
  const out: MeterConfig[] = [];
  let p = off;
  while (p < end) {
    need(p, 8, end, 'ofp_meter_config');
    const length = b.readUInt16BE(p);
    if (length < 8) throw new Malformed(p, `meter config length ${length} < 8`);
    need(p, length, end, 'ofp_meter_config');
    out.push({
      flags: b.readUInt16BE(p + 2),
      meterId: b.readUInt32BE(p + 4),
      bands: decodeBands(b, p + 8, p + length),
    });
    p += length;
  }
  return out;
}

const PROP_NAMES: Record<number, TableFeatureProperty['type']> = {
  [TableFeaturePropType.INSTRUCTIONS]: 'instructions',
  [TableFeaturePropType.INSTRUCTIONS_MISS]: 'instructionsMiss',
  [TableFeaturePropType.NEXT_TABLES]: 'nextTables',
  [TableFeaturePropType.NEXT_TABLES_MISS]: 'nextTablesMiss',
  [TableFeaturePropType.WRITE_ACTIONS]: 'writeActions',
  [TableFeaturePropType.WRITE_ACTIONS_MISS]: 'writeActionsMiss',
  [TableFeaturePropType.APPLY_ACTIONS]: 'applyActions',
  [TableFeaturePropType.APPLY_ACTIONS_MISS]: 'applyActionsMiss',
  [TableFeaturePropType.MATCH]: 'match',
  [TableFeaturePropType.WILDCARDS]: 'wildcards',
  [TableFeaturePropType.WRITE_SETFIELD]: 'writeSetfield',
  [TableFeaturePropType.WRITE_SETFIELD_MISS]: 'writeSetfieldMiss',
  [TableFeaturePropType.APPLY_SETFIELD]: 'applySetfield',
  [TableFeaturePropType.APPLY_SETFIELD_MISS]: 'applySetfieldMiss',
  [TableFeaturePropType.EXPERIMENTER]: 'experimenter',
  [TableFeaturePropType.EXPERIMENTER_MISS]: 'experimenterMiss',
};

function decodeIdList(b: Buffer, off: number, end: number): { type: number; body: Uint8Array }[] {
  const ids: { type: number; body: Uint8Array }[] = [];
  let p = off;
  while (p < end) {
    need(p, 4, end, 'instruction/action id');
    const len = b.readUInt16BE(p + 2);
    if (len < 4) throw new Malformed(p + 2, `instruction/action id length ${len} < 4`);
    need(p, len, end, 'instruction/action id');
    ids.push({ type: b.readUInt16BE(p), body: b.subarray(p + 4, p + len) });
    p += len;
  }
  return ids;
}

function decodeTableFeatureProps(b: Buffer, off: number, end: number): TableFeatureProperty[] {
  const out: TableFeatureProperty[] = [];
  let p = off;
  while (p < end) {
    need(p, 4, end, 'table feature property');
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    if (len < 4) throw new Malformed(p + 2, `table feature property length ${len} < 4`);
    need(p, len, end, 'table feature property');
    const body = p + 4;
    const stop = p + len;
    const name = PROP_NAMES[type];
    switch (name) {
      case 'instructions':
      case 'instructionsMiss':
      case 'writeActions':
      case 'writeActionsMiss':
      case 'applyActions':
      case 'applyActionsMiss':
        out.push({ type: name, ids: decodeIdList(b, body, stop) });
        break;
      case 'nextTables':
      case 'nextTablesMiss':
        out.push({ type: name, tableIds: Array.from(b.subarray(body, stop)) });
        break;
      case 'match':
      case 'wildcards':
      case 'writeSetfield':
      case 'writeSetfieldMiss':
      case 'applySetfield':
      case 'applySetfieldMiss': {
        const oxmIds: { header: number; experimenter?: number }[] = [];
        for (let q = body; q < stop;) {
          need(q, 4, stop, 'OXM id');
          const header = b.readUInt32BE(q);
          if (header >>> 16 === 0xffff) {
            need(q, 8, stop, 'experimenter OXM id');
            oxmIds.push({ header, experimenter: b.readUInt32BE(q + 4) });
            q += 8;
          } else {
            oxmIds.push({ header });
            q += 4;
          }
        }
        out.push({ type: name, oxmIds });
        break;
      }
      case 'experimenter':
      case 'experimenterMiss':
        need(body, 8, stop, 'experimenter table feature property');
        out.push({
          type: name,
          experimenter: b.readUInt32BE(body),
          expType: b.readUInt32BE(body + 4),
          data: b.subarray(body + 8, stop),
        });
        break;
      default:
        out.push({ type: 'unknown', property: type, data: b.subarray(body, stop) });
    }
    // Properties are padded to 8 bytes; the padding is not counted in `len`.
    p = Math.min(end, p + ((len + 7) & ~7));
  }
  return out;
}

function decodeTableFeatures(b: Buffer, off: number, end: number): TableFeatures[] {
  const out: TableFeatures[] = [];
  let p = off;
  while (p < end) {
    need(p, S.tableFeatures.size, end, 'ofp_table_features');
    const { length, ...fixed } = S.tableFeatures.read(b, p);
    if (length < S.tableFeatures.size) throw new Malformed(p, `table features length ${length} < 64`);
    need(p, length, end, 'ofp_table_features');
    out.push({ ...fixed, properties: decodeTableFeatureProps(b, p + S.tableFeatures.size, p + length) });
    p += length;
  }
  return out;
}

const MP_HEADER = OFP_HEADER_LEN + 8;

function decodeMultipartRequest(b: Buffer, xid: number, end: number): MultipartRequest {
  need(OFP_HEADER_LEN, 8, end, 'ofp_multipart_request');
  const { mpType, flags } = S.multipart.read(b, OFP_HEADER_LEN);
  const H = MP_HEADER;
  const base = { type: 'multipartRequest' as const, xid, flags };
  const empty = (): void => {
    if (end !== H)
      throw new Malformed(H, `multipart request type ${mpType} has a ${end - H}-byte body, expected none`);
  };
  const body8 = (): void => {
    if (end !== H + 8)
      throw new Malformed(H, `multipart request type ${mpType} has a ${end - H}-byte body, expected 8`);
  };
  switch (mpType) {
    case MultipartType.DESC:
      empty();
      return { ...base, kind: 'desc' };
    case MultipartType.FLOW:
    case MultipartType.AGGREGATE: {
      need(H, S.flowStatsRequest.size, end, 'ofp_flow_stats_request');
      const fixed = S.flowStatsRequest.read(b, H);
      const { match, next } = decodeMatch(b, H + S.flowStatsRequest.size, end);
      if (next !== end) throw new Malformed(next, `${end - next} bytes after the flow stats request match`);
      return { ...base, kind: mpType === MultipartType.FLOW ? 'flow' : 'aggregate', ...fixed, match };
    }
    case MultipartType.TABLE:
      empty();
      return { ...base, kind: 'table' };
    case MultipartType.PORT_STATS:
      body8();
      return { ...base, kind: 'portStats', portNo: b.readUInt32BE(H) };
    case MultipartType.QUEUE:
      body8();
      return { ...base, kind: 'queue', portNo: b.readUInt32BE(H), queueId: b.readUInt32BE(H + 4) };
    case MultipartType.GROUP:
      body8();
      return { ...base, kind: 'group', groupId: b.readUInt32BE(H) };
    case MultipartType.GROUP_DESC:
      empty();
      return { ...base, kind: 'groupDesc' };
    case MultipartType.GROUP_FEATURES:
      empty();
      return { ...base, kind: 'groupFeatures' };
    case MultipartType.METER:
    case MultipartType.METER_CONFIG:
      body8();
      return {
        ...base,
        kind: mpType === MultipartType.METER ? 'meter' : 'meterConfig',
        meterId: b.readUInt32BE(H),
      };
    case MultipartType.METER_FEATURES:
      empty();
      return { ...base, kind: 'meterFeatures' };
    case MultipartType.TABLE_FEATURES:
      return { ...base, kind: 'tableFeatures', tables: decodeTableFeatures(b, H, end) };
    case MultipartType.PORT_DESC:
      empty();
      return { ...base, kind: 'portDesc' };
    case MultipartType.EXPERIMENTER:
      need(H, 8, end, 'ofp_experimenter_multipart_header');
      return {
        ...base,
        kind: 'experimenter',
        experimenter: b.readUInt32BE(H),
        expType: b.readUInt32BE(H + 4),
        data: b.subarray(H + 8, end),
      };
    default:
      return { ...base, kind: 'unknown', mpType, body: b.subarray(H, end) };
  }
}

function decodeMultipartReply(b: Buffer, xid: number, end: number): MultipartReply {
  need(OFP_HEADER_LEN, 8, end, 'ofp_multipart_reply');
  const { mpType, flags } = S.multipart.read(b, OFP_HEADER_LEN);
  const H = MP_HEADER;
  const base = { type: 'multipartReply' as const, xid, flags };
  const exact = (n: number): void => {
    if (end !== H + n)
      throw new Malformed(H, `multipart reply type ${mpType} has a ${end - H}-byte body, expected ${n}`);
  };
  switch (mpType) {
    case MultipartType.DESC:
      exact(S.desc.size);
      return { ...base, kind: 'desc', ...S.desc.read(b, H) };
    case MultipartType.FLOW:
      return { ...base, kind: 'flow', stats: decodeFlowStats(b, H, end) };
    case MultipartType.AGGREGATE:
      exact(S.aggregateReply.size);
      return { ...base, kind: 'aggregate', ...S.aggregateReply.read(b, H) };
    case MultipartType.TABLE:
      return {
        ...base,
        kind: 'table',
        stats: fixedArray<TableStats>(b, H, end, S.tableStats, 'table stats'),
      };
    case MultipartType.PORT_STATS:
      return {
        ...base,
        kind: 'portStats',
        stats: fixedArray<PortStats>(b, H, end, S.portStats, 'port stats'),
      };
    case MultipartType.QUEUE:
      return {
        ...base,
        kind: 'queue',
        stats: fixedArray<QueueStats>(b, H, end, S.queueStats, 'queue stats'),
      };
    case MultipartType.GROUP:
      return { ...base, kind: 'group', stats: decodeGroupStats(b, H, end) };
    case MultipartType.GROUP_DESC:
      return { ...base, kind: 'groupDesc', groups: decodeGroupDescs(b, H, end) };
    case MultipartType.GROUP_FEATURES: {
      exact(S.groupFeatures.size);
      const g = S.groupFeatures.read(b, H);
      const four = (a: number[]): [number, number, number, number] => [a[0], a[1], a[2], a[3]];
      return {
        ...base,
        kind: 'groupFeatures',
        types: g.types,
        capabilities: g.capabilities,
        maxGroups: four(g.maxGroups),
        actions: four(g.actions),
      };
    }
    case MultipartType.METER:
      return { ...base, kind: 'meter', stats: decodeMeterStats(b, H, end) };
    case MultipartType.METER_CONFIG:
      return { ...base, kind: 'meterConfig', configs: decodeMeterConfigs(b, H, end) };
    case MultipartType.METER_FEATURES:
      exact(S.meterFeatures.size);
      return { ...base, kind: 'meterFeatures', ...S.meterFeatures.read(b, H) };
    case MultipartType.TABLE_FEATURES:
      return { ...base, kind: 'tableFeatures', tables: decodeTableFeatures(b, H, end) };
    case MultipartType.PORT_DESC:
      return { ...base, kind: 'portDesc', ports: fixedArray<Port>(b, H, end, S.port, 'port desc') };
    case MultipartType.EXPERIMENTER:
      need(H, 8, end, 'ofp_experimenter_multipart_header');
      return {
        ...base,
        kind: 'experimenter',
        experimenter: b.readUInt32BE(H),
        expType: b.readUInt32BE(H + 4),
        data: b.subarray(H + 8, end),
      };
    default:
      return { ...base, kind: 'unknown', mpType, body: b.subarray(H, end) };
  }
}
