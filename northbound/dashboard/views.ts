// The read models of the dashboard pages, built from the model in one pass each: what the Overview, Topology, IPAM,
// Services, Security and Audit pages show. Pure functions of the store (and the switch view for node state).
import type { ChangeEvent } from '../../controller/events.js';
import type { Ipam } from '../../controller/ipam/ipam.js';
import type { Kind, Service } from '../../controller/model/types.js';
import type { AuditRecord, ModelStore } from '../../controller/store/store.js';
import { serviceStats, type ServiceStats, type ServiceStatsSource } from './service-stats.js';
import type { NodeSwitchState, SwitchView } from './switches.js';

export const COUNTED: readonly Kind[] = [
  'tenant',
  'network',
  'subnet',
  'router',
  'node',
  'endpoint',
  'service',
  'securityGroup',
  'qosPolicy',
];

const UNKNOWN_STATE: NodeSwitchState = { ovsdb: 'none', openflow: 'none', problem: 'no switch view' };

export function nodeViews(store: ModelStore, switches: SwitchView | undefined) {
  return [...store.all('node')].map((n) => ({
    id: n.id,
    name: n.name,
    vswitch: n.vswitch,
    overlay: n.overlay,
    tunnelIp: n.tunnelIp,
    datapathType: n.datapathType,
    endpoints: store.countUnder('endpoint', 'node', n.id),
    state: switches?.nodeState(n.id) ?? UNKNOWN_STATE,
  }));
}

export function overview(store: ModelStore, switches: SwitchView | undefined, recent: number) {
  const counts: Record<string, number> = {};
  for (const k of COUNTED) counts[k] = store.count(k);
  return {
    nodes: nodeViews(store, switches),
    counts,
    events: store.audit(recent).map(auditView),
  };
}

export function topology(store: ModelStore, switches: SwitchView | undefined) {
  return {
    tenants: [...store.all('tenant')].map((t) => ({ id: t.id, name: t.name })),
    routers: [...store.all('router')].map((r) => ({
      id: r.id,
      name: r.name,
      tenantId: r.tenantId,
      subnetIds: store.lookup('routerInterface', 'router', r.id).map((i) => i.subnetId),
    })),
    networks: [...store.all('network')].map((n) => ({
      id: n.id,
      name: n.name,
      tenantId: n.tenantId,
      vni: n.vni,
    })),
    subnets: [...store.all('subnet')].map((s) => ({
      id: s.id,
      name: s.name,
      networkId: s.networkId,
      cidr: s.cidr,
      gateway: s.gateway ?? null,
    })),
    nodes: nodeViews(store, switches),
    endpoints: [...store.all('endpoint')].map((e) => ({
      id: e.id,
      name: e.name,
      kind: e.kind,
      nodeId: e.nodeId,
      networkId: e.networkId,
      tenantId: e.tenantId,
      mac: e.mac,
      ips: e.ips,
      ofport: e.ofport ?? null,
      owner: e.owner ? `${e.owner.namespace}/${e.owner.name}` : null,
    })),
    vlanBindings: [...store.all('vlanBinding')].map((b) => ({
      nodeId: b.nodeId,
      networkId: b.networkId,
      vlan: b.vlan,
      vni: b.vni,
    })),
  };
}

export function ipam(store: ModelStore, ipamState: Ipam) {
  const bySubnet = new Map<
    string,
    {
      address: string;
      state: string;
      endpoint: string | null;
      owner: string | null;
      retainUntil: string | null;
    }[]
  >();
  for (const a of store.allocations()) {
    let list = bySubnet.get(a.subnetId);
    if (!list) bySubnet.set(a.subnetId, (list = []));
    const ep = a.endpointId ? store.get('endpoint', a.endpointId) : undefined;
    list.push({
      address: a.address,
      state: a.state,
      endpoint: ep?.name ?? null,
      owner: a.owner ?? null,
      retainUntil: a.retainUntil !== undefined ? new Date(a.retainUntil).toISOString() : null,
    });
  }
  return {
    subnets: [...store.all('subnet')].map((s) => {
      const st = ipamState.stats(s.id);
      return {
        id: s.id,
        name: s.name,
        cidr: s.cidr,
        network: store.get('network', s.networkId)?.name ?? s.networkId,
        tenant: store.get('tenant', s.tenantId)?.name ?? s.tenantId,
        size: st.size.toString(),
        free: st.free.toString(),
        used: st.used,
        retained: st.retained,
        allocations: bySubnet.get(s.id) ?? [],
      };
    }),
    vlanBindings: [...store.all('vlanBinding')].map((b) => ({
      node: store.get('node', b.nodeId)?.name ?? b.nodeId,
      network: store.get('network', b.networkId)?.name ?? b.networkId,
      vlan: b.vlan,
      vni: b.vni,
    })),
  };
}

/** Services with their backends resolved to names, addresses and nodes. */
export function services(store: ModelStore, source: ServiceStatsSource | undefined) {
  return [...store.all('service')].map((s) => servicesView(store, s, serviceStats(s, source)));
}

function servicesView(store: ModelStore, s: Service, stats: ServiceStats) {
  const live = new Map(stats.backends.map((b) => [b.id, b]));
  const liveOf = (id: string) => {
    const b = live.get(id);
    return { id, health: b?.health ?? 'healthy', sessions: b?.sessions ?? null };
  };
  return {
    id: s.id,
    name: s.name,
    tenant: store.get('tenant', s.tenantId)?.name ?? s.tenantId,
    network: store.get('network', s.networkId)?.name ?? s.networkId,
    clusterIps: s.clusterIps,
    ports: s.ports.map((p) => ({
      name: p.name ?? null,
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort,
    })),
    policy: s.policy,
    sessionAffinity: s.sessionAffinity,
    backends: s.backends.map((b) => {
      if (b.kind === 'address')
        return {
          kind: b.kind,
          name: b.address,
          ips: [b.address],
          node: null,
          weight: b.weight,
          present: true,
          ...liveOf(`addr:${b.address}`),
        };
      const ep = store.get('endpoint', b.endpointId);
      return {
        kind: b.kind,
        name: ep?.name ?? b.endpointId,
        ips: ep?.ips ?? [],
        node: ep ? (store.get('node', ep.nodeId)?.name ?? null) : null,
        weight: b.weight,
        present: ep !== undefined,
        ...liveOf(b.endpointId),
      };
    }),
    sessions: stats.sessions ?? null,
  };
}

/** Security groups with their rules and the endpoints they apply to; QoS policies with theirs. */
export function security(store: ModelStore) {
  const epName = (id: string) => store.get('endpoint', id)?.name ?? id;
  return {
    securityGroups: [...store.all('securityGroup')].map((g) => ({
      id: g.id,
      name: g.name,
      tenant: store.get('tenant', g.tenantId)?.name ?? g.tenantId,
      description: g.description,
      rules: store.lookup('securityGroupRule', 'group', g.id).map((r) => ({
        direction: r.direction,
        ethertype: r.ethertype,
        protocol: r.protocol,
        ports:
          r.portMin === undefined
            ? 'any'
            : r.portMax && r.portMax !== r.portMin
              ? `${r.portMin}-${r.portMax}`
              : String(r.portMin),
        remote:
          r.remoteCidr ??
          (r.remoteGroupId
            ? `group ${store.get('securityGroup', r.remoteGroupId)?.name ?? r.remoteGroupId}`
            : 'any'),
      })),
      appliesTo: store.lookup('endpoint', 'securityGroup', g.id).map((e) => e.name),
    })),
    qosPolicies: [...store.all('qosPolicy')].map((q) => ({
      id: q.id,
      name: q.name,
      tenant: store.get('tenant', q.tenantId)?.name ?? q.tenantId,
      ingressRateKbps: q.ingressRateKbps ?? null,
      egressRateKbps: q.egressRateKbps ?? null,
      dscp: q.dscp ?? null,
      appliesTo: store.lookup('endpoint', 'qosPolicy', q.id).map((e) => epName(e.id)),
    })),
  };
}

/** An audit record or change event as the dashboard shows it; token secrets' hashes never leave the controller. */
export function auditView(r: AuditRecord | ChangeEvent) {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    changes: r.changes.map((c) => ({
      kind: c.kind,
      op: c.op,
      id: c.id,
      ...(c.before !== undefined ? { before: redact(c.kind, c.before) } : {}),
      ...(c.after !== undefined ? { after: redact(c.kind, c.after) } : {}),
    })),
  };
}

function redact(kind: Kind, o: object): object {
  if (kind !== 'token') return o;
  const { secretHash: _hidden, ...rest } = o as { secretHash?: string };
  return rest;
}
