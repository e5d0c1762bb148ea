// Keeps one switch's managed flows at a desired set with the fewest FLOW_MODs: dump the switch's flows under our
// cookie once (on connect), track them afterwards, and send only DELETE_STRICT, then ADD / MODIFY_STRICT for what
// differs, pipelined in batches that each end with a barrier. An error reply is tied back to the flow that caused
// it by xid; the other flows still go in. Flows whose cookie is not ours, or is excluded (packet-in session flows),
// are never touched.
import type { Logger } from 'pino';
import {
  FlowModCommand,
  Group,
  OFP_NO_BUFFER,
  PortNo,
  Table,
  Writer,
  type FlowMod,
  type FlowStats,
} from '../../protocols/openflow13/index.js';
import { diffFlows, indexFlows, type FlowDiff, type KeyedFlow } from './flow-diff.js';
import { flowBody, flowKey, isManaged, type CookieOwnership, type FlowEntry } from './flow-entry.js';
import { BundleCtrl, BundleFlags, bundleControl, bundleReplyType, writeBundleAdd } from './bundle.js';
import {
  OpenFlowRequestError,
  type Outgoing,
  type SwitchError,
  type SwitchSession,
} from './switch-session.js';

export type FlowOp = 'add' | 'modify' | 'delete';

interface Op {
  readonly op: FlowOp;
  readonly flow: FlowEntry;
}

export interface FlowError {
  readonly op: FlowOp;
  readonly flow: FlowEntry;
  /** The switch's error, e.g. "BAD_TABLE/..." with its name. */
  readonly error: string;
}

export interface SyncResult {
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly errors: readonly FlowError[];
}

export interface FlowSyncOptions {
  readonly ownership: CookieOwnership;
  readonly log: Logger;
  /** FLOW_MODs per write, each batch followed by a barrier. */
  readonly batchSize?: number;
  /**
   * Apply each sync as one atomic, ordered bundle where the switch supports bundles (default true); a switch
   * that refuses bundles is synced with plain FLOW_MODs and barriers.
   */
  readonly bundles?: boolean;
}

interface BundleOutcome {
  readonly unsupported: boolean;
  readonly committed: boolean;
  readonly errors: FlowError[];
}

export class FlowSync {
  private actual: Map<string, KeyedFlow> | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /** Flows the switch refused (identity -> body), left out of later syncs until they change. */
  private readonly rejected = new Map<string, string>();
  /** undefined until the first bundle is tried. */
  private bundlesWork: boolean | undefined;
  private nextBundleId = 1;

  constructor(
    private readonly session: SwitchSession,
    private readonly options: FlowSyncOptions,
  ) {}

  /** The managed flows as last dumped or pushed (undefined before the first sync). */
  get tracked(): ReadonlyMap<string, KeyedFlow> | undefined {
    return this.actual;
  }

  /** Desired flows the switch refused and that are still desired unchanged. */
  get rejectedCount(): number {
    return this.rejected.size;
  }

  /** True once the switch took a bundle, false once it refused one, undefined before the first change. */
  get usesBundles(): boolean | undefined {
    return this.bundlesWork;
  }

  /** Forget what we know of the switch: the next sync dumps its flows again. */
  forget(): void {
    this.actual = undefined;
  }

  /** Reads the switch's managed flows (FLOW multipart filtered by our cookie). */
  async dump(): Promise<FlowEntry[]> {
    const own = this.options.ownership;
    const parts = await this.session.multipart({
      type: 'multipartRequest',
      kind: 'flow',
      flags: 0,
      tableId: Table.ALL,
      outPort: PortNo.ANY,
      outGroup: Group.ANY,
      cookie: own.value,
      cookieMask: own.mask,
      match: [],
    });
    const flows: FlowEntry[] = [];
    for (const part of parts) {
      if (part.kind !== 'flow') continue;
      for (const s of part.stats) if (isManaged(s.cookie, own)) flows.push(fromStats(s));
    }
    return flows;
  }

  /** Makes the switch's managed flows exactly `desired`. Calls are serialised per switch. */
  sync(desired: Iterable<FlowEntry>): Promise<SyncResult> {
    const next = this.running.then(() => this.syncNow(desired));
    this.running = next.catch(() => undefined);
    return next;
  }

  /**
   * Changes only the flows named: `put` added or modified where the switch's differ, `remove` deleted where the
   * switch has them. The incremental path of one endpoint, with no diff of the whole table; serialised with sync().
   */
  patch(put: Iterable<FlowEntry>, remove: Iterable<FlowEntry> = []): Promise<SyncResult> {
    const next = this.running.then(() => this.patchNow(put, remove));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async syncNow(desired: Iterable<FlowEntry>): Promise<SyncResult> {
    const actual = (this.actual ??= indexFlows(await this.dump()));
    const want = indexFlows(desired);
    this.skipRejected(want, true);
    return this.applyDiff(actual, diffFlows(want, actual));
  }

  private async patchNow(put: Iterable<FlowEntry>, remove: Iterable<FlowEntry>): Promise<SyncResult> {
    const actual = (this.actual ??= indexFlows(await this.dump()));
    const want = indexFlows(put);
    this.skipRejected(want, false);
    // Diffed against the tracked entries of the same identities only: every other flow stays as it is.
    const have = new Map<string, KeyedFlow>();
    for (const key of want.keys()) {
      const h = actual.get(key);
      if (h) have.set(key, h);
    }
    const diff = diffFlows(want, have);
    for (const flow of remove) {
      const have = actual.get(flowKey(flow));
      if (have && !want.has(flowKey(flow))) diff.remove.push(have.flow);
    }
    return this.applyDiff(actual, diff);
  }

  /**
   * A flow the switch refused is not sent again until it changes: the switch would refuse it again, and every run
   * would pay for it (and, in a bundle, fail the commit once). `whole`: `want` is the whole desired state, so a
   * refused flow missing from it is no longer desired.
   */
  private skipRejected(want: Map<string, KeyedFlow>, whole: boolean): void {
    for (const [key, refused] of this.rejected) {
      const w = want.get(key);
      if (w && w.body === refused) want.delete(key);
      else if (w || whole) this.rejected.delete(key);
    }
  }

  private async applyDiff(actual: Map<string, KeyedFlow>, diff: FlowDiff): Promise<SyncResult> {
    const deletes = diff.remove.map((flow) => ({ op: 'delete' as const, flow }));
    const puts = [
      ...diff.add.map((flow) => ({ op: 'add' as const, flow })),
      ...diff.modify.map((flow) => ({ op: 'modify' as const, flow })),
    ];
    const errors = await this.apply(deletes, puts);
    const delErrors = errors.filter((e) => e.op === 'delete');
    const putErrors = errors.filter((e) => e.op !== 'delete');
    const failed = new Set(errors.map((e) => e.flow));
    for (const flow of diff.remove) if (!failed.has(flow)) actual.delete(flowKey(flow));
    for (const flow of [...diff.add, ...diff.modify]) {
      if (!failed.has(flow)) actual.set(flowKey(flow), { flow, body: flowBody(flow) });
    }
    for (const e of errors) {
      if (e.op !== 'delete') this.rejected.set(flowKey(e.flow), flowBody(e.flow));
      this.options.log.warn(
        { op: e.op, table: e.flow.tableId, priority: e.flow.priority, error: e.error },
        'flow rejected',
      );
    }
    return {
      added: diff.add.length - putErrors.filter((e) => e.op === 'add').length,
      modified: diff.modify.length - putErrors.filter((e) => e.op === 'modify').length,
      deleted: diff.remove.length - delErrors.length,
      errors,
    };
  }

  /**
   * One atomic, ordered bundle (deletes first) when the switch takes bundles. A flow the switch rejects fails the
   * whole commit; it is reported and the bundle is tried once more without it. Otherwise: deletes, barrier, then
   * adds and modifies, barrier.
   */
  private async apply(deletes: readonly Op[], puts: readonly Op[]): Promise<FlowError[]> {
    const all = [...deletes, ...puts];
    if (all.length === 0) return [];
    if ((this.options.bundles ?? true) && this.bundlesWork !== false) {
      const first = await this.sendBundle(all);
      if (!first.unsupported) {
        this.bundlesWork = true;
        if (first.committed) return first.errors;
        const failed = new Set(first.errors.map((e) => e.flow));
        const rest = all.filter((o) => !failed.has(o.flow));
        const second =
          rest.length > 0 ? await this.sendBundle(rest) : { committed: true, errors: [], unsupported: false };
        if (second.committed) return first.errors;
        // Still refused as a whole: apply what goes in flow by flow, each error tied to its flow.
        return [
          ...first.errors,
          ...(await this.send(rest.filter((o) => o.op === 'delete'))),
          ...(await this.send(rest.filter((o) => o.op !== 'delete'))),
        ];
      }
      this.bundlesWork = false;
      this.options.log.info('switch refuses OpenFlow bundles; syncing with FLOW_MODs and barriers');
    }
    return [...(await this.send(deletes)), ...(await this.send(puts))];
  }

  private async sendBundle(ops: readonly Op[]): Promise<BundleOutcome> {
    const id = this.nextBundleId++;
    const flags = BundleFlags.ATOMIC | BundleFlags.ORDERED;
    try {
      const opened = await this.session.request(bundleControl(id, BundleCtrl.OPEN_REQUEST, flags));
      if (bundleReplyType(opened) !== BundleCtrl.OPEN_REPLY)
        return { unsupported: true, committed: false, errors: [] };
    } catch (err) {
      if (err instanceof OpenFlowRequestError) return { unsupported: true, committed: false, errors: [] };
      throw err;
    }
    const batchSize = this.options.batchSize ?? 4096;
    const byXid = new Map<number, Op>();
    const errors: FlowError[] = [];
    const onError = (e: SwitchError): void => {
      const o = byXid.get(e.xid);
      if (o) errors.push({ ...o, error: e.name });
    };
    this.session.on('switchError', onError);
    try {
      for (let i = 0; i < ops.length; i += batchSize) {
        const batch = ops.slice(i, i + batchSize);
        const w = new Writer(batch.length * 176);
        for (const o of batch) {
          const xid = this.session.reserveXid();
          byXid.set(xid, o);
          writeBundleAdd(w, id, flags, flowMod(o.op, o.flow, xid));
        }
        this.session.sendBytes(w.view());
        this.session.flowModsSent += batch.length;
        await this.session.drained();
      }
      try {
        const committed = await this.session.request(bundleControl(id, BundleCtrl.COMMIT_REQUEST, flags));
        return {
          unsupported: false,
          committed: bundleReplyType(committed) === BundleCtrl.COMMIT_REPLY,
          errors,
        };
      } catch (err) {
        if (!(err instanceof OpenFlowRequestError)) throw err;
        return { unsupported: false, committed: false, errors };
      }
    } finally {
      this.session.off('switchError', onError);
    }
  }

  private async send(ops: readonly Op[]): Promise<FlowError[]> {
    if (ops.length === 0) return [];
    const batchSize = this.options.batchSize ?? 4096;
    const byXid = new Map<number, { op: FlowOp; flow: FlowEntry }>();
    const errors: FlowError[] = [];
    const onError = (e: SwitchError): void => {
      const o = byXid.get(e.xid);
      if (o) errors.push({ ...o, error: e.name });
    };
    this.session.on('switchError', onError);
    try {
      const barriers: Promise<void>[] = [];
      for (let i = 0; i < ops.length; i += batchSize) {
        const batch = ops.slice(i, i + batchSize);
        const xids = this.session.sendAll(batch.map((o) => flowMod(o.op, o.flow)));
        this.session.flowModsSent += xids.length;
        for (let j = 0; j < xids.length; j++)
          byXid.set(xids[j] as number, batch[j] as { op: FlowOp; flow: FlowEntry });
        // A barrier after every batch, without waiting for it: the switch works while we encode the next one.
        barriers.push(this.session.barrier());
        await this.session.drained();
      }
      await Promise.all(barriers);
    } finally {
      this.session.off('switchError', onError);
    }
    return errors;
  }
}

const COMMAND: Record<FlowOp, number> = {
  add: FlowModCommand.ADD,
  modify: FlowModCommand.MODIFY_STRICT,
  delete: FlowModCommand.DELETE_STRICT,
};

export function flowMod(op: FlowOp, f: FlowEntry): Outgoing<FlowMod>;
export function flowMod(op: FlowOp, f: FlowEntry, xid: number): FlowMod;
export function flowMod(op: FlowOp, f: FlowEntry, xid = 0): FlowMod {
  return {
    type: 'flowMod',
    xid,
    command: COMMAND[op],
    cookie: f.cookie,
    // A strict delete or modify selects by exact cookie too: never another controller's flow with our match.
    cookieMask: op === 'add' ? 0n : 0xffffffffffffffffn,
    tableId: f.tableId,
    idleTimeout: f.idleTimeout ?? 0,
    hardTimeout: f.hardTimeout ?? 0,
    priority: f.priority,
    bufferId: OFP_NO_BUFFER,
    outPort: PortNo.ANY,
    outGroup: Group.ANY,
    flags: f.flags ?? 0,
    match: f.match,
    instructions: op === 'delete' ? [] : f.instructions,
  };
}

function fromStats(s: FlowStats): FlowEntry {
  return {
    tableId: s.tableId,
    priority: s.priority,
    match: s.match,
    instructions: s.instructions,
    cookie: s.cookie,
    idleTimeout: s.idleTimeout,
    hardTimeout: s.hardTimeout,
    flags: s.flags,
  };
}
