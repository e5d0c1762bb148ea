// The datum codec and update2 diffs, typed by the real vswitch schema shipped with Open vSwitch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  applyDatumDiff,
  columnOf,
  datumEquals,
  decodeDatum,
  encodeDatum,
  namedUuid,
  OvsdbDatumError,
  parseSchema,
  checkSchema,
  OPEN_VSWITCH_TABLES,
  HARDWARE_VTEP_TABLES,
  encodeOperation,
  interpretTransactResult,
  describeFailure,
  decodeTableUpdates,
  type Operation,
} from '../../../protocols/ovsdb';

const schema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')));
const vtepSchema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vtep.ovsschema', 'utf8')));
const type = (table: string, column: string) => columnOf(schema, table, column).type;
const U1 = '0b8a5c1e-6a4e-4a43-9b1a-8f5c1d2e3f40';
const U2 = '1c9b6d2f-7b5f-4b54-8c2b-9a6d2e3f4051';

describe('unit: ovsdb datum codec', () => {
  it('decodes each wire form into the shape the column type asks for', () => {
    assert.equal(decodeDatum(type('Bridge', 'name'), 'br-int', 'x'), 'br-int');
    assert.deepEqual(decodeDatum(type('Bridge', 'ports'), ['uuid', U1], 'x'), [U1]);
    assert.deepEqual(
      decodeDatum(
        type('Bridge', 'ports'),
        [
          'set',
          [
            ['uuid', U1],
            ['uuid', U2],
          ],
        ],
        'x',
      ),
      [U1, U2],
    );
    assert.deepEqual(decodeDatum(type('Interface', 'ofport'), ['set', []], 'x'), []);
    assert.deepEqual(decodeDatum(type('Interface', 'ofport'), 7, 'x'), [7]);
    assert.deepEqual(
      decodeDatum(type('Bridge', 'external_ids'), ['map', [['a', 'b']]], 'x'),
      new Map([['a', 'b']]),
    );
    assert.deepEqual(
      decodeDatum(type('QoS', 'queues'), ['map', [[0, ['uuid', U1]]]], 'x'),
      new Map([[0, U1]]),
    );
    assert.equal(decodeDatum(type('Controller', 'is_connected'), false, 'x'), false);
  });

  it('encodes uuids, named-uuids, sets, maps from Map or object', () => {
    assert.deepEqual(encodeDatum(type('Bridge', 'ports'), [U1, namedUuid('p1')], 'x'), [
      'set',
      [
        ['uuid', U1],
        ['named-uuid', 'p1'],
      ],
    ]);
    assert.deepEqual(
      encodeDatum(type('Bridge', 'other_config'), { 'datapath-id': '0000000000000001' }, 'x'),
      ['map', [['datapath-id', '0000000000000001']]],
    );
    assert.deepEqual(encodeDatum(type('QoS', 'queues'), new Map([[0, namedUuid('q0')]]), 'x'), [
      'map',
      [[0, ['named-uuid', 'q0']]],
    ]);
    assert.equal(encodeDatum(type('Interface', 'ingress_policing_rate'), 1000, 'x'), 1000);
    assert.deepEqual(encodeDatum(type('Interface', 'ofport_request'), [], 'x'), ['set', []]);
  });

  it('round-trips decode(encode(v)) for every shape', () => {
    const cases: [string, string, unknown][] = [
      ['Bridge', 'protocols', ['OpenFlow13']],
      ['Port', 'trunks', [1, 2, 4094]],
      [
        'Interface',
        'options',
        new Map([
          ['remote_ip', 'flow'],
          ['key', 'flow'],
        ]),
      ],
      ['Port', 'tag', [100]],
      ['Interface', 'ingress_policing_burst', 0],
    ];
    for (const [t, c, v] of cases) {
      const wire = JSON.parse(JSON.stringify(encodeDatum(type(t, c), v as never, 'x')));
      assert.deepEqual(decodeDatum(type(t, c), wire, 'x'), v, `${t}.${c}`);
    }
  });

  it('rejects values of the wrong type with the column in the message', () => {
    assert.throws(
      () => encodeDatum(type('Port', 'tag'), ['10'], 'Port.tag'),
      /Port\.tag: "10" is not a integer/,
    );
    assert.throws(
      () => encodeDatum(type('Bridge', 'ports'), ['not-a-uuid'], 'Bridge.ports'),
      OvsdbDatumError,
    );
    assert.throws(() => decodeDatum(type('Bridge', 'name'), 3, 'Bridge.name'), /is not a string atom/);
    assert.throws(
      () => encodeDatum(type('Port', 'tag'), [1, 2], 'Port.tag'),
      /exceed the column's maximum of 1/,
    );
    assert.throws(() => namedUuid('1bad'), /not a valid uuid-name/);
  });

  it('applies update2 diffs: scalar and optional replaced, set symmetric difference, map add/remove/change', () => {
    assert.equal(applyDatumDiff(type('Bridge', 'name'), 'a', 'b'), 'b');
    assert.deepEqual(applyDatumDiff(type('Bridge', 'ports'), [U1], [U1, U2]), [U2]);
    assert.deepEqual(applyDatumDiff(type('Bridge', 'protocols'), ['OpenFlow13'], ['OpenFlow10']), [
      'OpenFlow13',
      'OpenFlow10',
    ]);
    assert.deepEqual(applyDatumDiff(type('Bridge', 'fail_mode'), ['secure'], ['standalone']), ['standalone']);
    assert.deepEqual(applyDatumDiff(type('Bridge', 'fail_mode'), ['secure'], []), []);
    const old = new Map([
      ['keep', '1'],
      ['drop', '2'],
      ['change', '3'],
    ]);
    const diff = new Map([
      ['drop', '2'],
      ['change', '4'],
      ['add', '5'],
    ]);
    assert.deepEqual(
      applyDatumDiff(type('Bridge', 'external_ids'), old, diff),
      new Map([
        ['keep', '1'],
        ['change', '4'],
        ['add', '5'],
      ]),
    );
    assert.ok(datumEquals([U1, U2], [U2, U1]));
    assert.ok(!datumEquals(new Map([['a', '1']]), new Map([['a', '2']])));
  });

  it('keeps set diffs right over a long chain of versions, with and without a kept membership set', () => {
    const ports = type('Bridge', 'ports');
    const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    let current: readonly string[] = [uuid(1), uuid(2)];
    let plain: readonly string[] = current;
    const members = new Set<string>(current);
    const expected = new Set(current);
    const first = current;
    for (let i = 3; i < 300; i++) {
      const diff = i % 5 === 0 ? [uuid(i - 2)] : i % 7 === 0 ? [uuid(i), uuid(i - 1)] : [uuid(i)];
      for (const d of diff) if (!expected.delete(d)) expected.add(d);
      current = applyDatumDiff(ports, current, diff, members) as readonly string[];
      plain = applyDatumDiff(ports, plain, diff) as readonly string[];
    }
    assert.deepEqual([...current].sort(), [...expected].sort());
    assert.deepEqual(plain, current);
    assert.deepEqual(members, expected, 'the kept membership set follows the newest version');
    assert.deepEqual(first, [uuid(1), uuid(2)], 'older versions are never changed');
    assert.deepEqual(applyDatumDiff(ports, first, [uuid(1), uuid(9)]), [uuid(2), uuid(9)]);
  });

  it('decodes update (v1) and update2 notifications into row updates', () => {
    const v1 = decodeTableUpdates(
      schema,
      { Port: { [U1]: { new: { name: 'p', tag: 5 } }, [U2]: { old: { name: 'q' } } } },
      1,
    );
    assert.deepEqual(v1, [
      { kind: 'insert', table: 'Port', uuid: U1, row: { name: 'p', tag: [5] } },
      { kind: 'delete', table: 'Port', uuid: U2 },
    ]);
    const v2 = decodeTableUpdates(
      schema,
      { Port: { [U1]: { modify: { tag: ['set', []] } }, [U2]: { delete: null } } },
      2,
    );
    assert.deepEqual(v2, [
      { kind: 'modify', table: 'Port', uuid: U1, row: { tag: [] }, diff: true },
      { kind: 'delete', table: 'Port', uuid: U2 },
    ]);
  });
});

describe('unit: ovsdb schema, operations and results', () => {
  it('finds every declared column in the schemas Open vSwitch 3.1 ships', () => {
    assert.deepEqual(checkSchema(schema, OPEN_VSWITCH_TABLES), []);
    assert.deepEqual(checkSchema(vtepSchema, HARDWARE_VTEP_TABLES), []);
  });

  it('names a missing column and a column of another type', () => {
    const problems = checkSchema(schema, {
      Bridge: { name: 'string', flux_capacitor: 'integer', ports: 'uuid' },
      Nope: { x: 'string' },
    });
    assert.deepEqual(problems, [
      'table Open_vSwitch.Bridge has no column flux_capacitor (we need integer)',
      'column Open_vSwitch.Bridge.ports is uuid (min 0, max unlimited), we need uuid',
      'database Open_vSwitch (version 8.3.1) has no table Nope',
    ]);
  });

  it('encodes every operation kind, with conditions and mutations typed by the column', () => {
    const ops: Operation[] = [
      { op: 'insert', table: 'Port', row: { name: 'p1', interfaces: [namedUuid('i1')] }, uuidName: 'p1' },
      { op: 'select', table: 'Bridge', where: [['name', '==', 'br-int']], columns: ['ports'] },
      { op: 'update', table: 'Bridge', where: [['_uuid', '==', U1]], row: { fail_mode: ['secure'] } },
      {
        op: 'mutate',
        table: 'Bridge',
        where: [['ports', 'includes', [U2]]],
        mutations: [
          ['ports', 'insert', [namedUuid('p1')]],
          ['external_ids', 'delete', ['stale']],
          ['other_config', 'insert', { a: 'b' }],
        ],
      },
      { op: 'delete', table: 'Port', where: [['name', '!=', 'x']] },
      {
        op: 'wait',
        table: 'Bridge',
        where: [['_uuid', '==', U1]],
        columns: ['ports'],
        until: '==',
        rows: [{ ports: [U2] }],
        timeout: 0,
      },
      { op: 'commit', durable: false },
      { op: 'abort' },
      { op: 'comment', comment: 'sdn' },
      { op: 'assert', lock: 'l' },
    ];
    assert.deepEqual(
      ops.map((o) => encodeOperation(schema, o)),
      [
        {
          op: 'insert',
          table: 'Port',
          row: { name: 'p1', interfaces: ['set', [['named-uuid', 'i1']]] },
          'uuid-name': 'p1',
        },
        { op: 'select', table: 'Bridge', where: [['name', '==', 'br-int']], columns: ['ports'] },
        {
          op: 'update',
          table: 'Bridge',
          where: [['_uuid', '==', ['uuid', U1]]],
          row: { fail_mode: ['set', ['secure']] },
        },
        {
          op: 'mutate',
          table: 'Bridge',
          where: [['ports', 'includes', ['set', [['uuid', U2]]]]],
          mutations: [
            ['ports', 'insert', ['set', [['named-uuid', 'p1']]]],
            ['external_ids', 'delete', ['set', ['stale']]],
            ['other_config', 'insert', ['map', [['a', 'b']]]],
          ],
        },
        { op: 'delete', table: 'Port', where: [['name', '!=', 'x']] },
        {
          op: 'wait',
          table: 'Bridge',
          where: [['_uuid', '==', ['uuid', U1]]],
          columns: ['ports'],
          until: '==',
          rows: [{ ports: ['set', [['uuid', U2]]] }],
          timeout: 0,
        },
        { op: 'commit', durable: false },
        { op: 'abort' },
        { op: 'comment', comment: 'sdn' },
        { op: 'assert', lock: 'l' },
      ],
    );
    assert.throws(
      () => encodeOperation(schema, { op: 'update', table: 'Bridge', where: [], row: { nope: 1 } }),
      /Open_vSwitch\.Bridge has no column nope/,
    );
  });

  it('names the failed operation, and a failed commit after the last operation', () => {
    const ops: Operation[] = [
      { op: 'insert', table: 'Bridge', row: { name: 'b' } },
      { op: 'wait', table: 'Bridge', where: [], columns: ['name'], until: '==', rows: [], timeout: 0 },
    ];
    const failed = interpretTransactResult(schema, ops, [
      { uuid: ['uuid', U1] },
      { error: 'timed out', details: '"wait" timed out' },
    ]);
    assert.equal(failed.ok, false);
    assert.equal(
      failed.ok ? '' : describeFailure(failed.failure),
      'operation 1 (wait Bridge): timed out: "wait" timed out',
    );
    const commit = interpretTransactResult(schema, ops.slice(0, 1), [
      { uuid: ['uuid', U1] },
      { error: 'referential integrity violation' },
    ]);
    assert.equal(
      commit.ok ? '' : describeFailure(commit.failure),
      'operation 1 (commit): referential integrity violation',
    );
    const ok = interpretTransactResult(schema, ops.slice(0, 1), [{ uuid: ['uuid', U1] }]);
    assert.deepEqual(ok, { ok: true, results: [{ op: 'insert', uuid: U1 }] });
  });
});
