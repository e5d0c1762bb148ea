// The client's copy of the monitored tables (the idea of OVS's ovsdb-idl). Rows are frozen objects replaced as a
// whole on change (their column values are never mutated either, only replaced), so a row handed out never
// changes under its holder. One update notification is applied as one
// batch and produces one ChangeBatch that carries the old and new row of every change.
import {
  applyDatumDiff,
  type DatabaseSchema,
  type Datum,
  datumEquals,
  defaultDatum,
  type DecodedRow,
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

export class Replica<T extends TableSpecs> {
  private readonly tables = new Map<string, Map<string, Row>>();

  constructor(private readonly specs: T) {
    for (const table of Object.keys(specs)) this.tables.set(table, new Map());
  }

  rows<K extends keyof T & string>(table: K): IterableIterator<RowOf<T[K]>> {
    return this.tableMap(table).values() as IterableIterator<RowOf<T[K]>>;
  }

  get<K extends keyof T & string>(table: K, uuid: string): RowOf<T[K]> | undefined {
    return this.tableMap(table).get(uuid) as RowOf<T[K]> | undefined;
  }

  /** The first row of the table that satisfies the predicate (tables are small; indexes can come later). */
  find<K extends keyof T & string>(
    table: K,
    predicate: (row: RowOf<T[K]>) => boolean,
  ): RowOf<T[K]> | undefined {
    for (const row of this.rows(table)) if (predicate(row)) return row;
    return undefined;
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
          table.set(u.uuid, row);
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
          table.set(u.uuid, row);
          changes.push({ table: u.table, uuid: u.uuid, kind: 'modify', old, new: row });
          break;
        }
        case 'delete':
          if (!old) throw new Error(`delete of unknown ${u.table} row ${u.uuid}`);
          table.delete(u.uuid);
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
    }
    return { changes, resync: true };
  }

  /**
   * A frozen row with every monitored column present (update2 leaves out default values). Its arrays and Maps are
   * readonly by type only: Object.freeze on an array of a few thousand uuids (Bridge.ports) costs about a
   * millisecond in V8, more than the whole transaction otherwise.
   */
  private complete(schema: DatabaseSchema, table: string, uuid: string, values: DecodedRow): Row {
    const columns = this.specs[table]!;
    const tableSchema = schema.tables.get(table)!;
    const row: Record<string, Datum> = { _uuid: uuid };
    for (const column of Object.keys(columns)) {
      row[column] = values[column] ?? defaultDatum(tableSchema.columns.get(column)!.type);
    }
    return Object.freeze(row) as Row;
  }

  private modified(schema: DatabaseSchema, table: string, old: Row, values: DecodedRow, diff: boolean): Row {
    const tableSchema = schema.tables.get(table)!;
    const row: Record<string, Datum> = { ...old };
    for (const [column, value] of Object.entries(values)) {
      if (!(column in row)) continue;
      row[column] = diff ? applyDatumDiff(tableSchema.columns.get(column)!.type, old[column]!, value) : value;
    }
    return Object.freeze(row) as Row;
  }
}

function rowEquals(a: Row, b: Row): boolean {
  for (const column of Object.keys(a)) if (!datumEquals(a[column]!, b[column]!)) return false;
  return true;
}
