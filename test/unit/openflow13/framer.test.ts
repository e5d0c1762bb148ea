// The stream framer: whole messages out of arbitrary chunks, split at every offset, many per chunk, and typed
// errors (never exceptions) for lengths that cannot be framed.
import assert from 'node:assert/strict';
import { Framer, decode, encode, type OfpMessage } from '../../../protocols/openflow13/index.js';
import { bytes, message } from '../../../protocols/openflow13/testing/bytes.js';

const MESSAGES: OfpMessage[] = [
  { type: 'hello', xid: 1, elements: [{ kind: 'versionBitmap', bitmaps: [0x10] }] },
  { type: 'barrierRequest', xid: 2 },
  { type: 'echoRequest', xid: 3, data: Buffer.from('0123456789') },
  {
    type: 'packetIn',
    xid: 4,
    bufferId: 0xffffffff,
    totalLen: 3,
    reason: 0,
    tableId: 0,
    cookie: 0n,
    match: [{ field: 'in_port', value: 9 }],
    data: Buffer.from('abc'),
  },
];
const STREAM = Buffer.concat(MESSAGES.map((m) => encode(m)));

function framedXids(chunks: Buffer[]): number[] {
  const f = new Framer();
  const xids: number[] = [];
  for (const c of chunks) {
    const batch = f.push(c);
    assert.equal(batch.error, undefined);
    for (const m of batch.messages) {
      const r = decode(m);
      assert.ok(r.ok);
      xids.push(r.message.xid);
    }
  }
  assert.equal(f.buffered, 0, 'nothing left over');
  return xids;
}

describe('openflow13 framer', () => {
  it('yields every message of one chunk', () => {
    assert.deepEqual(framedXids([STREAM]), [1, 2, 3, 4]);
  });

  it('splits correctly at every offset', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      assert.deepEqual(
        framedXids([STREAM.subarray(0, i), STREAM.subarray(i)]),
        [1, 2, 3, 4],
        `split at ${i}`,
      );
    }
  });

  it('splits correctly at every pair of offsets (three chunks)', () => {
    for (let i = 0; i <= STREAM.length; i += 3) {
      for (let j = i; j <= STREAM.length; j += 5) {
        assert.deepEqual(
          framedXids([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]),
          [1, 2, 3, 4],
        );
      }
    }
  });

  it('copes with one byte at a time', () => {
    assert.deepEqual(framedXids([...STREAM].map((b) => Buffer.from([b]))), [1, 2, 3, 4]);
  });

  it('returns exact message bytes, not the rest of the chunk', () => {
    const f = new Framer();
    const { messages } = f.push(STREAM);
    assert.ok(Buffer.concat(messages).equals(STREAM));
    assert.deepEqual(
      messages.map((m) => m.length),
      MESSAGES.map((m) => encode(m).length),
    );
  });

  it('keeps an incomplete message until the rest arrives, and copies it out of the caller chunk', () => {
    const f = new Framer();
    const chunk = Buffer.from(STREAM.subarray(0, 20)); // the 16-byte hello and 4 bytes of the barrier
    assert.deepEqual(f.push(chunk).messages.length, 1);
    assert.equal(f.buffered, 4);
    chunk.fill(0xee); // the caller reuses its buffer
    const rest = f.push(STREAM.subarray(20));
    assert.equal(rest.messages.length, 3);
    assert.ok(rest.messages[0].equals(encode(MESSAGES[1])));
  });

  it('reports a header length below 8 as a typed error and stops', () => {
    const f = new Framer();
    const bad = bytes().u8(4).u8(2).u16(4).u32(77).build();
    const batch = f.push(Buffer.concat([encode(MESSAGES[1]), bad, encode(MESSAGES[2])]));
    assert.equal(batch.messages.length, 1, 'the good message before the bad header still comes out');
    assert.equal(batch.error?.kind, 'lengthTooSmall');
    assert.equal(batch.error?.streamOffset, 8);
    assert.equal(batch.error?.xid, 77);
    assert.equal(f.push(encode(MESSAGES[1])).messages.length, 0, 'nothing after the failure');
    assert.equal(f.error?.kind, 'lengthTooSmall');
  });

  it('reports a length above the limit as a typed error before buffering it', () => {
    const f = new Framer({ maxLength: 1024 });
    const batch = f.push(bytes().u8(4).u8(19).u16(60000).u32(5).build());
    assert.equal(batch.error?.kind, 'lengthTooLarge');
    assert.equal(batch.error?.length, 60000);
    assert.equal(f.buffered, 0);
  });

  it('frames a maximal 65535-byte message', () => {
    const body = Buffer.alloc(65535 - 8, 1);
    const big = message(2, 9, body);
    assert.deepEqual(framedXids([big.subarray(0, 30000), big.subarray(30000)]), [9]);
  });

  it('assembles a 64 KiB message fed one byte at a time', () => {
    const big = message(2, 9, Buffer.alloc(65527, 3));
    const f = new Framer();
    const out: Buffer[] = [];
    for (let i = 0; i < big.length; i++) out.push(...f.push(big.subarray(i, i + 1)).messages);
    assert.equal(out.length, 1);
    assert.ok(out[0].equals(big));
    assert.equal(f.buffered, 0);
  });

  it('never buffers more than one incomplete message', () => {
    const f = new Framer();
    const big = message(2, 9, Buffer.alloc(65527));
    for (let i = 0; i < big.length - 1; i += 1000)
      f.push(big.subarray(i, Math.min(i + 1000, big.length - 1)));
    assert.ok(f.buffered < 65535);
    assert.equal(f.push(big.subarray(big.length - 1)).messages.length, 1);
    assert.equal(f.buffered, 0);
  });
});
