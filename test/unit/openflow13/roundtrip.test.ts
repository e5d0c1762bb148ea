// Round trips: every message type, every multipart kind, every action and instruction (samples.ts), every OXM
// field. decode(encode(m)) must give back m, and encode(decode(bytes)) the same bytes.
import assert from 'node:assert/strict';
import {
  OXM_FIELDS,
  decode,
  encode,
  type OfpMessage,
  type OxmField,
  type OxmFieldName,
} from '../../../protocols/openflow13/index.js';
import { ACTIONS, MESSAGES, REPLIES, REQUESTS, buf } from './samples.js';

function roundTrip(m: OfpMessage): void {
  const wire = encode(m);
  assert.equal(wire.readUInt16BE(2), wire.length, 'header length');
  const r = decode(wire);
  if (!r.ok) assert.fail(`decode: ${r.error.reason} at offset ${r.error.offset}`);
  assert.deepStrictEqual(r.message, m);
  assert.ok(encode(r.message).equals(wire), 're-encoding differs');
}

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
