// A feature contributes flows (and groups) to a node's pipeline. Each feature is one file; compile.ts concatenates
// them. Flows that depend on one endpoint come from endpointFlows, so that one endpoint's flows can be computed
// alone when it is added (incremental compile).
import type { Bucket, MeterBand } from '../../protocols/openflow13/messages.js';
import type { EndpointView, NetworkView, NodeContext } from './context.js';
import type { FlowSpec } from './flow.js';

/** An OpenFlow group the pipeline wants on the switch. */
export interface GroupSpec {
  readonly groupId: number;
  /** OFPGT_ALL 0, SELECT 1, INDIRECT 2, FF 3. */
  readonly groupType: number;
  readonly buckets: readonly Bucket[];
}

/** An OpenFlow 1.3 meter the pipeline wants on the switch (OFPMF_* flags, bands in kbit/s and kbit). */
export interface MeterSpec {
  readonly meterId: number;
  readonly flags: number;
  readonly bands: readonly MeterBand[];
}

export interface Feature {
  readonly name: string;
  /** Flows about the node itself, once per compile. */
  nodeFlows?(ctx: NodeContext, out: FlowSpec[]): void;
  /** Flows about one network the node takes part in (a local endpoint, or routed with one). */
  networkFlows?(ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void;
  /** Flows about one endpoint (local or remote) of such a network. */
  endpointFlows?(ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void;
  groups?(ctx: NodeContext, net: NetworkView, out: GroupSpec[]): void;
  /** Meters of the node, once per compile. */
  meters?(ctx: NodeContext, out: MeterSpec[]): void;
}
