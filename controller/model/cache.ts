// The whole model in memory with its secondary indexes: reads never touch the disk. A store loads it at start and
// changes it inside its transactions; every change is journaled so a rolled-back transaction leaves no trace.
import { GROUPS, INDEXES, type GroupName, type GroupSpec, type IndexName } from './indexes';
import { KINDS, type AnyObject, type Id, type Kind, type ModelKinds } from './types';

type KeyFn = (o: AnyObject) => string | readonly string[] | undefined;
type MemberFn = (o: AnyObject) => readonly [string, string] | undefined;
/** Key -> the ids under it: most keys (names, MACs, attachments) hold one id, kept bare to spare a Set each. */
type Postings = Map<string, Id | Set<Id>>;

interface KindIndexes {
  readonly keyed: [Postings, KeyFn][];
  readonly groups: [Map<string, Map<string, number>>, MemberFn][];
}

function keysOf(fn: KeyFn, o: AnyObject): readonly string[] {
  const k = fn(o);
  return k === undefined ? [] : typeof k === 'string' ? [k] : k;
}

export class ModelCache {
  private readonly objects = new Map<Kind, Map<Id, AnyObject>>();
  private readonly indexes = new Map<string, Postings>();
  // Largest id ever put per kind (may outlive its object; only used to decide that appending keeps id order).
  private readonly maxId = new Map<Kind, Id>();

  private readonly groups = new Map<string, Map<string, Map<string, number>>>();
  // Per kind, the index maps with their key functions, resolved once (put() is on the load path of 100k objects).
  private readonly perKind = new Map<Kind, KindIndexes>();

  constructor() {
    for (const kind of KINDS) {
      this.objects.set(kind, new Map());
      const keyed = Object.entries(INDEXES[kind]).map(
        ([name, fn]) => [this.indexMap(`${kind}.${name}`), fn as KeyFn] as [Postings, KeyFn],
      );
      const groups = Object.entries((GROUPS as GroupSpec)[kind] ?? {}).map(([name, fn]) => {
        const m = new Map<string, Map<string, number>>();
        this.groups.set(`${kind}.${name}`, m);
        return [m, fn as MemberFn] as [Map<string, Map<string, number>>, MemberFn];
      });
      this.perKind.set(kind, { keyed, groups });
    }
  }

  /** Distinct members under a key of a group index, e.g. the nodes hosting a network's endpoints. */
  members<K extends Kind>(kind: K, group: GroupName<K>, key: string): IterableIterator<string> {
    const m = this.groups.get(`${kind}.${group}`)?.get(key);
    return (m ?? new Map<string, number>()).keys();
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
    if (ids === undefined) return [];
    if (typeof ids === 'string') return [this.get(kind, ids) as ModelKinds[K]];
    const out: ModelKinds[K][] = [];
    for (const id of ids) out.push(this.get(kind, id) as ModelKinds[K]);
    return out;
  }

  countUnder<K extends Kind>(kind: K, index: IndexName<K>, key: string): number {
    const held = this.indexes.get(`${kind}.${index}`)?.get(key);
    return held === undefined ? 0 : typeof held === 'string' ? 1 : held.size;
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

  private index(kind: Kind, obj: AnyObject): void {
    const k = this.perKind.get(kind) as KindIndexes;
    for (const [idx, fn] of k.keyed) {
      for (const key of keysOf(fn, obj)) {
        const held = idx.get(key);
        if (held === undefined) idx.set(key, obj.id);
        else if (typeof held === 'string') {
          if (held !== obj.id) idx.set(key, new Set([held, obj.id]));
        } else held.add(obj.id);
      }
    }
    for (const [g, fn] of k.groups) {
      const km = fn(obj);
      if (!km) continue;
      let members = g.get(km[0]);
      if (!members) g.set(km[0], (members = new Map()));
      members.set(km[1], (members.get(km[1]) ?? 0) + 1);
    }
  }

  private unindex(kind: Kind, obj: AnyObject): void {
    const k = this.perKind.get(kind) as KindIndexes;
    for (const [idx, fn] of k.keyed) {
      for (const key of keysOf(fn, obj)) {
        const held = idx.get(key);
        if (held === obj.id) idx.delete(key);
        else if (typeof held === 'object') {
          held.delete(obj.id);
          if (held.size === 1) idx.set(key, held.values().next().value as Id);
        }
      }
    }
    for (const [g, fn] of k.groups) {
      const km = fn(obj);
      const members = km && g.get(km[0]);
      if (!km || !members) continue;
      const n = (members.get(km[1]) ?? 0) - 1;
      if (n > 0) members.set(km[1], n);
      else members.delete(km[1]);
      if (members.size === 0) g.delete(km[0]);
    }
  }

  private indexMap(name: string): Postings {
    let m = this.indexes.get(name);
    if (!m) this.indexes.set(name, (m = new Map()));
    return m;
  }
}
