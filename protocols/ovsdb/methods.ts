// Parameters and results of every RFC 7047 method (section 4.1) and of the monitor_cond/monitor_cond_since
// extensions that ovsdb-server documents in ovsdb-server(7): update2 rows carry only what changed.
import type { Json } from './jsonrpc';
import { type DecodedRow, decodeRow } from './operations';
import type { DatabaseSchema } from './schema';

export const Method = {
  listDbs: 'list_dbs',
  getSchema: 'get_schema',
  transact: 'transact',
  cancel: 'cancel',
  monitor: 'monitor',
  monitorCond: 'monitor_cond',
  monitorCondSince: 'monitor_cond_since',
  monitorCancel: 'monitor_cancel',
  lock: 'lock',
  steal: 'steal',
  unlock: 'unlock',
  echo: 'echo',
  // server -> client notifications
  update: 'update',
  update2: 'update2',
  update3: 'update3',
  locked: 'locked',
  stolen: 'stolen',
} as const;

export interface MonitorSelect {
  readonly initial?: boolean;
  readonly insert?: boolean;
  readonly delete?: boolean;
  readonly modify?: boolean;
}

/** table -> the columns to monitor. */
export type MonitorTables = ReadonlyMap<string, readonly string[]>;

/** `monitor` params: [db, monitor-id, {table: {columns, select}}]. */
export function monitorParams(
  db: string,
  monitorId: Json,
  tables: MonitorTables,
  select: MonitorSelect = {},
): unknown[] {
  const requests: Record<string, unknown> = {};
  for (const [table, columns] of tables) requests[table] = { columns, select: fullSelect(select) };
  return [db, monitorId, requests];
}

/** `monitor_cond` params: like monitor, but each table takes an array of requests (no condition: all rows). */
export function monitorCondParams(
  db: string,
  monitorId: Json,
  tables: MonitorTables,
  select: MonitorSelect = {},
): unknown[] {
  const requests: Record<string, unknown> = {};
  for (const [table, columns] of tables) requests[table] = [{ columns, select: fullSelect(select) }];
  return [db, monitorId, requests];
}

function fullSelect(s: MonitorSelect): Required<MonitorSelect> {
  return {
    initial: s.initial ?? true,
    insert: s.insert ?? true,
    delete: s.delete ?? true,
    modify: s.modify ?? true,
  };
}

export const listDbsParams = (): unknown[] => [];
export const getSchemaParams = (db: string): unknown[] => [db];
/** `cancel` is a notification naming the id of the request to cancel. */
export const cancelParams = (requestId: Json): unknown[] => [requestId];
export const monitorCancelParams = (monitorId: Json): unknown[] => [monitorId];
/** A lock name is an <id> (RFC 7047 section 3.1): letters, digits and "_", not starting with a digit. */
export function lockParams(lockId: string): unknown[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(lockId))
    throw new Error(`lock name "${lockId}" is not an <id> (letters, digits, _)`);
  return [lockId];
}

export function decodeListDbs(result: unknown): string[] {
  if (!Array.isArray(result) || !result.every((s) => typeof s === 'string')) {
    throw new Error('list_dbs result is not an array of names');
  }
  return result as string[];
}

/** lock/steal reply: {"locked": true|false}. */
export function decodeLocked(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { locked?: unknown }).locked === true;
}

export type RowUpdate =
  | { readonly kind: 'insert'; readonly table: string; readonly uuid: string; readonly row: DecodedRow }
  | { readonly kind: 'delete'; readonly table: string; readonly uuid: string }
  /** `diff` false: `row` has every monitored column (update); true: `row` holds update2 diffs of changed ones. */
  | {
      readonly kind: 'modify';
      readonly table: string;
      readonly uuid: string;
      readonly row: DecodedRow;
      readonly diff: boolean;
    };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tableFor(schema: DatabaseSchema, name: string) {
  const t = schema.tables.get(name);
  if (!t) throw new Error(`update names table ${name}, which database ${schema.name} does not have`);
  return t;
}

/**
 * Decodes <table-updates> (version 1: {old, new} per row) or <table-updates2> (version 2: one of initial, insert,
 * delete, modify per row) into a flat list of row updates.
 */
export function decodeTableUpdates(schema: DatabaseSchema, raw: unknown, version: 1 | 2): RowUpdate[] {
  if (raw === null) return [];
  if (!isRecord(raw)) throw new Error('table-updates is not an object');
  const out: RowUpdate[] = [];
  // for...in rather than Object.entries: this runs for every notification, and the pair arrays are pure garbage.
  for (const tableName in raw) {
    const rows = raw[tableName];
    const table = tableFor(schema, tableName);
    if (!isRecord(rows)) throw new Error(`updates of table ${tableName} are not an object`);
    for (const uuid in rows) {
      const u = rows[uuid];
      if (!isRecord(u)) throw new Error(`update of ${tableName} row ${uuid} is not an object`);
      const where = `${tableName} row ${uuid}`;
      if (version === 1) {
        if (u.new === undefined) out.push({ kind: 'delete', table: tableName, uuid });
        else if (u.old === undefined)
          out.push({ kind: 'insert', table: tableName, uuid, row: decodeRow(table, u.new, where) });
        else
          out.push({
            kind: 'modify',
            table: tableName,
            uuid,
            row: decodeRow(table, u.new, where),
            diff: false,
          });
        continue;
      }
      if (u.initial !== undefined)
        out.push({ kind: 'insert', table: tableName, uuid, row: decodeRow(table, u.initial, where) });
      else if (u.insert !== undefined)
        out.push({ kind: 'insert', table: tableName, uuid, row: decodeRow(table, u.insert, where) });
      else if (u.modify !== undefined)
        out.push({
          kind: 'modify',
          table: tableName,
          uuid,
          row: decodeRow(table, u.modify, where),
          diff: true,
        });
      else if ('delete' in u) out.push({ kind: 'delete', table: tableName, uuid });
      else throw new Error(`${where}: update2 has none of initial, insert, modify, delete`);
    }
  }
  return out;
}
