// Every compiled flow and group goes through the OpenFlow 1.3 codec: encoded as FLOW_MOD / GROUP_MOD, decoded back to
// the same value, re-encoded to the same bytes.
import { strict as assert } from 'node:assert';
import { decode, encode } from '../../../protocols/openflow13/index.js';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { flowModOf, groupModOf } from '../../../controller/pipeline/messages.js';
import { cluster } from './fixture.js';

describe('pipeline output through the OpenFlow 1.3 codec', () => {
  const c = compileNode(cluster(), 'n1');

  it('encodes every flow as a FLOW_MOD that decodes back to it', () => {
    for (const f of c.flows) {
      const msg = flowModOf(f, 'add', 7);
      const bytes = encode(msg);
      const back = decode(bytes);
      assert.ok(back.ok, `flow in table ${f.table} priority ${f.priority} did not decode`);
      const m = back.message;
      assert.equal(m.type, 'flowMod');
      if (m.type !== 'flowMod') return;
      assert.equal(m.tableId, f.table);
      assert.equal(m.priority, f.priority);
      assert.equal(m.cookie, f.cookie);
      assert.ok(
        Buffer.from(encode(m)).equals(Buffer.from(bytes)),
        `re-encoding differs for table ${f.table}`,
      );
      assert.equal(m.match.length, f.match.length);
    }
  });

  it('encodes every group as a GROUP_MOD that decodes back to it', () => {
    for (const g of c.groups) {
      const bytes = encode(groupModOf(g));
      const back = decode(bytes);
      assert.ok(back.ok);
      assert.equal(back.message.type, 'groupMod');
      if (back.message.type !== 'groupMod') return;
      assert.equal(back.message.groupId, g.groupId);
      assert.equal(back.message.buckets.length, g.buckets.length);
    }
  });

  it('makes strict deletes without instructions and with an exact cookie mask', () => {
    const d = flowModOf(c.flows[0]!, 'deleteStrict');
    assert.equal(d.command, 4);
    assert.deepEqual(d.instructions, []);
    assert.equal(d.cookieMask, 0xffffffffffffffffn);
  });
});
