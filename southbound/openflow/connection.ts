// One OpenFlow byte stream (TCP, TLS or unix socket) turned into typed messages and back.
// Bad bytes from the switch close this connection with a reason; they never throw into the process.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Framer, Writer, decode, encodeInto, type OfpMessage } from '../../protocols/openflow13/index.js';

export interface ConnectionEvents {
  message: [OfpMessage];
  close: [reason: string];
}

export class OfConnection extends EventEmitter<ConnectionEvents> {
  private readonly framer = new Framer();
  private closedReason: string | undefined;
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
    this.socket.write(w.finish());
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
    return this.socket.write(w.finish());
  }

  private count(type: string, n: number): void {
    this.sentByType.set(type, (this.sentByType.get(type) ?? 0) + n);
  }

  /** Writes bytes that are already whole messages (built in place by the caller). */
  writeBytes(bytes: Buffer): boolean {
    if (this.closed) return true;
    return this.socket.write(bytes);
  }

  /** Bytes handed to the socket and not yet taken by the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
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
    this.closedReason = reason;
    this.socket.destroy();
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceived = Date.now();
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
