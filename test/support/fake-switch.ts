// The fake multi-table switch of the pipeline unit tests: controller/pipeline/trace.ts in strict mode (an action it
// does not simulate fails the test), with each hit flattened to one line "table=T priority=P".
import { PipelineTracer, type Output, type Packet } from '../../controller/pipeline/trace.js';
import type { FlowSpec } from '../../controller/pipeline/flow.js';
import type { GroupSpec } from '../../controller/pipeline/feature.js';

export { matches, type Output, type Packet } from '../../controller/pipeline/trace.js';

export interface Result {
  readonly outputs: Output[];
  /** One line per flow hit: "table=T priority=P", or "table=T no match: drop". */
  readonly trace: string[];
}

export class FakeSwitch {
  private readonly tracer: PipelineTracer;

  constructor(flows: readonly FlowSpec[], groups: readonly GroupSpec[] = []) {
    this.tracer = new PipelineTracer(flows, groups, { strict: true });
  }

  inject(packet: Packet): Result {
    const r = this.tracer.inject(packet);
    return {
      outputs: r.outputs,
      trace: r.steps.map((s) =>
        s.flow ? `table=${s.table} priority=${s.flow.priority}` : `table=${s.table} no match: drop`,
      ),
    };
  }

  lookup(table: number, packet: Packet): FlowSpec | undefined {
    return this.tracer.lookup(table, packet);
  }
}
