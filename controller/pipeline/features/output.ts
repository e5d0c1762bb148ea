// Table output: the single place packets leave through a port chosen earlier (OUT_PORT). QoS meters (a later
// feature) sit in front of it.
import { cookie } from '../cookies.js';
import type { NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { matchReg, OUT_PORT, OUTPUT_KIND, OutputKind, subfield } from '../fields.js';
import { flow, type FlowSpec } from '../flow.js';
import { Priority } from '../priorities.js';

export function outputToPortFlow(): FlowSpec {
  return flow({
    table: 'output',
    priority: Priority.normal,
    cookie: cookie('output', 0n),
    match: [matchReg(OUTPUT_KIND, OutputKind.port)],
    actions: [{ type: 'outputReg', src: subfield(OUT_PORT), maxLen: 0 }],
  });
}

export const output: Feature = {
  name: 'output',
  nodeFlows(_ctx: NodeContext, out: FlowSpec[]): void {
    out.push(outputToPortFlow());
  },
};
