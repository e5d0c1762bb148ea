// The replica as a pure data structure: batches, old values, frozen rows, and resync after a reconnect.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeTableUpdates, OPEN_VSWITCH_TABLES, parseSchema } from '../../../protocols/ovsdb';
import { Replica } from '../../../southbound/ovsdb/replica';

const schema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')));
const B1 = '00000000-0000-4000-8000-000000000001';
const B2 = '00000000-0000-4000-8000-000000000002';
const B3 = '00000000-0000-4000-8000-000000000003';
const updates2 = (raw: unknown) => decodeTableUpdates(schema, raw, 2);

describe('unit: ovsdb replica', () => {
  it('fills columns update2 left out with their defaults and freezes rows', () => {
    const r = new Replica(OPEN_VSWITCH_TABLES);
    const batch = r.resync(schema, updates2({ Bridge: { [B1]: { initial: { name: 'br-int' } } } }));
    assert.equal(batch.resync, true);
    const br = r.get('Bridge', B1)!;
    assert.deepEqual(
      {
        name: br.name,
        ports: br.ports,
        fail_mode: br.fail_mode,
        datapath_type: br.datapath_type,
        other_config: br.other_config,
      },
      { name: 'br-int', ports: [], fail_mode: [], datapath_type: '', other_config: new Map() },
    );
    assert.ok(Object.isFrozen(br));
    assert.throws(() => ((br as { name: string }).name = 'x'), TypeError);
  });

  it('applies one notification as one batch with old and new rows; held rows never change', () => {
    const r = new Replica(OPEN_VSWITCH_TABLES);
    r.resync(
      schema,
      updates2({
        Bridge: { [B1]: { initial: { name: 'a', fail_mode: 'secure' } }, [B2]: { initial: { name: 'b' } } },
      }),
    );
    const held = r.get('Bridge', B1)!;
    const batch = r.apply(
      schema,
      updates2({
        Bridge: {
          [B1]: { modify: { fail_mode: 'standalone' } },
          [B2]: { delete: null },
          [B3]: { insert: { name: 'c' } },
        },
      }),
    );
    assert.deepEqual(
      batch.changes.map((c) => [c.kind, c.old?.name, c.new?.name, c.old?.fail_mode, c.new?.fail_mode]),
      [
        ['modify', 'a', 'a', ['secure'], ['standalone']],
        ['delete', 'b', undefined, [], undefined],
        ['insert', undefined, 'c', undefined, []],
      ],
    );
    assert.deepEqual(held.fail_mode, ['secure'], 'a row handed out before is not changed');
    assert.deepEqual([...r.rows('Bridge')].map((b) => b.name).sort(), ['a', 'c']);
  });

  it('resyncs to the server contents, reporting only what differs', () => {
    const r = new Replica(OPEN_VSWITCH_TABLES);
    r.resync(
      schema,
      updates2({
        Bridge: {
          [B1]: { initial: { name: 'same' } },
          [B2]: { initial: { name: 'gone' } },
          [B3]: { initial: { name: 'old' } },
        },
      }),
    );
    const same = r.get('Bridge', B1);
    const batch = r.resync(
      schema,
      updates2({ Bridge: { [B1]: { initial: { name: 'same' } }, [B3]: { initial: { name: 'new' } } } }),
    );
    assert.deepEqual(
      batch.changes.map((c) => `${c.kind}:${c.old?.name ?? ''}->${c.new?.name ?? ''}`).sort(),
      ['delete:gone->', 'modify:old->new'],
    );
    assert.equal(r.get('Bridge', B1), same, 'an unchanged row keeps its identity');
  });

  it('refuses a modify or delete of a row it does not have', () => {
    const r = new Replica(OPEN_VSWITCH_TABLES);
    assert.throws(
      () => r.apply(schema, updates2({ Bridge: { [B1]: { modify: { name: 'x' } } } })),
      /modify of unknown Bridge row/,
    );
    assert.throws(
      () => r.apply(schema, updates2({ Bridge: { [B1]: { delete: null } } })),
      /delete of unknown Bridge row/,
    );
  });
});
