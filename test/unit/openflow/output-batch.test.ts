// The session write path: every answer to one socket read leaves in one write (messages sent with send(), sendAll()
// and built in place with claimOutput(), in call order), and a claim outside a read goes out by the end of the tick.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { pino } from 'pino';
import { decode, encode, Framer, type OfpMessage } from '../../../protocols/openflow13/index.js';
import { OfConnection, SwitchSession } from '../../../southbound/openflow/index.js';

/** A stream that records each write the connection makes, and lets the test push bytes "from the switch". */
class Wire extends Duplex {
  readonly writes: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.writes.push(chunk);
    done();
  }
  messages(): OfpMessage[] {
    const framer = new Framer();
    return framer.push(Buffer.concat(this.writes)).messages.map((b) => {
      const r = decode(b);
      assert.ok(r.ok);
      return r.message;
    });
  }
}

const echo = (xid: number): Uint8Array => encode({ type: 'echoRequest', xid, data: Buffer.alloc(0) });

describe('southbound/openflow: output batching', () => {
  it('answers every message of one read in one write, in order', async () => {
    const wire = new Wire();
    const conn = new OfConnection(wire, 'test');
    const session = new SwitchSession(conn, { log: pino({ level: 'silent' }) });
    // Every echo request is answered by the session (send); a listener adds a message built in place and one
    // encoded with sendAll, as the load balancer and flow sync do.
    conn.on('message', (m) => {
      if (m.type !== 'echoRequest') return;
      const bytes = encode({ type: 'barrierRequest', xid: 0x1000 + m.xid });
      const at = session.claimOutput(bytes.length);
      session.output.set(bytes, at);
      session.sendAll([{ type: 'barrierRequest' }]);
    });
    wire.push(Buffer.concat([echo(1), echo(2), echo(3)]));
    await new Promise((r) => setImmediate(r));
    assert.equal(wire.writes.length, 1, 'one write for the whole read');
    const got = wire
      .messages()
      .map((m) => `${m.type}:${m.xid >= 0x1000 ? 'inplace' : m.type === 'echoReply' ? m.xid : 'all'}`);
    assert.deepEqual(got, [
      'echoReply:1',
      'barrierRequest:inplace',
      'barrierRequest:all',
      'echoReply:2',
      'barrierRequest:inplace',
      'barrierRequest:all',
      'echoReply:3',
      'barrierRequest:inplace',
      'barrierRequest:all',
    ]);
    conn.close('done');
  });

  it('sends a claim made outside a read by the end of the tick, after what was sent before it', async () => {
    const wire = new Wire();
    const conn = new OfConnection(wire, 'test');
    conn.send({ type: 'barrierRequest', xid: 1 });
    const bytes = encode({ type: 'barrierRequest', xid: 2 });
    conn.output.set(bytes, conn.claimOutput(bytes.length));
    conn.send({ type: 'barrierRequest', xid: 3 });
    assert.equal(wire.writes.length, 1, 'the first send went straight out; the rest waits for the tick');
    await new Promise((r) => process.nextTick(r));
    assert.deepEqual(
      wire.messages().map((m) => m.xid),
      [1, 2, 3],
    );
    assert.equal(wire.writes.length, 2);
    conn.close('done');
  });

  it('lets a connection handle at most 256 KiB a turn of the event loop, then the others have theirs', async () => {
    const wire = new Wire();
    const conn = new OfConnection(wire, 'test');
    let echoes = 0;
    conn.on('message', (m) => void (m.type === 'echoRequest' && echoes++));
    const one = echo(1);
    const many = Buffer.concat(Array.from({ length: Math.ceil((300 * 1024) / one.length) }, () => one));
    wire.push(many);
    await new Promise((r) => process.nextTick(r));
    assert.equal(echoes, many.length / one.length, 'the chunk itself is handled whole');
    assert.ok(wire.isPaused(), 'past the budget: no more data this turn');
    await new Promise((r) => setImmediate(r));
    assert.ok(!wire.isPaused(), 'reading again on the next turn');
    conn.close('done');
  });
});
