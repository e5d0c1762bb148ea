// The database schema as RFC 7047 section 3.2 defines it, parsed into types the datum codec can follow.
// Every column's type is normalized to {key, value?, min, max} whether the schema wrote it as "string" or in full.

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';
export type Atom = string | number | boolean;

export interface BaseType {
  readonly type: AtomicType;
  readonly enum?: readonly Atom[];
  readonly refTable?: string;
  readonly refType?: 'strong' | 'weak';
  readonly minInteger?: number;
  readonly maxInteger?: number;
}

export interface ColumnType {
  readonly key: BaseType;
  readonly value?: BaseType;
  readonly min: number;
  /** Infinity for "unlimited". */
  readonly max: number;
}

export interface ColumnSchema {
  readonly type: ColumnType;
  readonly ephemeral: boolean;
  readonly mutable: boolean;
}

export interface TableSchema {
  readonly name: string;
  readonly columns: ReadonlyMap<string, ColumnSchema>;
  readonly isRoot: boolean;
  readonly indexes: readonly (readonly string[])[];
}

export interface DatabaseSchema {
  readonly name: string;
  readonly version: string;
  readonly tables: ReadonlyMap<string, TableSchema>;
}

export class OvsdbSchemaError extends Error {
  override readonly name = 'OvsdbSchemaError';
}

const ATOMIC_TYPES: readonly string[] = ['integer', 'real', 'boolean', 'string', 'uuid'];

/** Every table has these two columns, which schemas do not list (RFC 7047 section 3.2). */
export const UUID_COLUMN: ColumnSchema = {
  type: { key: { type: 'uuid' }, min: 1, max: 1 },
  ephemeral: false,
  mutable: false,
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseBaseType(raw: unknown, where: string): BaseType {
  if (typeof raw === 'string') {
    if (!ATOMIC_TYPES.includes(raw)) throw new OvsdbSchemaError(`${where}: unknown atomic type "${raw}"`);
    return { type: raw as AtomicType };
  }
  if (!isRecord(raw) || typeof raw.type !== 'string' || !ATOMIC_TYPES.includes(raw.type)) {
    throw new OvsdbSchemaError(`${where}: bad base type ${JSON.stringify(raw)}`);
  }
  const base: { -readonly [K in keyof BaseType]: BaseType[K] } = { type: raw.type as AtomicType };
  if (raw.enum !== undefined) {
    // An enum is itself a datum: a bare atom or ["set", [...]].
    const e = raw.enum;
    base.enum = Array.isArray(e) && e[0] === 'set' && Array.isArray(e[1]) ? (e[1] as Atom[]) : [e as Atom];
  }
  if (typeof raw.refTable === 'string') {
    base.refTable = raw.refTable;
    base.refType = raw.refType === 'weak' ? 'weak' : 'strong';
  }
  if (typeof raw.minInteger === 'number') base.minInteger = raw.minInteger;
  if (typeof raw.maxInteger === 'number') base.maxInteger = raw.maxInteger;
  return base;
}

export function parseColumnType(raw: unknown, where: string): ColumnType {
  if (typeof raw === 'string') return { key: parseBaseType(raw, where), min: 1, max: 1 };
  if (!isRecord(raw)) throw new OvsdbSchemaError(`${where}: bad column type ${JSON.stringify(raw)}`);
  const key = parseBaseType(raw.key, `${where} key`);
  const value = raw.value === undefined ? undefined : parseBaseType(raw.value, `${where} value`);
  const min = raw.min === undefined ? 1 : Number(raw.min);
  const max = raw.max === undefined ? 1 : raw.max === 'unlimited' ? Infinity : Number(raw.max);
  if (!(min === 0 || min === 1) || !(max >= 1) || max < min) {
    throw new OvsdbSchemaError(`${where}: bad min/max ${JSON.stringify([raw.min, raw.max])}`);
  }
  return value ? { key, value, min, max } : { key, min, max };
}

export function parseSchema(raw: unknown): DatabaseSchema {
  if (!isRecord(raw) || typeof raw.name !== 'string' || !isRecord(raw.tables)) {
    throw new OvsdbSchemaError('a database schema needs "name" and "tables"');
  }
  const tables = new Map<string, TableSchema>();
  for (const [tableName, rawTable] of Object.entries(raw.tables)) {
    if (!isRecord(rawTable) || !isRecord(rawTable.columns)) {
      throw new OvsdbSchemaError(`table ${tableName} has no columns`);
    }
    const columns = new Map<string, ColumnSchema>();
    for (const [columnName, rawColumn] of Object.entries(rawTable.columns)) {
      if (!isRecord(rawColumn))
        throw new OvsdbSchemaError(`column ${tableName}.${columnName} is not an object`);
      columns.set(columnName, {
        type: parseColumnType(rawColumn.type, `${tableName}.${columnName}`),
        ephemeral: rawColumn.ephemeral === true,
        mutable: rawColumn.mutable !== false,
      });
    }
    columns.set('_uuid', UUID_COLUMN);
    columns.set('_version', UUID_COLUMN);
    const indexes = Array.isArray(rawTable.indexes) ? (rawTable.indexes as string[][]) : [];
    tables.set(tableName, { name: tableName, columns, isRoot: rawTable.isRoot === true, indexes });
  }
  return { name: raw.name, version: typeof raw.version === 'string' ? raw.version : '', tables };
}

/** The column's schema, or an error that names the table and column. */
export function columnOf(schema: DatabaseSchema, table: string, column: string): ColumnSchema {
  const t = schema.tables.get(table);
  if (!t) throw new OvsdbSchemaError(`database ${schema.name} has no table ${table}`);
  const c = t.columns.get(column);
  if (!c) throw new OvsdbSchemaError(`table ${schema.name}.${table} has no column ${column}`);
  return c;
}

export function isMap(type: ColumnType): boolean {
  return type.value !== undefined;
}

/** A column holding exactly one atom (min = max = 1, no value): decoded as that atom, not as a set. */
export function isScalar(type: ColumnType): boolean {
  return type.value === undefined && type.min === 1 && type.max === 1;
}
