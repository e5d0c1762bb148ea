// compileNode: model snapshot + node name -> the node's desired switch state (flows, groups, ports). Pure and
// deterministic: the same snapshot gives byte-identical output, so the reconciler's diff is empty when nothing changed.
import { canonicalMatch, flow, type FlowSpec } from './flow.js';
import { CompileError, NodeContext, SnapshotIndex, type EndpointView } from './context.js';
import { cookie } from './cookies.js';
import type { Feature, GroupSpec, MeterSpec } from './feature.js';
import { arpNdResponder } from './features/arp-nd-responder.js';
import { broadcast } from './features/broadcast.js';
import { classify } from './features/classify.js';
import { egressNat } from './features/egress-nat.js';
import { l2 } from './features/l2.js';
import { l3 } from './features/l3.js';
import { leafGateway } from './features/leaf-gateway.js';
import { output } from './features/output.js';
import { serviceLb } from './features/service-lb.js';
import { overlay } from './features/overlay.js';
import { egressPolicing, qos } from './features/qos.js';
import { routerAdvert } from './features/router-advert.js';
import { securityGroups } from './features/security-groups.js';
import { spoofGuard } from './features/spoof-guard.js';
import { staticRoutes } from './features/static-routes.js';
import { TUNNEL_OFPORT, UPLINK_OFPORT } from './ports.js';
import { Priority } from './priorities.js';
import type { PipelineSnapshot } from './snapshot.js';
import type { Endpoint } from '../model/types.js';
import type { VSwitchCapabilities } from '../../protocols/ovsdb/vswitch-profiles.js';
import { TABLES } from './tables.js';

/** The features, in the order their flows are gathered (the first of two equal flows wins). */
export const FEATURES: readonly Feature[] = [
  classify,
  spoofGuard,
  arpNdResponder,
  serviceLb,
  routerAdvert,
  l3,
  staticRoutes,
  egressNat,
  securityGroups,
  qos,
  l2,
  broadcast,
  overlay,
  leafGateway,
  output,
];

export interface BridgeWanted {
  readonly name: string;
  readonly datapathType: string;
  /** other_config:hwaddr, so that flows can address the host stack. */
  readonly hwaddr: string;
  readonly failMode: 'secure';
  readonly protocols: readonly string[];
  readonly datapathId?: string;
}
export interface PortWanted {
  readonly name: string;
  readonly ofportRequest: number;
  readonly type?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly endpointId?: string;
  /** OVSDB ingress_policing_rate/burst (kbit/s, kbit): what the pod may send, from its QoS policy (0 = unlimited). */
  readonly policing?: { readonly rateKbps: number; readonly burstKb: number };
}
export interface PortsWanted {
  readonly bridge: BridgeWanted;
  readonly tunnel: PortWanted;
  readonly endpoints: readonly PortWanted[];
  /** Network-overlay nodes: the trunk to the leaf, carrying the VLANs bound on the node. */
  readonly uplink?: PortWanted & { readonly trunks: readonly number[] };
}

export interface CompiledNode {
  readonly node: string;
  /** Sorted: table ascending, priority descending, canonical match. */
  readonly flows: readonly FlowSpec[];
  /** Sorted by group id. */
  readonly groups: readonly GroupSpec[];
  /** Sorted by meter id. */
  readonly meters: readonly MeterSpec[];
  readonly ports: PortsWanted;
  /** Two features wanted different flows with one table|priority|match; the first was kept. */
  readonly conflicts: readonly string[];
  /** Features left out because the node's vSwitch lacks a capability they need, each saying which. */
  readonly unsupported: readonly string[];
}

/** The features a vSwitch profile can run, and why the others cannot (said at node registration and compile). */
export function featuresFor(
  capabilities: VSwitchCapabilities,
  features: readonly Feature[] = FEATURES,
): { features: readonly Feature[]; unsupported: string[] } {
  const unsupported: string[] = [];
  const kept = features.filter((f) => {
    const missing = (f.needs ?? []).filter((c) => !capabilities[c]);
    if (missing.length > 0) unsupported.push(`${f.name} needs ${missing.join(', ')}`);
    return missing.length === 0;
  });
  return { features: kept, unsupported };
}

/** Table-miss flows, from the declaration. */
export function missFlows(): FlowSpec[] {
  return TABLES.map((t) =>
    flow({
      table: t.name,
      priority: Priority.miss,
      cookie: cookie('pipeline', BigInt(t.id)),
      ...(t.miss.kind === 'goto' ? { goto: t.miss.table } : {}),
    }),
  );
}

/** The flows of one endpoint on the node of `ctx` (the incremental path when an endpoint is added). */
export function endpointFlows(
  ctx: NodeContext,
  ep: EndpointView,
  features: readonly Feature[] = FEATURES,
): FlowSpec[] {
  const out: FlowSpec[] = [];
  for (const f of features) f.endpointFlows?.(ctx, ep, out);
  return out;
}

export interface EndpointDelta {
  readonly endpoint: EndpointView;
  /** The endpoint's own flows, to add. */
  readonly flows: readonly FlowSpec[];
  /** The groups of its network as they are now, to modify. */
  readonly groups: readonly GroupSpec[];
}

/**
 * The incremental path for an endpoint added to the model: admits it into `ctx` (which then equals a context built
 * from the new snapshot) and returns what changes on the switch. Undefined means "compile the node again": the
 * endpoint brings a network or routing domain new to this node, or is the next hop of a static route.
 */
export function endpointAdded(
  ctx: NodeContext,
  ep: Endpoint,
  features: readonly Feature[] = FEATURES,
): EndpointDelta | undefined {
  const view = ctx.admit(ep);
  if (!view) return undefined;
  if (isNextHop(ctx, view)) return undefined;
  features = featuresFor(ctx.profile.capabilities, features).features;
  const flows = finish(endpointFlows(ctx, view, features), []);
  const groups: GroupSpec[] = [];
  for (const f of features) f.groups?.(ctx, view.network, groups);
  return { endpoint: view, flows, groups };
}

/** Whether an endpoint's address is the next hop of a static route in its routing domain (flows beyond its own). */
function isNextHop(ctx: NodeContext, ep: EndpointView): boolean {
  const d = ctx.domains.find((x) => x.id === ep.network.domain);
  const router = d ? ctx.index.routers.get(d.key) : undefined;
  if (!router || router.routes.length === 0) return false;
  const mine = new Set(ep.addrs.map((a) => a.ip));
  return router.routes.some((r) => mine.has(r.nexthop));
}

/**
 * The incremental path for an endpoint removed from the model: evicts it from `ctx` and returns the flows to delete
 * and its network's groups as they are now. Undefined means "compile the node again" (the node's last endpoint of
 * a network, or a static route's next hop).
 */
export function endpointRemoved(
  ctx: NodeContext,
  endpointId: string,
  features: readonly Feature[] = FEATURES,
): EndpointDelta | undefined {
  const view = ctx.evict(endpointId);
  if (!view) return undefined;
  if (isNextHop(ctx, view)) return undefined;
  features = featuresFor(ctx.profile.capabilities, features).features;
  const flows = finish(endpointFlows(ctx, view, features), []);
  const groups: GroupSpec[] = [];
  for (const f of features) f.groups?.(ctx, view.network, groups);
  return { endpoint: view, flows, groups };
}

function sameFlow(a: FlowSpec, b: FlowSpec): boolean {
  return (
    a.cookie === b.cookie &&
    a.idleTimeout === b.idleTimeout &&
    a.hardTimeout === b.hardTimeout &&
    a.flags === b.flags &&
    stableText(a.instructions) === stableText(b.instructions)
  );
}

function stableText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x,
  );
}

/** Dedupes by table|priority|match and sorts deterministically: table ascending, priority descending, match. */
export function finish(flows: readonly FlowSpec[], conflicts: string[]): FlowSpec[] {
  // One sortable string per flow (fixed-width table and inverted priority, then the canonical match), sorted with the
  // engine's native string order: far cheaper than a comparator over 50,000 flows.
  const byKey = new Map<string, FlowSpec>();
  for (const f of flows) {
    const k = sortKey(f);
    const prev = byKey.get(k);
    if (!prev) byKey.set(k, f);
    else if (!sameFlow(prev, f))
      conflicts.push(`table ${f.table} priority ${f.priority} ${canonicalMatch(f.match)}`);
  }
  const keys = [...byKey.keys()].sort();
  const out = new Array<FlowSpec>(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = byKey.get(keys[i] as string) as FlowSpec;
  return out;
}

function sortKey(f: FlowSpec): string {
  return `${(f.table + 0x100).toString(16)}${(0x1ffff - f.priority).toString(16)}|${canonicalMatch(f.match)}`;
}

export interface CompileOptions {
  /** Reuse indexes across nodes compiled from one snapshot. */
  readonly index?: SnapshotIndex;
  readonly features?: readonly Feature[];
}

export function nodeContext(
  snapshot: PipelineSnapshot,
  nodeName: string,
  index?: SnapshotIndex,
): NodeContext {
  const idx = index ?? new SnapshotIndex(snapshot);
  const node = idx.nodesByName.get(nodeName);
  if (!node) throw new CompileError(`no node named ${nodeName}`);
  return new NodeContext(idx, node);
}

export function compileNode(
  snapshot: PipelineSnapshot,
  nodeName: string,
  opts: CompileOptions = {},
): CompiledNode {
  const ctx = nodeContext(snapshot, nodeName, opts.index);
  return compileContext(ctx, opts.features ?? FEATURES);
}

export function compileContext(ctx: NodeContext, all: readonly Feature[] = FEATURES): CompiledNode {
  const { features, unsupported } = featuresFor(ctx.profile.capabilities, all);
  const flows: FlowSpec[] = missFlows();
  const groups: GroupSpec[] = [];
  const meters: MeterSpec[] = [];
  for (const f of features) {
    f.nodeFlows?.(ctx, flows);
    f.meters?.(ctx, meters);
  }
  for (const net of ctx.networks) {
    for (const f of features) {
      f.networkFlows?.(ctx, net, flows);
      f.groups?.(ctx, net, groups);
    }
    for (const ep of net.endpoints) for (const f of features) f.endpointFlows?.(ctx, ep, flows);
  }
  const conflicts: string[] = [];
  const sorted = finish(flows, conflicts);
  groups.sort((a, b) => a.groupId - b.groupId);
  meters.sort((a, b) => a.meterId - b.meterId);
  return {
    node: ctx.node.name,
    flows: sorted,
    groups,
    meters,
    ports: portsWanted(ctx),
    conflicts,
    unsupported,
  };
}

export function portsWanted(ctx: NodeContext): PortsWanted {
  const endpoints: PortWanted[] = [];
  for (const ep of ctx.localEndpoints) {
    if (ep.ep.portName === undefined || ep.ofport === undefined) continue;
    const q = egressPolicing(ctx, ep);
    endpoints.push({
      name: ep.ep.portName,
      ofportRequest: ep.ofport,
      endpointId: ep.ep.id,
      ...(q ? { policing: q } : {}),
    });
  }
  endpoints.sort((a, b) => a.ofportRequest - b.ofportRequest);
  const p = ctx.profile;
  const trunks = ctx.networks
    .flatMap((n) => (n.vlan !== undefined && n.local ? [n.vlan] : []))
    .sort((a, b) => a - b);
  const uplink =
    ctx.node.overlay === 'network' && ctx.node.uplink !== undefined
      ? { uplink: { name: ctx.node.uplink, ofportRequest: UPLINK_OFPORT, trunks } }
      : {};
  return {
    bridge: {
      name: p.integrationBridge,
      datapathType: ctx.node.datapathType,
      hwaddr: ctx.hostMac,
      failMode: 'secure',
      protocols: ['OpenFlow13'],
      ...(ctx.node.datapathId !== undefined ? { datapathId: ctx.node.datapathId } : {}),
    },
    tunnel: { name: p.tunnelPort, ofportRequest: TUNNEL_OFPORT, type: 'vxlan', options: p.tunnelOptions },
    endpoints,
    ...uplink,
  };
}
