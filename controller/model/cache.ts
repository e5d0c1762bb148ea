// The whole model in memory with its secondary indexes: reads never touch the disk. A store loads it at start and
// changes it inside its transactions; every change is journaled so a rolled-back transaction leaves no trace.
import { INDEXES, type IndexName } from './indexes';
import { KINDS, type AnyObject, type Id, type Kind, type ModelKinds } from './types';

type KeyFn = (o: AnyObject) => string | readonly string[] | undefined;

function keysOf(fn: KeyFn, o: AnyObject): readonly string[] {
  const k = fn(o);
  return k === undefined ? [] : typeof k === 'string' ? [k] : k;
}

export class ModelCache {
  private readonly objects = new Map<Kind, Map<Id, AnyObject>>();
  private readonly indexes = new Map<string, Map<string, Set<Id>>>();
  // Largest id ever put per kind (may outlive its object; only used to decide that appending keeps id order).
  private readonly maxId = new Map<Kind, Id>();

  constructor() {
    for (const kind of KINDS) this.objects.set(kind, new Map());
  }

  get<K extends Kind>(kind: K, id: Id): ModelKinds[K] | undefined {
    return this.table(kind).get(id) as ModelKinds[K] | undefined;
  }

  /** All objects of a kind in id order (ids are time-ordered; see ids.ts). */
  all<K extends Kind>(kind: K): IterableIterator<ModelKinds[K]> {
    return this.table(kind).values() as IterableIterator<ModelKinds[K]>;
  }

  count(kind: Kind): number {
    return this.table(kind).size;
  }

  /** Objects found under `key` in the named index. */
  lookup<K extends Kind>(kind: K, index: IndexName<K>, key: string): ModelKinds[K][] {
    const ids = this.indexes.get(`${kind}.${index}`)?.get(key);
    if (!ids) return [];
    const out: ModelKinds[K][] = [];
    for (const id of ids) out.push(this.get(kind, id) as ModelKinds[K]);
    return out;
  }

  countUnder<K extends Kind>(kind: K, index: IndexName<K>, key: string): number {
    return this.indexes.get(`${kind}.${index}`)?.get(key)?.size ?? 0;
  }

  /** Sets or replaces an object; returns the previous version. */
  put<K extends Kind>(kind: K, obj: ModelKinds[K]): ModelKinds[K] | undefined {
    const prev = this.get(kind, obj.id);
    if (prev) this.unindex(kind, prev);
    const table = this.table(kind);
    if (prev) table.set(obj.id, obj);
    else this.insertInIdOrder(kind, table, obj);
    this.index(kind, obj);
    return prev;
  }

  remove<K extends Kind>(kind: K, id: Id): ModelKinds[K] | undefined {
    const prev = this.get(kind, id);
    if (!prev) return undefined;
    this.unindex(kind, prev);
    this.table(kind).delete(id);
    return prev;
  }

  private table(kind: Kind): Map<Id, AnyObject> {
    return this.objects.get(kind) as Map<Id, AnyObject>;
  }

  // New ids are the largest, so appending keeps id order; a rollback re-inserting an older id rebuilds the map.
  private insertInIdOrder(kind: Kind, table: Map<Id, AnyObject>, obj: AnyObject): void {
    const max = this.maxId.get(kind);
    if (max === undefined || max < obj.id || table.size === 0) {
      table.set(obj.id, obj);
      this.maxId.set(kind, obj.id);
      return;
    }
    const entries = [...table.entries(), [obj.id, obj] as [Id, AnyObject]].sort((a, b) =>
      a[0] < b[0] ? -1 : 1,
    );
    table.clear();
    for (const [k, v] of entries) table.set(k, v);
  }

  private specs(kind: Kind): [string, KeyFn][] {
    return Object.entries(INDEXES[kind]) as [string, KeyFn][];
  }

  private index(kind: Kind, obj: AnyObject): void {
    for (const [name, fn] of this.specs(kind)) {
      const idx = this.indexMap(`${kind}.${name}`);
      for (const key of keysOf(fn, obj)) {
        let set = idx.get(key);
        if (!set) idx.set(key, (set = new Set()));
        set.add(obj.id);
      }
    }
  }

  private unindex(kind: Kind, obj: AnyObject): void {
    for (const [name, fn] of this.specs(kind)) {
      const idx = this.indexMap(`${kind}.${name}`);
      for (const key of keysOf(fn, obj)) {
        const set = idx.get(key);
        set?.delete(obj.id);
        if (set && set.size === 0) idx.delete(key);
      }
    }
  }

  private indexMap(name: string): Map<string, Set<Id>> {
    let m = this.indexes.get(name);
    if (!m) this.indexes.set(name, (m = new Map()));
    return m;
  }
}
