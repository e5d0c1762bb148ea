// The client's copy of the monitored tables (the idea of OVS's ovsdb-idl). Rows are frozen objects replaced as a
// whole on change (their column values are never mutated either, only replaced), so a row handed out never
// changes under its holder. One update notification is applied as one
// batch and produces one ChangeBatch that carries the old and new row of every change.
import {
  applyDatumDiff,
  type Atom,
  type DatabaseSchema,
  type Datum,
  datumEquals,
  defaultDatum,
  type DecodedRow,
  isMap,
  isScalar,
  type ColumnType,
  type RowOf,
  type RowUpdate,
  type TableSpecs,
} from '../../protocols/ovsdb';

export type Row = { readonly _uuid: string; readonly [column: string]: Datum };

export interface RowChange {
  readonly table: string;
  readonly uuid: string;
  readonly kind: 'insert' | 'modify' | 'delete';
  readonly old?: Row;
  readonly new?: Row;
}

export interface ChangeBatch {
  readonly changes: readonly RowChange[];
  /** True when the batch came from a (re)connect: the replica was brought in line with the server's contents. */
  readonly resync: boolean;
}

/**
 * Most columns of a new row hold their default (an Interface row has a dozen, most empty), and every row stays in
 * the replica: one shared empty set and one shared empty map, which refuse to change, instead of new ones per row.
 */
const EMPTY_SET: readonly Atom[] = Object.freeze([]);
const EMPTY_MAP: ReadonlyMap<Atom, Atom> = immutableEmptyMap();

function immutableEmptyMap(): ReadonlyMap<Atom, Atom> {
  const map = new Map<Atom, Atom>();
  const refuse = () => {
    throw new TypeError('a replica row is read-only');
  };
  // Own, non-enumerable: the map still compares equal to any other empty Map.
  for (const method of ['set', 'delete', 'clear']) Object.defineProperty(map, method, { value: refuse });
  return Object.freeze(map);
}

function sharedDefault(type: ColumnType): Datum {
  if (isMap(type)) return EMPTY_MAP;
  if (isScalar(type)) return defaultDatum(type);
  return EMPTY_SET;
}

/** Set columns at least this long keep a membership Set in the replica (a bridge's ports, not a port's trunks). */
const LARGE_SET = 32;

type Members = Map<string, Map<string, Set<Atom>>>; // uuid -> column -> elements
type ValueIndex = Map<string, Map<Atom, Set<string>>>; // column -> value -> uuids

export class Replica<T extends TableSpecs> {
  private readonly tables = new Map<string, Map<string, Row>>();
  /** Each table's declared columns: every row of a table is built in this order, so its rows share one shape. */
  private readonly columns = new Map<string, readonly string[]>();
  /**
   * Elements of the large set columns of current rows, so a one-port diff of a bridge with thousands of ports
   * costs O(diff) for membership and one array copy, and includes() is O(1). Built on first use, dropped when the
   * row is replaced as a whole or deleted.
   */
  private readonly members = new Map<string, Members>();
  /** Rows by the value of a scalar column (Port.name), built on the first findBy() and kept current after. */
  private readonly indexes = new Map<string, ValueIndex>();

  constructor(private readonly specs: T) {
    for (const table of Object.keys(specs)) {
      this.tables.set(table, new Map());
      this.columns.set(table, Object.keys(specs[table]!));
      this.members.set(table, new Map());
      this.indexes.set(table, new Map());
    }
  }

  rows<K extends keyof T & string>(table: K): IterableIterator<RowOf<T[K]>> {
    return this.tableMap(table).values() as IterableIterator<RowOf<T[K]>>;
  }

  get<K extends keyof T & string>(table: K, uuid: string): RowOf<T[K]> | undefined {
    return this.tableMap(table).get(uuid) as RowOf<T[K]> | undefined;
  }

  /** The first row of the table that satisfies the predicate (a scan: use findBy for a column's value). */
  find<K extends keyof T & string>(
    table: K,
    predicate: (row: RowOf<T[K]>) => boolean,
  ): RowOf<T[K]> | undefined {
    for (const row of this.rows(table)) if (predicate(row)) return row;
    return undefined;
  }

  /**
   * A row whose scalar column equals `value` (a bridge, port or interface by name), through an index: O(1) however
   * many rows the table holds. The first call for a column builds its index.
   */
  findBy<K extends keyof T & string>(
    table: K,
    column: keyof T[K] & string,
    value: Atom,
  ): RowOf<T[K]> | undefined {
    const uuids = this.valueIndex(table, column).get(value);
    if (uuids === undefined) return undefined;
    for (const uuid of uuids) return this.get(table, uuid);
    return undefined;
  }

  /** Whether the current row's set column holds `atom` (Bridge.ports has a port): O(1) for large sets. */
  includes<K extends keyof T & string>(
    table: K,
    uuid: string,
    column: keyof T[K] & string,
    atom: Atom,
  ): boolean {
    const row = this.tableMap(table).get(uuid);
    const value = row?.[column];
    if (!Array.isArray(value)) return false;
    const set = value as readonly Atom[];
    if (set.length < LARGE_SET) return set.includes(atom);
    return this.membersOf(table, uuid, column, set).has(atom);
  }

  filter<K extends keyof T & string>(table: K, predicate: (row: RowOf<T[K]>) => boolean): RowOf<T[K]>[] {
    const out: RowOf<T[K]>[] = [];
    for (const row of this.rows(table)) if (predicate(row)) out.push(row);
    return out;
  }

  count(table: keyof T & string): number {
    return this.tableMap(table).size;
  }

  isMonitored(table: string): boolean {
    return this.tables.has(table);
  }

  has(table: string, uuid: string): boolean {
    return this.tables.get(table)?.has(uuid) ?? false;
  }

  private tableMap(table: string): Map<string, Row> {
    const t = this.tables.get(table);
    if (!t) throw new Error(`table ${table} is not monitored`);
    return t;
  }

  /** Applies one update notification; every update in it lands before anyone can look. */
  apply(schema: DatabaseSchema, updates: readonly RowUpdate[]): ChangeBatch {
    const changes: RowChange[] = [];
    for (const u of updates) {
      const table = this.tables.get(u.table);
      if (!table) continue;
      const old = table.get(u.uuid);
      switch (u.kind) {
        case 'insert': {
          const row = this.complete(schema, u.table, u.uuid, u.row);
          this.members.get(u.table)!.delete(u.uuid);
          this.put(table, u.table, old, row);
          changes.push(
            old
              ? { table: u.table, uuid: u.uuid, kind: 'modify', old, new: row }
              : { table: u.table, uuid: u.uuid, kind: 'insert', new: row },
          );
          break;
        }
        case 'modify': {
          if (!old) throw new Error(`modify of unknown ${u.table} row ${u.uuid}`);
          const row = this.modified(schema, u.table, old, u.row, u.diff);
          this.put(table, u.table, old, row);
          changes.push({ table: u.table, uuid: u.uuid, kind: 'modify', old, new: row });
          break;
        }
        case 'delete':
          if (!old) throw new Error(`delete of unknown ${u.table} row ${u.uuid}`);
          table.delete(u.uuid);
          this.members.get(u.table)!.delete(u.uuid);
          this.reindex(u.table, old, undefined);
          changes.push({ table: u.table, uuid: u.uuid, kind: 'delete', old });
          break;
      }
    }
    return { changes, resync: false };
  }

  /**
   * Replaces the contents with a monitor's initial rows (after a reconnect) and reports the difference to what we
   * had: rows that went away while we were disconnected are deletes, changed rows are modifies.
   */
  resync(schema: DatabaseSchema, initial: readonly RowUpdate[]): ChangeBatch {
    const fresh = new Map<string, Map<string, Row>>();
    for (const table of this.tables.keys()) fresh.set(table, new Map());
    for (const u of initial) {
      if (u.kind !== 'insert')
        throw new Error(`initial monitor contents hold a ${u.kind} of ${u.table} row ${u.uuid}`);
      fresh.get(u.table)?.set(u.uuid, this.complete(schema, u.table, u.uuid, u.row));
    }
    const changes: RowChange[] = [];
    for (const [tableName, rows] of fresh) {
      const before = this.tables.get(tableName)!;
      for (const [uuid, row] of rows) {
        const old = before.get(uuid);
        if (!old) changes.push({ table: tableName, uuid, kind: 'insert', new: row });
        else if (!rowEquals(old, row))
          changes.push({ table: tableName, uuid, kind: 'modify', old, new: row });
        else rows.set(uuid, old); // keep the identical frozen object
      }
      for (const [uuid, old] of before)
        if (!rows.has(uuid)) changes.push({ table: tableName, uuid, kind: 'delete', old });
      this.tables.set(tableName, rows);
      // Rebuilt on demand from the new contents.
      this.members.get(tableName)!.clear();
      this.indexes.get(tableName)!.clear();
    }
    return { changes, resync: true };
  }

  private put(table: Map<string, Row>, tableName: string, old: Row | undefined, row: Row): void {
    table.set(row._uuid, row);
    this.reindex(tableName, old, row);
  }

  /** Moves a row between index entries when an indexed column changed (a handful of columns at most). */
  private reindex(table: string, old: Row | undefined, row: Row | undefined): void {
    for (const [column, index] of this.indexes.get(table)!) {
      const before = old?.[column] as Atom | undefined;
      const after = row?.[column] as Atom | undefined;
      if (old && row && before === after) continue;
      if (old) {
        const uuids = index.get(before!);
        uuids?.delete(old._uuid);
        if (uuids?.size === 0) index.delete(before!);
      }
      if (row) {
        const uuids = index.get(after!);
        if (uuids) uuids.add(row._uuid);
        else index.set(after!, new Set([row._uuid]));
      }
    }
  }

  private valueIndex(table: string, column: string): Map<Atom, Set<string>> {
    const indexes = this.indexes.get(table);
    if (!indexes) throw new Error(`table ${table} is not monitored`);
    let index = indexes.get(column);
    if (index) return index;
    const spec = this.specs[table]![column];
    if (spec === undefined || /[?*<]/.test(spec))
      throw new Error(`${table}.${column} is not a scalar column of the replica; it cannot be indexed`);
    index = new Map();
    for (const row of this.tables.get(table)!.values()) {
      const value = row[column] as Atom;
      const uuids = index.get(value);
      if (uuids) uuids.add(row._uuid);
      else index.set(value, new Set([row._uuid]));
    }
    indexes.set(column, index);
    return index;
  }

  private membersOf(table: string, uuid: string, column: string, value: readonly Atom[]): Set<Atom> {
    const byRow = this.members.get(table)!;
    let byColumn = byRow.get(uuid);
    if (!byColumn) byRow.set(uuid, (byColumn = new Map()));
    let set = byColumn.get(column);
    if (!set) byColumn.set(column, (set = new Set(value)));
    return set;
  }

  /**
   * A frozen row with every monitored column present (update2 leaves out default values). Its arrays and Maps are
   * readonly by type only: Object.freeze on an array of a few thousand uuids (Bridge.ports) costs about a
   * millisecond in V8, more than the whole transaction otherwise.
   */
  private complete(schema: DatabaseSchema, table: string, uuid: string, values: DecodedRow): Row {
    const tableSchema = schema.tables.get(table)!;
    const row: Record<string, Datum> = { _uuid: uuid };
    for (const column of this.columns.get(table)!) {
      row[column] = values[column] ?? sharedDefault(tableSchema.columns.get(column)!.type);
    }
    return Object.freeze(row) as Row;
  }

  /** The new version of a row: unchanged columns are shared with the old one, changed ones replaced. */
  private modified(schema: DatabaseSchema, table: string, old: Row, values: DecodedRow, diff: boolean): Row {
    const tableSchema = schema.tables.get(table)!;
    const row: Record<string, Datum> = { _uuid: old._uuid };
    for (const column of this.columns.get(table)!) {
      const value = values[column];
      if (value === undefined) row[column] = old[column]!;
      else if (!diff) {
        this.members.get(table)!.get(old._uuid)?.delete(column);
        row[column] = value;
      } else {
        const type = tableSchema.columns.get(column)!.type;
        const before = old[column]!;
        const large = Array.isArray(before) && before.length >= LARGE_SET && !isMap(type);
        row[column] = large
          ? applyDatumDiff(type, before, value, this.membersOf(table, old._uuid, column, before))
          : applyDatumDiff(type, before, value);
        if (!large) this.members.get(table)!.get(old._uuid)?.delete(column);
      }
    }
    return Object.freeze(row) as Row;
  }
}

function rowEquals(a: Row, b: Row): boolean {
  for (const column of Object.keys(a)) if (!datumEquals(a[column]!, b[column]!)) return false;
  return true;
}
