// Malformed input decodes to an error value with the offset and message type, never an exception.
import assert from 'node:assert/strict';
import { decode, encode, errorName, type OfpMessage } from '../../../protocols/openflow13/index.js';
import { bytes, match, message, nxAction, oxm } from '../../../protocols/openflow13/testing/bytes.js';

function fails(wire: Buffer, pattern: RegExp, offset?: number): void {
  const r = decode(wire);
  if (r.ok) assert.fail(`decoded to ${r.message.type}`);
  assert.match(r.error.reason, pattern);
  if (offset !== undefined) assert.equal(r.error.offset, offset);
  assert.equal(r.error.msgType, wire.length >= 8 ? wire[1] : -1);
}

const flowModHead = (): ReturnType<typeof bytes> =>
  bytes().u64(0n).u64(0n).u8(0).u8(0).u16(0).u16(0).u16(0).u32(0).u32(0).u32(0).u16(0).zeros(2);

describe('openflow13 decode errors', () => {
  it('rejects fewer bytes than a header', () =>
    fails(Buffer.from([4, 0, 0]), /shorter than the 8-byte header/));
  it('rejects a header length below 8', () =>
    fails(bytes().u8(4).u8(0).u16(7).u32(0).build(), /header length 7 < 8/, 2));
  it('rejects a header length beyond the bytes given', () =>
    fails(message(2, 1, Buffer.alloc(10)).subarray(0, 12), /truncated/, 12));
  it('rejects a fixed-size message with the wrong length', () =>
    fails(message(5, 1, Buffer.alloc(4)), /length 12, expected 8/));
  it('rejects a match with a non-OXM type', () =>
    fails(message(14, 1, flowModHead().u16(0).u16(4).zeros(4).build()), /not OFPMT_OXM/, 48));
  it('rejects an OXM TLV running past the match', () =>
    fails(message(14, 1, flowModHead().u16(1).u16(8).raw([0x80, 0, 0, 8]).build()), /OXM payload/));
  it('rejects a known OXM field with the wrong length', () =>
    fails(
      message(
        14,
        1,
        flowModHead()
          .raw(match(oxm(0x8000, 0, [0, 1])))
          .build(),
      ),
      /in_port has length 2, expected 4/,
      52,
    ));
  it('rejects an action whose length is not a multiple of 8', () =>
    fails(
      message(13, 1, bytes().u32(0xffffffff).u32(1).u16(12).zeros(6).u16(0).u16(12).zeros(8).build()),
      /not a positive multiple of 8/,
    ));
  it('rejects an action list longer than the message', () =>
    fails(message(13, 1, bytes().u32(0xffffffff).u32(1).u16(64).zeros(6).build()), /packet_out actions/));
  it('rejects an action with a zero length (no infinite loop)', () =>
    fails(
      message(13, 1, bytes().u32(0xffffffff).u32(1).u16(8).zeros(6).u16(0).u16(0).zeros(4).build()),
      /action length 0/,
    ));
  it('rejects a Nicira action with a bad fixed length', () => {
    const a = nxAction(14, bytes().u16(1).u8(2).zeros(11).build()); // resubmit must be 16 bytes
    fails(
      message(13, 1, bytes().u32(0xffffffff).u32(1).u16(a.length).zeros(6).raw(a).build()),
      /expected 16/,
    );
  });
  it('rejects nested ct actions with bad lengths', () => {
    const inner = bytes().u16(0).u16(24).zeros(4).build(); // output action claiming 24 bytes, 8 present
    const ct = bytes()
      .u16(0xffff)
      .u16(32)
      .u32(0x2320)
      .u16(35)
      .u16(0)
      .u32(0)
      .u16(0)
      .u8(255)
      .zeros(3)
      .u16(0)
      .raw(inner)
      .build();
    fails(message(13, 1, bytes().u32(0xffffffff).u32(1).u16(ct.length).zeros(6).raw(ct).build()), /action/);
  });
  it('rejects an unknown instruction type', () =>
    fails(
      message(14, 1, flowModHead().raw(match()).u16(77).u16(8).zeros(4).build()),
      /unknown instruction type 77/,
      56,
    ));
  it('keeps the xid and type of a malformed message', () => {
    const r = decode(bytes().u8(4).u8(14).u16(20).u32(0xabcdef).zeros(12).build());
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.xid, 0xabcdef);
      assert.equal(r.error.msgType, 14);
    }
  });
  it('decodes an unknown message type and other versions to values', () => {
    const r = decode(bytes().u8(4).u8(99).u16(9).u32(1).u8(7).build());
    assert.ok(r.ok && r.message.type === 'unknown' && r.message.msgType === 99);
    const v1 = decode(bytes().u8(1).u8(10).u16(8).u32(1).build());
    assert.ok(v1.ok && v1.message.type === 'unknown' && v1.message.version === 1);
    const hello = decode(bytes().u8(6).u8(0).u16(8).u32(1).build());
    assert.ok(hello.ok && hello.message.type === 'hello' && hello.message.version === 6);
    // An OpenFlow 1.0 switch refusing our HELLO answers OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE in 1.0.
    const refusal = bytes().u8(1).u8(1).u16(12).u32(7).u16(0).u16(0).build();
    const err = decode(refusal);
    assert.ok(
      err.ok && err.message.type === 'error' && err.message.version === 1 && err.message.errType === 0,
    );
    assert.ok(err.ok && encode(err.message).equals(refusal));
  });
  it('accepts a Uint8Array as well as a Buffer', () => {
    const m: OfpMessage = { type: 'echoReply', xid: 5, data: Buffer.from('x') };
    const wire = encode(m);
    const r = decode(new Uint8Array(wire));
    assert.ok(r.ok);
  });
  it('names error types and codes', () => {
    assert.deepEqual(errorName(4, 9), { type: 'OFPET_BAD_MATCH', code: 'OFPBMC_BAD_PREREQ' });
    assert.deepEqual(errorName(5, 1), { type: 'OFPET_FLOW_MOD_FAILED', code: 'OFPFMFC_TABLE_FULL' });
    assert.deepEqual(errorName(2, 15), { type: 'OFPET_BAD_ACTION', code: 'OFPBAC_BAD_SET_ARGUMENT' });
    assert.deepEqual(errorName(13, 5), { type: 'OFPET_TABLE_FEATURES_FAILED', code: 'OFPTFFC_EPERM' });
    assert.equal(errorName(0xffff, 3).type, 'OFPET_EXPERIMENTER');
    assert.equal(errorName(4, 99).code, 'code 99');
  });
});
