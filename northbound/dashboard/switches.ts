// What the dashboard needs from the switches side: the reconciler provides it (northbound/server.ts passes it in).
// Declared here, by its user, so that tests can hand in the real reconciler or nothing at all.
import type { FlowStats } from '../../protocols/openflow13/index.js';
import type { Id } from '../../controller/model/types.js';
import type { CompiledNode } from '../../controller/pipeline/index.js';

export interface NodeSwitchState {
  readonly ovsdb: string;
  readonly openflow: string;
  readonly dpid?: string;
  readonly flows?: number;
  readonly problem?: string;
}

export interface SwitchView {
  nodeState(nodeId: Id): NodeSwitchState;
  compile(nodeId: Id): CompiledNode | undefined;
  /** Live flow entries with counters; undefined while the node's switch is not connected. */
  flowStats(nodeId: Id): Promise<FlowStats[] | undefined>;
}
