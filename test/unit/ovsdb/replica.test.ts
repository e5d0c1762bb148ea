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

  it('finds rows by a column value through an index kept current by inserts, renames, deletes and resyncs', () => {
    const r = new Replica(OPEN_VSWITCH_TABLES);
    r.resync(
      schema,
      updates2({ Port: { [B1]: { initial: { name: 'p1' } }, [B2]: { initial: { name: 'p2' } } } }),
    );
    assert.equal(r.findBy('Port', 'name', 'p1')?._uuid, B1, 'the first lookup builds the index');
    r.apply(
      schema,
      updates2({
        Port: {
          [B1]: { modify: { name: 'renamed' } },
          [B2]: { delete: null },
          [B3]: { insert: { name: 'p3' } },
        },
      }),
    );
    assert.equal(r.findBy('Port', 'name', 'p1'), undefined);
    assert.equal(r.findBy('Port', 'name', 'renamed'), r.get('Port', B1));
    assert.equal(r.findBy('Port', 'name', 'p2'), undefined);
    assert.equal(r.findBy('Port', 'name', 'p3')?._uuid, B3);
    // A full-row update (monitor v1) and a resync keep it right too.
    r.apply(schema, decodeTableUpdates(schema, { Port: { [B3]: { old: {}, new: { name: 'p3b' } } } }, 1));
    assert.equal(r.findBy('Port', 'name', 'p3b')?._uuid, B3);
    assert.equal(r.findBy('Port', 'name', 'p3'), undefined);
    r.resync(schema, updates2({ Port: { [B2]: { initial: { name: 'p3b' } } } }));
    assert.equal(r.findBy('Port', 'name', 'p3b')?._uuid, B2);
    assert.equal(r.findBy('Port', 'name', 'renamed'), undefined);
    assert.throws(() => r.findBy('Port', 'trunks' as 'name', 1), /not a scalar column/);
  });

  it('applies one-port diffs to a bridge of thousands of ports with membership that follows every version', () => {
    const r = new Replica(OPEN_VSWITCH_TABLES);
    const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const initial = Array.from({ length: 3000 }, (_, i) => ['uuid', uuid(i)]);
    r.resync(schema, updates2({ Bridge: { [B1]: { initial: { name: 'br', ports: ['set', initial] } } } }));
    const expected = new Set(initial.map(([, u]) => u!));
    const held = r.get('Bridge', B1)!;
    for (let i = 3000; i < 3400; i++) {
      // Adds, then every third step removes an older port, then a removal and an add in one diff.
      const diff = i % 3 === 0 ? [uuid(i - 2500)] : i % 7 === 0 ? [uuid(i), uuid(i - 2000)] : [uuid(i)];
      for (const d of diff) if (!expected.delete(d)) expected.add(d);
      r.apply(
        schema,
        updates2({ Bridge: { [B1]: { modify: { ports: ['set', diff.map((u) => ['uuid', u])] } } } }),
      );
      if (i % 50 === 0)
        assert.ok(r.includes('Bridge', B1, 'ports', uuid(i - 1)) === expected.has(uuid(i - 1)));
    }
    const now = r.get('Bridge', B1)!;
    assert.equal(now.ports.length, expected.size);
    assert.deepEqual(new Set(now.ports), expected);
    assert.equal(held.ports.length, 3000, 'a row handed out before is not changed');
    assert.ok(r.includes('Bridge', B1, 'ports', uuid(3001)));
    assert.ok(!r.includes('Bridge', B1, 'ports', uuid(500)), 'removed by a diff');
    assert.ok(!r.includes('Bridge', B2, 'ports', uuid(1)), 'no such row');
    // A full replacement of the column (monitor v1) drops the membership kept for the diffs.
    r.apply(
      schema,
      decodeTableUpdates(
        schema,
        { Bridge: { [B1]: { old: {}, new: { name: 'br', ports: ['uuid', uuid(7)] } } } },
        1,
      ),
    );
    assert.ok(r.includes('Bridge', B1, 'ports', uuid(7)));
    assert.ok(!r.includes('Bridge', B1, 'ports', uuid(3001)));
  });
});
