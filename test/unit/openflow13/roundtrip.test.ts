// Round trips: every message type, every multipart kind, every action and instruction, every OXM field.
// The sample tables are typed `Record<type, ...>`, so adding a variant to the unions without a sample here does
// not compile. decode(encode(m)) must give back m, and encode(decode(bytes)) the same bytes.
import assert from 'node:assert/strict';
import {
  OXM_FIELDS,
  decode,
  encode,
  type Action,
  type FlowStats,
  type Instruction,
  type MultipartReply,
  type MultipartRequest,
  type OfpMessage,
  type OxmField,
  type OxmFieldName,
  type Port,
  type TableFeatures,
} from '../../../protocols/openflow13/index.js';

const buf = (...b: number[]): Buffer => Buffer.from(b);

function roundTrip(m: OfpMessage): void {
  const wire = encode(m);
  assert.equal(wire.readUInt16BE(2), wire.length, 'header length');
  const r = decode(wire);
  if (!r.ok) assert.fail(`decode: ${r.error.reason} at offset ${r.error.offset}`);
  assert.deepStrictEqual(r.message, m);
  assert.ok(encode(r.message).equals(wire), 're-encoding differs');
}

const ACTIONS: Record<Action['type'], readonly Action[]> = {
  output: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }],
  copyTtlOut: [{ type: 'copyTtlOut' }],
  copyTtlIn: [{ type: 'copyTtlIn' }],
  setMplsTtl: [{ type: 'setMplsTtl', ttl: 64 }],
  decMplsTtl: [{ type: 'decMplsTtl' }],
  pushVlan: [{ type: 'pushVlan', ethertype: 0x8100 }],
  popVlan: [{ type: 'popVlan' }],
  pushMpls: [{ type: 'pushMpls', ethertype: 0x8847 }],
  popMpls: [{ type: 'popMpls', ethertype: 0x0800 }],
  setQueue: [{ type: 'setQueue', queueId: 3 }],
  group: [{ type: 'group', groupId: 77 }],
  setNwTtl: [{ type: 'setNwTtl', ttl: 9 }],
  decNwTtl: [{ type: 'decNwTtl' }],
  setField: [
    { type: 'setField', field: { field: 'vlan_vid', value: 0x1000 | 42 } },
    { type: 'setField', field: { field: 'tun_ipv4_dst', value: '192.0.2.7' } },
    { type: 'setField', field: { field: 'ct_label', value: 1n << 100n } },
  ],
  pushPbb: [{ type: 'pushPbb', ethertype: 0x88e7 }],
  popPbb: [{ type: 'popPbb' }],
  experimenter: [{ type: 'experimenter', experimenter: 0x00d0f0, data: buf(0, 1, 0, 0, 0, 0, 0, 0) }],
  resubmit: [
    { type: 'resubmit', inPort: 0xfff8, table: 10, ct: false },
    { type: 'resubmit', inPort: 0xfff8, table: 255, ct: false },
    { type: 'resubmit', inPort: 0xfff8, table: 20, ct: true },
  ],
  regMove: [
    {
      type: 'regMove',
      src: { field: 'reg1', ofs: 0, nbits: 16 },
      dst: { field: 'tun_id', ofs: 32, nbits: 16 },
    },
  ],
  regLoad: [{ type: 'regLoad', dst: { field: 'metadata', ofs: 0, nbits: 64 }, value: 0xffffffffffffffffn }],
  regLoad2: [
    { type: 'regLoad2', field: { field: 'ct_mark', value: 1, mask: 1 } },
    { type: 'regLoad2', field: { field: 'eth_src', value: '02:00:00:00:00:01', mask: 'ff:ff:ff:00:00:00' } },
  ],
  nat: [{ type: 'nat', flags: 2, ipMin: '10.96.0.10' }],
  ct: [
    {
      type: 'ct',
      flags: 3,
      zone: { imm: 7 },
      recircTable: 30,
      alg: 21,
      actions: [
        {
          type: 'nat',
          flags: 1 | 4 | 8,
          ipMin: '2001:db8::1',
          ipMax: '2001:db8::ff',
          protoMin: 1024,
          protoMax: 65535,
        },
        { type: 'regLoad2', field: { field: 'ct_mark', value: 5 } },
      ],
    },
  ],
  ctClear: [{ type: 'ctClear' }],
  learn: [
    {
      type: 'learn',
      idleTimeout: 1,
      hardTimeout: 2,
      priority: 3,
      cookie: 4n,
      flags: 1,
      tableId: 5,
      finIdleTimeout: 6,
      finHardTimeout: 7,
      specs: [
        {
          kind: 'match',
          nbits: 128,
          src: { value: 0x20010db8000000000000000000000001n },
          dst: { field: 'ipv6_dst', ofs: 0 },
        },
        { kind: 'load', nbits: 32, src: { field: 'reg3', ofs: 0 }, dst: { field: 'reg4', ofs: 0 } },
      ],
    },
  ],
  conjunction: [{ type: 'conjunction', id: 0xffffffff, clause: 0, nClauses: 2 }],
  decTtl: [{ type: 'decTtl' }],
  decTtlCntIds: [{ type: 'decTtlCntIds', controllerIds: [0, 1, 2, 3, 4] }],
  note: [{ type: 'note', note: buf(0x68, 0x69, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) }],
  outputReg: [
    { type: 'outputReg', src: { field: 'reg5', ofs: 0, nbits: 32 }, maxLen: 128 },
    { type: 'outputReg', src: { field: 'reg5', ofs: 0, nbits: 16 }, maxLen: 0, reg2: true },
  ],
  outputTrunc: [{ type: 'outputTrunc', port: 1, maxLen: 64 }],
  controller: [{ type: 'controller', maxLen: 0xffff, controllerId: 0, reason: 1 }],
  controller2: [{ type: 'controller2', reason: 1, meterId: 9 }, { type: 'controller2' }],
  finTimeout: [{ type: 'finTimeout', finIdleTimeout: 5, finHardTimeout: 0 }],
  sample: [
    { type: 'sample', probability: 1, collectorSetId: 2, obsDomainId: 3, obsPointId: 4, samplingPort: 5 },
    {
      type: 'sample',
      probability: 1,
      collectorSetId: 2,
      obsDomainId: 3,
      obsPointId: 4,
      samplingPort: 5,
      direction: 2,
    },
  ],
  multipath: [
    {
      type: 'multipath',
      fields: 0,
      basis: 0,
      algorithm: 0,
      maxLink: 1,
      arg: 0,
      dst: { field: 'reg7', ofs: 4, nbits: 2 },
    },
  ],
  bundle: [
    {
      type: 'bundle',
      algorithm: 0,
      fields: 1,
      basis: 9,
      memberType: 0x00000002,
      members: [1, 2, 3],
      dst: { field: 'reg0', ofs: 0, nbits: 16 },
    },
  ],
  stackPush: [{ type: 'stackPush', field: { field: 'xreg2', ofs: 0, nbits: 64 } }],
  stackPop: [{ type: 'stackPop', field: { field: 'ct_zone', ofs: 0, nbits: 16 } }],
  setTunnel: [{ type: 'setTunnel', tunId: 5001n, wide: false }],
  popQueue: [{ type: 'popQueue' }],
  exit: [{ type: 'exit' }],
};

const INSTRUCTIONS: Record<Instruction['type'], Instruction> = {
  gotoTable: { type: 'gotoTable', tableId: 254 },
  writeMetadata: { type: 'writeMetadata', metadata: 0x1234n, metadataMask: 0xffffn },
  writeActions: { type: 'writeActions', actions: [{ type: 'output', port: 1, maxLen: 0 }] },
  applyActions: { type: 'applyActions', actions: Object.values(ACTIONS).flat() },
  clearActions: { type: 'clearActions' },
  meter: { type: 'meter', meterId: 1 },
  experimenter: { type: 'experimenter', experimenter: 0xabcdef, data: buf(1, 2, 3, 4, 5, 6, 7, 8) },
};

const PORT: Port = {
  portNo: 1,
  hwAddr: '02:00:00:00:00:01',
  name: 'veth-pod1',
  config: 0,
  state: 4,
  curr: 0x2840,
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 10_000_000,
  maxSpeed: 0,
};

const FLOW_STATS: FlowStats = {
  tableId: 50,
  durationSec: 3,
  durationNsec: 4,
  priority: 100,
  idleTimeout: 0,
  hardTimeout: 0,
  flags: 0,
  cookie: 0xffff050000000001n,
  packetCount: 10n,
  byteCount: 1000n,
  match: [{ field: 'metadata', value: 5001n }],
  instructions: Object.values(INSTRUCTIONS),
};

const TABLE: TableFeatures = {
  tableId: 0,
  name: 'classify',
  metadataMatch: 0xffffffffffffffffn,
  metadataWrite: 0xffffffffffffffffn,
  config: 3,
  maxEntries: 1_000_000,
  properties: [
    {
      type: 'instructions',
      ids: [
        { type: 1, body: Buffer.alloc(0) },
        { type: 4, body: Buffer.alloc(0) },
      ],
    },
    { type: 'nextTablesMiss', tableIds: [1, 2, 3] },
    {
      type: 'applyActions',
      ids: [
        { type: 0, body: Buffer.alloc(0) },
        { type: 0xffff, body: buf(0, 0, 0x23, 0x20) },
      ],
    },
    { type: 'match', oxmIds: [{ header: 0x80000004 }, { header: 0xffff0108, experimenter: 0x4f4e4600 }] },
    { type: 'experimenterMiss', experimenter: 1, expType: 2, data: buf(3, 4, 5, 6) },
    { type: 'unknown', property: 0x0100, data: buf(9) },
  ],
};

const REQUESTS: Record<MultipartRequest['kind'], MultipartRequest> = {
  desc: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'desc' },
  flow: {
    type: 'multipartRequest',
    xid: 1,
    flags: 0,
    kind: 'flow',
    tableId: 255,
    outPort: 0xffffffff,
    outGroup: 0xffffffff,
    cookie: 1n,
    cookieMask: 1n,
    match: [{ field: 'in_port', value: 1 }],
  },
  aggregate: {
    type: 'multipartRequest',
    xid: 1,
    flags: 0,
    kind: 'aggregate',
    tableId: 1,
    outPort: 2,
    outGroup: 3,
    cookie: 0n,
    cookieMask: 0n,
    match: [],
  },
  table: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'table' },
  portStats: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'portStats', portNo: 0xffffffff },
  queue: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'queue', portNo: 1, queueId: 0xffffffff },
  group: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'group', groupId: 0xfffffffc },
  groupDesc: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'groupDesc' },
  groupFeatures: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'groupFeatures' },
  meter: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'meter', meterId: 0xffffffff },
  meterConfig: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'meterConfig', meterId: 1 },
  meterFeatures: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'meterFeatures' },
  tableFeatures: { type: 'multipartRequest', xid: 1, flags: 1, kind: 'tableFeatures', tables: [TABLE] },
  portDesc: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'portDesc' },
  experimenter: {
    type: 'multipartRequest',
    xid: 1,
    flags: 0,
    kind: 'experimenter',
    experimenter: 0x2320,
    expType: 2,
    data: buf(1, 2),
  },
  unknown: { type: 'multipartRequest', xid: 1, flags: 0, kind: 'unknown', mpType: 99, body: buf(7) },
};

const REPLIES: Record<MultipartReply['kind'], MultipartReply> = {
  desc: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'desc',
    mfrDesc: 'Nicira, Inc.',
    hwDesc: 'Open vSwitch',
    swDesc: '3.1.0',
    serialNum: 'None',
    dpDesc: 'br-int',
  },
  flow: { type: 'multipartReply', xid: 2, flags: 1, kind: 'flow', stats: [FLOW_STATS, FLOW_STATS] },
  aggregate: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'aggregate',
    packetCount: 1n,
    byteCount: 2n,
    flowCount: 3,
  },
  table: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'table',
    stats: [{ tableId: 0, activeCount: 5, lookupCount: 100n, matchedCount: 90n }],
  },
  portStats: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'portStats',
    stats: [
      {
        portNo: 1,
        rxPackets: 1n,
        txPackets: 2n,
        rxBytes: 3n,
        txBytes: 4n,
        rxDropped: 5n,
        txDropped: 6n,
        rxErrors: 7n,
        txErrors: 8n,
        rxFrameErr: 9n,
        rxOverErr: 10n,
        rxCrcErr: 11n,
        collisions: 12n,
        durationSec: 13,
        durationNsec: 14,
      },
    ],
  },
  queue: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'queue',
    stats: [
      { portNo: 1, queueId: 2, txBytes: 3n, txPackets: 4n, txErrors: 5n, durationSec: 6, durationNsec: 7 },
    ],
  },
  group: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'group',
    stats: [
      {
        groupId: 1,
        refCount: 2,
        packetCount: 3n,
        byteCount: 4n,
        durationSec: 5,
        durationNsec: 6,
        bucketStats: [{ packetCount: 7n, byteCount: 8n }],
      },
    ],
  },
  groupDesc: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'groupDesc',
    groups: [
      {
        groupType: 3,
        groupId: 4,
        buckets: [
          {
            weight: 0,
            watchPort: 1,
            watchGroup: 0xffffffff,
            actions: [{ type: 'output', port: 1, maxLen: 0 }],
          },
        ],
      },
    ],
  },
  groupFeatures: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'groupFeatures',
    types: 15,
    capabilities: 7,
    maxGroups: [1, 2, 3, 4],
    actions: [5, 6, 7, 8],
  },
  meter: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'meter',
    stats: [
      {
        meterId: 1,
        flowCount: 2,
        packetInCount: 3n,
        byteInCount: 4n,
        durationSec: 5,
        durationNsec: 6,
        bandStats: [{ packetBandCount: 7n, byteBandCount: 8n }],
      },
    ],
  },
  meterConfig: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'meterConfig',
    configs: [
      {
        flags: 5,
        meterId: 9,
        bands: [
          { type: 'dscpRemark', rate: 10, burstSize: 20, precLevel: 1 },
          { type: 'experimenter', rate: 1, burstSize: 2, experimenter: 3, data: buf(0, 0, 0, 0, 0, 0, 0, 0) },
        ],
      },
    ],
  },
  meterFeatures: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'meterFeatures',
    maxMeter: 1000,
    bandTypes: 3,
    capabilities: 15,
    maxBands: 4,
    maxColor: 0,
  },
  tableFeatures: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'tableFeatures',
    tables: [TABLE, { ...TABLE, tableId: 1, properties: [] }],
  },
  portDesc: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'portDesc',
    ports: [PORT, { ...PORT, portNo: 0xfffffffe, name: 'br-int' }],
  },
  experimenter: {
    type: 'multipartReply',
    xid: 2,
    flags: 0,
    kind: 'experimenter',
    experimenter: 1,
    expType: 2,
    data: Buffer.alloc(0),
  },
  unknown: { type: 'multipartReply', xid: 2, flags: 0, kind: 'unknown', mpType: 0x7000, body: buf(1, 2, 3) },
};

const ASYNC = { packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] } as const;

const MESSAGES: Record<
  Exclude<OfpMessage['type'], 'multipartRequest' | 'multipartReply'>,
  readonly OfpMessage[]
> = {
  hello: [
    { type: 'hello', xid: 1, elements: [] },
    {
      type: 'hello',
      xid: 1,
      version: 6,
      elements: [
        { kind: 'versionBitmap', bitmaps: [0x52] },
        { kind: 'unknown', elemType: 9, data: buf(1, 2, 3, 4) },
      ],
    },
  ],
  error: [{ type: 'error', xid: 2, errType: 5, code: 1, data: buf(4, 14, 0, 8, 0, 0, 0, 1) }],
  echoRequest: [{ type: 'echoRequest', xid: 3, data: Buffer.alloc(0) }],
  echoReply: [{ type: 'echoReply', xid: 3, data: buf(1) }],
  experimenter: [{ type: 'experimenter', xid: 4, experimenter: 0x2320, expType: 20, data: buf(1, 2, 3) }],
  featuresRequest: [{ type: 'featuresRequest', xid: 5 }],
  featuresReply: [
    {
      type: 'featuresReply',
      xid: 5,
      datapathId: 1n,
      nBuffers: 0,
      nTables: 254,
      auxiliaryId: 1,
      capabilities: 0x4f,
      reserved: 0,
    },
  ],
  getConfigRequest: [{ type: 'getConfigRequest', xid: 6 }],
  getConfigReply: [{ type: 'getConfigReply', xid: 6, flags: 0, missSendLen: 128 }],
  setConfig: [{ type: 'setConfig', xid: 6, flags: 1, missSendLen: 0xffff }],
  packetIn: [
    {
      type: 'packetIn',
      xid: 0,
      bufferId: 5,
      totalLen: 1500,
      reason: 0,
      tableId: 0,
      cookie: 0xffffffffffffffffn,
      match: [{ field: 'in_port', value: 1 }],
      data: Buffer.alloc(128, 7),
    },
  ],
  flowRemoved: [
    {
      type: 'flowRemoved',
      xid: 0,
      cookie: 9n,
      priority: 10,
      reason: 0,
      tableId: 20,
      durationSec: 30,
      durationNsec: 40,
      idleTimeout: 50,
      hardTimeout: 0,
      packetCount: 60n,
      byteCount: 70n,
      match: [{ field: 'ct_state', value: 0x21, mask: 0x21 }],
    },
  ],
  portStatus: [{ type: 'portStatus', xid: 0, reason: 2, port: PORT }],
  packetOut: [
    {
      type: 'packetOut',
      xid: 7,
      bufferId: 0xffffffff,
      inPort: 0xfffffffd,
      actions: [{ type: 'output', port: 0xfffffff9, maxLen: 0 }],
      data: Buffer.alloc(60, 1),
    },
  ],
  flowMod: [
    {
      type: 'flowMod',
      xid: 8,
      cookie: 1n,
      cookieMask: 0n,
      tableId: 0,
      command: 0,
      idleTimeout: 0,
      hardTimeout: 0,
      priority: 0,
      bufferId: 0xffffffff,
      outPort: 0xffffffff,
      outGroup: 0xffffffff,
      flags: 0,
      match: [],
      instructions: Object.values(INSTRUCTIONS),
    },
  ],
  groupMod: [{ type: 'groupMod', xid: 9, command: 2, groupType: 0, groupId: 0xfffffffc, buckets: [] }],
  portMod: [
    { type: 'portMod', xid: 10, portNo: 3, hwAddr: 'aa:bb:cc:dd:ee:ff', config: 1, mask: 1, advertise: 0 },
  ],
  tableMod: [{ type: 'tableMod', xid: 11, tableId: 255, config: 3 }],
  barrierRequest: [{ type: 'barrierRequest', xid: 12 }],
  barrierReply: [{ type: 'barrierReply', xid: 12 }],
  queueGetConfigRequest: [{ type: 'queueGetConfigRequest', xid: 13, port: 1 }],
  queueGetConfigReply: [
    {
      type: 'queueGetConfigReply',
      xid: 13,
      port: 1,
      queues: [
        {
          queueId: 1,
          port: 1,
          properties: [
            { type: 'minRate', rate: 100 },
            { type: 'maxRate', rate: 0xffff },
            { type: 'experimenter', experimenter: 5, data: buf(1, 2, 3, 4, 5, 6, 7, 8) },
          ],
        },
      ],
    },
  ],
  roleRequest: [{ type: 'roleRequest', xid: 14, role: 3, generationId: 0n }],
  roleReply: [{ type: 'roleReply', xid: 14, role: 2, generationId: 99n }],
  getAsyncRequest: [{ type: 'getAsyncRequest', xid: 15 }],
  getAsyncReply: [{ type: 'getAsyncReply', xid: 15, ...ASYNC }],
  setAsync: [{ type: 'setAsync', xid: 15, ...ASYNC }],
  meterMod: [
    {
      type: 'meterMod',
      xid: 16,
      command: 1,
      flags: 6,
      meterId: 1,
      bands: [{ type: 'unknown', bandType: 9, rate: 1, burstSize: 2, data: buf(0, 0, 0, 0) }],
    },
  ],
  unknown: [{ type: 'unknown', xid: 17, version: 4, msgType: 99, body: buf(1, 2, 3) }],
};

/** A value of the right kind for a field: distinct bytes so that a swapped offset shows. */
function sampleValue(name: OxmFieldName): OxmField {
  const info = OXM_FIELDS[name];
  const bits = info.bits ?? info.bytes * 8;
  switch (info.kind) {
    case 'mac':
      return {
        field: name,
        value: '02:11:22:33:44:55',
        ...(info.maskable ? { mask: 'ff:ff:ff:00:00:00' } : {}),
      } as OxmField;
    case 'ipv4':
      return {
        field: name,
        value: '10.1.2.3',
        ...(info.maskable ? { mask: '255.255.0.0' } : {}),
      } as OxmField;
    case 'ipv6':
      return {
        field: name,
        value: 'fe80::1:2',
        ...(info.maskable ? { mask: 'ffff:ffff::' } : {}),
      } as OxmField;
    case 'u64':
    case 'u128':
      return {
        field: name,
        value: (1n << BigInt(bits - 1)) | 5n,
        ...(info.maskable ? { mask: 0xffn } : {}),
      } as OxmField;
    case 'uint':
      return {
        field: name,
        value: bits >= 32 ? 0x80000001 : (1 << (bits - 1)) | 1,
        ...(info.maskable ? { mask: 1 } : {}),
      } as OxmField;
  }
}

describe('openflow13 round trips', () => {
  for (const [type, samples] of Object.entries(MESSAGES)) {
    it(`message ${type}`, () => samples.forEach(roundTrip));
  }
  for (const [kind, m] of Object.entries(REQUESTS)) it(`multipart request ${kind}`, () => roundTrip(m));
  for (const [kind, m] of Object.entries(REPLIES)) it(`multipart reply ${kind}`, () => roundTrip(m));
  for (const [type, actions] of Object.entries(ACTIONS)) {
    it(`action ${type}`, () => {
      for (const a of actions) {
        roundTrip({
          type: 'packetOut',
          xid: 1,
          bufferId: 0xffffffff,
          inPort: 1,
          actions: [a],
          data: Buffer.alloc(0),
        });
      }
    });
  }
  it('every OXM field, with and without mask, in a match and as set_field', () => {
    const fields = (Object.keys(OXM_FIELDS) as OxmFieldName[]).map(sampleValue);
    const unmasked = fields.map(({ mask: _mask, ...f }) => f as OxmField);
    // Matches have at most 65535 bytes: split the fields across a few packet-ins.
    for (let i = 0; i < fields.length; i += 40) {
      const slice = fields.slice(i, i + 40);
      roundTrip({
        type: 'packetIn',
        xid: 1,
        bufferId: 0,
        totalLen: 0,
        reason: 0,
        tableId: 0,
        cookie: 0n,
        match: slice,
        data: Buffer.alloc(0),
      });
      roundTrip({
        type: 'packetOut',
        xid: 1,
        bufferId: 0xffffffff,
        inPort: 1,
        actions: unmasked.slice(i, i + 40).map((field) => ({ type: 'setField', field })),
        data: Buffer.alloc(0),
      });
    }
    assert.ok(fields.length >= 120, `${fields.length} fields`);
  });
  it('unknown and experimenter OXM fields keep their bytes', () => {
    roundTrip({
      type: 'packetIn',
      xid: 1,
      bufferId: 0,
      totalLen: 0,
      reason: 0,
      tableId: 0,
      cookie: 0n,
      match: [
        { field: 'unknown', oxmClass: 0x8000, oxmField: 100, value: buf(1, 2) },
        { field: 'unknown', oxmClass: 0xffff, oxmField: 1, experimenter: 0x4f4e4600, value: buf(0x0a, 0, 1) },
        {
          field: 'unknown',
          oxmClass: 0x0001,
          oxmField: 40,
          value: buf(1, 2, 3, 4),
          mask: buf(0xff, 0xff, 0, 0),
        },
      ],
      data: Buffer.alloc(0),
    });
  });
});
