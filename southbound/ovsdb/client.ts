// An OVSDB client for one database on one switch: connects (tcp, ssl, unix, or a socket a listener accepted),
// checks the server's schema against the columns we declared, monitors those tables into a Replica, and reconnects
// with exponential backoff, re-establishing the monitor and bringing the replica in line (one resync batch).
// Connection states are named as in ovsdb-idl: connecting -> schemaRequested -> monitorRequested -> monitoring.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import {
  checkSchema,
  type DatabaseSchema,
  decodeListDbs,
  decodeLocked,
  decodeTableUpdates,
  getSchemaParams,
  interpretTransactResult,
  type Json,
  listDbsParams,
  lockParams,
  Method,
  monitorCancelParams,
  monitorCondParams,
  monitoredColumns,
  monitorParams,
  type NamedUuid,
  type Operation,
  parseSchema,
  type TableSpecs,
  transactParams,
} from '../../protocols/ovsdb';
import { type ChangeBatch, Replica } from './replica';
import { OvsdbRpcError, RpcSession } from './rpc-session';
import { connectTarget, parseTarget, type TlsFiles } from './target';
import { OvsdbTransactionError, Transaction, type TransactionResult } from './transaction';

export type ClientState =
  'idle' | 'connecting' | 'schemaRequested' | 'monitorRequested' | 'monitoring' | 'backoff' | 'closed';

export interface OvsdbClientOptions<T extends TableSpecs> {
  /** tcp:HOST:PORT, ssl:HOST:PORT or unix:PATH; for logs only when `connect` is given. */
  readonly target: string;
  readonly database: string;
  readonly tables: T;
  readonly log: Logger;
  readonly tls?: TlsFiles;
  /** Supplies the socket instead of dialing `target` (a passive listener's accepted connection). */
  readonly connect?: () => Promise<Duplex>;
  /** Dial again after a disconnect (default true; false for accepted connections: the node dials again). */
  readonly reconnect?: boolean;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  readonly probeIntervalMs?: number;
  readonly maxMessageBytes?: number;
  /** `auto` tries monitor_cond (update2 diffs) and falls back to monitor. */
  readonly monitorMethod?: 'auto' | 'monitor' | 'monitor_cond';
}

export interface OvsdbClientEvents {
  /** One event per update notification (and per resync), after the whole batch is applied. */
  change: [batch: ChangeBatch];
  state: [state: ClientState];
  disconnected: [reason: string];
  locked: [lock: string];
  stolen: [lock: string];
}

/** The server lacks tables or columns we need (or has them with another type). Not retried. */
export class OvsdbSchemaMismatchError extends Error {
  override readonly name = 'OvsdbSchemaMismatchError';
  constructor(
    target: string,
    readonly problems: readonly string[],
  ) {
    super(`${target}: the server's schema does not have what we need:\n  ${problems.join('\n  ')}`);
  }
}

export class OvsdbNotConnectedError extends Error {
  override readonly name = 'OvsdbNotConnectedError';
}

const MONITOR_ID = 'replica';
const NOTIFICATIONS = new Set<string>([Method.update, Method.update2, Method.locked, Method.stolen]);

export class OvsdbClient<T extends TableSpecs> extends EventEmitter<OvsdbClientEvents> {
  readonly replica: Replica<T>;
  readonly log: Logger;
  private stateValue: ClientState = 'idle';
  private session: RpcSession | undefined;
  private schemaValue: DatabaseSchema | undefined;
  private fatal: Error | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private monitorVersion: 1 | 2 | undefined;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly options: OvsdbClientOptions<T>) {
    super();
    this.replica = new Replica(options.tables);
    this.log = options.log.child({ ovsdb: options.target, db: options.database });
  }

  /** Connects, monitors and opens a client; resolves once the replica holds the server's contents. */
  static async open<T extends TableSpecs>(
    options: OvsdbClientOptions<T>,
    timeoutMs = 10_000,
  ): Promise<OvsdbClient<T>> {
    const client = new OvsdbClient(options);
    client.start();
    try {
      await client.ready(timeoutMs);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  get state(): ClientState {
    return this.stateValue;
  }

  get schema(): DatabaseSchema {
    if (!this.schemaValue)
      throw new OvsdbNotConnectedError(`${this.options.target}: no schema yet (state ${this.stateValue})`);
    return this.schemaValue;
  }

  start(): this {
    if (this.stateValue === 'idle') void this.connectOnce();
    return this;
  }

  /** Resolves when monitoring; rejects on a fatal error (schema mismatch), on close, or after the timeout. */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.stateValue === 'monitoring') return Promise.resolve();
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.stateValue === 'closed') return Promise.reject(new OvsdbNotConnectedError('client closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(
          new OvsdbNotConnectedError(
            `${this.options.target}: not monitoring after ${timeoutMs} ms (state ${this.stateValue})`,
          ),
        );
      }, timeoutMs);
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      this.readyWaiters.push(waiter);
    });
  }

  close(): void {
    if (this.stateValue === 'closed') return;
    clearTimeout(this.retryTimer);
    this.setState('closed');
    this.session?.close('closed by us');
    for (const w of this.readyWaiters.splice(0))
      w.reject(this.fatal ?? new OvsdbNotConnectedError('client closed'));
  }

  private setState(state: ClientState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private async connectOnce(): Promise<void> {
    this.setState('connecting');
    let socket: Duplex;
    try {
      socket = this.options.connect
        ? await this.options.connect()
        : await connectTarget(parseTarget(this.options.target), this.options.tls);
    } catch (err) {
      return this.lost(`connect failed: ${(err as Error).message}`);
    }
    if (this.stateValue === 'closed') {
      socket.destroy();
      return;
    }
    const session = new RpcSession(socket, {
      log: this.log,
      maxMessageBytes: this.options.maxMessageBytes,
      probeIntervalMs: this.options.probeIntervalMs ?? 0,
      notifications: NOTIFICATIONS,
      onNotification: (method, params) => this.onNotification(method, params),
    });
    this.session = session;
    session.onClose((reason) => {
      if (this.session === session) this.lost(reason);
    });
    try {
      this.setState('schemaRequested');
      const schema = parseSchema(
        await session.request(Method.getSchema, getSchemaParams(this.options.database)),
      );
      const problems = checkSchema(schema, this.options.tables);
      if (problems.length > 0) {
        this.fatal = new OvsdbSchemaMismatchError(this.options.target, problems);
        this.log.error({ problems }, 'server schema lacks what we need; giving up on this server');
        this.close();
        return;
      }
      this.schemaValue = schema;
      this.setState('monitorRequested');
      const initial = await this.monitor(session, schema);
      const batch = this.replica.resync(schema, initial);
      this.attempt = 0;
      this.setState('monitoring');
      this.log.info({ rows: batch.changes.length, update: this.monitorVersion }, 'monitoring');
      if (batch.changes.length > 0) this.emit('change', batch);
      for (const w of this.readyWaiters.splice(0)) w.resolve();
    } catch (err) {
      if (session.isClosed) return; // lost() already ran
      this.log.warn({ err: (err as Error).message }, 'session setup failed');
      session.close(`setup failed: ${(err as Error).message}`);
    }
  }

  private async monitor(session: RpcSession, schema: DatabaseSchema) {
    const tables = monitoredColumns(this.options.tables);
    const mode = this.options.monitorMethod ?? 'auto';
    if (mode !== 'monitor' && this.monitorVersion !== 1) {
      try {
        const result = await session.request(
          Method.monitorCond,
          monitorCondParams(schema.name, MONITOR_ID, tables),
        );
        this.monitorVersion = 2;
        return decodeTableUpdates(schema, result, 2);
      } catch (err) {
        if (!(err instanceof OvsdbRpcError) || mode === 'monitor_cond') throw err;
        this.log.info('server has no monitor_cond; using monitor');
      }
    }
    const result = await session.request(Method.monitor, monitorParams(schema.name, MONITOR_ID, tables));
    this.monitorVersion = 1;
    return decodeTableUpdates(schema, result, 1);
  }

  private lost(reason: string): void {
    this.session = undefined;
    this.emit('disconnected', reason);
    if (this.stateValue === 'closed') return;
    if (this.options.reconnect === false) {
      this.log.info({ reason }, 'session ended');
      this.close();
      return;
    }
    const { initial, max } = this.options.backoffMs ?? { initial: 100, max: 8000 };
    const delay = Math.min(max, initial * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
    this.log.warn({ reason, retryInMs: Math.round(delay) }, 'disconnected; reconnecting');
    this.setState('backoff');
    this.retryTimer = setTimeout(() => void this.connectOnce(), delay);
  }

  private onNotification(method: string, params: readonly unknown[]): void {
    switch (method) {
      case Method.update:
      case Method.update2: {
        if (params[0] !== MONITOR_ID || !this.schemaValue)
          throw new Error(`update for unknown monitor ${JSON.stringify(params[0])}`);
        const updates = decodeTableUpdates(this.schemaValue, params[1], method === Method.update ? 1 : 2);
        const batch = this.replica.apply(this.schemaValue, updates);
        if (batch.changes.length > 0) this.emit('change', batch);
        return;
      }
      case Method.locked:
        this.emit('locked', String(params[0]));
        return;
      case Method.stolen:
        this.emit('stolen', String(params[0]));
        return;
    }
  }

  private live(): RpcSession {
    if (!this.session || this.stateValue !== 'monitoring') {
      throw new OvsdbNotConnectedError(`${this.options.target}: not connected (state ${this.stateValue})`);
    }
    return this.session;
  }

  /** Sends one request on the live session (any method; see also the typed helpers below). */
  request(method: string, params: readonly unknown[]): Promise<unknown> {
    try {
      return this.live().request(method, params);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  transaction(): Transaction {
    return new Transaction();
  }

  /**
   * Commits a transaction. Resolves after the server committed it and the replica shows the rows it inserted into
   * monitored tables, so a caller can read back what it just wrote. Rejects with OvsdbTransactionError naming the
   * failed operation.
   */
  transact(txn: Transaction | readonly Operation[]): Promise<TransactionResult> {
    try {
      return this.startTransact(txn).result;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Starts a transaction that can be cancelled while the server holds it (a `wait` with a timeout). */
  startTransact(txn: Transaction | readonly Operation[]): {
    cancel(): void;
    readonly result: Promise<TransactionResult>;
  } {
    const ops = txn instanceof Transaction ? txn.operations : txn;
    const schema = this.schema;
    const session = this.live();
    const { id, reply } = session.startRequest(Method.transact, transactParams(schema, ops));
    return {
      cancel: () => session.cancel(id),
      result: reply.then((raw) => this.finishTransact(schema, ops, raw)),
    };
  }

  private async finishTransact(
    schema: DatabaseSchema,
    ops: readonly Operation[],
    raw: unknown,
  ): Promise<TransactionResult> {
    const outcome = interpretTransactResult(schema, ops, raw);
    if (!outcome.ok) throw new OvsdbTransactionError(outcome.failure);
    const names = new Map<string, string>();
    const inserted: [string, string][] = [];
    ops.forEach((op, i) => {
      const r = outcome.results[i];
      if (op.op === 'insert' && r?.op === 'insert') {
        if (op.uuidName) names.set(op.uuidName, r.uuid);
        if (this.replica.isMonitored(op.table)) inserted.push([op.table, r.uuid]);
      }
    });
    if (inserted.length > 0) {
      await this.waitFor(() => inserted.every(([t, u]) => this.replica.has(t, u)), 2000).catch(
        () => undefined,
      );
    }
    return {
      results: outcome.results,
      uuidOf(ref: NamedUuid): string {
        const uuid = names.get(ref.namedUuid);
        if (uuid === undefined) throw new Error(`no row was inserted as ${ref.namedUuid}`);
        return uuid;
      },
    };
  }

  /**
   * Read-modify-write with optimistic concurrency: `build` reads the replica and fills the transaction (with
   * verify/wait guards); if a guard fails because another writer got there first, the replica is allowed to catch
   * up and `build` runs again. `build` returning false means there is nothing to do.
   */
  async transactWithRetry(
    build: (txn: Transaction, replica: Replica<T>) => boolean | void,
    attempts = 8,
  ): Promise<TransactionResult | undefined> {
    for (let i = 1; ; i++) {
      const txn = new Transaction();
      if (build(txn, this.replica) === false || txn.isEmpty) return undefined;
      try {
        return await this.transact(txn);
      } catch (err) {
        if (!(err instanceof OvsdbTransactionError) || !err.isGuardFailure || i >= attempts) throw err;
        this.log.debug({ attempt: i, failure: err.message }, 'guard failed; retrying on a fresher replica');
        await this.nextChange(200);
      }
    }
  }

  /** Resolves when `predicate` holds, checking now and after every change batch. */
  waitFor(predicate: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.options.target}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('change', check);
      };
      this.on('change', check);
    });
  }

  private nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('change', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('change', done);
    });
  }

  // The remaining RFC 7047 methods, for completeness and for tools.
  async listDbs(): Promise<string[]> {
    return decodeListDbs(await this.request(Method.listDbs, listDbsParams()));
  }

  async echo(payload: readonly unknown[] = ['ping']): Promise<unknown> {
    return this.request(Method.echo, payload);
  }

  /** lock: true when granted now; otherwise a `locked` event follows when it is. */
  async lock(lockId: string): Promise<boolean> {
    const params = lockParams(lockId);
    return decodeLocked(await this.request(Method.lock, params));
  }

  async steal(lockId: string): Promise<boolean> {
    return decodeLocked(await this.request(Method.steal, lockParams(lockId)));
  }

  async unlock(lockId: string): Promise<void> {
    await this.request(Method.unlock, lockParams(lockId));
  }

  /** Cancels a monitor by id (the replica's own monitor is "replica"; cancelling it stops updates). */
  async monitorCancel(monitorId: Json): Promise<void> {
    await this.request(Method.monitorCancel, monitorCancelParams(monitorId));
  }
}
