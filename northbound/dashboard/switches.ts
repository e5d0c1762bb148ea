// What the dashboard needs from the switches side: the reconciler provides it (northbound/server.ts passes it in).
// Declared here, by its user, so that tests can hand in the real reconciler or nothing at all.
import type { FlowStats, PacketOut } from '../../protocols/openflow13/index.js';
import type { Id } from '../../controller/model/types.js';
import type { CompiledNode } from '../../controller/pipeline/index.js';

export interface NodeSwitchState {
  readonly ovsdb: string;
  readonly openflow: string;
  readonly dpid?: string;
  readonly flows?: number;
  readonly problem?: string;
}

/** The little of an OpenFlow session a probe needs (the reconciler hands out its SwitchSession). */
export interface ProbeSession {
  send(message: Omit<PacketOut, 'xid'>): number;
  barrier(): Promise<void>;
}

export interface SwitchView {
  nodeState(nodeId: Id): NodeSwitchState;
  compile(nodeId: Id): CompiledNode | undefined;
  /** Live flow entries with counters; undefined while the node's switch is not connected. */
  flowStats(nodeId: Id): Promise<FlowStats[] | undefined>;
  /** The node's OpenFlow session for packet-out probes; absent or undefined: no probes. */
  session?(nodeId: Id): ProbeSession | undefined;
}
