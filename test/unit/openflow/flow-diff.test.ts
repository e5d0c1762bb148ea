// The flow diff: identity by table|priority|match in the switch's normal form; minimal ADD / MODIFY / DELETE.
import assert from 'node:assert/strict';
import {
  diffFlows,
  flowKey,
  indexFlows,
  isManaged,
  type FlowEntry,
} from '../../../southbound/openflow/index.js';

const base: FlowEntry = {
  tableId: 10,
  priority: 100,
  match: [
    { field: 'eth_type', value: 0x0800 },
    { field: 'ipv4_dst', value: '10.1.2.0', mask: '255.255.255.0' },
  ],
  instructions: [{ type: 'gotoTable', tableId: 20 }],
  cookie: 0x5d0e000000000001n,
};

describe('southbound/openflow: flow diff', () => {
  it('treats field order, full masks and masked-out bits as the switch does', () => {
    const reordered: FlowEntry = {
      ...base,
      match: [
        { field: 'ipv4_dst', value: '10.1.2.77', mask: '255.255.255.0' },
        { field: 'eth_type', value: 0x0800 },
      ],
    };
    assert.equal(flowKey(reordered), flowKey(base));
    const fullMask: FlowEntry = { ...base, match: [{ field: 'in_port', value: 3, mask: 0xffffffff }] };
    const noMask: FlowEntry = { ...base, match: [{ field: 'in_port', value: 3 }] };
    assert.equal(flowKey(fullMask), flowKey(noMask));
  });

  it('orders instructions as OpenFlow executes them and ignores empty action lists', () => {
    const a: FlowEntry = {
      ...base,
      instructions: [
        { type: 'gotoTable', tableId: 20 },
        { type: 'applyActions', actions: [{ type: 'decNwTtl' }] },
      ],
    };
    const b: FlowEntry = {
      ...base,
      instructions: [
        { type: 'applyActions', actions: [{ type: 'decNwTtl' }] },
        { type: 'writeActions', actions: [] },
        { type: 'gotoTable', tableId: 20 },
      ],
    };
    const d = diffFlows(indexFlows([a]), indexFlows([b]));
    assert.deepEqual([d.add.length, d.modify.length, d.remove.length], [0, 0, 0]);
  });

  it('adds what is missing, modifies changed instructions, re-adds a changed cookie, deletes extras', () => {
    const extra: FlowEntry = { ...base, priority: 5 };
    const changedActions: FlowEntry = { ...base, instructions: [{ type: 'gotoTable', tableId: 30 }] };
    const changedCookie: FlowEntry = { ...base, tableId: 11, cookie: 0x5d0e000000000002n };
    const actual = indexFlows([base, extra, { ...changedCookie, cookie: 0x5d0e000000000001n }]);
    const fresh: FlowEntry = { ...base, tableId: 12 };
    const d = diffFlows(indexFlows([changedActions, changedCookie, fresh]), actual);
    assert.deepEqual(d.modify, [changedActions]);
    assert.deepEqual(d.add, [changedCookie, fresh]);
    assert.deepEqual(d.remove, [extra]);
  });

  it('never manages foreign cookies or excluded ones', () => {
    const own = {
      value: 0x5d0e000000000000n,
      mask: 0xffff000000000000n,
      exclude: [{ value: 0x5d0e090000000000n, mask: 0xffffff0000000000n }],
    };
    assert.equal(isManaged(0x5d0e010000000001n, own), true);
    assert.equal(isManaged(0x1234n, own), false);
    assert.equal(isManaged(0x5d0e090000000001n, own), false);
  });
});
