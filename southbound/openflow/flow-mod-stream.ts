// FLOW_MODs on their way to one switch while the caller is still working out the rest: the caller encodes each
// message straight into `writer` (xid left 0), keeps it with `keep()` or drops it by rewinding the writer; every
// `batchSize` kept messages get consecutive xids and go out in one write, followed by a barrier, or, in a bundle,
// wrapped as bundle adds and committed at the end. The switch works on one batch while the caller encodes the
// next. An error reply is tied back by xid to the ordinal of the message it is about (the n-th kept): no map of
// 100,000 xids.
import { Writer, setXid } from '../../protocols/openflow13/index.js';
import { BundleCtrl, BundleFlags, bundleControl, bundleReplyType, wrapInBundle } from './bundle.js';
import { OpenFlowRequestError, type SwitchError, type SwitchSession } from './switch-session.js';

/** `bundle`: one atomic, ordered bundle, or plain FLOW_MODs when the switch refuses to open one. */
export type StreamMode = 'bundle' | 'plain';

export interface StreamOutcome {
  /** How the messages went; `none` when nothing was kept. */
  readonly sent: 'bundle' | 'plain' | 'none';
  /** The switch refused to open a bundle (the messages went plain). */
  readonly bundleRefused: boolean;
  /** Whether a bundle was committed (true for plain messages and for nothing sent). */
  readonly committed: boolean;
  /** `index`: the ordinal of the refused message among those kept. */
  readonly errors: readonly StreamError[];
}

export interface StreamError {
  readonly index: number;
  readonly error: string;
}

const BUNDLE_FLAGS = BundleFlags.ATOMIC | BundleFlags.ORDERED;

export class FlowModStream {
  /** Where the caller encodes the next message; a new one after every batch (the socket holds the old one). */
  writer: Writer;
  /** Where each kept message of the current batch starts in `writer`. */
  private starts: number[] = [];
  /** Per batch sent: first xid, ordinal of its first message, message count. */
  private readonly batches: number[] = [];
  private sentCount = 0;
  private readonly errors: StreamError[] = [];
  private readonly barriers: Promise<void>[] = [];
  private opened = false;
  private refused = false;
  private sentAny = false;
  private readonly onError = (e: SwitchError): void => {
    const b = this.batches;
    for (let i = 0; i < b.length; i += 3) {
      const first = b[i] as number;
      if (e.xid >= first && e.xid < first + (b[i + 2] as number)) {
        this.errors.push({ index: (b[i + 1] as number) + e.xid - first, error: e.name });
        return;
      }
    }
  };

  constructor(
    private readonly session: SwitchSession,
    private mode: StreamMode,
    private readonly bundleId: number,
    private readonly batchSize: number,
  ) {
    this.writer = this.newWriter();
    session.on('switchError', this.onError);
  }

  /** The message the caller just wrote from `start` on is to be sent. */
  keep(start: number): void {
    this.starts.push(start);
  }

  get full(): boolean {
    return this.starts.length >= this.batchSize;
  }

  /** Sends what is kept so far, then gives the socket (and the switch) a moment before the caller goes on. */
  async flush(): Promise<void> {
    const count = this.starts.length;
    if (count === 0) return;
    const first = this.session.reserveXids(count);
    const buf = this.writer.buffer;
    for (let i = 0; i < count; i++) setXid(buf, this.starts[i] as number, first + i);
    this.batches.push(first, this.sentCount, count);
    this.sentCount += count;
    this.starts = [];
    let bytes = this.writer.view();
    this.writer = this.newWriter();
    if (this.mode === 'bundle' && !this.opened) {
      this.opened = await this.open();
      if (!this.opened) {
        this.mode = 'plain';
        this.refused = true;
      }
    }
    if (this.mode === 'bundle') bytes = wrapInBundle(bytes, count, this.bundleId, BUNDLE_FLAGS);
    this.session.sendBytes(bytes);
    this.session.flowModsSent += count;
    this.sentAny = true;
    if (this.mode === 'plain') {
      // Not awaited here: the switch works through this batch while the next one is encoded.
      const barrier = this.session.barrier();
      barrier.catch(() => undefined);
      this.barriers.push(barrier);
    }
    // Wait while the kernel has not taken the whole batch: when it has, its socket buffer holds about 2,000
    // FLOW_MODs, more than the switch gets through while the next batch is encoded. Queueing more here would let
    // the switch run dry while a large backlog drains and is refilled.
    if (this.session.outgoingBytes > 0) await this.session.drained();
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Sends the rest and waits for the switch: the last barrier reply, or the bundle's commit reply. */
  async finish(): Promise<StreamOutcome> {
    try {
      await this.flush();
      let committed = true;
      if (this.opened) {
        try {
          const reply = await this.session.request(
            bundleControl(this.bundleId, BundleCtrl.COMMIT_REQUEST, BUNDLE_FLAGS),
          );
          committed = bundleReplyType(reply) === BundleCtrl.COMMIT_REPLY;
        } catch (err) {
          if (!(err instanceof OpenFlowRequestError)) throw err;
          committed = false;
        }
      } else {
        await Promise.all(this.barriers);
      }
      return {
        sent: !this.sentAny ? 'none' : this.opened ? 'bundle' : 'plain',
        bundleRefused: this.refused,
        committed,
        errors: this.errors,
      };
    } finally {
      this.close();
    }
  }

  /** Stops listening for errors (finish() does it; a caller that gives up early calls it). */
  close(): void {
    this.session.off('switchError', this.onError);
  }

  private async open(): Promise<boolean> {
    try {
      const reply = await this.session.request(
        bundleControl(this.bundleId, BundleCtrl.OPEN_REQUEST, BUNDLE_FLAGS),
      );
      return bundleReplyType(reply) === BundleCtrl.OPEN_REPLY;
    } catch (err) {
      if (err instanceof OpenFlowRequestError) return false;
      throw err;
    }
  }

  private newWriter(): Writer {
    // About 100 bytes a FLOW_MOD; the writer grows if a batch holds larger ones.
    return new Writer(this.batchSize * 128);
  }
}
