// The nouns of the network model, as the store keeps them and the API shows them.
// Every object has an `id` (time-ordered, see ids.ts); references to other objects are ids.

export type Id = string;

export interface Tenant {
  readonly id: Id;
  readonly name: string;
  readonly createdAt: string;
}

export interface DnsConfig {
  readonly nameservers?: string[];
  readonly search?: string[];
  readonly options?: string[];
}

export interface Network {
  readonly id: Id;
  readonly tenantId: Id;
  readonly name: string;
  /** VXLAN network identifier, 1..16,777,215, unique in the cluster. */
  readonly vni: number;
  readonly mtu: number;
  readonly dns?: DnsConfig;
  /** The network CNI requests land in when nothing more specific says otherwise (at most one). */
  readonly isDefault: boolean;
  readonly createdAt: string;
}

export interface IpRange {
  readonly start: string;
  readonly end: string;
}

export interface Subnet {
  readonly id: Id;
  readonly networkId: Id;
  readonly tenantId: Id;
  readonly name: string;
  readonly cidr: string;
  readonly ipVersion: 4 | 6;
  readonly gateway?: string;
  /** Ranges endpoints are allocated from; the whole usable CIDR minus the gateway when not given. */
  readonly pools: IpRange[];
  /** Addresses inside pools that are never handed out. */
  readonly reserved: string[];
  readonly createdAt: string;
}

export interface StaticRoute {
  readonly destination: string;
  readonly nexthop: string;
}

export interface Router {
  readonly id: Id;
  readonly tenantId: Id;
  readonly name: string;
  readonly routes: StaticRoute[];
  readonly createdAt: string;
}

export interface RouterInterface {
  readonly id: Id;
  readonly routerId: Id;
  readonly tenantId: Id;
  readonly subnetId: Id;
  /** The router's address on the subnet: the subnet's gateway. */
  readonly address: string;
  readonly mac: string;
  readonly createdAt: string;
}

export type VswitchKind = 'ovs' | 's1020v';
export type OverlayModel = 'host' | 'network';
export type DatapathType = 'netdev' | 'system';
export type NodeConnection = 'unknown' | 'connected' | 'disconnected';

export interface VlanRange {
  readonly min: number;
  readonly max: number;
}

export interface Node {
  readonly id: Id;
  readonly name: string;
  readonly vswitch: VswitchKind;
  readonly overlay: OverlayModel;
  readonly tunnelIp: string;
  /** OVSDB target the controller dials, e.g. "tcp:10.0.0.1:6640" or "unix:/run/openvswitch/db.sock". */
  readonly ovsdb: string;
  /** OpenFlow target the node's bridge dials, e.g. "tcp:127.0.0.1:6653". */
  readonly controllerTarget?: string;
  /** 16 hex digits when pinned; otherwise learned from the switch. */
  readonly datapathId?: string;
  readonly datapathType: DatapathType;
  readonly uplink?: string;
  /** Host-local VLANs the network overlay may use on this node. */
  readonly vlanRange: VlanRange;
  readonly connection: NodeConnection;
  readonly createdAt: string;
}

export type EndpointKind = 'pod' | 'vm' | 'baremetal';

export interface EndpointOwner {
  readonly namespace: string;
  readonly name: string;
}

/** Where a bare-metal server sits: behind a leaf VTEP's physical port, its frames tagged with a VLAN there. */
export interface PhysicalAttachment {
  readonly vtepId: Id;
  readonly port: string;
  /** 0: untagged. */
  readonly vlan: number;
}

export interface Endpoint {
  readonly id: Id;
  readonly networkId: Id;
  readonly tenantId: Id;
  /** The switch holding the endpoint's port: a node, or for kind `baremetal` the leaf VTEP (= physical.vtepId). */
  readonly nodeId: Id;
  /** Kind `baremetal` only. */
  readonly physical?: PhysicalAttachment;
  readonly kind: EndpointKind;
  readonly name: string;
  readonly mac: string;
  /** Plain addresses, at most one per subnet, in allocation order. */
  readonly ips: string[];
  /** Name of the switch port on the node (the veth host end for pods). */
  readonly portName?: string;
  readonly ofport?: number;
  readonly securityGroupIds: Id[];
  readonly qosPolicyId?: Id;
  /** Stable identity (e.g. a StatefulSet pod) that gets its addresses back within the retention window. */
  readonly owner?: EndpointOwner;
  readonly containerId?: string;
  readonly ifname?: string;
  readonly createdAt: string;
}

export type Direction = 'ingress' | 'egress';
export type Ethertype = 'IPv4' | 'IPv6';
export type RuleProtocol = 'any' | 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp';

export interface SecurityGroup {
  readonly id: Id;
  readonly tenantId: Id;
  readonly name: string;
  readonly description: string;
  /** What the group does with traffic no rule allows; absent means deny ingress, allow egress. */
  readonly ingressDefault?: 'deny' | 'allow';
  readonly egressDefault?: 'deny' | 'allow';
  /** Members accept any traffic from each other; absent means true. */
  readonly allowWithinGroup?: boolean;
  readonly createdAt: string;
}

export interface SecurityGroupRule {
  readonly id: Id;
  readonly securityGroupId: Id;
  readonly tenantId: Id;
  readonly direction: Direction;
  readonly ethertype: Ethertype;
  readonly protocol: RuleProtocol;
  readonly portMin?: number;
  readonly portMax?: number;
  /** At most one of remoteCidr and remoteGroupId; neither means any remote. */
  readonly remoteCidr?: string;
  readonly remoteGroupId?: Id;
  readonly createdAt: string;
}

export interface QosPolicy {
  readonly id: Id;
  readonly tenantId: Id;
  readonly name: string;
  /** kbit/s and kbit; absent means unlimited. */
  readonly ingressRateKbps?: number;
  readonly ingressBurstKb?: number;
  readonly egressRateKbps?: number;
  readonly egressBurstKb?: number;
  /** DSCP value 0..63 written on egress. */
  readonly dscp?: number;
  readonly createdAt: string;
}

export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';
export type ServicePolicy = 'round-robin' | 'random' | 'source-hash' | 'least-connections' | 'weighted';
export type SessionAffinity = 'none' | 'client-ip';

export interface ServicePort {
  readonly name?: string;
  readonly protocol: ServiceProtocol;
  readonly port: number;
  readonly targetPort: number;
}

/** A backend is an endpoint of the service's network or an external address. */
/** healthy: takes new connections; draining: keeps its sessions, takes no new ones; unhealthy: loses its sessions. */
export type BackendHealth = 'healthy' | 'draining' | 'unhealthy';

export type ServiceBackend =
  | {
      readonly kind: 'endpoint';
      readonly endpointId: Id;
      readonly weight: number;
      readonly health?: BackendHealth;
    }
  | {
      readonly kind: 'address';
      readonly address: string;
      readonly weight: number;
      readonly health?: BackendHealth;
    };

export interface Service {
  readonly id: Id;
  readonly networkId: Id;
  readonly tenantId: Id;
  readonly name: string;
  readonly clusterIps: string[];
  readonly ports: ServicePort[];
  readonly backends: ServiceBackend[];
  readonly policy: ServicePolicy;
  readonly sessionAffinity: SessionAffinity;
  /** ClientIP affinity lifetime in seconds (default 10800, as Kubernetes). */
  readonly affinityTimeoutSeconds?: number;
  readonly createdAt: string;
}

export interface NamespaceBinding {
  readonly id: Id;
  /** Kubernetes namespace; unique. */
  readonly namespace: string;
  readonly networkId: Id;
  readonly tenantId: Id;
  readonly createdAt: string;
}

export type Role = 'admin' | 'tenant' | 'viewer' | 'cni';

export interface Token {
  readonly id: Id;
  readonly role: Role;
  readonly tenantId?: Id;
  readonly nodeId?: Id;
  /** SHA-256 of the secret, hex. The secret itself is shown once and never stored. */
  readonly secretHash: string;
  readonly description: string;
  readonly createdAt: string;
}

/** The VLAN a network's traffic carries on one network-overlay node (host-local, so VLANs repeat across nodes). */
export interface VlanBinding {
  readonly id: Id;
  readonly nodeId: Id;
  readonly networkId: Id;
  readonly vlan: number;
  readonly vni: number;
  readonly createdAt: string;
}

/** Where a network-overlay node's uplink plugs into a leaf: the leaf's physical port. */
export interface VtepUplink {
  readonly nodeId: Id;
  readonly port: string;
}

/**
 * A leaf (hardware) VTEP the controller drives over OVSDB hardware_vtep: network-overlay nodes reach the overlay
 * through it on host-local VLANs, and bare-metal servers sit behind its ports.
 */
export interface Vtep {
  readonly id: Id;
  readonly name: string;
  /** OVSDB target of the leaf's hardware_vtep database. */
  readonly ovsdb: string;
  /** The leaf's VXLAN tunnel endpoint address. */
  readonly tunnelIp: string;
  /** Its Physical_Switch row's name (the leaf registers itself under this name). */
  readonly physicalSwitch: string;
  readonly uplinks: VtepUplink[];
  readonly createdAt: string;
}

export type AllocationState = 'used' | 'retained';

/** One address taken out of a subnet. Free addresses have no row. */
export interface IpAllocation {
  readonly subnetId: Id;
  readonly address: string;
  readonly state: AllocationState;
  readonly endpointId?: Id;
  /** "namespace/name" of a stable owner. */
  readonly owner?: string;
  /** Epoch milliseconds after which a retained address is free again. */
  readonly retainUntil?: number;
}

/** Every kind of object the store keeps, by its API/event name. */
export interface ModelKinds {
  tenant: Tenant;
  network: Network;
  subnet: Subnet;
  router: Router;
  routerInterface: RouterInterface;
  node: Node;
  endpoint: Endpoint;
  securityGroup: SecurityGroup;
  securityGroupRule: SecurityGroupRule;
  qosPolicy: QosPolicy;
  service: Service;
  namespaceBinding: NamespaceBinding;
  token: Token;
  vlanBinding: VlanBinding;
  vtep: Vtep;
}

export type Kind = keyof ModelKinds;
export type AnyObject = ModelKinds[Kind];

export const KINDS: readonly Kind[] = [
  'tenant',
  'network',
  'subnet',
  'router',
  'routerInterface',
  'node',
  'endpoint',
  'securityGroup',
  'securityGroupRule',
  'qosPolicy',
  'service',
  'namespaceBinding',
  'token',
  'vlanBinding',
  'vtep',
];
