// Shapes of the dashboard routes' answers (northbound/dashboard/views.ts and schemas.ts on the server).
export interface NodeState {
  ovsdb: string;
  openflow: string;
  dpid?: string;
  flows?: number;
  problem?: string;
}
export interface NodeView {
  id: string;
  name: string;
  vswitch: string;
  overlay: string;
  tunnelIp: string;
  datapathType: string;
  endpoints: number;
  state: NodeState;
}
export interface Change {
  kind: string;
  op: string;
  id: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  changes: Change[];
}
export interface Overview {
  nodes: NodeView[];
  counts: Record<string, number>;
  events: AuditEntry[];
}
export interface EndpointView {
  id: string;
  name: string;
  kind: string;
  nodeId: string;
  networkId: string;
  tenantId: string;
  mac: string;
  ips: string[];
  ofport: number | null;
  owner: string | null;
}
export interface Topology {
  tenants: { id: string; name: string }[];
  routers: { id: string; name: string; tenantId: string; subnetIds: string[] }[];
  networks: { id: string; name: string; tenantId: string; vni: number }[];
  subnets: { id: string; name: string; networkId: string; cidr: string; gateway: string | null }[];
  nodes: NodeView[];
  endpoints: EndpointView[];
  vlanBindings: { nodeId: string; networkId: string; vlan: number; vni: number }[];
}
export interface FlowRow {
  table: number;
  tableName: string;
  priority: number;
  cookie: string;
  feature: string;
  packets: string;
  bytes: string;
  durationSec: number;
  text: string;
}
export interface Flows {
  node: string;
  source: 'live' | 'compiled';
  total: number;
  matched: number;
  items: FlowRow[];
}
export interface PipelineDecl {
  tables: { id: number; name: string; doc: string; matches: string[]; next: string[]; miss: string }[];
  features: { name: string; value: number; doc: string }[];
}
export interface Allocation {
  address: string;
  state: string;
  endpoint: string | null;
  owner: string | null;
  retainUntil: string | null;
}
export interface Ipam {
  subnets: {
    id: string;
    name: string;
    cidr: string;
    network: string;
    tenant: string;
    size: string;
    free: string;
    used: number;
    retained: number;
    allocations: Allocation[];
  }[];
  vlanBindings: { node: string; network: string; vlan: number; vni: number }[];
}
export interface ServiceView {
  id: string;
  name: string;
  tenant: string;
  network: string;
  clusterIps: string[];
  ports: { name: string | null; protocol: string; port: number; targetPort: number }[];
  policy: string;
  sessionAffinity: string;
  backends: {
    kind: string;
    name: string;
    ips: string[];
    node: string | null;
    weight: number;
    present: boolean;
    /** Endpoint id or addr:<address>: the key of serviceStats messages. */
    id: string;
    health: BackendHealth;
    /** Open connections; null when the controller runs without a load balancer. */
    sessions: number | null;
  }[];
  sessions: number | null;
}
export type BackendHealth = 'healthy' | 'draining' | 'unhealthy';
export interface ServiceStats {
  serviceId: string;
  sessions?: number;
  backends: { id: string; health: BackendHealth; sessions?: number }[];
}
export interface Security {
  securityGroups: {
    id: string;
    name: string;
    tenant: string;
    description: string;
    rules: { direction: string; ethertype: string; protocol: string; ports: string; remote: string }[];
    appliesTo: string[];
  }[];
  qosPolicies: {
    id: string;
    name: string;
    tenant: string;
    ingressRateKbps: number | null;
    egressRateKbps: number | null;
    dscp: number | null;
    appliesTo: string[];
  }[];
}
export interface TraceStep {
  node: string;
  phase: 'arp' | 'ip';
  table: number;
  tableName: string;
  depth: number;
  flow?: string;
  cookie?: string;
  feature?: string;
  priority?: number;
  note?: string;
}
export interface Trace {
  packet: string;
  steps: TraceStep[];
  verdict: {
    kind: string;
    summary: string;
    decidedBy?: string;
    decidedByNode?: string;
    endpoint?: string;
    node?: string;
  };
}
export type StreamMessage =
  | { type: 'hello'; nodes: Record<string, NodeState> }
  | { type: 'change'; event: AuditEntry & { nodes: string[] } }
  | { type: 'nodeState'; nodeId: string; state: NodeState }
  | ({ type: 'serviceStats' } & ServiceStats);
export interface Probe {
  trace: Trace;
  injected: { node: string; inPort: number; bytes: number };
  flows: {
    node: string;
    table: number;
    tableName: string;
    priority: number;
    cookie: string;
    feature: string;
    text: string;
    packets: string;
    traced: boolean;
  }[];
  traced: number;
  tracedMoved: number;
  agrees: boolean;
  summary: string;
}
