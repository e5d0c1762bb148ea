// Keeps one switch's managed flows at a desired set with the fewest FLOW_MODs: dump the switch's flows under our
// cookie once (on connect), track them afterwards, and send only ADD / MODIFY_STRICT, then DELETE_STRICT, for what
// differs. The diff streams: each desired flow is encoded once, straight into the outgoing batch, its identity and
// body read from those bytes (flow-identity.ts); a flow the switch already has is dropped from the batch again, a
// changed one is kept, and full batches go out while the rest is still being compared, so the switch and the
// controller work at the same time. What is tracked per flow is its identity and body (two short strings) and the
// last sync that wanted it: one map lookup per desired flow, and what no sync wanted is what to delete.
// An error reply is tied back to the flow that caused it by xid; the other flows still go in. Flows whose cookie is
// not ours, or is excluded (packet-in session flows), are never touched.
//
// Bundles: by default, a sync of a switch that already holds our flows (a resync after a controller restart or
// reconnect, every later change) is one atomic, ordered bundle where the switch takes bundles: the switch goes from
// the old flows to the new ones without a half-state. A switch that holds none of our flows (first programming,
// a restarted ovs-vswitchd) has no old state to keep; its flows go as plain FLOW_MODs with a barrier after every
// batch, which Open vSwitch applies as they arrive, while a bundle is applied only at its commit, after the last
// message: about 1.1x faster for a push of 100,000 flows (docs/benchmarks.md, flowsync). `bundles: true` or
// `false` forces one way; a switch that refuses bundles is always synced plain.
import type { Logger } from 'pino';
import {
  EncodeError,
  FlowIdentity,
  FlowModCommand,
  Group,
  MultipartType,
  OFP_NO_BUFFER,
  PortNo,
  Table,
  decodeIdentity,
  makeModifyStrict,
  Writer,
  writeDeleteStrict,
  writeFlowMod,
  type FlowMod,
  type FlowStats,
  type MultipartRequest,
} from '../../protocols/openflow13/index.js';
import { isManaged, type CookieOwnership, type FlowEntry } from './flow-entry.js';
import { FlowModStream, type StreamMode, type StreamOutcome } from './flow-mod-stream.js';
import type { Outgoing, SwitchSession } from './switch-session.js';

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
  /** FLOW_MODs per write (and per barrier, when not in a bundle). */
  readonly batchSize?: number;
  /**
   * true: every sync is one atomic, ordered bundle; false: plain FLOW_MODs and barriers. Default: a bundle when the
   * switch already holds our flows, plain when it holds none. A switch that refuses bundles is synced plain.
   */
  readonly bundles?: boolean;
}

/**
 * The FLOW_MODs of one sync in the order they were kept (an error reply names one by that ordinal), as parallel
 * arrays: no object per change.
 */
class Changes {
  readonly ops: FlowOp[] = [];
  readonly keys: string[] = [];
  readonly bodies: string[] = [];
  /** The body the switch had under the identity before (undefined: none). */
  readonly prevs: (string | undefined)[] = [];
  /** The desired flow; a delete knows the switch's flow by identity and body only. */
  readonly flows: (FlowEntry | undefined)[] = [];

  get length(): number {
    return this.ops.length;
  }

  push(op: FlowOp, key: string, body: string, prev: string | undefined, flow: FlowEntry | undefined): void {
    this.ops.push(op);
    this.keys.push(key);
    this.bodies.push(body);
    this.prevs.push(prev);
    this.flows.push(flow);
  }

  /** The flow of change `i`, decoded from its identity and body for a delete. */
  flow(i: number): FlowEntry {
    return this.flows[i] ?? decodeIdentity(this.keys[i] as string, this.bodies[i] as string);
  }
}

/** What the flow sync knows of one of the switch's flows. */
export interface TrackedFlow {
  /** Cookie, timeouts, flags and instructions in canonical form (flow-identity.ts). */
  readonly body: string;
}

class Tracked implements TrackedFlow {
  constructor(
    public body: string,
    /** The last sync that wanted this flow. */
    public epoch: number,
  ) {}
}

/** Change `index` failed with `error`. */
type Failure = { readonly index: number; readonly error: string };

/** Small enough that the socket never runs dry between batches (its buffer holds about 2,000 FLOW_MODs). */
const DEFAULT_BATCH = 1024;
/** ofp_flow_stats up to its match, plus the smallest (empty, padded) match. */
const FLOW_STATS_MIN = 56;
/** Where a multipart reply's body starts. */
const MULTIPART_BODY = 16;

export class FlowSync {
  /** The switch's managed flows: identity -> body and the last sync that wanted it (see flow-identity.ts). */
  private actual: Map<string, Tracked> | undefined;
  /** Numbers syncs: a tracked flow that the current one has not seen is one to delete. */
  private epoch = 0;
  private running: Promise<unknown> = Promise.resolve();
  /** Flows the switch refused (identity -> body), left out of later syncs until they change. */
  private readonly rejected = new Map<string, string>();
  /** undefined until the first bundle is tried. */
  private bundlesWork: boolean | undefined;
  private nextBundleId = 1;
  private readonly identity = new FlowIdentity();

  constructor(
    private readonly session: SwitchSession,
    private readonly options: FlowSyncOptions,
  ) {}

  /** The managed flows as last dumped or pushed, identity -> body (undefined before the first sync). */
  get tracked(): ReadonlyMap<string, TrackedFlow> | undefined {
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

  /** Reads the switch's managed flows (FLOW multipart filtered by our cookie), decoded. */
  async dump(): Promise<FlowEntry[]> {
    const own = this.options.ownership;
    const parts = await this.session.multipart(dumpRequest(own));
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
   * The switch's managed flows as identity -> body, folded in reply by reply as the dump arrives: each part is
   * read and dropped, no flow is decoded into objects.
   */
  private async dumpIdentities(): Promise<Map<string, Tracked>> {
    const own = this.options.ownership;
    const id = this.identity;
    const flows = new Map<string, Tracked>();
    await this.session.multipartStream(dumpRequest(own), (reply) => {
      if (reply.readUInt16BE(8) !== MultipartType.FLOW) return;
      for (let p = MULTIPART_BODY; p < reply.length;) {
        const len = p + 2 <= reply.length ? reply.readUInt16BE(p) : 0;
        if (len < FLOW_STATS_MIN || len % 8 !== 0 || p + len > reply.length)
          throw new Error(`flow stats entry at byte ${p} has a bad length ${len}`);
        if (isManaged(reply.readBigUInt64BE(p + 24), own)) {
          id.readFlowStats(reply, p, p + len);
          flows.set(id.key(), new Tracked(id.body(), 0));
        }
        p += len;
      }
    });
    return flows;
  }

  /**
   * Changes only the flows named: `put` added or modified where the switch's differ, `remove` deleted where the
   * switch has them (and `put` does not name them). The incremental path of one endpoint, with no walk over the
   * whole table; serialised with sync().
   */
  patch(put: Iterable<FlowEntry>, remove: Iterable<FlowEntry> = []): Promise<SyncResult> {
    const next = this.running.then(() => this.syncNow(put, remove));
    this.running = next.catch(() => undefined);
    return next;
  }

  /** `remove` undefined: `desired` is the whole desired state, and every other tracked flow is deleted. */
  private async syncNow(desired: Iterable<FlowEntry>, remove?: Iterable<FlowEntry>): Promise<SyncResult> {
    try {
      return await this.syncFrom(desired, (this.actual ??= await this.dumpIdentities()), remove);
    } catch (err) {
      // Some batches may have gone in: what the switch has is no longer known.
      this.actual = undefined;
      throw err;
    }
  }

  private async syncFrom(
    desired: Iterable<FlowEntry>,
    actual: Map<string, Tracked>,
    remove: Iterable<FlowEntry> | undefined,
  ): Promise<SyncResult> {
    const epoch = ++this.epoch;
    const known = actual.size > 0;
    const changes = new Changes();
    const unencodable: FlowError[] = [];
    const stream = this.stream(this.wantsBundle(known) ? 'bundle' : 'plain');
    const id = this.identity;
    const rejected = this.rejected;
    const stillRefused = new Set<string>();
    try {
      for (const flow of desired) {
        const w = stream.writer;
        const start = w.offset;
        try {
          writeFlowMod(w, 0, FlowModCommand.ADD, flow);
        } catch (err) {
          if (!(err instanceof EncodeError)) throw err;
          w.rewind(start);
          unencodable.push({ op: 'add', flow, error: `not encodable: ${err.message}` });
          continue;
        }
        id.readFlowMod(w.buffer, start, w.offset);
        const key = id.key();
        // A flow the switch refused is not sent again until it changes: the switch would refuse it again, and
        // every run would pay for it (and, in a bundle, fail the commit once).
        if (rejected.size > 0) {
          const refused = rejected.get(key);
          if (refused !== undefined && id.bodyEquals(refused)) {
            stillRefused.add(key);
            w.rewind(start);
            continue;
          }
          if (refused !== undefined) rejected.delete(key);
        }
        // A duplicate identity compares with the earlier desired flow: the later one wins, as on the switch. Into
        // a switch without our flows there is nothing to compare with: a duplicate is a second ADD that replaces.
        const have = known ? actual.get(key) : undefined;
        if (have === undefined) {
          const body = id.body();
          actual.set(key, new Tracked(body, epoch));
          changes.push('add', key, body, undefined, flow);
        } else if (id.bodyEquals(have.body)) {
          have.epoch = epoch;
          w.rewind(start);
          continue;
        } else {
          // MODIFY cannot change cookie, timeouts or flags in OpenFlow 1.3: those take an ADD, which replaces.
          const op = id.headEquals(have.body) ? 'modify' : 'add';
          if (op === 'modify') makeModifyStrict(w.buffer, start);
          const body = id.body();
          changes.push(op, key, body, have.body, flow);
          have.body = body;
          have.epoch = epoch;
        }
        stream.keep(start);
        if (stream.full) await stream.flush();
      }
      const deleting = remove === undefined ? actual : this.trackedOf(remove, actual);
      for (const [key, t] of deleting) {
        if (t.epoch === epoch) continue;
        // Marked, so that a flow named twice in `remove` is deleted once.
        t.epoch = epoch;
        const w = stream.writer;
        const start = w.offset;
        writeDeleteStrict(w, 0, key, t.body);
        changes.push('delete', key, t.body, t.body, undefined);
        stream.keep(start);
        if (stream.full) await stream.flush();
      }
    } catch (err) {
      stream.close();
      throw err;
    }
    // A refused flow no longer desired is forgotten; a patch names only some of the desired flows.
    if (remove === undefined)
      for (const key of rejected.keys()) if (!stillRefused.has(key)) rejected.delete(key);

    const failures = await this.settle(await stream.finish(), changes);
    const counts = { add: 0, modify: 0, delete: 0 };
    const failed = new Set<number>();
    // Everything went in but what failed: put those back as the switch still has them.
    const errors: FlowError[] = [...unencodable];
    for (const { index: i, error } of failures) {
      const op = changes.ops[i] as FlowOp;
      const key = changes.keys[i] as string;
      const prev = changes.prevs[i];
      failed.add(i);
      if (op !== 'delete') {
        if (prev === undefined) actual.delete(key);
        else (actual.get(key) as Tracked).body = prev;
        rejected.set(key, changes.bodies[i] as string);
      }
      const flow = changes.flow(i);
      errors.push({ op, flow, error });
      this.options.log.warn({ op, table: flow.tableId, priority: flow.priority, error }, 'flow rejected');
    }
    const { ops, keys } = changes;
    for (let i = 0; i < ops.length; i++) {
      if (failed.has(i)) continue;
      const op = ops[i] as FlowOp;
      counts[op]++;
      if (op === 'delete') actual.delete(keys[i] as string);
    }
    return { added: counts.add, modified: counts.modify, deleted: counts.delete, errors };
  }

  /** The tracked entries of `flows`, by identity (the flows themselves need not equal what the switch has). */
  private trackedOf(flows: Iterable<FlowEntry>, actual: Map<string, Tracked>): Map<string, Tracked> {
    const found = new Map<string, Tracked>();
    const w = new Writer(256);
    for (const flow of flows) {
      w.reset();
      writeFlowMod(w, 0, FlowModCommand.ADD, flow);
      this.identity.readFlowMod(w.buffer, 0, w.offset);
      const key = this.identity.key();
      const t = actual.get(key);
      if (t) found.set(key, t);
    }
    return found;
  }

  private wantsBundle(switchHasFlows: boolean): boolean {
    return (this.options.bundles ?? switchHasFlows) && this.bundlesWork !== false;
  }

  private stream(mode: StreamMode): FlowModStream {
    return new FlowModStream(
      this.session,
      mode,
      this.nextBundleId++,
      this.options.batchSize ?? DEFAULT_BATCH,
    );
  }

  /**
   * What failed, once the first attempt is answered. A flow the switch rejects in a bundle fails the whole
   * commit: it is reported and the bundle is tried once more without it; refused again as a whole, what goes in
   * is applied flow by flow, each error tied to its flow.
   */
  private async settle(first: StreamOutcome, changes: Changes): Promise<Failure[]> {
    if (first.sent === 'bundle') this.bundlesWork = true;
    if (first.bundleRefused) {
      this.bundlesWork = false;
      this.options.log.info('switch refuses OpenFlow bundles; syncing with FLOW_MODs and barriers');
    }
    if (first.committed) return [...first.errors];
    const failed = new Set(first.errors.map((e) => e.index));
    const rest: number[] = [];
    for (let i = 0; i < changes.length; i++) if (!failed.has(i)) rest.push(i);
    if (rest.length === 0) return [...first.errors];
    const second = await this.resend(changes, rest, 'bundle');
    const settled = second.committed ? second : await this.resend(changes, rest, 'plain');
    return [...first.errors, ...settled.failures];
  }

  /** Sends the changes numbered `which` again; their failures are indexes into `changes`. */
  private async resend(
    changes: Changes,
    which: readonly number[],
    mode: StreamMode,
  ): Promise<{ committed: boolean; failures: Failure[] }> {
    const stream = this.stream(mode);
    try {
      for (const i of which) {
        const w = stream.writer;
        const start = w.offset;
        const op = changes.ops[i] as FlowOp;
        if (op === 'delete') writeDeleteStrict(w, 0, changes.keys[i] as string, changes.bodies[i] as string);
        else writeFlowMod(w, 0, COMMAND[op], changes.flows[i] as FlowEntry);
        stream.keep(start);
        if (stream.full) await stream.flush();
      }
    } catch (err) {
      stream.close();
      throw err;
    }
    const outcome = await stream.finish();
    return {
      committed: outcome.committed,
      failures: outcome.errors.map((e) => ({ index: which[e.index] as number, error: e.error })),
    };
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

/** Every table's flows under our cookie marker (the switch filters by cookie and mask). */
function dumpRequest(own: CookieOwnership): Outgoing<MultipartRequest> {
  return {
    type: 'multipartRequest',
    kind: 'flow',
    flags: 0,
    tableId: Table.ALL,
    outPort: PortNo.ANY,
    outGroup: Group.ANY,
    cookie: own.value,
    cookieMask: own.mask,
    match: [],
  };
}
