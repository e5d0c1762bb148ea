// A transaction built from typed operations. insert() hands back a named-uuid so rows created together can refer
// to each other; verify() turns what the replica says about a row into a `wait` guard, so a read-modify-write
// fails (and is retried by the client) if another writer changed that row first.
import {
  type Condition,
  type DatumIn,
  type Mutation,
  namedUuid,
  type NamedUuid,
  type Operation,
  type OperationFailure,
  type OperationResult,
  type RowIn,
  describeFailure,
} from '../../protocols/ovsdb';
import type { Row } from './replica';

export class Transaction {
  private readonly ops: Operation[] = [];
  private nameCount = 0;

  get operations(): readonly Operation[] {
    return this.ops;
  }

  get isEmpty(): boolean {
    return !this.ops.some((o) => o.op !== 'comment' && o.op !== 'wait' && o.op !== 'assert');
  }

  /** Inserts a row; the returned reference stands for its uuid anywhere else in this transaction. */
  insert(table: string, row: RowIn, name?: string): NamedUuid {
    const ref = namedUuid(name ?? `row${++this.nameCount}_${table.toLowerCase()}`);
    this.ops.push({ op: 'insert', table, row, uuidName: ref.namedUuid });
    return ref;
  }

  update(table: string, where: readonly Condition[], row: RowIn): this {
    if (Object.keys(row).length > 0) this.ops.push({ op: 'update', table, where, row });
    return this;
  }

  mutate(table: string, where: readonly Condition[], mutations: readonly Mutation[]): this {
    if (mutations.length > 0) this.ops.push({ op: 'mutate', table, where, mutations });
    return this;
  }

  delete(table: string, where: readonly Condition[]): this {
    this.ops.push({ op: 'delete', table, where });
    return this;
  }

  select(table: string, where: readonly Condition[], columns?: readonly string[]): this {
    this.ops.push(columns ? { op: 'select', table, where, columns } : { op: 'select', table, where });
    return this;
  }

  /** A guard: the rows matching `where`, projected on `columns`, must be exactly `rows` (timeout 0: check now). */
  wait(
    table: string,
    where: readonly Condition[],
    columns: readonly string[],
    rows: readonly RowIn[],
    until: '==' | '!=' = '==',
  ): this {
    this.ops.push({ op: 'wait', table, where, columns, until, rows, timeout: 0 });
    return this;
  }

  /** Guard: no row of `table` has `column` == `value` (e.g. no bridge named br-int yet). */
  waitAbsent(table: string, column: string, value: DatumIn): this {
    return this.wait(table, [[column, '==', value]], ['_uuid'], []);
  }

  /** Guard: the row still has the values of `columns` that the replica shows. */
  verify(table: string, row: Row, columns: readonly string[]): this {
    const expected: Record<string, DatumIn> = {};
    for (const c of columns) expected[c] = row[c] as DatumIn;
    return this.wait(table, [['_uuid', '==', row._uuid]], columns, [expected]);
  }

  comment(text: string): this {
    this.ops.push({ op: 'comment', comment: text });
    return this;
  }

  assertLock(lock: string): this {
    this.ops.push({ op: 'assert', lock });
    return this;
  }
}

export interface TransactionResult {
  readonly results: readonly OperationResult[];
  /** The uuid the server gave a row inserted with this named-uuid. */
  uuidOf(ref: NamedUuid): string;
}

/** ovsdb-server's words for a commit that would give two rows the same value of an indexed column. */
const INDEX_COLLISION = /identical values .* for index on column/;

/** A transaction the server refused, naming the operation: "operation 3 (insert Port): constraint violation: ...". */
export class OvsdbTransactionError extends Error {
  override readonly name = 'OvsdbTransactionError';
  constructor(readonly failure: OperationFailure) {
    super(`transaction failed at ${describeFailure(failure)}`);
  }

  /**
   * Another writer got there first: a `wait` guard did not hold, or a row we inserted collides on one of the
   * schema's unique indexes (Port.name) with a row committed meanwhile. Rebuild from the replica and try again.
   */
  get isGuardFailure(): boolean {
    const f = this.failure;
    if (f.operation?.op === 'wait') return f.error === 'timed out';
    return f.error === 'constraint violation' && INDEX_COLLISION.test(f.details ?? '');
  }
}
