// A test-only OpenFlow 1.3 client: connects to a switch's management socket (unix:PATH) or passive TCP
// listener, says HELLO, and sends requests, collecting replies by xid. Built on the codec's framer, decode and
// encode; it is here so that integration tests can ask a real ovs-vswitchd for bytes without ovs-ofctl.
import { connect, type Socket } from 'node:net';
import { decode } from '../../protocols/openflow13/decode.js';
import { encode } from '../../protocols/openflow13/encode.js';
import { Framer } from '../../protocols/openflow13/framer.js';
import type { FlowStats, OfpMessage } from '../../protocols/openflow13/messages.js';

const OFPMPF_REPLY_MORE = 1;

interface Waiter {
  readonly xid: number;
  readonly messages: OfpMessage[];
  readonly raw: Buffer[];
  readonly done: (m: OfpMessage) => boolean;
  readonly resolve: (r: { messages: OfpMessage[]; raw: Buffer[] }) => void;
  readonly reject: (e: Error) => void;
}

export class OfTestClient {
  private readonly framer = new Framer();
  private readonly waiters: Waiter[] = [];
  private nextXid = 0x1000;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('switch closed the connection')));
  }

  /** Connects to `unix:PATH` or `tcp:HOST:PORT` and exchanges HELLO. */
  static async connect(target: string, timeoutMs = 10_000): Promise<OfTestClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = target.startsWith('unix:')
        ? connect(target.slice(5))
        : connect(Number(target.split(':')[2]), target.split(':')[1]);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no connection to ${target} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const client = new OfTestClient(socket);
    socket.write(encode({ type: 'hello', xid: 1, elements: [{ kind: 'versionBitmap', bitmaps: [1 << 4] }] }));
    // A barrier round trip proves the session is up (OVS answers once HELLO negotiation is done).
    await client.request({ type: 'barrierRequest', xid: 0 }, (m) => m.type === 'barrierReply');
    return client;
  }

  /** Sends `msg` with a fresh xid; resolves with every message carrying that xid until `done` says so. */
  request(
    msg: OfpMessage,
    done: (m: OfpMessage) => boolean,
    timeoutMs = 20_000,
  ): Promise<{ messages: OfpMessage[]; raw: Buffer[] }> {
    if (this.failure) return Promise.reject(this.failure);
    const xid = this.nextXid++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply to xid ${xid} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        xid,
        messages: [],
        raw: [],
        done,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(encode({ ...msg, xid }));
    });
  }

  /** Every flow of every table, as the switch's FLOW multipart replies carry them (and their raw bytes). */
  async dumpFlows(): Promise<{ flows: FlowStats[]; raw: Buffer[] }> {
    const { messages, raw } = await this.request(
      {
        type: 'multipartRequest',
        xid: 0,
        flags: 0,
        kind: 'flow',
        tableId: 0xff,
        outPort: 0xffffffff,
        outGroup: 0xffffffff,
        cookie: 0n,
        cookieMask: 0n,
        match: [],
      },
      (m) => m.type !== 'multipartReply' || (m.flags & OFPMPF_REPLY_MORE) === 0,
    );
    const flows: FlowStats[] = [];
    for (const m of messages) {
      if (m.type === 'error')
        throw new Error(`switch answered the flow dump with error ${m.errType}/${m.code}`);
      if (m.type === 'multipartReply' && m.kind === 'flow') flows.push(...m.stats);
    }
    return { flows, raw };
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const batch = this.framer.push(chunk);
    for (const bytes of batch.messages) {
      const d = decode(bytes);
      if (!d.ok) {
        this.fail(
          new Error(`undecodable message from the switch: ${d.error.reason} at offset ${d.error.offset}`),
        );
        return;
      }
      const m = d.message;
      if (m.type === 'echoRequest') {
        this.socket.write(encode({ type: 'echoReply', xid: m.xid, data: m.data }));
        continue;
      }
      const w = this.waiters.find((x) => x.xid === m.xid);
      if (!w) continue;
      w.messages.push(m);
      w.raw.push(Buffer.from(bytes));
      if (w.done(m)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve({ messages: w.messages, raw: w.raw });
      }
    }
    if (batch.error) this.fail(new Error(`framing error from the switch: ${batch.error.reason}`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}
