// The minimal set of FLOW_MODs that turns the switch's flows into the desired ones, on whole sets. Pure. FlowSync
// computes the same diff while it streams (flow-sync.ts); this form is for tools and tests that hold both sets.
import { BODY_HEAD } from '../../protocols/openflow13/index.js';
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

/** What a flow with body `want` needs when the switch has `have` under the same identity. */
export function changeFor(have: string | undefined, want: string): 'add' | 'modify' | undefined {
  if (have === undefined) return 'add';
  if (have === want) return undefined;
  // MODIFY cannot change cookie, timeouts or flags in OpenFlow 1.3: those take an ADD, which replaces the entry.
  return have.slice(0, BODY_HEAD) === want.slice(0, BODY_HEAD) ? 'modify' : 'add';
}

export function diffFlows(
  desired: ReadonlyMap<string, KeyedFlow>,
  actual: ReadonlyMap<string, KeyedFlow>,
): FlowDiff {
  const add: FlowEntry[] = [];
  const modify: FlowEntry[] = [];
  const remove: FlowEntry[] = [];
  for (const [key, want] of desired) {
    const change = changeFor(actual.get(key)?.body, want.body);
    if (change === 'add') add.push(want.flow);
    else if (change === 'modify') modify.push(want.flow);
  }
  for (const [key, have] of actual) if (!desired.has(key)) remove.push(have.flow);
  return { add, modify, remove };
}
