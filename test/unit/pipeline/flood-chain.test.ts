// A network with more local ports than one GROUP_MOD can carry floods through a chain of groups.
import { strict as assert } from 'node:assert';
import {
  chainedGroupId,
  chainedGroups,
  MAX_GROUP_BUCKETS,
  toLocalPort,
} from '../../../controller/pipeline/features/broadcast.js';
import type { GroupSpec } from '../../../controller/pipeline/feature.js';
import { GroupModCommand } from '../../../protocols/openflow13/index.js';
import { encode } from '../../../protocols/openflow13/encode.js';

const bucketOf = (port: number) => ({
  weight: 0,
  watchPort: 0xffffffff,
  watchGroup: 0xffffffff,
  actions: toLocalPort(port),
});

describe('flood groups past one GROUP_MOD', () => {
  it('stay one group while the buckets fit', () => {
    const out: GroupSpec[] = [];
    chainedGroups(200, [1, 2, 3].map(bucketOf), out);
    assert.deepEqual(
      out.map((g) => [g.groupId, g.buckets.length]),
      [[200, 3]],
    );
    const empty: GroupSpec[] = [];
    chainedGroups(201, [], empty);
    assert.deepEqual(
      empty.map((g) => [g.groupId, g.buckets.length]),
      [[201, 0]],
    );
  });

  it('chain on: every port once, the last bucket of each group names the next, each message encodable', () => {
    const n = 2 * MAX_GROUP_BUCKETS + 17;
    const out: GroupSpec[] = [];
    chainedGroups(
      200,
      Array.from({ length: n }, (_, i) => bucketOf(i + 1)),
      out,
    );
    assert.deepEqual(
      out.map((g) => g.groupId),
      [200, chainedGroupId(200, 1), chainedGroupId(200, 2)],
    );
    const ports: number[] = [];
    out.forEach((g, k) => {
      const next = out[k + 1];
      const tail = g.buckets[g.buckets.length - 1];
      if (next) assert.deepEqual(tail?.actions, [{ type: 'group', groupId: next.groupId }]);
      for (const b of next ? g.buckets.slice(0, -1) : g.buckets) {
        const load = b.actions[0];
        assert.ok(load?.type === 'regLoad');
        ports.push(Number(load.value));
      }
      const bytes = encode({
        type: 'groupMod',
        xid: 1,
        command: GroupModCommand.ADD,
        groupType: g.groupType,
        groupId: g.groupId,
        buckets: g.buckets,
      });
      assert.ok(bytes.length <= 0xffff, `group ${g.groupId}: ${bytes.length} bytes`);
    });
    assert.deepEqual(
      ports,
      Array.from({ length: n }, (_, i) => i + 1),
    );
    // Chain ids never meet a flood group id (those are below 2^25) and fit 32 bits.
    assert.ok(chainedGroupId(200, 1) >= 2 ** 25 && chainedGroupId(2 ** 25 - 1, 127) < 2 ** 32);
  });
});
