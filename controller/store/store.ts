// The one interface the controller keeps its model behind. SQLite implements it today (sqlite-store.ts); a store on
// etcd for several controllers would implement the same calls: reads from a loaded cache, writes in transactions
// that are all-or-nothing, each with an audit record and one change event after commit.
import type { ChangeEvent, ModelEvents } from '../events';
import type { GroupName, IndexName } from '../model/indexes';
import type { Id, IpAllocation, Kind, ModelKinds } from '../model/types';

export interface ModelReader {
  get<K extends Kind>(kind: K, id: Id): ModelKinds[K] | undefined;
  all<K extends Kind>(kind: K): IterableIterator<ModelKinds[K]>;
  count(kind: Kind): number;
  lookup<K extends Kind>(kind: K, index: IndexName<K>, key: string): ModelKinds[K][];
  countUnder<K extends Kind>(kind: K, index: IndexName<K>, key: string): number;
  members<K extends Kind>(kind: K, group: GroupName<K>, key: string): IterableIterator<string>;
}

export interface TxMeta {
  /** Token id or "system". */
  readonly actor: string;
  /** e.g. "network.create". */
  readonly action: string;
}

/** What a transaction body may do. Reads see the transaction's own writes. */
export interface StoreTx extends ModelReader {
  create<K extends Kind>(kind: K, obj: ModelKinds[K]): void;
  update<K extends Kind>(kind: K, obj: ModelKinds[K]): void;
  remove<K extends Kind>(kind: K, id: Id): void;
  putAllocation(a: IpAllocation): void;
  removeAllocation(subnetId: Id, address: string): void;
  /** Names nodes the change event must carry beyond those the changed objects name themselves. */
  touchNodes(...nodeIds: Id[]): void;
  /** Undo for state kept outside the store (IPAM free lists); run in reverse order if the transaction fails. */
  onRollback(undo: () => void): void;
}

export interface ModelStore extends ModelReader {
  readonly events: ModelEvents;
  readonly schemaVersion: number;
  readonly location: string;
  isOpen(): boolean;
  /**
   * Runs `body` as one atomic mutation with its audit row; throws what `body` threw after undoing everything.
   * The mutation is visible to reads at once and durable once durable() resolves; its ChangeEvent is emitted then.
   */
  transact<T>(meta: TxMeta, body: (tx: StoreTx) => T): T;
  /** Resolves when every mutation made so far is committed to disk; rejects if that commit failed. */
  durable(): Promise<void>;
  allocations(): IterableIterator<IpAllocation>;
  /** The last `limit` audit records, newest first. */
  audit(limit: number): AuditRecord[];
  close(): void;
}

export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly changes: ChangeEvent['changes'];
}

/**
 * The store could not write to its disk (full, or an I/O error): nothing of the transaction was kept, in memory
 * or on disk, and the database is as it was before it. The API answers 507 with this message.
 */
export class StoreStorageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The store file failed its consistency check on open: the controller must not run on it. */
export class StoreInconsistentError extends Error {
  constructor(
    readonly problems: readonly string[],
    location: string,
  ) {
    super(`store ${location} is inconsistent: ${problems.slice(0, 10).join('; ')}`);
  }
}
