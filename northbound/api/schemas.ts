// The wire shapes of the REST API as TypeBox schemas: request bodies reject unknown fields, responses list every
// field they may carry (fastify serializes by them and @fastify/swagger publishes them).
import { Type, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

export const Name = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@-]*$',
  description: 'letters, digits and ._:/@- ; unique within the parent',
});
export const Ref = Type.String({
  minLength: 1,
  maxLength: 253,
  description: 'id, or name within the parent',
});
export const IdT = Type.String({ description: 'UUIDv7 id' });
export const Address = Type.String({ minLength: 2, maxLength: 45, description: 'IPv4 or IPv6 address' });
export const Cidr = Type.String({
  minLength: 3,
  maxLength: 49,
  description: 'e.g. 10.0.0.0/24 or fd00::/64',
});
export const Timestamp = Type.String({ format: 'date-time' });
const Vlan = Type.Integer({ minimum: 1, maximum: 4094 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), reason: Type.String() }))),
    holders: Type.Optional(
      Type.Array(Type.Object({ kind: Type.String(), id: Type.String(), name: Type.Optional(Type.String()) })),
    ),
  },
  { $id: 'Problem', description: 'RFC 7807 problem details' },
);

export const RefParams = Type.Object({ ref: Ref }, strict);
export const SubParams = Type.Object({ ref: Ref, id: IdT }, strict);

export const Page = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
  name: Type.Optional(Type.String()),
};

export function listOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), next: Type.Optional(Type.String()) });
}

const Dns = Type.Object(
  {
    nameservers: Type.Optional(Type.Array(Address, { maxItems: 8 })),
    search: Type.Optional(Type.Array(Type.String({ maxLength: 253 }), { maxItems: 8 })),
    options: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 8 })),
  },
  strict,
);

// ---- tenants
export const TenantBody = Type.Object({ name: Name }, strict);
export const TenantPatch = Type.Object({ name: Type.Optional(Name) }, strict);
export const Tenant = Type.Object({ id: IdT, name: Type.String(), createdAt: Timestamp });

// ---- networks
const Vni = Type.Integer({ minimum: 1, maximum: 16777215 });
const Mtu = Type.Integer({ minimum: 576, maximum: 9000 });
export const NetworkBody = Type.Object(
  {
    tenant: Ref,
    name: Name,
    vni: Type.Optional(Vni),
    mtu: Type.Optional(Mtu),
    dns: Type.Optional(Dns),
    isDefault: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const NetworkPatch = Type.Object(
  {
    name: Type.Optional(Name),
    mtu: Type.Optional(Mtu),
    dns: Type.Optional(Dns),
    isDefault: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const Network = Type.Object({
  id: IdT,
  tenantId: IdT,
  name: Type.String(),
  vni: Type.Integer(),
  mtu: Type.Integer(),
  dns: Type.Optional(Dns),
  isDefault: Type.Boolean(),
  createdAt: Timestamp,
});

// ---- subnets
const Pool = Type.Object({ start: Address, end: Address }, strict);
export const SubnetBody = Type.Object(
  {
    network: Ref,
    name: Type.Optional(Name),
    cidr: Cidr,
    gateway: Type.Optional(Type.Union([Address, Type.Null()], { description: 'null: no gateway' })),
    pools: Type.Optional(Type.Array(Pool, { maxItems: 64 })),
    reserved: Type.Optional(Type.Array(Address, { maxItems: 1024 })),
  },
  strict,
);
export const SubnetPatch = Type.Object({ name: Type.Optional(Name) }, strict);
export const SubnetStats = Type.Object({
  size: Type.String(),
  free: Type.String(),
  used: Type.Integer(),
  retained: Type.Integer(),
});
export const Subnet = Type.Object({
  id: IdT,
  networkId: IdT,
  tenantId: IdT,
  name: Type.String(),
  cidr: Type.String(),
  ipVersion: Type.Union([Type.Literal(4), Type.Literal(6)]),
  gateway: Type.Optional(Type.String()),
  pools: Type.Array(Type.Object({ start: Type.String(), end: Type.String() })),
  reserved: Type.Array(Type.String()),
  createdAt: Timestamp,
  stats: Type.Optional(SubnetStats),
});

// ---- routers
const StaticRoute = Type.Object({ destination: Cidr, nexthop: Address }, strict);
export const RouterBody = Type.Object(
  { tenant: Ref, name: Name, routes: Type.Optional(Type.Array(StaticRoute, { maxItems: 256 })) },
  strict,
);
export const RouterPatch = Type.Object(
  { name: Type.Optional(Name), routes: Type.Optional(Type.Array(StaticRoute, { maxItems: 256 })) },
  strict,
);
export const Router = Type.Object({
  id: IdT,
  tenantId: IdT,
  name: Type.String(),
  routes: Type.Array(Type.Object({ destination: Type.String(), nexthop: Type.String() })),
  createdAt: Timestamp,
});
export const RouterInterfaceBody = Type.Object({ subnet: Ref }, strict);
export const RouterInterface = Type.Object({
  id: IdT,
  routerId: IdT,
  tenantId: IdT,
  subnetId: IdT,
  address: Type.String(),
  mac: Type.String(),
  createdAt: Timestamp,
});

// ---- nodes
const VlanRange = Type.Object({ min: Vlan, max: Vlan }, strict);
const Target = Type.String({
  minLength: 3,
  maxLength: 255,
  pattern: '^(tcp|ssl|unix|ptcp|pssl|punix):.+$',
  description: 'tcp:HOST:PORT, ssl:HOST:PORT or unix:PATH',
});
const nodeFields = {
  vswitch: Type.Union([Type.Literal('ovs'), Type.Literal('s1020v')]),
  overlay: Type.Union([Type.Literal('host'), Type.Literal('network')]),
  tunnelIp: Address,
  ovsdb: Target,
  controllerTarget: Type.Optional(Target),
  datapathId: Type.Optional(Type.String({ description: '16 hex digits, colons allowed' })),
  datapathType: Type.Optional(Type.Union([Type.Literal('netdev'), Type.Literal('system')])),
  uplink: Type.Optional(Type.String({ minLength: 1, maxLength: 15 })),
  vlanRange: Type.Optional(VlanRange),
};
export const NodeBody = Type.Object({ name: Name, ...nodeFields }, strict);
export const NodePatch = Type.Partial(Type.Object(nodeFields, strict), strict);
export const Node = Type.Object({
  id: IdT,
  name: Type.String(),
  vswitch: Type.String(),
  overlay: Type.String(),
  tunnelIp: Type.String(),
  ovsdb: Type.String(),
  controllerTarget: Type.Optional(Type.String()),
  datapathId: Type.Optional(Type.String()),
  datapathType: Type.String(),
  uplink: Type.Optional(Type.String()),
  vlanRange: Type.Object({ min: Type.Integer(), max: Type.Integer() }),
  connection: Type.String(),
  createdAt: Timestamp,
});
// ---- leaf VTEPs
const VtepUplinkBody = Type.Object(
  {
    node: Ref,
    port: Type.String({ minLength: 1, maxLength: 64, description: "the leaf's physical port" }),
  },
  strict,
);
const vtepFields = {
  ovsdb: Target,
  tunnelIp: Address,
  physicalSwitch: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  uplinks: Type.Optional(Type.Array(VtepUplinkBody, { maxItems: 1024 })),
};
export const VtepBody = Type.Object({ name: Name, ...vtepFields }, strict);
export const VtepPatch = Type.Partial(Type.Object(vtepFields, strict), strict);
export const Vtep = Type.Object({
  id: IdT,
  name: Type.String(),
  ovsdb: Type.String(),
  tunnelIp: Type.String(),
  physicalSwitch: Type.String(),
  uplinks: Type.Array(Type.Object({ nodeId: IdT, port: Type.String() })),
  createdAt: Timestamp,
});
const VtepMacT = Type.Object({
  logicalSwitch: Type.String(),
  mac: Type.String(),
  tunnelIp: Type.String(),
  ipaddr: Type.String(),
});
export const VtepRows = Type.Object({
  physicalSwitch: Type.String(),
  tunnelIp: Type.String(),
  ports: Type.Array(Type.String()),
  logicalSwitches: Type.Array(
    Type.Object({ name: Type.String(), vni: Type.Integer(), description: Type.String() }),
  ),
  bindings: Type.Array(
    Type.Object({ port: Type.String(), vlan: Type.Integer(), logicalSwitch: Type.String() }),
  ),
  ucastRemote: Type.Array(VtepMacT),
  mcastRemote: Type.Array(
    Type.Object({ logicalSwitch: Type.String(), tunnelIps: Type.Array(Type.String()) }),
  ),
  counts: Type.Record(Type.String(), Type.Integer()),
});
export const VlanBinding = Type.Object({
  id: IdT,
  nodeId: IdT,
  networkId: IdT,
  vlan: Type.Integer(),
  vni: Type.Integer(),
  createdAt: Timestamp,
});

// ---- endpoints
const Owner = Type.Object({ namespace: Name, name: Name }, strict);
export const EndpointBody = Type.Object(
  {
    network: Ref,
    kind: Type.Union([Type.Literal('pod'), Type.Literal('vm'), Type.Literal('baremetal')]),
    node: Type.Optional({ ...Ref, description: "pod, vm: the node whose switch holds the endpoint's port" }),
    vtep: Type.Optional({ ...Ref, description: 'baremetal: the leaf VTEP the server sits behind' }),
    port: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "baremetal: the leaf's physical port" }),
    ),
    vlan: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 4094, description: 'baremetal: VLAN on that port (0: untagged)' }),
    ),
    name: Name,
    ips: Type.Optional(Type.Array(Address, { minItems: 1, maxItems: 8 })),
    mac: Type.Optional(Type.String({ maxLength: 17 })),
    securityGroups: Type.Optional(Type.Array(Ref, { maxItems: 32 })),
    qosPolicy: Type.Optional(Ref),
    owner: Type.Optional(Owner),
    portName: Type.Optional(Type.String({ minLength: 1, maxLength: 15 })),
  },
  strict,
);
export const EndpointPatch = Type.Object(
  {
    name: Type.Optional(Name),
    securityGroups: Type.Optional(Type.Array(Ref, { maxItems: 32 })),
    qosPolicy: Type.Optional(Type.Union([Ref, Type.Null()])),
    portName: Type.Optional(Type.String({ minLength: 1, maxLength: 15 })),
    ofport: Type.Optional(Type.Integer({ minimum: 1, maximum: 65279 })),
  },
  strict,
);
export const Endpoint = Type.Object({
  id: IdT,
  networkId: IdT,
  tenantId: IdT,
  nodeId: { ...IdT, description: 'the node; for baremetal, the leaf VTEP (physical.vtepId)' },
  physical: Type.Optional(Type.Object({ vtepId: IdT, port: Type.String(), vlan: Type.Integer() })),
  kind: Type.String(),
  name: Type.String(),
  mac: Type.String(),
  ips: Type.Array(Type.String()),
  portName: Type.Optional(Type.String()),
  ofport: Type.Optional(Type.Integer()),
  securityGroupIds: Type.Array(IdT),
  qosPolicyId: Type.Optional(IdT),
  owner: Type.Optional(Type.Object({ namespace: Type.String(), name: Type.String() })),
  containerId: Type.Optional(Type.String()),
  ifname: Type.Optional(Type.String()),
  createdAt: Timestamp,
});

// ---- security groups
/** What a group does with traffic no rule allows, and whether members accept each other (docs/network-policy.md). */
const groupDefaults = {
  ingressDefault: Type.Optional(Type.Union([Type.Literal('deny'), Type.Literal('allow')])),
  egressDefault: Type.Optional(Type.Union([Type.Literal('deny'), Type.Literal('allow')])),
  allowWithinGroup: Type.Optional(Type.Boolean()),
};
export const SecurityGroupBody = Type.Object(
  {
    tenant: Ref,
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    ...groupDefaults,
  },
  strict,
);
export const SecurityGroupPatch = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    ...groupDefaults,
  },
  strict,
);
export const SecurityGroup = Type.Object({
  id: IdT,
  tenantId: IdT,
  name: Type.String(),
  description: Type.String(),
  ...groupDefaults,
  createdAt: Timestamp,
});
export const RuleBody = Type.Object(
  {
    direction: Type.Union([Type.Literal('ingress'), Type.Literal('egress')]),
    ethertype: Type.Optional(Type.Union([Type.Literal('IPv4'), Type.Literal('IPv6')])),
    protocol: Type.Optional(
      Type.Union(['any', 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp'].map((p) => Type.Literal(p as 'any'))),
    ),
    portMin: Type.Optional(Port),
    portMax: Type.Optional(Port),
    remoteCidr: Type.Optional(Cidr),
    remoteGroup: Type.Optional(Ref),
  },
  strict,
);
export const Rule = Type.Object({
  id: IdT,
  securityGroupId: IdT,
  tenantId: IdT,
  direction: Type.String(),
  ethertype: Type.String(),
  protocol: Type.String(),
  portMin: Type.Optional(Type.Integer()),
  portMax: Type.Optional(Type.Integer()),
  remoteCidr: Type.Optional(Type.String()),
  remoteGroupId: Type.Optional(IdT),
  createdAt: Timestamp,
});

// ---- QoS
const Rate = Type.Integer({ minimum: 1, maximum: 100_000_000 });
const qosFields = {
  ingressRateKbps: Type.Optional(Rate),
  ingressBurstKb: Type.Optional(Rate),
  egressRateKbps: Type.Optional(Rate),
  egressBurstKb: Type.Optional(Rate),
  dscp: Type.Optional(Type.Integer({ minimum: 0, maximum: 63 })),
};
export const QosBody = Type.Object({ tenant: Ref, name: Name, ...qosFields }, strict);
export const QosPatch = Type.Object({ name: Type.Optional(Name), ...qosFields }, strict);
export const Qos = Type.Object({
  id: IdT,
  tenantId: IdT,
  name: Type.String(),
  ingressRateKbps: Type.Optional(Type.Integer()),
  ingressBurstKb: Type.Optional(Type.Integer()),
  egressRateKbps: Type.Optional(Type.Integer()),
  egressBurstKb: Type.Optional(Type.Integer()),
  dscp: Type.Optional(Type.Integer()),
  createdAt: Timestamp,
});

// ---- services
const ServicePort = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 63 })),
    protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('sctp')]),
    port: Port,
    targetPort: Port,
  },
  strict,
);
const Backend = Type.Object(
  {
    endpoint: Type.Optional(Ref),
    address: Type.Optional(Address),
    weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  strict,
);
const Policy = Type.Union([
  Type.Literal('round-robin'),
  Type.Literal('random'),
  Type.Literal('source-hash'),
  Type.Literal('least-connections'),
  Type.Literal('weighted'),
]);
const Affinity = Type.Union([Type.Literal('none'), Type.Literal('client-ip')]);
const serviceFields = {
  clusterIps: Type.Optional(
    Type.Array(Address, {
      maxItems: 2,
      description: 'absent or empty: one address from each service CIDR (--service-cidr)',
    }),
  ),
  ports: Type.Array(ServicePort, { minItems: 1, maxItems: 64 }),
  backends: Type.Array(Backend, { maxItems: 4096 }),
  policy: Type.Optional(Policy),
  sessionAffinity: Type.Optional(Affinity),
  affinityTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
};
export const ServiceBody = Type.Object({ network: Ref, name: Name, ...serviceFields }, strict);
export const ServicePatch = Type.Partial(Type.Object(serviceFields, strict), strict);
export const Service = Type.Object({
  id: IdT,
  networkId: IdT,
  tenantId: IdT,
  name: Type.String(),
  clusterIps: Type.Array(Type.String()),
  ports: Type.Array(
    Type.Object({
      name: Type.Optional(Type.String()),
      protocol: Type.String(),
      port: Type.Integer(),
      targetPort: Type.Integer(),
    }),
  ),
  backends: Type.Array(
    Type.Object({
      kind: Type.String(),
      endpointId: Type.Optional(IdT),
      address: Type.Optional(Type.String()),
      weight: Type.Integer(),
      health: Type.Optional(Type.String()),
    }),
  ),
  policy: Type.String(),
  sessionAffinity: Type.String(),
  affinityTimeoutSeconds: Type.Optional(Type.Integer()),
  createdAt: Timestamp,
});
export const ServiceBackendBody = Backend;
export const BackendParams = Type.Object(
  { ref: Ref, backend: Type.String({ minLength: 1, maxLength: 253 }) },
  strict,
);
export const BackendHealthBody = Type.Object(
  {
    health: Type.Union([Type.Literal('healthy'), Type.Literal('draining'), Type.Literal('unhealthy')], {
      description:
        'healthy takes new connections; draining keeps its sessions only; unhealthy loses its sessions',
    }),
  },
  strict,
);

// ---- namespace bindings
const Namespace = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  description: 'Kubernetes namespace (RFC 1123 label)',
});
export const BindingBody = Type.Object({ namespace: Namespace, network: Ref }, strict);
export const BindingPatch = Type.Object({ network: Type.Optional(Ref) }, strict);
export const Binding = Type.Object({
  id: IdT,
  namespace: Type.String(),
  networkId: IdT,
  tenantId: IdT,
  createdAt: Timestamp,
});

// ---- tokens
const RoleT = Type.Union([
  Type.Literal('admin'),
  Type.Literal('tenant'),
  Type.Literal('viewer'),
  Type.Literal('cni'),
]);
export const TokenBody = Type.Object(
  {
    role: RoleT,
    tenant: Type.Optional(Ref),
    node: Type.Optional(Ref),
    description: Type.Optional(Type.String({ maxLength: 256 })),
  },
  strict,
);
export const Token = Type.Object({
  id: IdT,
  role: Type.String(),
  tenantId: Type.Optional(IdT),
  nodeId: Type.Optional(IdT),
  description: Type.String(),
  createdAt: Timestamp,
});
export const TokenCreated = Type.Composite([
  Token,
  Type.Object({ token: Type.String({ description: 'the secret; shown only now' }) }),
]);

// ---- CNI
const ContainerId = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
const Ifname = Type.String({ minLength: 1, maxLength: 15, pattern: '^[^/:\\s]+$' });
export const CniAttachment = Type.Object({ containerId: ContainerId, ifname: Ifname }, strict);
export const CniAddBody = Type.Object(
  {
    containerId: ContainerId,
    ifname: Ifname,
    netns: Type.String({ minLength: 1, maxLength: 4096 }),
    hostIfName: Type.String({ minLength: 1, maxLength: 15 }),
    k8sNamespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    k8sPodName: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    network: Type.Optional(Ref),
    ips: Type.Optional(Type.Array(Address, { minItems: 1, maxItems: 8 })),
    mac: Type.Optional(Type.String({ maxLength: 17 })),
  },
  strict,
);
export const CniResult = Type.Object({
  endpointId: IdT,
  network: IdT,
  mac: Type.String(),
  mtu: Type.Integer(),
  ips: Type.Array(Type.Object({ address: Type.String(), gateway: Type.Optional(Type.String()) })),
  routes: Type.Array(Type.Object({ dst: Type.String(), gw: Type.String() })),
  dns: Type.Object({
    nameservers: Type.Optional(Type.Array(Type.String())),
    search: Type.Optional(Type.Array(Type.String())),
    options: Type.Optional(Type.Array(Type.String())),
  }),
});
export const CniGcBody = Type.Object(
  { validAttachments: Type.Array(CniAttachment, { maxItems: 100_000 }) },
  strict,
);
export const CniGcResult = Type.Object({
  released: Type.Array(Type.Object({ containerId: Type.String(), ifname: Type.String(), endpointId: IdT })),
});
export const CniStatus = Type.Object({ ready: Type.Boolean(), detail: Type.Optional(Type.String()) });
