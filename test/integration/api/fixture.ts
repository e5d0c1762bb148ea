// One tenant's worth of every noun, made through the API.
import type { TestApi } from '../../support/api';

export interface World {
  tenant: string;
  network: string;
  subnet: string;
  router: string;
  routerInterface: string;
  securityGroup: string;
  rule: string;
  qos: string;
  endpoint: string;
  service: string;
  binding: string;
}

export async function nodeOnce(api: TestApi, name = 'node1'): Promise<string> {
  const existing = await api.call(api.admin, 'GET', `/api/v1/nodes/${name}`);
  if (existing.status === 200) return existing.json.id as string;
  const n = await api.ok('POST', '/api/v1/nodes', {
    name,
    vswitch: 'ovs',
    overlay: 'host',
    tunnelIp: '192.0.2.1',
    ovsdb: 'unix:/run/openvswitch/db.sock',
  });
  return n.id as string;
}

export async function world(api: TestApi, t: string, cidr = '10.0.0.0/24'): Promise<World> {
  await nodeOnce(api);
  const tenant = (await api.ok('POST', '/api/v1/tenants', { name: t })).id as string;
  const network = (await api.ok('POST', '/api/v1/networks', { tenant, name: `${t}-net` })).id as string;
  const subnet = (await api.ok('POST', '/api/v1/subnets', { network, cidr })).id as string;
  const router = (await api.ok('POST', '/api/v1/routers', { tenant, name: `${t}-r` })).id as string;
  const routerInterface = (await api.ok('POST', `/api/v1/routers/${router}/interfaces`, { subnet }))
    .id as string;
  const securityGroup = (await api.ok('POST', '/api/v1/security-groups', { tenant, name: `${t}-sg` }))
    .id as string;
  const rule = (
    await api.ok('POST', `/api/v1/security-groups/${securityGroup}/rules`, {
      direction: 'ingress',
      protocol: 'tcp',
      portMin: 80,
    })
  ).id as string;
  const qos = (await api.ok('POST', '/api/v1/qos-policies', { tenant, name: `${t}-q`, egressRateKbps: 1000 }))
    .id as string;
  const endpoint = (
    await api.ok('POST', '/api/v1/endpoints', {
      network,
      kind: 'vm',
      node: 'node1',
      name: `${t}-vm`,
      securityGroups: [securityGroup],
      qosPolicy: qos,
    })
  ).id as string;
  const service = (
    await api.ok('POST', '/api/v1/services', {
      network,
      name: `${t}-svc`,
      clusterIps: ['10.96.0.10'],
      ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
      backends: [{ endpoint }],
    })
  ).id as string;
  const binding = (await api.ok('POST', '/api/v1/namespace-bindings', { namespace: `${t}-ns`, network }))
    .id as string;
  return {
    tenant,
    network,
    subnet,
    router,
    routerInterface,
    securityGroup,
    rule,
    qos,
    endpoint,
    service,
    binding,
  };
}
