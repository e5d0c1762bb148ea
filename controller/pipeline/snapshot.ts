// The compiler's input: a plain, read-only view of the model at one instant, made of the model's own types. Pure data,
// so a compile can be replayed from a saved snapshot.
import type {
  Endpoint,
  Id,
  Kind,
  ModelKinds,
  Network,
  Node,
  QosPolicy,
  Router,
  RouterInterface,
  Service,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  Tenant,
  VlanBinding,
  Vtep,
} from '../model/types.js';

export interface PipelineSnapshot {
  readonly nodes: readonly Node[];
  readonly tenants: readonly Tenant[];
  readonly networks: readonly Network[];
  readonly subnets: readonly Subnet[];
  readonly routers: readonly Router[];
  readonly routerInterfaces: readonly RouterInterface[];
  readonly endpoints: readonly Endpoint[];
  readonly vlanBindings: readonly VlanBinding[];
  /** ClusterIP Services (service-lb); absent in snapshots saved before Services were compiled. */
  readonly services?: readonly Service[];
  /** Leaf VTEPs (network overlay); absent means none. */
  readonly vteps?: readonly Vtep[];
  /** Security groups, their rules and QoS policies (absent in snapshots made before they existed: none). */
  readonly securityGroups?: readonly SecurityGroup[];
  readonly securityGroupRules?: readonly SecurityGroupRule[];
  readonly qosPolicies?: readonly QosPolicy[];
  /** The node-local address egress SNATs to (egress-transit.ts); absent: DEFAULT_EGRESS_TRANSIT_IP. */
  readonly egressTransitIp?: string;
  /** New ClusterIP connections per second a switch's meter lets through (meters.ts); absent: its default. */
  readonly serviceMissRate?: number;
}

/** What snapshotFromModel reads: the store (ModelStore, a transaction) and ModelCache all fit. */
export interface SnapshotSource {
  all<K extends Kind>(kind: K): Iterable<ModelKinds[K]>;
}

/** Copies the kinds the pipeline reads out of the model (object references, not deep copies: model objects are immutable). */
export function snapshotFromModel(m: SnapshotSource): PipelineSnapshot {
  return {
    nodes: [...m.all('node')],
    tenants: [...m.all('tenant')],
    networks: [...m.all('network')],
    subnets: [...m.all('subnet')],
    routers: [...m.all('router')],
    routerInterfaces: [...m.all('routerInterface')],
    endpoints: [...m.all('endpoint')],
    vlanBindings: [...m.all('vlanBinding')],
    services: [...m.all('service')],
    vteps: [...m.all('vtep')],
    securityGroups: [...m.all('securityGroup')],
    securityGroupRules: [...m.all('securityGroupRule')],
    qosPolicies: [...m.all('qosPolicy')],
  };
}

export type { Id };
