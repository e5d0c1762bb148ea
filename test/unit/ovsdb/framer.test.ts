// The JSON stream framer: whole messages out of arbitrary TCP chunking, as RFC 7047 streams have no delimiter.
import assert from 'node:assert/strict';
import { JsonStreamFramer } from '../../../protocols/ovsdb/framer';

// Written by hand, independent of the framer: strings with braces, brackets, escaped quotes and backslashes,
// a \u escape, and 2-, 3- and 4-byte UTF-8 characters.
const MESSAGES: unknown[] = [
  { id: 1, method: 'echo', params: ['{not a brace}', '[nor] a bracket', 'quote " and \\ backslash \\"}'] },
  {
    id: null,
    method: 'update',
    params: ['m', { Bridge: { x: { new: { name: 'brück-€-𝄞', n: [1, 2.5, true, null] } } } }],
  },
  [],
  { result: { 'k\\': '\\' }, error: null, id: 'ü' },
];
const STREAM = Buffer.from(
  `${JSON.stringify(MESSAGES[0])}\n  ${JSON.stringify(MESSAGES[1])}${JSON.stringify(MESSAGES[2])} \r\n\t` +
    '{"result":{"k\\\\":"\\u005c"},"error":null,"id":"\\u00fc"}',
  'utf8',
);

function feed(framer: JsonStreamFramer, chunks: Buffer[]): unknown[] {
  const out: unknown[] = [];
  for (const c of chunks) {
    const r = framer.push(c);
    assert.ok(r.ok, r.ok ? '' : r.error);
    out.push(...r.messages);
  }
  return out;
}

describe('unit: ovsdb JSON stream framer', () => {
  it('the stream contains the tricky bytes this test claims (multi-byte UTF-8, escapes, braces in strings)', () => {
    assert.ok(
      STREAM.includes(Buffer.from('𝄞')) &&
        STREAM.includes(Buffer.from('€')) &&
        STREAM.includes(Buffer.from('\\"}')),
    );
  });

  it('reads the whole stream in one chunk', () => {
    assert.deepEqual(feed(new JsonStreamFramer(), [STREAM]), MESSAGES);
  });

  it('reads the stream split in two at every byte offset', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      const got = feed(new JsonStreamFramer(), [STREAM.subarray(0, at), STREAM.subarray(at)]);
      assert.deepEqual(got, MESSAGES, `split at byte ${at}`);
    }
  });

  it('reads the stream split in three at every pair of offsets around each multi-byte character and escape', () => {
    const interesting: number[] = [];
    for (let i = 0; i < STREAM.length; i++) if (STREAM[i]! >= 0x80 || STREAM[i] === 0x5c) interesting.push(i);
    for (const a of interesting) {
      for (let b = a; b <= Math.min(a + 4, STREAM.length); b++) {
        const got = feed(new JsonStreamFramer(), [
          STREAM.subarray(0, a),
          STREAM.subarray(a, b),
          STREAM.subarray(b),
        ]);
        assert.deepEqual(got, MESSAGES, `split at ${a} and ${b}`);
      }
    }
  });

  it('reads the stream one byte at a time', () => {
    const chunks = [...STREAM].map((b) => Buffer.from([b]));
    assert.deepEqual(feed(new JsonStreamFramer(), chunks), MESSAGES);
  });

  it('reports idle only between messages', () => {
    const framer = new JsonStreamFramer();
    framer.push(STREAM.subarray(0, 10));
    assert.equal(framer.idle, false);
    framer.push(STREAM.subarray(10));
    assert.equal(framer.idle, true);
  });

  it('fails a message over the configured limit, also when it never ends', () => {
    const limited = new JsonStreamFramer({ maxMessageBytes: 100 });
    const ok = limited.push(Buffer.from(JSON.stringify({ a: 'x'.repeat(50) })));
    assert.ok(ok.ok);
    const r = limited.push(Buffer.from(`{"a":"${'x'.repeat(200)}"}`));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /exceeds the limit of 100 bytes/);

    const endless = new JsonStreamFramer({ maxMessageBytes: 1000 });
    let last = endless.push(Buffer.from('{"a":"'));
    for (let i = 0; i < 100 && last.ok; i++) last = endless.push(Buffer.alloc(64, 0x61));
    assert.equal(last.ok, false, 'an unterminated message must fail once it passes the limit');
  });

  it('fails on bytes that cannot start a message, after the messages before them', () => {
    const r = new JsonStreamFramer().push(Buffer.from('{"id":1,"result":[],"error":null} hello'));
    assert.equal(r.ok, false);
    assert.deepEqual(r.messages, [{ id: 1, result: [], error: null }]);
    assert.match(r.ok ? '' : r.error, /got byte 0x68/);
  });

  it('fails on a balanced but invalid JSON text and stays failed', () => {
    const framer = new JsonStreamFramer();
    const r = framer.push(Buffer.from('{"a":01}'));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /invalid JSON/);
    assert.equal(framer.push(Buffer.from('{}')).ok, false);
  });
});
