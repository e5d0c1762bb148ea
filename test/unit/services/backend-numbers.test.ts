import assert from 'node:assert/strict';
import { BackendNumbers } from '../../../controller/services/backend-numbers.js';

describe('services: backend numbers', () => {
  it('gives each backend id one number, stable until it is retired', () => {
    const n = new BackendNumbers();
    assert.equal(n.numberOf('b1'), 0);
    assert.equal(n.numberOf('b2'), 1);
    assert.equal(n.numberOf('b1'), 0);
    assert.equal(n.idOf(1), 'b2');
    assert.equal(n.current('b3'), undefined, 'asking does not give a number');
    assert.equal(n.numberOf('b3'), 2);
  });

  it('never gives a retired number again: entries still holding it name no backend', () => {
    const n = new BackendNumbers();
    const old = n.numberOf('b1');
    n.numberOf('b2');
    n.retire('b1');
    assert.equal(n.idOf(old), undefined);
    assert.equal(n.current('b1'), undefined);
    const again = n.numberOf('b1');
    assert.notEqual(again, old);
    assert.equal(n.idOf(again), 'b1');
    n.retire('nobody');
    assert.equal(n.idOf(1), 'b2');
  });
});
