// Secondary indexes over the model, declared once and kept by ModelCache for any store implementation.
// A key function returns the keys an object is found under (none = not indexed).
import type { Kind, ModelKinds } from './types';

type KeyFn<K extends Kind> = (o: ModelKinds[K]) => string | readonly string[] | undefined;
export type IndexSpec = { [K in Kind]: Record<string, KeyFn<K>> };

export const INDEXES = {
  tenant: { name: (t) => t.name },
  network: { tenant: (n) => n.tenantId, name: (n) => n.name, vni: (n) => String(n.vni) },
  subnet: { network: (s) => s.networkId, tenant: (s) => s.tenantId, name: (s) => s.name },
  router: { tenant: (r) => r.tenantId, name: (r) => r.name },
  routerInterface: { router: (i) => i.routerId, subnet: (i) => i.subnetId },
  node: { name: (n) => n.name },
  endpoint: {
    network: (e) => e.networkId,
    node: (e) => e.nodeId,
    tenant: (e) => e.tenantId,
    name: (e) => e.name,
    nodeNetwork: (e) => `${e.nodeId}/${e.networkId}`,
    attachment: (e) => (e.containerId && e.ifname ? `${e.nodeId}/${e.containerId}/${e.ifname}` : undefined),
    mac: (e) => `${e.networkId}/${e.mac}`,
    securityGroup: (e) => e.securityGroupIds,
    qosPolicy: (e) => e.qosPolicyId,
  },
  securityGroup: { tenant: (g) => g.tenantId, name: (g) => g.name },
  securityGroupRule: { group: (r) => r.securityGroupId, remoteGroup: (r) => r.remoteGroupId },
  qosPolicy: { tenant: (q) => q.tenantId, name: (q) => q.name },
  service: {
    network: (s) => s.networkId,
    tenant: (s) => s.tenantId,
    name: (s) => s.name,
    backend: (s) => s.backends.flatMap((b) => (b.kind === 'endpoint' ? [b.endpointId] : [])),
  },
  namespaceBinding: { namespace: (b) => b.namespace, network: (b) => b.networkId, tenant: (b) => b.tenantId },
  token: { hash: (t) => t.secretHash, tenant: (t) => t.tenantId, node: (t) => t.nodeId },
  vlanBinding: {
    node: (b) => b.nodeId,
    network: (b) => b.networkId,
    nodeNetwork: (b) => `${b.nodeId}/${b.networkId}`,
  },
  vtep: { name: (v) => v.name, uplinkNode: (v) => v.uplinks.map((u) => u.nodeId) },
} satisfies IndexSpec;

export type IndexName<K extends Kind> = keyof (typeof INDEXES)[K] & string;

/**
 * Group indexes count members per key: e.g. for each network, the nodes that host at least one of its endpoints,
 * with how many. Change events ask this for every endpoint change, so it must not walk the endpoints.
 */
type GroupFn<K extends Kind> = (o: ModelKinds[K]) => readonly [key: string, member: string] | undefined;
export type GroupSpec = { [K in Kind]?: Record<string, GroupFn<K>> };

export const GROUPS = {
  endpoint: { nodesOfNetwork: (e) => [e.networkId, e.nodeId] },
} satisfies GroupSpec;

export type GroupName<K extends Kind> = K extends keyof typeof GROUPS
  ? keyof (typeof GROUPS)[K] & string
  : never;
