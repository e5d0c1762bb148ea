// One JSON-RPC session on one connected socket: frames the byte stream, matches replies to requests, answers the
// peer's echo, hands notifications to the owner, and probes an idle peer with echo. Anything a peer sends that we
// cannot understand (bad framing, a non-JSON-RPC object, an unknown method, a reply to nothing) closes this
// session with the reason logged; the process lives on.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import {
  decodeRpc,
  describeRpcError,
  encodeError,
  encodeNotification,
  encodeRequest,
  encodeResult,
  JsonStreamFramer,
  Method,
  type RpcMessage,
} from '../../protocols/ovsdb';

/** The peer answered a request with an error member. */
export class OvsdbRpcError extends Error {
  override readonly name = 'OvsdbRpcError';
  constructor(
    readonly method: string,
    readonly error: unknown,
  ) {
    super(`${method}: ${describeRpcError(error)}`);
  }
}

/** The session closed before the reply came. */
export class OvsdbSessionClosedError extends Error {
  override readonly name = 'OvsdbSessionClosedError';
}

export interface RpcSessionOptions {
  readonly log: Logger;
  readonly maxMessageBytes?: number;
  /** Send an echo after this long without input, and close if nothing arrives for as long again (0: never). */
  readonly probeIntervalMs?: number;
  /** Notification methods the owner handles; any other notification closes the session. */
  readonly notifications: ReadonlySet<string>;
  readonly onNotification: (method: string, params: readonly unknown[]) => void;
}

interface Pending {
  readonly method: string;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: Error) => void;
}

export class RpcSession {
  private readonly framer: JsonStreamFramer;
  private readonly pending = new Map<number, Pending>();
  /** Requests we cancelled: a late reply to one of them is expected, not a protocol error. */
  private readonly cancelled = new Set<number>();
  private nextId = 1;
  private outbox: string[] = [];
  private flushScheduled = false;
  private closeReason: string | undefined;
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private probeTimer: NodeJS.Timeout | undefined;
  private heardSinceProbe = true;
  private probing = false;

  constructor(
    private readonly socket: Duplex,
    private readonly options: RpcSessionOptions,
  ) {
    this.framer = new JsonStreamFramer({ maxMessageBytes: options.maxMessageBytes });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    socket.on('end', () =>
      this.close(
        this.framer.idle
          ? 'peer closed the connection'
          : 'peer closed the connection inside a message (truncated)',
      ),
    );
    socket.on('close', () => this.close('connection closed'));
    const probe = options.probeIntervalMs ?? 0;
    if (probe > 0) {
      this.probeTimer = setInterval(() => this.probe(probe), probe);
      this.probeTimer.unref();
    }
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closeReason !== undefined) listener(this.closeReason);
    else this.closeListeners.push(listener);
  }

  request(method: string, params: readonly unknown[]): Promise<unknown> {
    return this.startRequest(method, params).reply;
  }

  /** Like request(), also giving the id (what a later `cancel` names). */
  startRequest(
    method: string,
    params: readonly unknown[],
  ): { readonly id: number; readonly reply: Promise<unknown> } {
    const id = this.nextId++;
    if (this.closeReason !== undefined) {
      const err = new OvsdbSessionClosedError(`session closed (${this.closeReason}); ${method} not sent`);
      return { id, reply: Promise.reject(err) };
    }
    const reply = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.send(encodeRequest(method, params, id));
    });
    return { id, reply };
  }

  /**
   * Cancels a request the server holds (RFC 7047 section 4.1.4). ovsdb-server 3.1 drops the request without
   * answering it, so the request fails here with "canceled" at once; a late reply is ignored.
   */
  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.cancelled.add(id);
    this.notify(Method.cancel, [id]);
    p.reject(new OvsdbRpcError(p.method, 'canceled'));
  }

  notify(method: string, params: readonly unknown[]): void {
    if (this.closeReason === undefined) this.send(encodeNotification(method, params));
  }

  /** Closes the session once; pending requests fail with the reason. */
  close(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    clearInterval(this.probeTimer);
    if (this.outbox.length > 0 && !this.socket.destroyed) {
      // Let the last words (an error reply) go out, then make sure the socket is gone.
      this.socket.end(this.outbox.join(''));
      this.outbox = [];
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
    const err = new OvsdbSessionClosedError(`session closed: ${reason}`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const l of this.closeListeners.splice(0)) l(reason);
  }

  /** Messages queued in one tick go out in one write (pipelined transactions cost one syscall per batch). */
  private send(text: string): void {
    this.outbox.push(text);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      if (this.closeReason !== undefined) return;
      const batch = this.outbox.length === 1 ? this.outbox[0]! : this.outbox.join('');
      this.outbox = [];
      this.socket.write(batch);
    });
  }

  private onData(chunk: Buffer): void {
    this.heardSinceProbe = true;
    const framed = this.framer.push(chunk);
    for (const m of framed.messages) {
      if (this.closeReason !== undefined) return;
      const decoded = decodeRpc(m);
      if (!decoded.ok) return this.protocolError(decoded.error);
      this.dispatch(decoded.message);
    }
    if (!framed.ok) this.protocolError(framed.error);
  }

  private protocolError(reason: string): void {
    this.options.log.warn({ reason }, 'ovsdb peer sent bad input; closing the session');
    this.close(`protocol error: ${reason}`);
  }

  private dispatch(msg: RpcMessage): void {
    switch (msg.kind) {
      case 'request':
        // RFC 7047 section 4.1.11: either side may send echo, and the other answers with the same params.
        if (msg.method === Method.echo) return this.send(encodeResult(msg.id, msg.params));
        this.send(encodeError(msg.id, { error: 'unknown method', details: msg.method }));
        return this.protocolError(`unknown method "${msg.method}" requested by the peer`);
      case 'notification':
        if (!this.options.notifications.has(msg.method)) {
          return this.protocolError(`unknown notification "${msg.method}"`);
        }
        try {
          this.options.onNotification(msg.method, msg.params);
        } catch (err) {
          this.protocolError(`bad "${msg.method}" notification: ${(err as Error).message}`);
        }
        return;
      case 'result':
      case 'error': {
        const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
        if (!p && this.cancelled.delete(msg.id as number)) return;
        if (!p) return this.protocolError(`reply to unknown request id ${JSON.stringify(msg.id)}`);
        this.pending.delete(msg.id as number);
        if (msg.kind === 'result') p.resolve(msg.result);
        else p.reject(new OvsdbRpcError(p.method, msg.error));
        return;
      }
    }
  }

  private probe(intervalMs: number): void {
    if (this.heardSinceProbe) {
      this.heardSinceProbe = false;
      this.probing = false;
      return;
    }
    if (this.probing) return this.close(`inactivity probe: no reply in ${intervalMs} ms`);
    this.probing = true;
    this.request(Method.echo, ['probe']).catch(() => undefined);
  }
}
