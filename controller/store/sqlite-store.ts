// The model store on one SQLite file (better-sqlite3, WAL, foreign keys on). The only module with SQL.
// Reads come from the ModelCache loaded at open; every write goes to SQLite and the cache in one transaction, which
// also appends an audit row, and, once committed, emits one ChangeEvent naming the nodes it touches. Commits are
// grouped (see openBatch): durable() resolves once everything before it is on disk.
import Database from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ModelEvents, type Change, type ChangeEvent } from '../events';
import { affectedNodes } from '../model/affected';
import { ModelCache } from '../model/cache';
import type { GroupName, IndexName } from '../model/indexes';
import {
  KINDS,
  type AnyObject,
  type Id,
  type IpAllocation,
  type Kind,
  type ModelKinds,
} from '../model/types';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import {
  StoreInconsistentError,
  StoreStorageError,
  type AuditRecord,
  type ModelStore,
  type StoreTx,
  type TxMeta,
} from './store';

type Row = Record<string, string | number | null>;

/** Table and key columns of each kind; `doc` holds the object. */
const TABLES: { [K in Kind]: { table: string; columns: (o: ModelKinds[K]) => Row } } = {
  tenant: { table: 'tenants', columns: (o) => ({ name: o.name }) },
  network: { table: 'networks', columns: (o) => ({ tenant_id: o.tenantId, name: o.name, vni: o.vni }) },
  subnet: { table: 'subnets', columns: (o) => ({ network_id: o.networkId, name: o.name, cidr: o.cidr }) },
  router: { table: 'routers', columns: (o) => ({ tenant_id: o.tenantId, name: o.name }) },
  routerInterface: {
    table: 'router_interfaces',
    columns: (o) => ({ router_id: o.routerId, subnet_id: o.subnetId }),
  },
  node: { table: 'nodes', columns: (o) => ({ name: o.name }) },
  securityGroup: { table: 'security_groups', columns: (o) => ({ tenant_id: o.tenantId, name: o.name }) },
  securityGroupRule: {
    table: 'security_group_rules',
    columns: (o) => ({ security_group_id: o.securityGroupId, remote_group_id: o.remoteGroupId ?? null }),
  },
  qosPolicy: { table: 'qos_policies', columns: (o) => ({ tenant_id: o.tenantId, name: o.name }) },
  endpoint: {
    table: 'endpoints',
    columns: (o) => ({
      network_id: o.networkId,
      // A bare-metal endpoint's nodeId names the leaf VTEP it sits behind (migration 3).
      node_id: o.kind === 'baremetal' ? null : o.nodeId,
      vtep_id: o.kind === 'baremetal' ? o.nodeId : null,
      qos_policy_id: o.qosPolicyId ?? null,
      name: o.name,
      mac: o.mac,
      container_id: o.containerId ?? null,
      ifname: o.ifname ?? null,
    }),
  },
  service: { table: 'services', columns: (o) => ({ network_id: o.networkId, name: o.name }) },
  namespaceBinding: {
    table: 'namespace_bindings',
    columns: (o) => ({ namespace: o.namespace, network_id: o.networkId }),
  },
  token: {
    table: 'tokens',
    columns: (o) => ({ secret_hash: o.secretHash, tenant_id: o.tenantId ?? null, node_id: o.nodeId ?? null }),
  },
  vlanBinding: {
    table: 'vlan_bindings',
    columns: (o) => ({ node_id: o.nodeId, network_id: o.networkId, vlan: o.vlan }),
  },
  vtep: { table: 'vteps', columns: (o) => ({ name: o.name, tunnel_ip: o.tunnelIp }) },
};

/** Most transactions one COMMIT carries; a long synchronous loop commits every this many. */
const MAX_BATCH = 256;

interface Batch {
  size: number;
  readonly undo: (() => void)[];
  readonly events: ChangeEvent[];
  readonly waiters: { resolve: () => void; reject: (err: Error) => void }[];
  readonly timer: NodeJS.Immediate;
}

interface KindStatements {
  insert: Database.Statement;
  update: Database.Statement;
  remove: Database.Statement;
}

/**
 * How a commit reaches the disk.
 * - OFFLOADED (default): SQLite writes the WAL without fsync, then the store fdatasyncs the WAL file on the libuv
 *   thread pool and only then reports the commit durable. Survives power loss like FULL, but the event loop keeps
 *   serving requests while the disk syncs.
 * - FULL: SQLite fsyncs the WAL inside COMMIT, blocking the event loop for the duration.
 * - NORMAL: no fsync for commits: survives a crash of the process, may lose the last commits on power loss.
 */
export type StoreSync = 'OFFLOADED' | 'FULL' | 'NORMAL';

export interface SqliteStoreOptions {
  readonly synchronous?: StoreSync;
  /** Run check() on open and refuse an inconsistent file (default true). */
  readonly checkOnOpen?: boolean;
}

/** SQLite's "disk full" and I/O failures as a StoreStorageError that says what happened; other errors unchanged. */
function storageError(err: unknown, location: string): Error {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err as Error;
  if (code === 'SQLITE_FULL')
    return new StoreStorageError(
      code,
      `the disk holding the store ${location} is full: nothing of this change was saved`,
    );
  if (code.startsWith('SQLITE_IOERR'))
    return new StoreStorageError(
      code,
      `the store ${location} could not write to its disk (${code}): nothing of this change was saved`,
    );
  return err as Error;
}

export class SqliteStore implements ModelStore {
  readonly events = new ModelEvents();
  readonly schemaVersion: number;
  private readonly db: Database.Database;
  private readonly cache = new ModelCache();
  private readonly statements = new Map<Kind, KindStatements>();
  private readonly sql: {
    putAllocation: Database.Statement;
    removeAllocation: Database.Statement;
    allocations: Database.Statement;
    audit: Database.Statement;
    auditTail: Database.Statement;
    endpointGroupsClear: Database.Statement;
    endpointGroupAdd: Database.Statement;
    begin: Database.Statement;
    commit: Database.Statement;
    rollback: Database.Statement;
    savepoint: Database.Statement;
    release: Database.Statement;
    rollbackTo: Database.Statement;
  };
  private batch: Batch | undefined;
  private readonly sync: StoreSync;
  private walFd: number | undefined;
  /** Durability of the last commit, while its WAL sync is pending. */
  private syncing: Promise<void> | undefined;
  /** Commits waiting for the next WAL sync. */
  private unsynced: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private walSyncInFlight = false;
  private inTx = false;

  constructor(
    readonly location: string,
    options: SqliteStoreOptions = {},
  ) {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    this.db = new Database(location);
    this.db.pragma('journal_mode = WAL');
    this.sync = options.synchronous ?? 'OFFLOADED';
    this.db.pragma(`synchronous = ${this.sync === 'FULL' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.schemaVersion = this.migrate();
    if (options.checkOnOpen !== false) {
      const problems = this.check();
      if (problems.length > 0) {
        this.db.close();
        throw new StoreInconsistentError(problems, location);
      }
    }
    for (const kind of KINDS) this.statements.set(kind, this.prepareKind(kind));
    this.sql = {
      putAllocation: this.db.prepare(
        `INSERT INTO ip_allocations (subnet_id, address, state, endpoint_id, owner, retain_until)
         VALUES (@subnetId, @address, @state, @endpointId, @owner, @retainUntil)
         ON CONFLICT (subnet_id, address) DO UPDATE SET state = excluded.state, endpoint_id = excluded.endpoint_id,
           owner = excluded.owner, retain_until = excluded.retain_until`,
      ),
      removeAllocation: this.db.prepare('DELETE FROM ip_allocations WHERE subnet_id = ? AND address = ?'),
      allocations: this.db.prepare(
        'SELECT subnet_id, address, state, endpoint_id, owner, retain_until FROM ip_allocations',
      ),
      audit: this.db.prepare('INSERT INTO audit (at, actor, action, changes) VALUES (?, ?, ?, ?)'),
      auditTail: this.db.prepare(
        'SELECT seq, at, actor, action, changes FROM audit ORDER BY seq DESC LIMIT ?',
      ),
      endpointGroupsClear: this.db.prepare('DELETE FROM endpoint_security_groups WHERE endpoint_id = ?'),
      endpointGroupAdd: this.db.prepare(
        'INSERT INTO endpoint_security_groups (endpoint_id, security_group_id) VALUES (?, ?)',
      ),
      begin: this.db.prepare('BEGIN IMMEDIATE'),
      commit: this.db.prepare('COMMIT'),
      rollback: this.db.prepare('ROLLBACK'),
      savepoint: this.db.prepare('SAVEPOINT mutation'),
      release: this.db.prepare('RELEASE mutation'),
      rollbackTo: this.db.prepare('ROLLBACK TO mutation'),
    };
    this.load();
  }

  isOpen(): boolean {
    return this.db.open;
  }

  get<K extends Kind>(kind: K, id: Id): ModelKinds[K] | undefined {
    return this.cache.get(kind, id);
  }
  all<K extends Kind>(kind: K): IterableIterator<ModelKinds[K]> {
    return this.cache.all(kind);
  }
  count(kind: Kind): number {
    return this.cache.count(kind);
  }
  lookup<K extends Kind>(kind: K, index: IndexName<K>, key: string): ModelKinds[K][] {
    return this.cache.lookup(kind, index, key);
  }
  countUnder<K extends Kind>(kind: K, index: IndexName<K>, key: string): number {
    return this.cache.countUnder(kind, index, key);
  }
  members<K extends Kind>(kind: K, group: GroupName<K>, key: string): IterableIterator<string> {
    return this.cache.members(kind, group, key);
  }

  *allocations(): IterableIterator<IpAllocation> {
    for (const r of this.sql.allocations.iterate() as IterableIterator<Row>) {
      yield {
        subnetId: r.subnet_id as string,
        address: r.address as string,
        state: r.state as IpAllocation['state'],
        ...(r.endpoint_id !== null ? { endpointId: r.endpoint_id as string } : {}),
        ...(r.owner !== null ? { owner: r.owner as string } : {}),
        ...(r.retain_until !== null ? { retainUntil: r.retain_until as number } : {}),
      };
    }
  }

  audit(limit: number): AuditRecord[] {
    return (this.sql.auditTail.all(limit) as Row[]).map((r) => ({
      seq: r.seq as number,
      at: r.at as string,
      actor: r.actor as string,
      action: r.action as string,
      changes: JSON.parse(r.changes as string) as Change[],
    }));
  }

  transact<T>(meta: TxMeta, body: (tx: StoreTx) => T): T {
    if (this.inTx) throw new Error('nested store transaction');
    const changes: Change[] = [];
    const undo: (() => void)[] = [];
    const extraNodes = new Set<Id>();
    const cache = this.cache;
    const write = (kind: Kind, op: Change['op'], obj: AnyObject | undefined, id: Id): void => {
      const st = this.statements.get(kind) as KindStatements;
      if (op === 'deleted') {
        st.remove.run(id);
        const before = cache.remove(kind, id);
        undo.push(() => before && cache.put(kind, before));
        changes.push({ kind, op, id, before } as Change);
        return;
      }
      const o = obj as AnyObject;
      const row = { id: o.id, doc: JSON.stringify(o), ...(TABLES[kind].columns as (x: AnyObject) => Row)(o) };
      const info = (op === 'created' ? st.insert : st.update).run(row);
      if (info.changes !== 1) throw new Error(`${kind} ${o.id} does not exist`);
      if (kind === 'endpoint') this.writeEndpointGroups(o as ModelKinds['endpoint'], op);
      const before = cache.put(kind, o);
      undo.push(() => (before ? cache.put(kind, before) : cache.remove(kind, o.id)));
      changes.push({ kind, op, id: o.id, before, after: o } as Change);
    };
    const tx: StoreTx = {
      get: (k, id) => cache.get(k, id),
      all: (k) => cache.all(k),
      count: (k) => cache.count(k),
      lookup: (k, i, key) => cache.lookup(k, i, key),
      countUnder: (k, i, key) => cache.countUnder(k, i, key),
      members: (k, g, key) => cache.members(k, g, key),
      create: (k, o) => write(k, 'created', o, o.id),
      update: (k, o) => write(k, 'updated', o, o.id),
      remove: (k, id) => write(k, 'deleted', undefined, id),
      putAllocation: (a) =>
        void this.sql.putAllocation.run({
          subnetId: a.subnetId,
          address: a.address,
          state: a.state,
          endpointId: a.endpointId ?? null,
          owner: a.owner ?? null,
          retainUntil: a.retainUntil ?? null,
        }),
      removeAllocation: (subnetId, address) => void this.sql.removeAllocation.run(subnetId, address),
      touchNodes: (...ids) => ids.forEach((n) => extraNodes.add(n)),
      onRollback: (fn) => void undo.push(fn),
    };
    const batch = this.openBatch();
    const at = new Date().toISOString();
    let result: T;
    let seq = 0;
    this.inTx = true;
    this.sql.savepoint.run();
    try {
      result = body(tx);
      if (changes.length > 0) {
        seq = Number(
          this.sql.audit.run(at, meta.actor, meta.action, JSON.stringify(changes)).lastInsertRowid,
        );
      }
      this.sql.release.run();
    } catch (err) {
      if (this.db.inTransaction) {
        this.sql.rollbackTo.run();
        this.sql.release.run();
      }
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      throw storageError(err, this.location);
    } finally {
      this.inTx = false;
    }
    batch.undo.push(...undo);
    if (changes.length > 0) {
      const nodes = new Set(extraNodes);
      for (const c of changes) affectedNodes(cache, c, nodes);
      for (const c of changes) if (c.kind === 'node' && c.op === 'deleted') nodes.add(c.id);
      batch.events.push({ seq, at, actor: meta.actor, action: meta.action, changes, nodes: [...nodes] });
    }
    if (++batch.size >= MAX_BATCH) this.commit();
    return result;
  }

  durable(): Promise<void> {
    const b = this.batch;
    if (!b) return this.syncing ?? Promise.resolve();
    return new Promise((resolve, reject) => b.waiters.push({ resolve, reject }));
  }

  /** Commits the open batch now. Normally runs on its own once the current turn of the event loop is done. */
  commit(): void {
    const b = this.batch;
    if (!b) return;
    this.batch = undefined;
    clearImmediate(b.timer);
    try {
      this.sql.commit.run();
    } catch (err) {
      // Nothing of the batch reached the disk: forget it in memory too, and tell every waiter.
      if (this.db.inTransaction) this.sql.rollback.run();
      for (let i = b.undo.length - 1; i >= 0; i--) b.undo[i]();
      const e = storageError(err, this.location);
      for (const w of b.waiters) w.reject(e);
      return;
    }
    const done = (): void => {
      for (const w of b.waiters) w.resolve();
      for (const e of b.events) this.emitChange(e);
    };
    if (this.sync !== 'OFFLOADED' || this.location === ':memory:') return done();
    const synced = new Promise<void>((resolve, reject) => this.unsynced.push({ resolve, reject }));
    this.syncing = synced;
    synced.then(done, (err: Error) => {
      // Committed but maybe not on disk: nobody may be told it is durable.
      for (const w of b.waiters) w.reject(err);
    });
    synced
      .finally(() => {
        if (this.syncing === synced) this.syncing = undefined;
      })
      .catch(() => undefined); // reported to the waiters above
    this.syncWal();
  }

  // A listener that throws must not undo a commit or take the process down: it is reported as a warning.
  private emitChange(e: ChangeEvent): void {
    try {
      this.events.emit('change', e);
    } catch (err) {
      process.emitWarning(
        `change listener failed on event ${e.seq} (${e.action}): ${String(err)}`,
        'ModelEventsWarning',
      );
    }
  }

  // One fdatasync at a time, each covering every commit made before it started: under a burst the syncs coalesce
  // instead of queueing one per commit.
  private syncWal(): void {
    if (this.walSyncInFlight || this.unsynced.length === 0) return;
    const fd = this.walFd ?? (this.walFd = openSync(`${this.location}-wal`, 'r'));
    const covered = this.unsynced;
    this.unsynced = [];
    this.walSyncInFlight = true;
    fdatasync(fd, (err) => {
      this.walSyncInFlight = false;
      for (const c of covered) {
        if (err) c.reject(err);
        else c.resolve();
      }
      this.syncWal();
    });
  }

  /**
   * What a crash must never leave behind, checked on open: SQLite's integrity_check and foreign_key_check, and the
   * model's own invariants that SQL constraints do not state (every address an endpoint holds has its allocation
   * row, and every used allocation is an address of its endpoint). Empty when the store is consistent.
   */
  check(): string[] {
    const problems: string[] = [];
    const integrity = this.db.pragma('integrity_check') as { integrity_check: string }[];
    for (const r of integrity)
      if (r.integrity_check !== 'ok') problems.push(`integrity_check: ${r.integrity_check}`);
    for (const r of this.db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[])
      problems.push(`${r.table} row ${r.rowid} refers to a missing ${r.parent} row`);
    const unallocated = this.db
      .prepare(
        `SELECT e.id, j.value FROM endpoints e, json_each(e.doc, '$.ips') j
         WHERE NOT EXISTS (SELECT 1 FROM ip_allocations a WHERE a.endpoint_id = e.id AND a.address = j.value)`,
      )
      .raw()
      .all() as [string, string][];
    for (const [id, ip] of unallocated) problems.push(`endpoint ${id} holds ${ip} without an allocation row`);
    const orphans = this.db
      .prepare(
        `SELECT a.address, a.endpoint_id FROM ip_allocations a JOIN endpoints e ON e.id = a.endpoint_id
         WHERE NOT EXISTS (SELECT 1 FROM json_each(e.doc, '$.ips') j WHERE j.value = a.address)`,
      )
      .raw()
      .all() as [string, string][];
    for (const [ip, id] of orphans)
      problems.push(`allocation ${ip} names endpoint ${id}, which does not hold it`);
    return problems;
  }

  close(): void {
    if (!this.db.open) return;
    this.commit();
    // A synchronous fsync for what the thread pool may not have synced yet: close() must leave everything on disk.
    if (this.walFd !== undefined) {
      fdatasyncSync(this.walFd);
      closeSync(this.walFd);
      this.walFd = undefined;
    }
    this.db.close();
  }

  // Group commit: transactions of one event-loop turn share a COMMIT (and its fsync). Each keeps its own savepoint
  // and audit row, so each is still all-or-nothing; callers that must not answer before the disk has it await
  // durable().
  private openBatch(): Batch {
    if (this.batch) return this.batch;
    this.sql.begin.run();
    const batch: Batch = {
      size: 0,
      undo: [],
      events: [],
      waiters: [],
      timer: setImmediate(() => this.commit()),
    };
    this.batch = batch;
    return batch;
  }

  private writeEndpointGroups(e: ModelKinds['endpoint'], op: Change['op']): void {
    if (op === 'updated') this.sql.endpointGroupsClear.run(e.id);
    for (const g of e.securityGroupIds) this.sql.endpointGroupAdd.run(e.id, g);
  }

  private migrate(): number {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `store ${this.location} has schema version ${current}, newer than this controller's ${SCHEMA_VERSION}`,
      );
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      // foreign_keys cannot change inside a transaction: around it, for a table rebuild only.
      if (m.rebuild) this.db.pragma('foreign_keys = OFF');
      try {
        this.db.transaction(() => {
          this.db.exec(m.sql);
          if (m.rebuild) {
            const broken = this.db.pragma('foreign_key_check') as unknown[];
            if (broken.length > 0)
              throw new Error(
                `migration ${m.version} (${m.name}) leaves ${broken.length} dangling references`,
              );
          }
          this.db.pragma(`user_version = ${m.version}`);
        })();
      } finally {
        if (m.rebuild) this.db.pragma('foreign_keys = ON');
      }
    }
    return SCHEMA_VERSION;
  }

  private prepareKind(kind: Kind): KindStatements {
    const { table } = TABLES[kind];
    const sample = Object.keys(
      (TABLES[kind].columns as (x: unknown) => Row)(new Proxy({}, { get: () => null })),
    );
    const cols = ['id', 'doc', ...sample];
    return {
      insert: this.db.prepare(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`,
      ),
      update: this.db.prepare(
        `UPDATE ${table} SET ${cols
          .slice(1)
          .map((c) => `${c} = @${c}`)
          .join(', ')} WHERE id = @id`,
      ),
      remove: this.db.prepare(`DELETE FROM ${table} WHERE id = ?`),
    };
  }

  private load(): void {
    for (const kind of KINDS) {
      const rows = this.db.prepare(`SELECT doc FROM ${TABLES[kind].table} ORDER BY id`).raw().iterate();
      for (const [doc] of rows as IterableIterator<[string]>)
        this.cache.put(kind, JSON.parse(doc) as AnyObject);
    }
  }
}
