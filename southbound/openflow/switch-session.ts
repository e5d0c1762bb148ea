// One switch's OpenFlow 1.3 session: version negotiation, FEATURES (datapath id), SET_CONFIG, PORT_DESC,
// echo keepalive both ways with a dead-peer timeout, an xid -> request map with timeouts, multipart
// reassembly, barriers and roles. Asynchronous messages (packet-in, port status, flow removed) and errors
// for fire-and-forget requests become typed events.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  ControllerRole,
  ErrorType,
  HelloFailedCode,
  MsgType,
  MultipartFlags,
  OFP_NO_BUFFER,
  errorName,
  type AsyncConfig,
  type ErrorMsg,
  type FeaturesReply,
  type FlowRemoved,
  type Hello,
  type MultipartReply,
  type MultipartRequest,
  type OfpMessage,
  type PacketIn,
  type Port,
  type PortStatus,
  type RoleReply,
} from '../../protocols/openflow13/index.js';
import type { OfConnection } from './connection.js';

/** A message as the caller builds it: the session assigns the xid. */
export type Outgoing<M extends OfpMessage = OfpMessage> = M extends OfpMessage ? Omit<M, 'xid'> : never;

export interface SessionOptions {
  readonly log: Logger;
  /** Send an echo request after this much silence from the switch. */
  readonly echoIntervalMs?: number;
  /** Close the session after this much silence (no echo reply): the peer is dead. */
  readonly deadPeerMs?: number;
  /** A request without a reply after this long fails. */
  readonly requestTimeoutMs?: number;
  /** Bytes of a packet sent in a packet-in; 0xffff = the whole packet, unbuffered. */
  readonly missSendLen?: number;
  /** How long the HELLO/FEATURES handshake may take. */
  readonly handshakeTimeoutMs?: number;
}

export interface SwitchError {
  readonly xid: number;
  readonly message: ErrorMsg;
  /** e.g. "BAD_MATCH/BAD_FIELD". */
  readonly name: string;
}

export interface SessionEvents {
  packetIn: [PacketIn];
  portStatus: [PortStatus];
  flowRemoved: [FlowRemoved];
  /** An error reply to a message sent with send() (no pending request of its own). */
  switchError: [SwitchError];
  close: [reason: string];
}

interface Pending {
  readonly resolve: (reply: OfpMessage | MultipartReply[]) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** Multipart replies gathered until the one without OFPMPF_REPLY_MORE. */
  parts?: MultipartReply[];
  readonly multipart: boolean;
  /** Takes each raw part of a streamed multipart reply (see multipartStream). */
  readonly onPart?: (reply: Buffer) => void;
}

export class OpenFlowRequestError extends Error {
  constructor(
    readonly error: ErrorMsg,
    what: string,
  ) {
    const n = errorName(error.errType, error.code);
    super(`${what} failed: ${n.type}/${n.code}`);
    this.name = 'OpenFlowRequestError';
  }
}

const OFP13_BITMAP = 1 << 4;
/** ofp_header, multipart type, flags, pad: where a multipart reply's body starts. */
const MULTIPART_REPLY_HEADER = 16;

export class SwitchSession extends EventEmitter<SessionEvents> {
  datapathId = 0n;
  features: FeaturesReply | undefined;
  readonly ports = new Map<number, Port>();
  readonly log: Logger;
  /** FLOW_MODs sent by flow syncs on this session, plain or inside bundles (for tests and metrics). */
  flowModsSent = 0;

  private nextXid = 1;
  /** Streamed multipart requests pending: while 0, no message is looked at before decoding. */
  private streaming = 0;
  private readonly pending = new Map<number, Pending>();
  private keepalive: NodeJS.Timeout | undefined;
  private readonly echoIntervalMs: number;
  private readonly deadPeerMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    readonly connection: OfConnection,
    private readonly options: SessionOptions,
  ) {
    super();
    this.log = options.log.child({ peer: connection.peer });
    this.echoIntervalMs = options.echoIntervalMs ?? 5000;
    this.deadPeerMs = options.deadPeerMs ?? 3 * this.echoIntervalMs;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    connection.on('message', (m) => this.onMessage(m));
    connection.intercept = (bytes) => this.onRawPart(bytes);
    connection.once('close', (reason) => this.onClose(reason));
  }

  get dpid(): string {
    return this.datapathId.toString(16).padStart(16, '0');
  }

  get closed(): boolean {
    return this.connection.closed;
  }

  /**
   * HELLO (OpenFlow 1.3 only), FEATURES, SET_CONFIG, PORT_DESC. Anything but 1.3 gets OFPET_HELLO_FAILED and
   * the session closes with a logged reason.
   */
  async handshake(): Promise<void> {
    const timeout = this.options.handshakeTimeoutMs ?? 10_000;
    const hello = await this.firstHello(timeout);
    if (!speaks13(hello)) {
      const reason = `switch does not speak OpenFlow 1.3 (HELLO version ${hello.version ?? 4})`;
      this.connection.send({
        type: 'error',
        xid: hello.xid,
        errType: ErrorType.HELLO_FAILED,
        code: HelloFailedCode.INCOMPATIBLE,
        data: Buffer.from('OpenFlow 1.3 only'),
      });
      this.close(reason);
      throw new Error(reason);
    }
    const features = await this.request({ type: 'featuresRequest' });
    if (features.type !== 'featuresReply') throw new Error(`expected FEATURES_REPLY, got ${features.type}`);
    this.features = features;
    this.datapathId = features.datapathId;
    this.send({ type: 'setConfig', flags: 0, missSendLen: this.options.missSendLen ?? 0xffff });
    for (const port of await this.portDesc()) this.ports.set(port.portNo, port);
    this.startKeepalive();
  }

  /** Sends a message without waiting; an error reply comes as a `switchError` event. Returns its xid. */
  send(message: Outgoing): number {
    const xid = this.takeXid();
    this.connection.send({ ...message, xid } as OfpMessage);
    return xid;
  }

  /** Sends many messages in one write; returns their xids in order. */
  sendAll(messages: readonly Outgoing[]): number[] {
    const xids: number[] = [];
    const full: OfpMessage[] = [];
    for (const m of messages) {
      const xid = this.takeXid();
      xids.push(xid);
      full.push({ ...m, xid } as OfpMessage);
    }
    this.connection.sendAll(full);
    return xids;
  }

  /** Takes an xid for a message the caller builds itself (one whose body must repeat its xid). */
  reserveXid(): number {
    return this.takeXid();
  }

  /** Takes `count` consecutive xids for a batch the caller encodes itself; returns the first. */
  reserveXids(count: number): number {
    if (this.nextXid + count - 1 > 0xffffffff) this.nextXid = 1;
    const first = this.nextXid;
    this.nextXid = first + count > 0xffffffff ? 1 : first + count;
    return first;
  }

  /** Writes messages the caller encoded itself (xids taken with reserveXid). */
  sendBytes(bytes: Buffer): void {
    this.connection.writeBytes(bytes);
  }

  /**
   * Room for `n` bytes of messages the caller builds in place (xids from reserveXid), sent with this read's other
   * answers in one write: write them into `output` at the returned offset before anything else is sent.
   */
  claimOutput(n: number): number {
    return this.connection.claimOutput(n);
  }

  /** Counts messages written through claimOutput or sendBytes in the sent-by-type figures. */
  countSent(type: OfpMessage['type'], n: number): void {
    this.connection.count(type, n);
  }

  /** The buffer claimOutput's offsets point into (read it after claiming). */
  get output(): Buffer {
    return this.connection.output;
  }

  async drained(): Promise<void> {
    await this.connection.drained();
  }

  /** Sends a request and resolves with its reply (an ERROR reply rejects). */
  request(message: Outgoing): Promise<OfpMessage> {
    return this.track(message, false) as Promise<OfpMessage>;
  }

  /** A multipart request, resolved with every part of the reply. */
  async multipart(message: Outgoing<MultipartRequest>): Promise<MultipartReply[]> {
    return (await this.track(message, true)) as MultipartReply[];
  }

  /**
   * A multipart request whose reply parts go, undecoded, to `onPart` as they arrive (each a whole
   * OFPT_MULTIPART_REPLY: header, type, flags, body from byte 16) and are dropped after: a dump of 100,000 flows
   * never exists whole. Resolves after the last part; `onPart` throwing (bad bytes) closes the session.
   */
  multipartStream(message: Outgoing<MultipartRequest>, onPart: (reply: Buffer) => void): Promise<void> {
    return this.track(message, true, onPart).then(() => undefined);
  }

  /** Bytes written and not yet taken by the kernel: how far the sender is ahead of the switch. */
  get outgoingBytes(): number {
    return this.connection.bufferedBytes;
  }

  /** Resolves when the switch has processed everything sent before it. */
  async barrier(): Promise<void> {
    await this.request({ type: 'barrierRequest' });
  }

  async portDesc(): Promise<Port[]> {
    const parts = await this.multipart({ type: 'multipartRequest', kind: 'portDesc', flags: 0 });
    return parts.flatMap((p) => (p.kind === 'portDesc' ? [...p.ports] : []));
  }

  /** OFPT_ROLE_REQUEST for multi-controller set-ups (master/slave/equal with a generation id). */
  async setRole(role: 'master' | 'slave' | 'equal', generationId: bigint): Promise<RoleReply> {
    const code =
      role === 'master'
        ? ControllerRole.MASTER
        : role === 'slave'
          ? ControllerRole.SLAVE
          : ControllerRole.EQUAL;
    const reply = await this.request({ type: 'roleRequest', role: code, generationId });
    if (reply.type !== 'roleReply') throw new Error(`expected ROLE_REPLY, got ${reply.type}`);
    return reply;
  }

  /** OFPT_SET_ASYNC: which asynchronous messages this controller gets, as master/equal and as slave. */
  setAsync(config: AsyncConfig): void {
    this.send({ type: 'setAsync', ...config });
  }

  /** Sends a packet through the pipeline (in_port CONTROLLER unless given) or out of explicit actions. */
  packetOut(
    data: Uint8Array,
    actions: Outgoing<Extract<OfpMessage, { type: 'packetOut' }>>['actions'],
    inPort = 0xfffffffd,
  ): number {
    return this.send({ type: 'packetOut', bufferId: OFP_NO_BUFFER, inPort, actions, data });
  }

  close(reason: string): void {
    this.connection.close(reason);
  }

  private takeXid(): number {
    const xid = this.nextXid;
    this.nextXid = this.nextXid >= 0xffffffff ? 1 : this.nextXid + 1;
    return xid;
  }

  private track(
    message: Outgoing,
    multipart: boolean,
    onPart?: (reply: Buffer) => void,
  ): Promise<OfpMessage | MultipartReply[]> {
    if (this.closed) return Promise.reject(new Error(`session closed: ${this.connection.closeReason}`));
    const xid = this.takeXid();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(xid);
        if (p) this.settle(xid, p);
        reject(new Error(`${message.type} (xid ${xid}) got no reply within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.set(xid, {
        resolve,
        reject,
        timer,
        multipart,
        ...(onPart ? { onPart } : {}),
      });
      if (onPart) this.streaming++;
      this.connection.send({ ...message, xid } as OfpMessage);
    });
  }

  private firstHello(timeoutMs: number): Promise<Hello> {
    // Our HELLO goes first; the switch's may already be on its way.
    this.connection.send({
      type: 'hello',
      xid: this.takeXid(),
      elements: [{ kind: 'versionBitmap', bitmaps: [OFP13_BITMAP] }],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.close(`no HELLO within ${timeoutMs} ms`);
        reject(new Error(`no HELLO within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: OfpMessage): void => {
        cleanup();
        if (m.type === 'hello') resolve(m);
        else if (m.type === 'unknown' && m.msgType === 0)
          resolve({ type: 'hello', xid: m.xid, version: m.version, elements: [] });
        else {
          this.close(`expected HELLO first, got ${m.type}`);
          reject(new Error(`expected HELLO first, got ${m.type}`));
        }
      };
      const onClose = (reason: string): void => {
        cleanup();
        reject(new Error(reason));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.connection.off('message', onMessage);
        this.connection.off('close', onClose);
      };
      this.connection.prependOnceListener('message', onMessage);
      this.connection.once('close', onClose);
    });
  }

  private startKeepalive(): void {
    const tick = Math.max(50, Math.min(this.echoIntervalMs, this.deadPeerMs) / 2);
    this.keepalive = setInterval(() => {
      const silent = Date.now() - this.connection.lastReceived;
      if (silent >= this.deadPeerMs) {
        this.close(`no message or echo reply for ${silent} ms: peer is dead`);
      } else if (silent >= this.echoIntervalMs) {
        this.connection.send({ type: 'echoRequest', xid: this.takeXid(), data: Buffer.alloc(0) });
      }
    }, tick);
    this.keepalive.unref();
  }

  private onMessage(m: OfpMessage): void {
    switch (m.type) {
      case 'hello':
        return; // handled by the handshake
      case 'echoRequest':
        this.connection.send({ type: 'echoReply', xid: m.xid, data: m.data });
        return;
      case 'echoReply':
        return; // lastReceived is already updated
      case 'packetIn':
        this.emit('packetIn', m);
        return;
      case 'portStatus':
        if (m.reason === 1) this.ports.delete(m.port.portNo);
        else this.ports.set(m.port.portNo, m.port);
        this.emit('portStatus', m);
        return;
      case 'flowRemoved':
        this.emit('flowRemoved', m);
        return;
      case 'error':
        this.onError(m);
        return;
      default:
        this.resolvePending(m);
    }
  }

  /** Claims a part of a streamed multipart reply before decoding; throws (the connection closes) on bad bytes. */
  private onRawPart(b: Buffer): boolean {
    if (this.streaming === 0 || b[1] !== MsgType.MULTIPART_REPLY) return false;
    const xid = b.readUInt32BE(4);
    const p = this.pending.get(xid);
    if (p?.onPart === undefined) return false;
    if (b.length < MULTIPART_REPLY_HEADER)
      throw new Error(`multipart reply of ${b.length} bytes is shorter than its header`);
    p.onPart(b);
    if ((b.readUInt16BE(10) & MultipartFlags.MORE) !== 0) {
      p.timer.refresh();
      return true;
    }
    this.settle(xid, p);
    p.resolve([]);
    return true;
  }

  private settle(xid: number, p: Pending): void {
    this.pending.delete(xid);
    clearTimeout(p.timer);
    if (p.onPart) this.streaming--;
  }

  private onError(m: ErrorMsg): void {
    const p = this.pending.get(m.xid);
    if (p) {
      this.settle(m.xid, p);
      clearTimeout(p.timer);
      p.reject(new OpenFlowRequestError(m, `request xid ${m.xid}`));
      return;
    }
    const n = errorName(m.errType, m.code);
    this.emit('switchError', { xid: m.xid, message: m, name: `${n.type}/${n.code}` });
  }

  private resolvePending(m: OfpMessage): void {
    const p = this.pending.get(m.xid);
    if (!p) {
      this.log.debug({ type: m.type, xid: m.xid }, 'unsolicited message ignored');
      return;
    }
    if (p.multipart && m.type === 'multipartReply') {
      (p.parts ??= []).push(m);
      if ((m.flags & MultipartFlags.MORE) !== 0) {
        p.timer.refresh();
        return;
      }
      this.settle(m.xid, p);
      p.resolve(p.parts);
      return;
    }
    this.settle(m.xid, p);
    p.resolve(m);
  }

  private onClose(reason: string): void {
    if (this.keepalive) clearInterval(this.keepalive);
    for (const [xid, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`session closed before the reply to xid ${xid}: ${reason}`));
    }
    this.pending.clear();
    this.streaming = 0;
    this.emit('close', reason);
  }
}

function speaks13(hello: Hello): boolean {
  const bitmap = hello.elements.find((e) => e.kind === 'versionBitmap');
  if (bitmap && bitmap.kind === 'versionBitmap') return ((bitmap.bitmaps[0] ?? 0) & OFP13_BITMAP) !== 0;
  // Without a bitmap the negotiated version is min(ours, theirs): 1.3 if the peer's header says >= 4.
  return (hello.version ?? 4) >= 4;
}
