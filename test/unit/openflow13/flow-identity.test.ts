// Flow identity on wire bytes: a FLOW_MOD the controller writes and the ofp_flow_stats the switch reports for the
// same flow (in Open vSwitch's normal form) give the same identity and body; FLOW_MODs written in place are those
// encode() gives; a key and body decode back to the flow.
import assert from 'node:assert/strict';
import {
  FlowIdentity,
  FlowModCommand,
  Group,
  OFP_NO_BUFFER,
  PortNo,
  Writer,
  decode,
  decodeIdentity,
  encode,
  makeModifyStrict,
  setXid,
  writeDeleteStrict,
  writeFlowMod,
  type FlowModFields,
  type FlowStats,
} from '../../../protocols/openflow13/index.js';
import { Malformed } from '../../../protocols/openflow13/errors.js';

const desired: FlowModFields = {
  tableId: 10,
  priority: 100,
  // Not in canonical order, one full mask, masked-out bits set: the switch reports none of that.
  match: [
    { field: 'ipv4_dst', value: '10.1.2.77', mask: '255.255.255.0' },
    { field: 'in_port', value: 3, mask: 0xffffffff },
    { field: 'eth_type', value: 0x0800 },
    { field: 'reg0', value: 5, mask: 0 },
  ],
  // Out of execution order, with an empty action list the switch drops.
  instructions: [
    { type: 'gotoTable', tableId: 20 },
    { type: 'writeActions', actions: [] },
    { type: 'applyActions', actions: [{ type: 'decNwTtl' }] },
  ],
  cookie: 0x5d0e000000000001n,
  idleTimeout: 30,
  flags: 0x1 | 0x4, // SEND_FLOW_REM is reported back, CHECK_OVERLAP is not
};

/** The same flow as Open vSwitch reports it in a flow dump. */
const reported: FlowStats = {
  tableId: 10,
  durationSec: 7,
  durationNsec: 0,
  priority: 100,
  idleTimeout: 30,
  hardTimeout: 0,
  flags: 0x1,
  cookie: 0x5d0e000000000001n,
  packetCount: 12n,
  byteCount: 1200n,
  match: [
    { field: 'in_port', value: 3 },
    { field: 'eth_type', value: 0x0800 },
    { field: 'ipv4_dst', value: '10.1.2.0', mask: '255.255.255.0' },
  ],
  instructions: [
    { type: 'applyActions', actions: [{ type: 'decNwTtl' }] },
    { type: 'gotoTable', tableId: 20 },
  ],
};

function fromFlowMod(f: FlowModFields, command: number = FlowModCommand.ADD): { key: string; body: string } {
  const w = new Writer();
  writeFlowMod(w, 9, command, f);
  const id = new FlowIdentity();
  id.readFlowMod(w.buffer, 0, w.offset);
  return { key: id.key(), body: id.body() };
}

function fromDump(stats: FlowStats): { key: string; body: string } {
  const bytes = encode({ type: 'multipartReply', xid: 1, flags: 0, kind: 'flow', stats: [stats] });
  const id = new FlowIdentity();
  id.readFlowStats(bytes, 16, bytes.length);
  return { key: id.key(), body: id.body() };
}

describe('protocols/openflow13: flow identity on wire bytes', () => {
  it('gives a desired flow and the switch report of it one identity and one body', () => {
    assert.deepEqual(fromFlowMod(desired), fromDump(reported));
  });

  it('tells apart what makes another entry (priority, match) from what makes another body', () => {
    const base = fromFlowMod(desired);
    assert.notEqual(fromFlowMod({ ...desired, priority: 101 }).key, base.key);
    const otherMatch = fromFlowMod({ ...desired, match: [{ field: 'eth_type', value: 0x86dd }] });
    assert.notEqual(otherMatch.key, base.key);
    const otherActions = fromFlowMod({ ...desired, instructions: [{ type: 'gotoTable', tableId: 30 }] });
    assert.equal(otherActions.key, base.key);
    assert.notEqual(otherActions.body, base.body);
    const otherCookie = fromFlowMod({ ...desired, cookie: 2n });
    assert.equal(otherCookie.body.slice(14), base.body.slice(14), 'same instructions');
    assert.notEqual(otherCookie.body.slice(0, 14), base.body.slice(0, 14), 'other head');
  });

  it('gives a field with an NXM and an OXM header the header the switch reports (match, set_field, reg_move, learn)', () => {
    const sent: FlowStats = {
      ...reported,
      match: [{ field: 'tun_id', value: 0x64n }],
      instructions: [
        {
          type: 'applyActions',
          actions: [
            { type: 'setField', field: { field: 'tun_id', value: 0x65n } },
            {
              type: 'regMove',
              src: { field: 'eth_src', ofs: 0, nbits: 48 },
              dst: { field: 'eth_dst', ofs: 0, nbits: 48 },
            },
            {
              type: 'learn',
              idleTimeout: 30,
              hardTimeout: 0,
              priority: 10,
              cookie: 1n,
              flags: 0,
              tableId: 30,
              finIdleTimeout: 0,
              finHardTimeout: 0,
              specs: [
                { kind: 'match', nbits: 16, src: { value: 0x800n }, dst: { field: 'eth_type', ofs: 0 } },
                {
                  kind: 'match',
                  nbits: 32,
                  src: { field: 'ipv4_dst', ofs: 0 },
                  dst: { field: 'ipv4_src', ofs: 0 },
                },
              ],
            },
          ],
        },
      ],
    };
    // Open vSwitch reports the match and the set_field with OXM headers, reg_move and learn fields with NXM ones.
    const asReported: FlowStats = {
      ...sent,
      match: [{ field: 'tunnel_id', value: 0x64n }],
      instructions: [
        {
          type: 'applyActions',
          actions: [
            { type: 'setField', field: { field: 'tunnel_id', value: 0x65n } },
            {
              type: 'regMove',
              src: { field: 'eth_src_nxm', ofs: 0, nbits: 48 },
              dst: { field: 'eth_dst_nxm', ofs: 0, nbits: 48 },
            },
            {
              type: 'learn',
              idleTimeout: 30,
              hardTimeout: 0,
              priority: 10,
              cookie: 1n,
              flags: 0,
              tableId: 30,
              finIdleTimeout: 0,
              finHardTimeout: 0,
              specs: [
                { kind: 'match', nbits: 16, src: { value: 0x800n }, dst: { field: 'eth_type_nxm', ofs: 0 } },
                {
                  kind: 'match',
                  nbits: 32,
                  src: { field: 'ipv4_dst_nxm', ofs: 0 },
                  dst: { field: 'ipv4_src_nxm', ofs: 0 },
                },
              ],
            },
          ],
        },
      ],
    };
    assert.deepEqual(fromDump(sent), fromDump(asReported));
    assert.notEqual(
      fromDump(sent).key,
      fromDump({ ...sent, match: [{ field: 'tunnel_id', value: 0x65n }] }).key,
    );
  });

  it('compares bodies and heads without making strings', () => {
    const w = new Writer();
    writeFlowMod(w, 0, FlowModCommand.ADD, desired);
    const id = new FlowIdentity();
    id.readFlowMod(w.buffer, 0, w.offset);
    const { body } = fromDump(reported);
    assert.equal(id.bodyEquals(body), true);
    assert.equal(id.headEquals(body), true);
    const moved = fromDump({ ...reported, instructions: [{ type: 'gotoTable', tableId: 30 }] }).body;
    assert.equal(id.bodyEquals(moved), false);
    assert.equal(id.headEquals(moved), true);
    assert.equal(id.headEquals(fromDump({ ...reported, idleTimeout: 5 }).body), false);
  });

  it('writes FLOW_MODs in place exactly as encode() does', () => {
    for (const command of [FlowModCommand.ADD, FlowModCommand.DELETE_STRICT]) {
      const w = new Writer();
      writeFlowMod(w, 0, command, desired);
      setXid(w.buffer, 0, 77);
      const strict = command !== FlowModCommand.ADD;
      const expected = encode({
        type: 'flowMod',
        xid: 77,
        command,
        cookie: desired.cookie,
        cookieMask: strict ? 0xffffffffffffffffn : 0n,
        tableId: desired.tableId,
        idleTimeout: 30,
        hardTimeout: 0,
        priority: desired.priority,
        bufferId: OFP_NO_BUFFER,
        outPort: PortNo.ANY,
        outGroup: Group.ANY,
        flags: desired.flags ?? 0,
        match: desired.match,
        instructions: strict ? [] : desired.instructions,
      });
      assert.deepEqual(w.view(), expected);
    }
  });

  it('turns an ADD into a MODIFY_STRICT that selects by exact cookie', () => {
    const w = new Writer();
    writeFlowMod(w, 5, FlowModCommand.ADD, desired);
    makeModifyStrict(w.buffer, 0);
    const r = decode(w.view());
    assert.ok(r.ok && r.message.type === 'flowMod');
    assert.equal(r.message.command, FlowModCommand.MODIFY_STRICT);
    assert.equal(r.message.cookieMask, 0xffffffffffffffffn);
    assert.equal(r.message.instructions.length, 3);
  });

  it('deletes a flow known only by identity and body, and decodes it back', () => {
    const { key, body } = fromDump(reported);
    const w = new Writer();
    writeDeleteStrict(w, 3, key, body);
    const r = decode(w.view());
    assert.ok(r.ok && r.message.type === 'flowMod');
    assert.equal(r.message.command, FlowModCommand.DELETE_STRICT);
    assert.equal(r.message.cookie, reported.cookie);
    assert.equal(r.message.cookieMask, 0xffffffffffffffffn);
    assert.equal(r.message.tableId, 10);
    assert.equal(r.message.priority, 100);
    assert.deepEqual(r.message.match, reported.match);
    assert.deepEqual(r.message.instructions, []);
    const back = decodeIdentity(key, body);
    assert.deepEqual(back.match, reported.match);
    assert.deepEqual(back.instructions, reported.instructions);
    assert.deepEqual(
      [back.tableId, back.priority, back.cookie, back.idleTimeout, back.flags],
      [10, 100, reported.cookie, 30, 1],
    );
  });

  it('throws Malformed for a flow stats entry cut short', () => {
    const bytes = encode({ type: 'multipartReply', xid: 1, flags: 0, kind: 'flow', stats: [reported] });
    const id = new FlowIdentity();
    assert.throws(() => id.readFlowStats(bytes, 16, bytes.length - 4), Malformed);
    assert.throws(() => id.readFlowStats(bytes, 16, 16 + 50), Malformed);
  });
});
