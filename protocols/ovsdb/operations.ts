// The ten operations of the "transact" method (RFC 7047 section 5.2), typed, encoded through the schema, and the
// interpretation of the result array: which operation failed and why.
import { type Datum, type DatumIn, decodeDatum, encodeDatum, keySetType, OvsdbDatumError } from './datum';
import {
  type ColumnType,
  type DatabaseSchema,
  type TableSchema,
  columnOf,
  isMap,
  OvsdbSchemaError,
} from './schema';

export type ConditionFunction = '<' | '<=' | '==' | '!=' | '>=' | '>' | 'includes' | 'excludes';
export type Condition = readonly [column: string, fn: ConditionFunction, value: DatumIn];
export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete';
export type Mutation = readonly [column: string, mutator: Mutator, value: DatumIn];
export type RowIn = { readonly [column: string]: DatumIn };

export type Operation =
  | { readonly op: 'insert'; readonly table: string; readonly row: RowIn; readonly uuidName?: string }
  | {
      readonly op: 'select';
      readonly table: string;
      readonly where: readonly Condition[];
      readonly columns?: readonly string[];
    }
  | {
      readonly op: 'update';
      readonly table: string;
      readonly where: readonly Condition[];
      readonly row: RowIn;
    }
  | {
      readonly op: 'mutate';
      readonly table: string;
      readonly where: readonly Condition[];
      readonly mutations: readonly Mutation[];
    }
  | { readonly op: 'delete'; readonly table: string; readonly where: readonly Condition[] }
  | {
      readonly op: 'wait';
      readonly table: string;
      readonly where: readonly Condition[];
      readonly columns: readonly string[];
      readonly until: '==' | '!=';
      readonly rows: readonly RowIn[];
      readonly timeout?: number;
    }
  | { readonly op: 'commit'; readonly durable: boolean }
  | { readonly op: 'abort' }
  | { readonly op: 'comment'; readonly comment: string }
  | { readonly op: 'assert'; readonly lock: string };

export type DecodedRow = { readonly [column: string]: Datum };

export type OperationResult =
  | { readonly op: 'insert'; readonly uuid: string }
  | { readonly op: 'select'; readonly rows: readonly DecodedRow[] }
  | { readonly op: 'update' | 'mutate' | 'delete'; readonly count: number }
  | { readonly op: 'wait' | 'commit' | 'abort' | 'comment' | 'assert' };

export interface OperationFailure {
  /** Index in the transaction; equal to the number of operations when the commit itself failed. */
  readonly index: number;
  readonly operation: Operation | undefined;
  readonly error: string;
  readonly details?: string;
}

export type TransactOutcome =
  | { readonly ok: true; readonly results: readonly OperationResult[] }
  | { readonly ok: false; readonly failure: OperationFailure };

function tableOf(schema: DatabaseSchema, name: string): TableSchema {
  const t = schema.tables.get(name);
  if (!t) throw new OvsdbSchemaError(`database ${schema.name} has no table ${name}`);
  return t;
}

function encodeRow(schema: DatabaseSchema, table: string, row: RowIn): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column in row) {
    out[column] = encodeDatum(columnOf(schema, table, column).type, row[column]!, `${table}.${column}`);
  }
  return out;
}

/** Conditions compare against a datum of the column's type, except includes/excludes which take a subset. */
function encodeCondition(schema: DatabaseSchema, table: string, [column, fn, value]: Condition): unknown[] {
  const type = columnOf(schema, table, column).type;
  const valueType: ColumnType = fn === 'includes' || fn === 'excludes' ? { ...type, min: 0 } : type;
  return [column, fn, encodeDatum(valueType, value, `${table}.${column} ${fn}`)];
}

/**
 * insert/delete on a set take a set of its elements; insert on a map takes a map; delete on a map takes either a
 * map (remove matching pairs) or a set of keys (an array here). Arithmetic mutators take one atom.
 */
function encodeMutation(
  schema: DatabaseSchema,
  table: string,
  [column, mutator, value]: Mutation,
): unknown[] {
  const type = columnOf(schema, table, column).type;
  const where = `${table}.${column} ${mutator}`;
  let wire: unknown;
  if (mutator === 'insert' || mutator === 'delete') {
    if (isMap(type) && mutator === 'delete' && Array.isArray(value))
      wire = encodeDatum(keySetType(type), value, where);
    else wire = encodeDatum({ ...type, min: 0, max: Infinity }, value, where);
  } else {
    wire = encodeDatum({ key: type.key, min: 1, max: 1 }, value, where);
  }
  return [column, mutator, wire];
}

export function encodeOperation(schema: DatabaseSchema, op: Operation): Record<string, unknown> {
  switch (op.op) {
    case 'insert': {
      tableOf(schema, op.table);
      const out: Record<string, unknown> = {
        op: 'insert',
        table: op.table,
        row: encodeRow(schema, op.table, op.row),
      };
      if (op.uuidName !== undefined) out['uuid-name'] = op.uuidName;
      return out;
    }
    case 'select': {
      const out: Record<string, unknown> = {
        op: 'select',
        table: op.table,
        where: op.where.map((c) => encodeCondition(schema, op.table, c)),
      };
      if (op.columns) {
        for (const c of op.columns) columnOf(schema, op.table, c);
        out.columns = op.columns;
      }
      return out;
    }
    case 'update':
      return {
        op: 'update',
        table: op.table,
        where: op.where.map((c) => encodeCondition(schema, op.table, c)),
        row: encodeRow(schema, op.table, op.row),
      };
    case 'mutate':
      return {
        op: 'mutate',
        table: op.table,
        where: op.where.map((c) => encodeCondition(schema, op.table, c)),
        mutations: op.mutations.map((m) => encodeMutation(schema, op.table, m)),
      };
    case 'delete':
      return {
        op: 'delete',
        table: op.table,
        where: op.where.map((c) => encodeCondition(schema, op.table, c)),
      };
    case 'wait': {
      for (const c of op.columns) columnOf(schema, op.table, c);
      const out: Record<string, unknown> = {
        op: 'wait',
        table: op.table,
        where: op.where.map((c) => encodeCondition(schema, op.table, c)),
        columns: op.columns,
        until: op.until,
        rows: op.rows.map((r) => encodeRow(schema, op.table, r)),
      };
      if (op.timeout !== undefined) out.timeout = op.timeout;
      return out;
    }
    case 'commit':
      return { op: 'commit', durable: op.durable };
    case 'abort':
      return { op: 'abort' };
    case 'comment':
      return { op: 'comment', comment: op.comment };
    case 'assert':
      return { op: 'assert', lock: op.lock };
  }
}

/** The params of a "transact" request: the database name followed by the operations. */
export function transactParams(schema: DatabaseSchema, ops: readonly Operation[]): unknown[] {
  return [schema.name, ...ops.map((op) => encodeOperation(schema, op))];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function decodeRow(table: TableSchema, raw: unknown, where: string): DecodedRow {
  if (!isRecord(raw)) throw new OvsdbDatumError(`${where}: row is not an object`);
  const row: Record<string, Datum> = {};
  for (const column in raw) {
    const wire = raw[column];
    const c = table.columns.get(column);
    if (!c) throw new OvsdbDatumError(`${where}: table ${table.name} has no column ${column}`);
    row[column] = decodeDatum(c.type, wire, `${table.name}.${column}`);
  }
  return row;
}

/**
 * Reads the result array of "transact" (RFC 7047 section 4.1.3): one result per operation; the first failed
 * operation carries {error, details} and those after it may be null; an extra trailing error means the commit
 * failed after every operation succeeded.
 */
export function interpretTransactResult(
  schema: DatabaseSchema,
  ops: readonly Operation[],
  result: unknown,
): TransactOutcome {
  if (!Array.isArray(result)) {
    return {
      ok: false,
      failure: {
        index: 0,
        operation: undefined,
        error: 'malformed reply',
        details: 'result is not an array',
      },
    };
  }
  for (let i = 0; i < result.length; i++) {
    const r = result[i] as unknown;
    if (isRecord(r) && typeof r.error === 'string') {
      const failure: OperationFailure = {
        index: i,
        operation: ops[i],
        error: r.error,
        ...(typeof r.details === 'string' ? { details: r.details } : {}),
      };
      return { ok: false, failure };
    }
  }
  if (result.length < ops.length) {
    return {
      ok: false,
      failure: {
        index: result.length,
        operation: ops[result.length],
        error: 'malformed reply',
        details: `${result.length} results for ${ops.length} operations`,
      },
    };
  }
  const results: OperationResult[] = ops.map((op, i) => {
    const r = (result[i] ?? {}) as Record<string, unknown>;
    switch (op.op) {
      case 'insert':
        return { op: 'insert', uuid: (r.uuid as [string, string] | undefined)?.[1] ?? '' };
      case 'select': {
        const table = tableOf(schema, op.table);
        const rows = Array.isArray(r.rows)
          ? r.rows.map((row) => decodeRow(table, row, `select ${op.table}`))
          : [];
        return { op: 'select', rows };
      }
      case 'update':
      case 'mutate':
      case 'delete':
        return { op: op.op, count: typeof r.count === 'number' ? r.count : 0 };
      default:
        return { op: op.op };
    }
  });
  return { ok: true, results };
}

/** One line naming the failed operation: `operation 2 (insert Port): constraint violation: ...`. */
export function describeFailure(f: OperationFailure): string {
  const what = !f.operation
    ? 'commit'
    : 'table' in f.operation
      ? `${f.operation.op} ${f.operation.table}`
      : f.operation.op;
  return `operation ${f.index} (${what}): ${f.error}${f.details ? `: ${f.details}` : ''}`;
}
