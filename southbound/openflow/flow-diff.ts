// The minimal set of FLOW_MODs that turns the switch's flows into the desired ones. Pure.
import { flowBody, flowKey, type FlowEntry } from './flow-entry.js';

export interface FlowDiff {
  /** Missing entries, and entries whose cookie, timeouts or flags changed (ADD replaces them whole). */
  readonly add: FlowEntry[];
  /** Same entry, other instructions: MODIFY_STRICT keeps its counters. */
  readonly modify: FlowEntry[];
  /** Entries the switch has and the desired state does not: DELETE_STRICT. */
  readonly remove: FlowEntry[];
}

export interface KeyedFlow {
  readonly flow: FlowEntry;
  readonly body: string;
}

/** Indexes flows by their identity (table, priority, match); a later duplicate wins, as on the switch. */
export function indexFlows(flows: Iterable<FlowEntry>): Map<string, KeyedFlow> {
  const out = new Map<string, KeyedFlow>();
  for (const flow of flows) out.set(flowKey(flow), { flow, body: flowBody(flow) });
  return out;
}

export function diffFlows(
  desired: ReadonlyMap<string, KeyedFlow>,
  actual: ReadonlyMap<string, KeyedFlow>,
): FlowDiff {
  const add: FlowEntry[] = [];
  const modify: FlowEntry[] = [];
  const remove: FlowEntry[] = [];
  for (const [key, want] of desired) {
    const have = actual.get(key);
    if (!have) add.push(want.flow);
    else if (have.body !== want.body) {
      if (bodyHead(have.body) === bodyHead(want.body)) modify.push(want.flow);
      else add.push(want.flow);
    }
  }
  for (const [key, have] of actual) if (!desired.has(key)) remove.push(have.flow);
  return { add, modify, remove };
}

/** The body without its instructions: cookie|idle|hard|flags. MODIFY cannot change these in OpenFlow 1.3. */
function bodyHead(body: string): string {
  let cut = 0;
  for (let i = 0; i < 4; i++) cut = body.indexOf('|', cut) + 1;
  return body.slice(0, cut);
}
