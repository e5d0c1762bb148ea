// Encoding: a typed `OfpMessage` -> its bytes, header included, with plain big-endian writes through `Writer`.
// The header length is back-patched at the end; xid comes from the message.
// Throws `EncodeError` for a value that cannot be encoded (bad address text, data not padded for an opaque TLV).
import { encodeActions } from './action-codec.js';
import {
  MsgType,
  MultipartType,
  OFP_MAX_MSG_LEN,
  OFP_VERSION,
  QueuePropType,
  TableFeaturePropType,
} from './constants.js';
import { encodeInstructions } from './instruction-codec.js';
import { encodeMatch } from './match.js';
import type {
  Bucket,
  MeterBand,
  MultipartReply,
  MultipartRequest,
  OfpMessage,
  Port,
  TableFeatureProperty,
  TableFeatures,
} from './messages.js';
import { EncodeError, Writer } from './writer.js';

/** Encode one message into a new Buffer. */
export function encode(m: OfpMessage): Buffer {
  // Small messages are written straight into a shared slab and handed out as views of it, as Node's own Buffer
  // pool does: no copy per message. A message that outgrows the slab ends up in a buffer of its own.
  if (SLAB_SIZE - slabUsed < SLAB_MIN_FREE) {
    slab = Buffer.allocUnsafe(SLAB_SIZE);
    slabUsed = 0;
  }
  slabWriter.attach(slab, slabUsed);
  encodeInto(slabWriter, m);
  const out = slabWriter.view();
  if (slabWriter.buffer === slab) slabUsed = (slabWriter.offset + 7) & ~7;
  return out;
}
const SLAB_SIZE = 16 * 1024;
const SLAB_MIN_FREE = 1024;
let slab = Buffer.allocUnsafe(SLAB_SIZE);
let slabUsed = 0;
const slabWriter = new Writer(0);

/** Append one message to `w` (for batching many messages into one write). */
export function encodeInto(w: Writer, m: OfpMessage): void {
  const start = w.offset;
  const version =
    m.type === 'hello' || m.type === 'error' || m.type === 'unknown'
      ? (m.version ?? OFP_VERSION)
      : OFP_VERSION;
  w.u8(version).u8(msgTypeOf(m)).u16(0).u32(m.xid);
  encodeBody(w, m);
  const len = w.offset - start;
  if (len > OFP_MAX_MSG_LEN) throw new EncodeError(`${m.type} message of ${len} bytes exceeds 65535`);
  w.patch16(start + 2, len);
}

const TYPE_CODES: Record<Exclude<OfpMessage['type'], 'unknown'>, number> = {
  hello: MsgType.HELLO,
  error: MsgType.ERROR,
  echoRequest: MsgType.ECHO_REQUEST,
  echoReply: MsgType.ECHO_REPLY,
  experimenter: MsgType.EXPERIMENTER,
  featuresRequest: MsgType.FEATURES_REQUEST,
  featuresReply: MsgType.FEATURES_REPLY,
  getConfigRequest: MsgType.GET_CONFIG_REQUEST,
  getConfigReply: MsgType.GET_CONFIG_REPLY,
  setConfig: MsgType.SET_CONFIG,
  packetIn: MsgType.PACKET_IN,
  flowRemoved: MsgType.FLOW_REMOVED,
  portStatus: MsgType.PORT_STATUS,
  packetOut: MsgType.PACKET_OUT,
  flowMod: MsgType.FLOW_MOD,
  groupMod: MsgType.GROUP_MOD,
  portMod: MsgType.PORT_MOD,
  tableMod: MsgType.TABLE_MOD,
  multipartRequest: MsgType.MULTIPART_REQUEST,
  multipartReply: MsgType.MULTIPART_REPLY,
  barrierRequest: MsgType.BARRIER_REQUEST,
  barrierReply: MsgType.BARRIER_REPLY,
  queueGetConfigRequest: MsgType.QUEUE_GET_CONFIG_REQUEST,
  queueGetConfigReply: MsgType.QUEUE_GET_CONFIG_REPLY,
  roleRequest: MsgType.ROLE_REQUEST,
  roleReply: MsgType.ROLE_REPLY,
  getAsyncRequest: MsgType.GET_ASYNC_REQUEST,
  getAsyncReply: MsgType.GET_ASYNC_REPLY,
  setAsync: MsgType.SET_ASYNC,
  meterMod: MsgType.METER_MOD,
};

function msgTypeOf(m: OfpMessage): number {
  return m.type === 'unknown' ? m.msgType : TYPE_CODES[m.type];
}

function mac(w: Writer, text: string): void {
  w.mac(text);
}

function encodePort(w: Writer, p: Port): void {
  w.u32(p.portNo).zeros(4);
  mac(w, p.hwAddr);
  w.zeros(2).fixedString(p.name, 16);
  w.u32(p.config)
    .u32(p.state)
    .u32(p.curr)
    .u32(p.advertised)
    .u32(p.supported)
    .u32(p.peer)
    .u32(p.currSpeed)
    .u32(p.maxSpeed);
}

function encodeBuckets(w: Writer, buckets: readonly Bucket[]): void {
  for (const bk of buckets) {
    const start = w.offset;
    w.u16(0).u16(bk.weight).u32(bk.watchPort).u32(bk.watchGroup).zeros(4);
    encodeActions(w, bk.actions);
    w.patchLength(start, start);
  }
}

function encodeBands(w: Writer, bands: readonly MeterBand[]): void {
  for (const band of bands) {
    const start = w.offset;
    switch (band.type) {
      case 'drop':
        w.u16(1).u16(16).u32(band.rate).u32(band.burstSize).zeros(4);
        break;
      case 'dscpRemark':
        w.u16(2).u16(16).u32(band.rate).u32(band.burstSize).u8(band.precLevel).zeros(3);
        break;
      case 'experimenter':
        w.u16(0xffff).u16(0).u32(band.rate).u32(band.burstSize).u32(band.experimenter).bytes(band.data);
        w.patchLength(start + 2, start);
        break;
      case 'unknown':
        w.u16(band.bandType).u16(0).u32(band.rate).u32(band.burstSize).bytes(band.data);
        w.patchLength(start + 2, start);
        break;
    }
  }
}

const PROP_CODES: Record<Exclude<TableFeatureProperty['type'], 'unknown'>, number> = {
  instructions: TableFeaturePropType.INSTRUCTIONS,
  instructionsMiss: TableFeaturePropType.INSTRUCTIONS_MISS,
  nextTables: TableFeaturePropType.NEXT_TABLES,
  nextTablesMiss: TableFeaturePropType.NEXT_TABLES_MISS,
  writeActions: TableFeaturePropType.WRITE_ACTIONS,
  writeActionsMiss: TableFeaturePropType.WRITE_ACTIONS_MISS,
  applyActions: TableFeaturePropType.APPLY_ACTIONS,
  applyActionsMiss: TableFeaturePropType.APPLY_ACTIONS_MISS,
  match: TableFeaturePropType.MATCH,
  wildcards: TableFeaturePropType.WILDCARDS,
  writeSetfield: TableFeaturePropType.WRITE_SETFIELD,
  writeSetfieldMiss: TableFeaturePropType.WRITE_SETFIELD_MISS,
  applySetfield: TableFeaturePropType.APPLY_SETFIELD,
  applySetfieldMiss: TableFeaturePropType.APPLY_SETFIELD_MISS,
  experimenter: TableFeaturePropType.EXPERIMENTER,
  experimenterMiss: TableFeaturePropType.EXPERIMENTER_MISS,
};

function encodeTableFeatures(w: Writer, tables: readonly TableFeatures[]): void {
  for (const t of tables) {
    const start = w.offset;
    w.u16(0)
      .u8(t.tableId)
      .zeros(5)
      .fixedString(t.name, 32)
      .u64(t.metadataMatch)
      .u64(t.metadataWrite)
      .u32(t.config)
      .u32(t.maxEntries);
    for (const p of t.properties) {
      const ps = w.offset;
      w.u16(p.type === 'unknown' ? p.property : PROP_CODES[p.type]).u16(0);
      switch (p.type) {
        case 'instructions':
        case 'instructionsMiss':
        case 'writeActions':
        case 'writeActionsMiss':
        case 'applyActions':
        case 'applyActionsMiss':
          for (const id of p.ids)
            w.u16(id.type)
              .u16(4 + id.body.length)
              .bytes(id.body);
          break;
        case 'nextTables':
        case 'nextTablesMiss':
          for (const id of p.tableIds) w.u8(id);
          break;
        case 'match':
        case 'wildcards':
        case 'writeSetfield':
        case 'writeSetfieldMiss':
        case 'applySetfield':
        case 'applySetfieldMiss':
          for (const id of p.oxmIds) {
            w.u32(id.header);
            if (id.experimenter !== undefined) w.u32(id.experimenter);
          }
          break;
        case 'experimenter':
        case 'experimenterMiss':
          w.u32(p.experimenter).u32(p.expType).bytes(p.data);
          break;
        case 'unknown':
          w.bytes(p.data);
          break;
      }
      w.patchLength(ps + 2, ps);
      w.pad8(ps);
    }
    w.patchLength(start, start);
  }
}

const MP_CODES: Record<Exclude<MultipartRequest['kind'], 'unknown'>, number> = {
  desc: MultipartType.DESC,
  flow: MultipartType.FLOW,
  aggregate: MultipartType.AGGREGATE,
  table: MultipartType.TABLE,
  portStats: MultipartType.PORT_STATS,
  queue: MultipartType.QUEUE,
  group: MultipartType.GROUP,
  groupDesc: MultipartType.GROUP_DESC,
  groupFeatures: MultipartType.GROUP_FEATURES,
  meter: MultipartType.METER,
  meterConfig: MultipartType.METER_CONFIG,
  meterFeatures: MultipartType.METER_FEATURES,
  tableFeatures: MultipartType.TABLE_FEATURES,
  portDesc: MultipartType.PORT_DESC,
  experimenter: MultipartType.EXPERIMENTER,
};

function encodeMultipartRequest(w: Writer, m: MultipartRequest): void {
  w.u16(m.kind === 'unknown' ? m.mpType : MP_CODES[m.kind])
    .u16(m.flags)
    .zeros(4);
  switch (m.kind) {
    case 'desc':
    case 'table':
    case 'groupDesc':
    case 'groupFeatures':
    case 'meterFeatures':
    case 'portDesc':
      return;
    case 'flow':
    case 'aggregate':
      w.u8(m.tableId).zeros(3).u32(m.outPort).u32(m.outGroup).zeros(4).u64(m.cookie).u64(m.cookieMask);
      encodeMatch(w, m.match);
      return;
    case 'portStats':
      w.u32(m.portNo).zeros(4);
      return;
    case 'queue':
      w.u32(m.portNo).u32(m.queueId);
      return;
    case 'group':
      w.u32(m.groupId).zeros(4);
      return;
    case 'meter':
    case 'meterConfig':
      w.u32(m.meterId).zeros(4);
      return;
    case 'tableFeatures':
      encodeTableFeatures(w, m.tables);
      return;
    case 'experimenter':
      w.u32(m.experimenter).u32(m.expType).bytes(m.data);
      return;
    case 'unknown':
      w.bytes(m.body);
      return;
  }
}

function encodeMultipartReply(w: Writer, m: MultipartReply): void {
  w.u16(m.kind === 'unknown' ? m.mpType : MP_CODES[m.kind])
    .u16(m.flags)
    .zeros(4);
  switch (m.kind) {
    case 'desc':
      w.fixedString(m.mfrDesc, 256)
        .fixedString(m.hwDesc, 256)
        .fixedString(m.swDesc, 256)
        .fixedString(m.serialNum, 32)
        .fixedString(m.dpDesc, 256);
      return;
    case 'flow':
      for (const s of m.stats) {
        const start = w.offset;
        w.u16(0)
          .u8(s.tableId)
          .u8(0)
          .u32(s.durationSec)
          .u32(s.durationNsec)
          .u16(s.priority)
          .u16(s.idleTimeout)
          .u16(s.hardTimeout)
          .u16(s.flags);
        w.zeros(4).u64(s.cookie).u64(s.packetCount).u64(s.byteCount);
        encodeMatch(w, s.match);
        encodeInstructions(w, s.instructions);
        w.patchLength(start, start);
      }
      return;
    case 'aggregate':
      w.u64(m.packetCount).u64(m.byteCount).u32(m.flowCount).zeros(4);
      return;
    case 'table':
      for (const s of m.stats)
        w.u8(s.tableId).zeros(3).u32(s.activeCount).u64(s.lookupCount).u64(s.matchedCount);
      return;
    case 'portStats':
      for (const s of m.stats) {
        w.u32(s.portNo)
          .zeros(4)
          .u64(s.rxPackets)
          .u64(s.txPackets)
          .u64(s.rxBytes)
          .u64(s.txBytes)
          .u64(s.rxDropped)
          .u64(s.txDropped);
        w.u64(s.rxErrors)
          .u64(s.txErrors)
          .u64(s.rxFrameErr)
          .u64(s.rxOverErr)
          .u64(s.rxCrcErr)
          .u64(s.collisions);
        w.u32(s.durationSec).u32(s.durationNsec);
      }
      return;
    case 'queue':
      for (const s of m.stats) {
        w.u32(s.portNo)
          .u32(s.queueId)
          .u64(s.txBytes)
          .u64(s.txPackets)
          .u64(s.txErrors)
          .u32(s.durationSec)
          .u32(s.durationNsec);
      }
      return;
    case 'group':
      for (const s of m.stats) {
        w.u16(40 + 16 * s.bucketStats.length)
          .zeros(2)
          .u32(s.groupId)
          .u32(s.refCount)
          .zeros(4);
        w.u64(s.packetCount).u64(s.byteCount).u32(s.durationSec).u32(s.durationNsec);
        for (const bs of s.bucketStats) w.u64(bs.packetCount).u64(bs.byteCount);
      }
      return;
    case 'groupDesc':
      for (const g of m.groups) {
        const start = w.offset;
        w.u16(0).u8(g.groupType).u8(0).u32(g.groupId);
        encodeBuckets(w, g.buckets);
        w.patchLength(start, start);
      }
      return;
    case 'groupFeatures':
      w.u32(m.types).u32(m.capabilities);
      for (const v of m.maxGroups) w.u32(v);
      for (const v of m.actions) w.u32(v);
      return;
    case 'meter':
      for (const s of m.stats) {
        w.u32(s.meterId)
          .u16(40 + 16 * s.bandStats.length)
          .zeros(6)
          .u32(s.flowCount);
        w.u64(s.packetInCount).u64(s.byteInCount).u32(s.durationSec).u32(s.durationNsec);
        for (const bs of s.bandStats) w.u64(bs.packetBandCount).u64(bs.byteBandCount);
      }
      return;
    case 'meterConfig':
      for (const c of m.configs) {
        const start = w.offset;
        w.u16(0).u16(c.flags).u32(c.meterId);
        encodeBands(w, c.bands);
        w.patchLength(start, start);
      }
      return;
    case 'meterFeatures':
      w.u32(m.maxMeter).u32(m.bandTypes).u32(m.capabilities).u8(m.maxBands).u8(m.maxColor).zeros(2);
      return;
    case 'tableFeatures':
      encodeTableFeatures(w, m.tables);
      return;
    case 'portDesc':
      for (const p of m.ports) encodePort(w, p);
      return;
    case 'experimenter':
      w.u32(m.experimenter).u32(m.expType).bytes(m.data);
      return;
    case 'unknown':
      w.bytes(m.body);
      return;
  }
}

function encodeBody(w: Writer, m: OfpMessage): void {
  // The message a controller sends most, ahead of the switch below.
  if (m.type === 'flowMod') {
    w.u64(m.cookie)
      .u64(m.cookieMask)
      .u8(m.tableId)
      .u8(m.command)
      .u16(m.idleTimeout)
      .u16(m.hardTimeout)
      .u16(m.priority);
    w.u32(m.bufferId).u32(m.outPort).u32(m.outGroup).u16(m.flags).zeros(2);
    encodeMatch(w, m.match);
    encodeInstructions(w, m.instructions);
    return;
  }
  switch (m.type) {
    case 'hello':
      for (const e of m.elements) {
        const start = w.offset;
        if (e.kind === 'versionBitmap') {
          w.u16(1).u16(4 + 4 * e.bitmaps.length);
          for (const bm of e.bitmaps) w.u32(bm);
        } else {
          w.u16(e.elemType)
            .u16(4 + e.data.length)
            .bytes(e.data);
        }
        w.pad8(start);
      }
      return;
    case 'error':
      w.u16(m.errType).u16(m.code);
      if (m.experimenter !== undefined) w.u32(m.experimenter);
      w.bytes(m.data);
      return;
    case 'echoRequest':
    case 'echoReply':
      w.bytes(m.data);
      return;
    case 'experimenter':
      w.u32(m.experimenter).u32(m.expType).bytes(m.data);
      return;
    case 'featuresRequest':
    case 'getConfigRequest':
    case 'barrierRequest':
    case 'barrierReply':
    case 'getAsyncRequest':
      return;
    case 'featuresReply':
      w.u64(m.datapathId)
        .u32(m.nBuffers)
        .u8(m.nTables)
        .u8(m.auxiliaryId)
        .zeros(2)
        .u32(m.capabilities)
        .u32(m.reserved);
      return;
    case 'getConfigReply':
    case 'setConfig':
      w.u16(m.flags).u16(m.missSendLen);
      return;
    case 'packetIn':
      w.u32(m.bufferId).u16(m.totalLen).u8(m.reason).u8(m.tableId).u64(m.cookie);
      encodeMatch(w, m.match);
      w.zeros(2).bytes(m.data);
      return;
    case 'flowRemoved':
      w.u64(m.cookie).u16(m.priority).u8(m.reason).u8(m.tableId).u32(m.durationSec).u32(m.durationNsec);
      w.u16(m.idleTimeout).u16(m.hardTimeout).u64(m.packetCount).u64(m.byteCount);
      encodeMatch(w, m.match);
      return;
    case 'portStatus':
      w.u8(m.reason).zeros(7);
      encodePort(w, m.port);
      return;
    case 'packetOut': {
      w.u32(m.bufferId).u32(m.inPort);
      const lenAt = w.offset;
      w.u16(0).zeros(6);
      const actionsAt = w.offset;
      encodeActions(w, m.actions);
      w.patch16(lenAt, w.offset - actionsAt);
      w.bytes(m.data);
      return;
    }
    case 'groupMod':
      w.u16(m.command).u8(m.groupType).u8(0).u32(m.groupId);
      encodeBuckets(w, m.buckets);
      return;
    case 'portMod':
      w.u32(m.portNo).zeros(4);
      mac(w, m.hwAddr);
      w.zeros(2).u32(m.config).u32(m.mask).u32(m.advertise).zeros(4);
      return;
    case 'tableMod':
      w.u8(m.tableId).zeros(3).u32(m.config);
      return;
    case 'multipartRequest':
      encodeMultipartRequest(w, m);
      return;
    case 'multipartReply':
      encodeMultipartReply(w, m);
      return;
    case 'queueGetConfigRequest':
      w.u32(m.port).zeros(4);
      return;
    case 'queueGetConfigReply':
      w.u32(m.port).zeros(4);
      for (const q of m.queues) {
        const start = w.offset;
        w.u32(q.queueId).u32(q.port).u16(0).zeros(6);
        for (const p of q.properties) {
          const ps = w.offset;
          switch (p.type) {
            case 'minRate':
            case 'maxRate':
              w.u16(p.type === 'minRate' ? QueuePropType.MIN_RATE : QueuePropType.MAX_RATE)
                .u16(16)
                .zeros(4)
                .u16(p.rate)
                .zeros(6);
              break;
            case 'experimenter':
              w.u16(QueuePropType.EXPERIMENTER).u16(0).zeros(4).u32(p.experimenter).zeros(4).bytes(p.data);
              w.patchLength(ps + 2, ps);
              break;
            case 'unknown':
              w.u16(p.property).u16(0).zeros(4).bytes(p.data);
              w.patchLength(ps + 2, ps);
              break;
          }
        }
        w.patchLength(start + 8, start);
      }
      return;
    case 'roleRequest':
    case 'roleReply':
      w.u32(m.role).zeros(4).u64(m.generationId);
      return;
    case 'getAsyncReply':
    case 'setAsync':
      w.u32(m.packetInMask[0]).u32(m.packetInMask[1]).u32(m.portStatusMask[0]).u32(m.portStatusMask[1]);
      w.u32(m.flowRemovedMask[0]).u32(m.flowRemovedMask[1]);
      return;
    case 'meterMod':
      w.u16(m.command).u16(m.flags).u32(m.meterId);
      encodeBands(w, m.bands);
      return;
    case 'unknown':
      w.bytes(m.body);
      return;
  }
}
