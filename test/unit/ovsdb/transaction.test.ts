// Which refusals the client retries on a fresher replica (another writer got there first) and which it reports.
import assert from 'node:assert/strict';
import type { Operation } from '../../../protocols/ovsdb';
import { OvsdbTransactionError } from '../../../southbound/ovsdb/transaction';

const wait: Operation = { op: 'wait', table: 'Bridge', where: [], columns: ['_uuid'], until: '==', rows: [] };
const insert: Operation = { op: 'insert', table: 'Port', row: { name: 'p1' } };

describe('unit: ovsdb transaction errors', () => {
  it('treats a failed wait and a unique-index collision at commit as guard failures, nothing else', () => {
    const guard = (operation: Operation | undefined, error: string, details?: string) =>
      new OvsdbTransactionError({ index: 0, operation, error, ...(details ? { details } : {}) })
        .isGuardFailure;
    assert.equal(guard(wait, 'timed out'), true);
    // ovsdb-server's words when a row we insert collides with one committed meanwhile (checked at commit).
    const collision =
      'Transaction causes multiple rows in "Port" table to have identical values ("p1") for index on column ' +
      '"name".  First row, with UUID 6f0e..., was inserted by this transaction.  Second row, with UUID 0b9c..., ' +
      'existed in the database before this transaction and was not modified by the transaction.';
    assert.equal(guard(undefined, 'constraint violation', collision), true);
    assert.equal(guard(insert, 'constraint violation', '"xyz" is not one of the allowed values'), false);
    assert.equal(guard(wait, 'not owner'), false);
    assert.equal(guard(insert, 'referential integrity violation', 'cannot delete'), false);
  });
});
