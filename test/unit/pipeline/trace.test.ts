// The pipeline tracer's own contract, beyond the fake-switch behaviour tests: what a step records (the flow, a miss,
// resubmit depth), strict versus lenient handling of actions it does not simulate, and dec_ttl to zero.
import { strict as assert } from 'node:assert';
import type { Action } from '../../../protocols/openflow13/actions.js';
import type { FlowSpec } from '../../../controller/pipeline/flow.js';
import { PipelineTracer } from '../../../controller/pipeline/trace.js';

function flow(
  table: number,
  priority: number,
  match: FlowSpec['match'],
  actions: Action[],
  goto?: number,
): FlowSpec {
  return {
    table,
    priority,
    match,
    instructions: [
      ...(actions.length ? [{ type: 'applyActions' as const, actions }] : []),
      ...(goto !== undefined ? [{ type: 'gotoTable' as const, tableId: goto }] : []),
    ],
    cookie: BigInt(table * 1000 + priority),
    idleTimeout: 0,
    hardTimeout: 0,
    flags: 0,
  };
}
const out = (port: number): Action => ({ type: 'output', port, maxLen: 0 });
const note: Action = { type: 'note', note: new Uint8Array([1, 2]) };

describe('pipeline tracer', () => {
  const flows = [
    flow(0, 100, [{ field: 'in_port', value: 1 }], [], 10),
    flow(
      0,
      100,
      [{ field: 'in_port', value: 2 }],
      [note, { type: 'resubmit', inPort: 0xfff8, table: 20, ct: false }],
    ),
    flow(0, 100, [{ field: 'in_port', value: 3 }], [{ type: 'decTtl' }, out(9)]),
    flow(10, 50, [{ field: 'eth_type', value: 0x0800 }], [out(5)]),
    flow(20, 10, [], [out(6)]),
  ];

  it('records the flow hit in each table, in order, and where the packet left', () => {
    const r = new PipelineTracer(flows).inject({ in_port: 1, eth_type: 0x0800 });
    assert.deepEqual(
      r.steps.map((s) => [s.table, s.flow?.priority, s.depth]),
      [
        [0, 100, 0],
        [10, 50, 0],
      ],
    );
    assert.deepEqual(
      r.outputs.map((o) => o.port),
      [5],
    );
  });

  it('records a table miss as a step without a flow, and no output', () => {
    const r = new PipelineTracer(flows).inject({ in_port: 1, eth_type: 0x86dd });
    assert.equal(r.steps.length, 2);
    assert.equal(r.steps[1]?.flow, undefined);
    assert.equal(r.outputs.length, 0);
  });

  it('nests resubmits one level deeper, and names the actions it skipped when lenient', () => {
    const r = new PipelineTracer(flows, [], { strict: false }).inject({ in_port: 2 });
    assert.deepEqual(
      r.steps.map((s) => [s.table, s.depth, s.skipped]),
      [
        [0, 0, ['note']],
        [20, 1, []],
      ],
    );
    assert.deepEqual(
      r.outputs.map((o) => o.port),
      [6],
    );
  });

  it('throws on an action it does not simulate when strict (the default)', () => {
    assert.throws(() => new PipelineTracer(flows).inject({ in_port: 2 }), /action note not simulated/);
  });

  it('drops the packet when dec_ttl reaches zero, and says so', () => {
    const dying = new PipelineTracer(flows).inject({ in_port: 3, ip_ttl: 1 });
    assert.equal(dying.ttlExpired, true);
    assert.equal(dying.outputs.length, 0);
    const alive = new PipelineTracer(flows).inject({ in_port: 3, ip_ttl: 2 });
    assert.equal(alive.ttlExpired, false);
    assert.equal(alive.outputs[0]?.packet.ip_ttl, 1);
  });
  it('takes a conjunctive match when every clause matches, at its priority, and only then', () => {
    const conj = (clause: number): Action => ({ type: 'conjunction', id: 7, clause, nClauses: 2 });
    const t = new PipelineTracer([
      flow(0, 100, [{ field: 'in_port', value: 1 }], [conj(0)]),
      flow(
        0,
        100,
        [
          { field: 'eth_type', value: 0x0800 },
          { field: 'ip_proto', value: 6 },
        ],
        [conj(1)],
      ),
      flow(0, 100, [{ field: 'conj_id', value: 7 }], [out(9)]),
      flow(0, 50, [{ field: 'in_port', value: 1 }], [out(8)]),
      flow(0, 200, [{ field: 'in_port', value: 3 }], [out(7)]),
    ]);
    const tcp = { eth_type: 0x0800, ip_proto: 6 };
    assert.deepEqual(
      t.inject({ in_port: 1, ...tcp }).outputs.map((o) => o.port),
      [9],
      'both clauses: the conj_id flow beats the lower flow',
    );
    assert.deepEqual(
      t.inject({ in_port: 1, eth_type: 0x0800, ip_proto: 17 }).outputs.map((o) => o.port),
      [8],
      'one clause only: the next flow down',
    );
    assert.deepEqual(t.inject({ in_port: 2, ...tcp }).outputs, [], 'clause 1 alone: a miss');
    assert.deepEqual(
      t.inject({ in_port: 3, ...tcp }).outputs.map((o) => o.port),
      [7],
    );
  });
  it('learns: the flow a learn action builds from one packet meets the next one', () => {
    const t = new PipelineTracer([
      flow(
        0,
        100,
        [{ field: 'in_port', value: 1 }],
        [
          {
            type: 'learn',
            idleTimeout: 30,
            hardTimeout: 0,
            priority: 200,
            cookie: 0x77n,
            flags: 0,
            tableId: 0,
            finIdleTimeout: 0,
            finHardTimeout: 0,
            specs: [
              { kind: 'match', nbits: 16, src: { value: 2n }, dst: { field: 'in_port_nxm', ofs: 0 } },
              {
                kind: 'match',
                nbits: 48,
                src: { field: 'eth_src', ofs: 0 },
                dst: { field: 'eth_dst', ofs: 0 },
              },
              {
                kind: 'load',
                nbits: 48,
                src: { field: 'eth_src', ofs: 0 },
                dst: { field: 'eth_src', ofs: 0 },
              },
              { kind: 'output', nbits: 16, src: { field: 'in_port_nxm', ofs: 0 } },
            ],
          },
          out(5),
        ],
      ),
    ]);
    const a = '02:00:00:00:00:0a';
    const b = '02:00:00:00:00:0b';
    assert.deepEqual(t.inject({ in_port: 2, eth_dst: a }).outputs, [], 'nothing learned yet');
    assert.deepEqual(
      t.inject({ in_port: 1, eth_src: a, eth_dst: b }).outputs.map((o) => o.port),
      [5],
    );
    const back = t.inject({ in_port: 2, eth_src: b, eth_dst: a });
    assert.deepEqual(
      back.outputs.map((o) => [o.port, o.packet.eth_src]),
      [[1, a]],
      'eth_src loaded from the learning packet, out of its in_port',
    );
    assert.equal(back.steps[0]?.flow?.cookie, 0x77n);
    assert.deepEqual(t.inject({ in_port: 2, eth_dst: b }).outputs, [], 'only what was learned');
  });
});
