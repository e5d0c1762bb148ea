// Golden bytes: each message is spelled byte by byte with the independent oracle (protocols/openflow13/testing),
// then the codec must encode the typed value to exactly those bytes and decode those bytes to exactly that value.
import assert from 'node:assert/strict';
import { decode, encode, type Action, type OfpMessage } from '../../../protocols/openflow13/index.js';
import {
  actionsInstruction,
  bytes,
  gotoTable,
  match,
  message,
  nxAction,
  output,
  oxm,
} from '../../../protocols/openflow13/testing/bytes.js';

/** A 32-bit NXM/OXM header without mask. */
const nxm = (oxmClass: number, field: number, len: number): number =>
  ((oxmClass << 16) | (field << 9) | len) >>> 0;
const REG0 = nxm(1, 0, 4);
const REG6 = nxm(1, 6, 4);
const ETH_SRC_NXM = nxm(0, 2, 6);
const ETH_DST_NXM = nxm(0, 1, 6);
const VLAN_TCI = nxm(0, 4, 2);
const IN_PORT_NXM = nxm(0, 0, 2);

function check(name: string, m: OfpMessage, wire: Buffer): void {
  it(name, () => {
    assert.deepEqual(encode(m).toString('hex'), wire.toString('hex'), 'encode');
    const r = decode(wire);
    if (!r.ok) assert.fail(`decode: ${r.error.reason} at ${r.error.offset}`);
    assert.deepStrictEqual(r.message, m, 'decode');
  });
}

/** A flow mod carrying only apply-actions with `actions`, and its wire form with `actionBytes`. */
function actionCase(name: string, actions: Action[], ...actionBytes: Buffer[]): void {
  const m: OfpMessage = {
    type: 'flowMod',
    xid: 0x42,
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    command: 0,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 100,
    bufferId: 0xffffffff,
    outPort: 0xffffffff,
    outGroup: 0xffffffff,
    flags: 0,
    match: [],
    instructions: [{ type: 'applyActions', actions }],
  };
  const body = bytes()
    .u64(0n)
    .u64(0n)
    .u8(0)
    .u8(0)
    .u16(0)
    .u16(0)
    .u16(100)
    .u32(0xffffffff)
    .u32(0xffffffff)
    .u32(0xffffffff)
    .u16(0)
    .zeros(2)
    .raw(match())
    .raw(actionsInstruction(4, ...actionBytes))
    .build();
  check(name, m, message(14, 0x42, body));
}

describe('openflow13 golden bytes: messages', () => {
  check(
    'HELLO with a version bitmap (OF1.3 only)',
    { type: 'hello', xid: 1, elements: [{ kind: 'versionBitmap', bitmaps: [1 << 4] }] },
    message(0, 1, bytes().u16(1).u16(8).u32(0x10).build()),
  );
  check(
    'ECHO_REQUEST with payload',
    { type: 'echoRequest', xid: 9, data: Buffer.from('ping') },
    message(2, 9, Buffer.from('ping')),
  );
  check(
    'ERROR bad match / bad prerequisite with the offending bytes',
    { type: 'error', xid: 3, errType: 4, code: 9, data: Buffer.from([1, 2, 3]) },
    message(1, 3, bytes().u16(4).u16(9).raw([1, 2, 3]).build()),
  );
  check(
    'ERROR experimenter',
    { type: 'error', xid: 3, errType: 0xffff, code: 7, experimenter: 0x2320, data: Buffer.alloc(0) },
    message(1, 3, bytes().u16(0xffff).u16(7).u32(0x2320).build()),
  );
  check(
    'FEATURES_REPLY with a 64-bit datapath id',
    {
      type: 'featuresReply',
      xid: 5,
      datapathId: 0xfedcba9876543210n,
      nBuffers: 256,
      nTables: 254,
      auxiliaryId: 0,
      capabilities: 0x4f,
      reserved: 0,
    },
    message(6, 5, bytes().u64(0xfedcba9876543210n).u32(256).u8(254).u8(0).zeros(2).u32(0x4f).u32(0).build()),
  );
  check(
    'PACKET_IN with in_port, tun_id and reg0 and a frame',
    {
      type: 'packetIn',
      xid: 0,
      bufferId: 0xffffffff,
      totalLen: 6,
      reason: 1,
      tableId: 20,
      cookie: 0x1234000000000001n,
      match: [
        { field: 'in_port', value: 3 },
        { field: 'tun_id', value: 5001n },
        { field: 'reg0', value: 0xabcd },
      ],
      data: Buffer.from('abcdef'),
    },
    message(
      10,
      0,
      bytes()
        .u32(0xffffffff)
        .u16(6)
        .u8(1)
        .u8(20)
        .u64(0x1234000000000001n)
        .raw(
          match(
            oxm(0x8000, 0, [0, 0, 0, 3]),
            oxm(1, 16, bytes().u64(5001n).build()),
            oxm(1, 0, [0, 0, 0xab, 0xcd]),
          ),
        )
        .zeros(2)
        .raw(Buffer.from('abcdef'))
        .build(),
    ),
  );
  check(
    'FLOW_MOD with a masked IPv4 match, set_field, output, goto',
    {
      type: 'flowMod',
      xid: 7,
      cookie: 0xffff010000000002n,
      cookieMask: 0xffffffffffffffffn,
      tableId: 40,
      command: 1,
      idleTimeout: 10,
      hardTimeout: 20,
      priority: 1000,
      bufferId: 0xffffffff,
      outPort: 0xffffffff,
      outGroup: 0xffffffff,
      flags: 1,
      match: [
        { field: 'eth_type', value: 0x0800 },
        { field: 'ipv4_dst', value: '10.244.1.0', mask: '255.255.255.0' },
        { field: 'vlan_vid', value: 0x1000 | 100 },
      ],
      instructions: [
        {
          type: 'applyActions',
          actions: [
            { type: 'setField', field: { field: 'eth_dst', value: '0a:58:0a:f4:01:05' } },
            { type: 'output', port: 7, maxLen: 0 },
          ],
        },
        { type: 'gotoTable', tableId: 50 },
      ],
    },
    message(
      14,
      7,
      bytes()
        .u64(0xffff010000000002n)
        .u64(0xffffffffffffffffn)
        .u8(40)
        .u8(1)
        .u16(10)
        .u16(20)
        .u16(1000)
        .u32(0xffffffff)
        .u32(0xffffffff)
        .u32(0xffffffff)
        .u16(1)
        .zeros(2)
        .raw(
          match(
            oxm(0x8000, 5, [8, 0]),
            oxm(0x8000, 12, [10, 244, 1, 0], [255, 255, 255, 0]),
            oxm(0x8000, 6, [0x10, 100]),
          ),
        )
        .raw(
          actionsInstruction(
            4,
            bytes()
              .u16(25)
              .u16(16)
              .raw(oxm(0x8000, 3, [0x0a, 0x58, 0x0a, 0xf4, 1, 5]))
              .pad8()
              .build(),
            output(7),
          ),
        )
        .raw(gotoTable(50))
        .build(),
    ),
  );
  check(
    'MULTIPART_REQUEST flow stats for a cookie',
    {
      type: 'multipartRequest',
      kind: 'flow',
      xid: 11,
      flags: 0,
      tableId: 255,
      outPort: 0xffffffff,
      outGroup: 0xffffffff,
      cookie: 0xffff000000000000n,
      cookieMask: 0xffff000000000000n,
      match: [],
    },
    message(
      18,
      11,
      bytes()
        .u16(1)
        .u16(0)
        .zeros(4)
        .u8(255)
        .zeros(3)
        .u32(0xffffffff)
        .u32(0xffffffff)
        .zeros(4)
        .u64(0xffff000000000000n)
        .u64(0xffff000000000000n)
        .raw(match())
        .build(),
    ),
  );
  check(
    'ROLE_REQUEST master with a generation id',
    { type: 'roleRequest', xid: 2, role: 2, generationId: 0x8000000000000001n },
    message(24, 2, bytes().u32(2).zeros(4).u64(0x8000000000000001n).build()),
  );
  check(
    'METER_MOD with a drop band',
    {
      type: 'meterMod',
      xid: 4,
      command: 0,
      flags: 1,
      meterId: 5,
      bands: [{ type: 'drop', rate: 1000, burstSize: 0 }],
    },
    message(29, 4, bytes().u16(0).u16(1).u32(5).u16(1).u16(16).u32(1000).u32(0).zeros(4).build()),
  );
  check(
    'GROUP_MOD select with two buckets',
    {
      type: 'groupMod',
      xid: 8,
      command: 0,
      groupType: 1,
      groupId: 9,
      buckets: [
        {
          weight: 1,
          watchPort: 0xffffffff,
          watchGroup: 0xffffffff,
          actions: [{ type: 'output', port: 1, maxLen: 0 }],
        },
        {
          weight: 2,
          watchPort: 0xffffffff,
          watchGroup: 0xffffffff,
          actions: [{ type: 'output', port: 2, maxLen: 0 }],
        },
      ],
    },
    message(
      15,
      8,
      bytes()
        .u16(0)
        .u8(1)
        .u8(0)
        .u32(9)
        .u16(32)
        .u16(1)
        .u32(0xffffffff)
        .u32(0xffffffff)
        .zeros(4)
        .raw(output(1))
        .u16(32)
        .u16(2)
        .u32(0xffffffff)
        .u32(0xffffffff)
        .zeros(4)
        .raw(output(2))
        .build(),
    ),
  );
});

describe('openflow13 golden bytes: Nicira actions', () => {
  actionCase(
    'resubmit(,20)',
    [{ type: 'resubmit', inPort: 0xfff8, table: 20, ct: false }],
    nxAction(14, bytes().u16(0xfff8).u8(20).zeros(3).build()),
  );
  actionCase(
    'resubmit:5 (no table)',
    [{ type: 'resubmit', inPort: 5, table: 255, ct: false }],
    nxAction(1, bytes().u16(5).u8(0xff).zeros(3).build()),
  );
  actionCase(
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
    [
      {
        type: 'regMove',
        src: { field: 'eth_src_nxm', ofs: 0, nbits: 48 },
        dst: { field: 'eth_dst_nxm', ofs: 0, nbits: 48 },
      },
    ],
    nxAction(6, bytes().u16(48).u16(0).u16(0).u32(ETH_SRC_NXM).u32(ETH_DST_NXM).build()),
  );
  actionCase(
    'load:0x5->NXM_NX_REG0[8..15]',
    [{ type: 'regLoad', dst: { field: 'reg0', ofs: 8, nbits: 8 }, value: 5n }],
    nxAction(
      7,
      bytes()
        .u16((8 << 6) | 7)
        .u32(REG0)
        .u64(5n)
        .build(),
    ),
  );
  actionCase(
    'set_field:0x10/0xf0->reg6 (NXAST_REG_LOAD2)',
    [{ type: 'regLoad2', field: { field: 'reg6', value: 0x10, mask: 0xf0 } }],
    nxAction(33, oxm(1, 6, [0, 0, 0, 0x10], [0, 0, 0, 0xf0])),
  );
  actionCase(
    'ct(commit,zone=NXM_NX_REG6[0..15],table=30,nat(src=10.0.0.1-10.0.0.10:1000-2000))',
    [
      {
        type: 'ct',
        flags: 1,
        zone: { field: { field: 'reg6', ofs: 0, nbits: 16 } },
        recircTable: 30,
        alg: 0,
        actions: [
          { type: 'nat', flags: 1, ipMin: '10.0.0.1', ipMax: '10.0.0.10', protoMin: 1000, protoMax: 2000 },
        ],
      },
    ],
    (() => {
      const nat = nxAction(
        36,
        bytes()
          .zeros(2)
          .u16(1)
          .u16(0x1 | 0x2 | 0x10 | 0x20)
          .raw([10, 0, 0, 1, 10, 0, 0, 10])
          .u16(1000)
          .u16(2000)
          .build(),
      );
      const head = bytes()
        .u16(0xffff)
        .u16(24 + nat.length)
        .u32(0x2320)
        .u16(35)
        .u16(1)
        .u32(REG6)
        .u16(15)
        .u8(30)
        .zeros(3)
        .u16(0)
        .build();
      return Buffer.concat([head, nat]);
    })(),
  );
  actionCase('ct_clear', [{ type: 'ctClear' }], nxAction(43, bytes().zeros(6).build()));
  actionCase(
    'ct(zone=5) with an IPv6 dnat',
    [
      {
        type: 'ct',
        flags: 0,
        zone: { imm: 5 },
        recircTable: 255,
        alg: 0,
        actions: [{ type: 'nat', flags: 2, ipMin: 'fd00::1' }],
      },
    ],
    (() => {
      const nat = nxAction(
        36,
        bytes().zeros(2).u16(2).u16(0x4).hex('fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01').build(),
      );
      const head = bytes()
        .u16(0xffff)
        .u16(24 + nat.length)
        .u32(0x2320)
        .u16(35)
        .u16(0)
        .u32(0)
        .u16(5)
        .u8(255)
        .zeros(3)
        .u16(0)
        .build();
      return Buffer.concat([head, nat]);
    })(),
  );
  actionCase(
    'conjunction(7,2/3)',
    [{ type: 'conjunction', id: 7, clause: 1, nClauses: 3 }],
    nxAction(34, bytes().u8(1).u8(3).u32(7).build()),
  );
  actionCase(
    'dec_ttl(1,2,3)',
    [{ type: 'decTtlCntIds', controllerIds: [1, 2, 3] }],
    nxAction(21, bytes().u16(3).zeros(4).u16(1).u16(2).u16(3).build()),
  );
  actionCase(
    'note:01.02.03',
    [{ type: 'note', note: Buffer.from([1, 2, 3, 0, 0, 0]) }],
    nxAction(8, [1, 2, 3, 0, 0, 0]),
  );
  actionCase(
    'output:NXM_NX_REG0[16..31]',
    [{ type: 'outputReg', src: { field: 'reg0', ofs: 16, nbits: 16 }, maxLen: 0 }],
    nxAction(
      15,
      bytes()
        .u16((16 << 6) | 15)
        .u32(REG0)
        .u16(0)
        .zeros(6)
        .build(),
    ),
  );
  actionCase(
    'controller(reason=no_match,max_len=128,id=3,userdata=01.02,pause)',
    [
      {
        type: 'controller2',
        maxLen: 128,
        controllerId: 3,
        reason: 0,
        userdata: Buffer.from([1, 2]),
        pause: true,
      },
    ],
    nxAction(
      37,
      bytes()
        .zeros(6)
        .u16(0)
        .u16(8)
        .u16(128)
        .zeros(2)
        .u16(1)
        .u16(8)
        .u16(3)
        .zeros(2)
        .u16(2)
        .u16(5)
        .u8(0)
        .zeros(3)
        .u16(3)
        .u16(6)
        .raw([1, 2])
        .zeros(2)
        .u16(4)
        .u16(4)
        .zeros(4)
        .build(),
    ),
  );
  actionCase(
    'fin_timeout(idle_timeout=10,hard_timeout=20)',
    [{ type: 'finTimeout', finIdleTimeout: 10, finHardTimeout: 20 }],
    nxAction(19, bytes().u16(10).u16(20).zeros(2).build()),
  );
  actionCase(
    'sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3)',
    [{ type: 'sample', probability: 100, collectorSetId: 1, obsDomainId: 2, obsPointId: 3 }],
    nxAction(29, bytes().u16(100).u32(1).u32(2).u32(3).build()),
  );
  actionCase(
    'push:NXM_NX_REG0[0..31] and pop:NXM_NX_REG6[0..31]',
    [
      { type: 'stackPush', field: { field: 'reg0', ofs: 0, nbits: 32 } },
      { type: 'stackPop', field: { field: 'reg6', ofs: 0, nbits: 32 } },
    ],
    nxAction(27, bytes().u16(0).u32(REG0).u16(32).zeros(6).build()),
    nxAction(28, bytes().u16(0).u32(REG6).u16(32).zeros(6).build()),
  );
  actionCase(
    'output(port=5,max_len=100)',
    [{ type: 'outputTrunc', port: 5, maxLen: 100 }],
    nxAction(39, bytes().u16(5).u32(100).build()),
  );
  actionCase(
    'set_tunnel64:0x1122334455667788',
    [{ type: 'setTunnel', tunId: 0x1122334455667788n, wide: true }],
    nxAction(9, bytes().zeros(6).u64(0x1122334455667788n).build()),
  );
  actionCase(
    'multipath(symmetric_l4,50,hrw,12,0,NXM_NX_REG0[0..3])',
    [
      {
        type: 'multipath',
        fields: 1,
        basis: 50,
        algorithm: 2,
        maxLink: 11,
        arg: 0,
        dst: { field: 'reg0', ofs: 0, nbits: 4 },
      },
    ],
    nxAction(10, bytes().u16(1).u16(50).zeros(2).u16(2).u16(11).u32(0).zeros(2).u16(3).u32(REG0).build()),
  );
  actionCase(
    'bundle(eth_src,0,hrw,ofport,members:4,8)',
    [{ type: 'bundle', algorithm: 1, fields: 0, basis: 0, memberType: IN_PORT_NXM, members: [4, 8] }],
    nxAction(
      12,
      bytes().u16(1).u16(0).u16(0).u32(IN_PORT_NXM).u16(2).u16(0).u32(0).zeros(4).u16(4).u16(8).build(),
    ),
  );
  actionCase(
    'learn(table=10,idle_timeout=60,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0x1->NXM_NX_REG0[0..0],output:NXM_OF_IN_PORT[])',
    [
      {
        type: 'learn',
        idleTimeout: 60,
        hardTimeout: 0,
        priority: 0x8000,
        cookie: 0x99n,
        flags: 0,
        tableId: 10,
        finIdleTimeout: 0,
        finHardTimeout: 0,
        specs: [
          {
            kind: 'match',
            nbits: 12,
            src: { field: 'vlan_tci', ofs: 0 },
            dst: { field: 'vlan_tci', ofs: 0 },
          },
          {
            kind: 'match',
            nbits: 48,
            src: { field: 'eth_src_nxm', ofs: 0 },
            dst: { field: 'eth_dst_nxm', ofs: 0 },
          },
          { kind: 'load', nbits: 1, src: { value: 1n }, dst: { field: 'reg0', ofs: 0 } },
          { kind: 'output', nbits: 16, src: { field: 'in_port_nxm', ofs: 0 } },
        ],
      },
    ],
    nxAction(
      16,
      bytes()
        .u16(60)
        .u16(0)
        .u16(0x8000)
        .u64(0x99n)
        .u16(0)
        .u8(10)
        .u8(0)
        .u16(0)
        .u16(0)
        .u16(12)
        .u32(VLAN_TCI)
        .u16(0)
        .u32(VLAN_TCI)
        .u16(0)
        .u16(48)
        .u32(ETH_SRC_NXM)
        .u16(0)
        .u32(ETH_DST_NXM)
        .u16(0)
        .u16(0x2000 | 0x0800 | 1)
        .u16(1)
        .u32(REG0)
        .u16(0)
        .u16(0x1000 | 16)
        .u32(IN_PORT_NXM)
        .u16(0)
        .build(),
    ),
  );
  actionCase(
    'an unknown experimenter action stays opaque',
    [{ type: 'experimenter', experimenter: 0xdeadbeef, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) }],
    bytes().u16(0xffff).u16(16).u32(0xdeadbeef).raw([1, 2, 3, 4, 5, 6, 7, 8]).build(),
  );
  actionCase(
    'a Nicira subtype the codec does not know stays opaque',
    [{ type: 'experimenter', experimenter: 0x2320, data: Buffer.from([0, 200, 9, 9, 9, 9, 9, 9]) }],
    nxAction(200, [9, 9, 9, 9, 9, 9]),
  );
});
