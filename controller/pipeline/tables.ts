// The pipeline's tables, declared once (faucet's faucet_pipeline.py idea): id, name, the match fields a flow there
// may use, the tables it may go to, and what a miss does. Features refer to tables by name; flow() checks every flow
// against this list, and docs/pipeline.md is checked against it too.
//
// Before adding a table: pick an id between its neighbours (ids leave gaps on purpose), list only the fields its
// flows need, add it to `next` of the tables that may reach it, and describe it in docs/pipeline.md.
import type { OxmFieldName } from '../../protocols/openflow13/oxm.js';

export type Miss = { readonly kind: 'drop' } | { readonly kind: 'goto'; readonly table: TableName };

export interface TableDecl {
  readonly id: number;
  readonly name: TableName;
  readonly doc: string;
  readonly matches: readonly OxmFieldName[];
  readonly next: readonly TableName[];
  readonly miss: Miss;
}

export type TableName =
  | 'classify'
  | 'spoof_guard'
  | 'arp_nd'
  | 'nd_reply'
  | 'service_lb'
  | 'egress_security'
  | 'l3'
  | 'l2'
  | 'ingress_security'
  | 'output';

const L3_FIELDS = ['eth_type', 'ip_proto', 'ipv4_src', 'ipv4_dst', 'ipv6_src', 'ipv6_dst'] as const;
const L4_FIELDS = [
  'tcp_src',
  'tcp_dst',
  'udp_src',
  'udp_dst',
  'sctp_src',
  'sctp_dst',
  'icmpv4_type',
  'icmpv4_code',
  'icmpv6_type',
  'icmpv6_code',
] as const;
const SECURITY_FIELDS = [
  'metadata',
  'reg0',
  'reg1',
  'in_port',
  'eth_src',
  'eth_dst',
  ...L3_FIELDS,
  ...L4_FIELDS,
  'ct_state',
  'ct_mark',
  'ct_label',
  'conj_id',
] as const;

export const TABLES: readonly TableDecl[] = [
  {
    id: 0,
    name: 'classify',
    doc: 'in_port (and tun_id) -> network (metadata = VNI), source kind, routing domain',
    matches: [
      'in_port',
      'tun_id',
      'tun_ipv4_src',
      'eth_type',
      'ipv4_dst',
      'ipv6_dst',
      'arp_tpa',
      'ct_state',
      'ct_mark',
      'vlan_vid',
      'ipv4_src',
      'ip_proto',
      'icmpv6_type',
      'ipv6_nd_target',
    ],
    next: ['spoof_guard', 'arp_nd', 'service_lb', 'l3'],
    miss: { kind: 'drop' },
  },
  {
    id: 5,
    name: 'spoof_guard',
    doc: 'a pod may only send from its own MAC and addresses, ARP sender included',
    matches: [
      'in_port',
      'eth_src',
      'eth_type',
      'ipv4_src',
      'ipv6_src',
      'arp_spa',
      'arp_sha',
      'ip_proto',
      'icmpv6_type',
    ],
    next: ['arp_nd'],
    miss: { kind: 'drop' },
  },
  {
    id: 10,
    name: 'arp_nd',
    doc: 'ARP requests and IPv6 neighbour solicitations answered in the switch for every known address; frames to a gateway MAC marked for l3',
    matches: [
      'metadata',
      'reg0',
      'eth_type',
      'eth_dst',
      'arp_op',
      'arp_tpa',
      'ip_proto',
      'icmpv6_type',
      'ipv6_src',
      'ipv6_nd_target',
    ],
    next: ['service_lb', 'nd_reply'],
    miss: { kind: 'goto', table: 'service_lb' },
  },
  {
    id: 11,
    name: 'nd_reply',
    doc: 'finishes a neighbour advertisement built in arp_nd: target link-layer address = eth_src, back out of the in_port (a separate table because Open vSwitch checks nd_tll against the match, which must say type 136)',
    matches: ['eth_type', 'ip_proto', 'icmpv6_type'],
    next: [],
    miss: { kind: 'drop' },
  },
  {
    id: 20,
    name: 'service_lb',
    doc: 'ClusterIP:port -> controller (packet-in) for new connections, per-connection NAT flows, replies reverse-NATed',
    matches: [
      'metadata',
      'reg0',
      'reg2',
      'eth_type',
      'ip_proto',
      ...L3_FIELDS.slice(2),
      ...L4_FIELDS,
      'ct_state',
    ],
    next: ['egress_security'],
    miss: { kind: 'goto', table: 'egress_security' },
  },
  {
    id: 30,
    name: 'egress_security',
    doc: 'stateful security groups of the source port',
    matches: SECURITY_FIELDS,
    next: ['l3'],
    miss: { kind: 'goto', table: 'l3' },
  },
  {
    id: 40,
    name: 'l3',
    doc: 'distributed router: routes between the subnets of a routing domain (dec_ttl, MAC rewrite), gateways answer ping, the node itself, egress with SNAT',
    matches: [
      'metadata',
      'reg0',
      'reg2',
      'eth_type',
      'ipv4_dst',
      'ipv6_dst',
      'ip_proto',
      'icmpv4_type',
      'icmpv6_type',
    ],
    next: ['l2'],
    miss: { kind: 'goto', table: 'l2' },
  },
  {
    id: 50,
    name: 'l2',
    doc: '(network, destination MAC) -> local port, remote node over VXLAN (tun_id = VNI), or the flood group',
    matches: ['metadata', 'reg0', 'eth_dst'],
    next: ['ingress_security', 'output'],
    miss: { kind: 'drop' },
  },
  {
    id: 60,
    name: 'ingress_security',
    doc: 'stateful security groups of the destination port',
    matches: SECURITY_FIELDS,
    next: ['output'],
    miss: { kind: 'goto', table: 'output' },
  },
  {
    id: 70,
    name: 'output',
    doc: 'QoS meters, then output to the port l2/l3 chose',
    matches: ['reg0', 'reg1'],
    next: [],
    miss: { kind: 'drop' },
  },
];

const BY_NAME = new Map<TableName, TableDecl>(TABLES.map((t) => [t.name, t]));
const BY_ID = new Map<number, TableDecl>(TABLES.map((t) => [t.id, t]));

export function table(name: TableName): TableDecl {
  const t = BY_NAME.get(name);
  if (!t) throw new Error(`no table named ${name}`);
  return t;
}

export function tableById(id: number): TableDecl | undefined {
  return BY_ID.get(id);
}

export function tableId(name: TableName): number {
  return table(name).id;
}
