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
  type FlowMod,
  type FlowStats,
} from '../../protocols/openflow13/index.js';
import { diffFlows, indexFlows, type KeyedFlow } from './flow-diff.js';
import { flowBody, flowKey, isManaged, type CookieOwnership, type FlowEntry } from './flow-entry.js';
import type { Outgoing, SwitchError, SwitchSession } from './switch-session.js';

export type FlowOp = 'add' | 'modify' | 'delete';

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
}

export class FlowSync {
  private actual: Map<string, KeyedFlow> | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: SwitchSession,
    private readonly options: FlowSyncOptions,
  ) {}

  /** The managed flows as last dumped or pushed (undefined before the first sync). */
  get tracked(): ReadonlyMap<string, KeyedFlow> | undefined {
    return this.actual;
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

  private async syncNow(desired: Iterable<FlowEntry>): Promise<SyncResult> {
    const actual = (this.actual ??= indexFlows(await this.dump()));
    const want = indexFlows(desired);
    const diff = diffFlows(want, actual);
    const errors: FlowError[] = [];
    // Deletes first, so that a flow moving between priorities never exists twice; then adds and modifies.
    const delErrors = await this.send(diff.remove.map((flow) => ({ op: 'delete' as const, flow })));
    const putErrors = await this.send([
      ...diff.add.map((flow) => ({ op: 'add' as const, flow })),
      ...diff.modify.map((flow) => ({ op: 'modify' as const, flow })),
    ]);
    errors.push(...delErrors, ...putErrors);
    const failed = new Set(errors.map((e) => e.flow));
    for (const flow of diff.remove) if (!failed.has(flow)) actual.delete(flowKey(flow));
    for (const flow of [...diff.add, ...diff.modify]) {
      if (!failed.has(flow)) actual.set(flowKey(flow), { flow, body: flowBody(flow) });
    }
    for (const e of errors) {
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

  private async send(ops: readonly { op: FlowOp; flow: FlowEntry }[]): Promise<FlowError[]> {
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

export function flowMod(op: FlowOp, f: FlowEntry): Outgoing<FlowMod> {
  return {
    type: 'flowMod',
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
