// A small cluster for the pipeline tests: two nodes, tenant A with a router over two subnets (VNI 100, 101), tenant B
// with the same CIDR as A's first subnet and no router (VNI 200). b1 has a1's IP and MAC: only the network tells them apart.
import type { Endpoint, Network, Node, Subnet } from '../../../controller/model/types.js';
import type { PipelineSnapshot } from '../../../controller/pipeline/snapshot.js';

const at = '2026-01-01T00:00:00.000Z';

export function node(id: string, name: string, tunnelIp: string): Node {
  return {
    id,
    name,
    vswitch: 'ovs',
    overlay: 'host',
    tunnelIp,
    ovsdb: 'tcp:127.0.0.1:6640',
    datapathType: 'netdev',
    vlanRange: { min: 100, max: 4000 },
    connection: 'connected',
    createdAt: at,
  };
}

export function network(id: string, tenantId: string, vni: number): Network {
  return { id, tenantId, name: id, vni, mtu: 1450, isDefault: false, createdAt: at };
}

export function subnet(
  id: string,
  networkId: string,
  tenantId: string,
  cidr: string,
  gateway?: string,
): Subnet {
  return {
    id,
    networkId,
    tenantId,
    name: id,
    cidr,
    ipVersion: cidr.includes(':') ? 6 : 4,
    ...(gateway !== undefined ? { gateway } : {}),
    pools: [],
    reserved: [],
    createdAt: at,
  };
}

export function endpoint(
  id: string,
  networkId: string,
  tenantId: string,
  nodeId: string,
  ofport: number | undefined,
  mac: string,
  ips: string[],
): Endpoint {
  return {
    id,
    networkId,
    tenantId,
    nodeId,
    kind: 'pod',
    name: id,
    mac,
    ips,
    portName: `veth-${id}`,
    ...(ofport !== undefined ? { ofport } : {}),
    securityGroupIds: [],
    createdAt: at,
  };
}

export const MAC = {
  a1: '0a:58:0a:01:00:0a',
  a2: '0a:58:0a:01:00:0b',
  a3: '0a:58:0a:01:00:0c',
  a4: '0a:58:0a:02:00:14',
  a5: '0a:58:0a:02:00:15',
  b1: '0a:58:0a:01:00:0a',
  b2: '0e:00:00:00:0b:02',
  gwA1: '0a:00:00:00:01:01',
  gwA2: '0a:00:00:00:02:01',
} as const;

export function cluster(): PipelineSnapshot {
  return {
    nodes: [node('N1', 'n1', '10.99.0.1'), node('N2', 'n2', '10.99.0.2')],
    tenants: [
      { id: 'TA', name: 'a', createdAt: at },
      { id: 'TB', name: 'b', createdAt: at },
    ],
    networks: [network('A1', 'TA', 100), network('A2', 'TA', 101), network('B1', 'TB', 200)],
    subnets: [
      subnet('SA1', 'A1', 'TA', '10.1.0.0/24', '10.1.0.1'),
      subnet('SA1v6', 'A1', 'TA', 'fd00:1::/64', 'fd00:1::1'),
      subnet('SA2', 'A2', 'TA', '10.2.0.0/24', '10.2.0.1'),
      subnet('SB1', 'B1', 'TB', '10.1.0.0/24', '10.1.0.1'),
    ],
    routers: [
      {
        id: 'RA',
        tenantId: 'TA',
        name: 'ra',
        // a4 routes 172.16.0.0/16 further; 172.16.9.0/24 via a5; the route via 10.2.0.99 has no next hop yet.
        routes: [
          { destination: '172.16.0.0/16', nexthop: '10.2.0.20' },
          { destination: '172.16.9.0/24', nexthop: '10.2.0.21' },
          { destination: '192.168.0.0/16', nexthop: '10.2.0.99' },
        ],
        createdAt: at,
      },
    ],
    routerInterfaces: [
      {
        id: 'IA1',
        routerId: 'RA',
        tenantId: 'TA',
        subnetId: 'SA1',
        address: '10.1.0.1',
        mac: MAC.gwA1,
        createdAt: at,
      },
      {
        id: 'IA2',
        routerId: 'RA',
        tenantId: 'TA',
        subnetId: 'SA2',
        address: '10.2.0.1',
        mac: MAC.gwA2,
        createdAt: at,
      },
    ],
    endpoints: [
      endpoint('a1', 'A1', 'TA', 'N1', 1, MAC.a1, ['10.1.0.10', 'fd00:1::10']),
      endpoint('a2', 'A1', 'TA', 'N1', 2, MAC.a2, ['10.1.0.11']),
      endpoint('a3', 'A1', 'TA', 'N2', 1, MAC.a3, ['10.1.0.12']),
      endpoint('a4', 'A2', 'TA', 'N2', 2, MAC.a4, ['10.2.0.20']),
      endpoint('a5', 'A2', 'TA', 'N1', 3, MAC.a5, ['10.2.0.21']),
      endpoint('b1', 'B1', 'TB', 'N1', 4, MAC.b1, ['10.1.0.10']),
      endpoint('b2', 'B1', 'TB', 'N2', 3, MAC.b2, ['10.1.0.11']),
    ],
    vlanBindings: [],
  };
}

/**
 * The cluster as a hybrid: n1 a network-overlay node uplinked to leaf 10.99.0.9 (port p1) with VLANs 100..102 for
 * A1, A2, B1; n2 stays a host-overlay node.
 */
export function hybrid(): PipelineSnapshot {
  const s = cluster();
  const [n1, n2] = s.nodes;
  return {
    ...s,
    nodes: [{ ...n1!, overlay: 'network', uplink: 'eth-up' }, n2!],
    vlanBindings: [
      { id: 'V1', nodeId: 'N1', networkId: 'A1', vlan: 100, vni: 100, createdAt: at },
      { id: 'V2', nodeId: 'N1', networkId: 'A2', vlan: 101, vni: 101, createdAt: at },
      { id: 'V3', nodeId: 'N1', networkId: 'B1', vlan: 102, vni: 200, createdAt: at },
    ],
    vteps: [
      {
        id: 'L1',
        name: 'leaf1',
        ovsdb: 'tcp:127.0.0.1:6641',
        tunnelIp: '10.99.0.9',
        physicalSwitch: 'leaf1',
        uplinks: [{ nodeId: 'N1', port: 'p1' }],
        createdAt: at,
      },
    ],
  };
}
