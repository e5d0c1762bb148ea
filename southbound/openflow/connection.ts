// One OpenFlow byte stream (TCP, TLS or unix socket) turned into typed messages and back.
// Bad bytes from the switch close this connection with a reason; they never throw into the process.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Framer, Writer, decode, encodeInto, type OfpMessage } from '../../protocols/openflow13/index.js';

/** Size of the output buffers answers are built in; a batch that outgrows one is written and a new one taken. */
const OUTPUT_CHUNK = 64 * 1024;
/**
 * Bytes one connection may have handled per turn of the event loop before it waits for the next: a switch that
 * floods (packet-ins, mostly dropped by its limit) then takes turns with the others instead of holding the loop
 * for as long as its socket has data.
 */
const READ_BUDGET = 256 * 1024;

export interface ConnectionEvents {
  message: [OfpMessage];
  close: [reason: string];
}

export class OfConnection extends EventEmitter<ConnectionEvents> {
  private readonly framer = new Framer();
  private closedReason: string | undefined;
  /** The output batch: bytes [0, outLen) of `out` are waiting for one write. */
  private out = Buffer.allocUnsafe(OUTPUT_CHUNK);
  private outLen = 0;
  private reading = false;
  /** Bytes handled in this turn of the event loop; reset by a setImmediate once it is past. */
  private readThisTurn = 0;
  private flushQueued = false;
  /** When bytes last arrived; the session's dead-peer detection reads it. */
  lastReceived = Date.now();
  /** Messages sent, by type (flowMod, packetOut, ...): what the tests and metrics count. */
  readonly sentByType = new Map<string, number>();
  /**
   * Sees every whole message before it is decoded and may claim it (returns true): the session streams a large
   * multipart reply (a flow dump) this way instead of decoding it into objects. It throws only for bad bytes.
   */
  intercept: ((bytes: Buffer) => boolean) | undefined;

  constructor(
    private readonly socket: Duplex,
    readonly peer: string,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => this.close(`socket error: ${err.message}`));
    socket.on('close', () => this.close('connection closed by peer'));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get closeReason(): string | undefined {
    return this.closedReason;
  }

  send(message: OfpMessage): void {
    if (this.closed) return;
    const w = new Writer(128);
    encodeInto(w, message);
    this.count(message.type, 1);
    this.write(w.finish());
  }

  /**
   * Encodes many messages into one buffer and one write: the fast path for flow batches (a write per
   * FLOW_MOD costs more than encoding it). Returns false when the socket's buffer is full (wait for 'drain').
   */
  sendAll(messages: readonly OfpMessage[]): boolean {
    if (this.closed || messages.length === 0) return true;
    const w = new Writer(messages.length * 160);
    for (const m of messages) {
      encodeInto(w, m);
      this.count(m.type, 1);
    }
    return this.write(w.finish());
  }

  /** Counts messages the caller wrote itself (writeBytes, claimOutput). */
  count(type: string, n: number): void {
    this.sentByType.set(type, (this.sentByType.get(type) ?? 0) + n);
  }

  /** Writes bytes that are already whole messages (built in place by the caller). */
  writeBytes(bytes: Uint8Array): boolean {
    if (this.closed) return true;
    return this.write(bytes);
  }

  /**
   * Room for `n` bytes of whole messages at the end of the output batch: the caller writes them into `output` at
   * the returned offset, right away (the next claim may move `output`). The batch goes out in one write at the end
   * of the socket read being handled, or at the end of this tick outside one: every answer to one read of
   * PACKET_INs leaves in one write, with no per-message buffer.
   */
  claimOutput(n: number): number {
    if (this.outLen + n > this.out.length) {
      this.flushOutput();
      this.out = Buffer.allocUnsafe(Math.max(OUTPUT_CHUNK, n));
    }
    const at = this.outLen;
    this.outLen += n;
    if (!this.reading && !this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushOutput);
    }
    return at;
  }

  /** The buffer claimOutput's offsets point into. */
  get output(): Buffer {
    return this.out;
  }

  private write(bytes: Uint8Array): boolean {
    // In a read or behind a batch: join it (order on the wire is the order of the calls) unless it is big, then
    // flush first. Otherwise nothing waits: straight out, as ever.
    if ((this.reading || this.outLen > 0) && bytes.length <= OUTPUT_CHUNK / 4) {
      const at = this.claimOutput(bytes.length);
      this.out.set(bytes, at);
      return !this.socket.writableNeedDrain;
    }
    this.flushOutput();
    return this.socket.write(bytes);
  }

  private readonly flushOutput = (): void => {
    this.flushQueued = false;
    if (this.outLen === 0) return;
    const bytes = this.out.subarray(0, this.outLen);
    // What was written is the socket's now; the rest of the chunk takes the next batch.
    this.out = this.out.subarray(this.outLen);
    this.outLen = 0;
    if (!this.closed) this.socket.write(bytes);
  };

  /** Bytes not yet taken by the kernel: handed to the socket, or waiting in the output batch. */
  get bufferedBytes(): number {
    return this.socket.writableLength + this.outLen;
  }

  /** Resolves once the socket can take more data. */
  async drained(): Promise<void> {
    if (this.closed || !this.socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.once('close', done);
    });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.flushOutput();
    this.closedReason = reason;
    this.socket.destroy();
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceived = Date.now();
    this.reading = true;
    try {
      this.dispatch(chunk);
    } finally {
      this.reading = false;
      this.flushOutput();
    }
    if (this.readThisTurn === 0) setImmediate(this.nextTurn);
    this.readThisTurn += chunk.length;
    if (this.readThisTurn >= READ_BUDGET) this.socket.pause();
  }

  private readonly nextTurn = (): void => {
    const paused = this.readThisTurn >= READ_BUDGET;
    this.readThisTurn = 0;
    if (paused && !this.closed) this.socket.resume();
  };

  private dispatch(chunk: Buffer): void {
    const batch = this.framer.push(chunk);
    for (const bytes of batch.messages) {
      if (this.intercept) {
        let claimed: boolean;
        try {
          claimed = this.intercept(bytes);
        } catch (err) {
          this.close(`undecodable message type ${bytes[1]}: ${(err as Error).message}`);
          return;
        }
        if (this.closed) return;
        if (claimed) continue;
      }
      const result = decode(bytes);
      if (!result.ok) {
        const e = result.error;
        this.close(`undecodable message type ${e.msgType} xid ${e.xid} at byte ${e.offset}: ${e.reason}`);
        return;
      }
      this.emit('message', result.message);
      if (this.closed) return;
    }
    if (batch.error)
      this.close(`framing error at stream offset ${batch.error.streamOffset}: ${batch.error.reason}`);
  }
}
