// The fields of Open vSwitch's meta-flow layer (include/openvswitch/meta-flow.h) as ovs-ofctl names them, and
// how each maps onto the codec's wire fields. One OVS field can travel under two headers (NXM_OF_ETH_SRC and
// OXM_OF_ETH_SRC are both `eth_src`); OVS writes the OpenFlow 1.3 OXM header in matches and OFPAT_SET_FIELD, and
// the oldest (NXM) header inside Nicira actions (reg_move, reg_load, learn, output_reg). Values are carried as
// bigints here so that masks and subfields work the same for every width.
import { OXM_FIELDS, type OxmFieldName } from '../oxm.js';

/** How ovs-ofctl writes a field's value (meta-flow.h "Formatting:"). */
export type FieldFormat =
  | 'decimal'
  | 'hex'
  | 'mac'
  | 'ipv4'
  | 'ipv6'
  | 'port16'
  | 'port32'
  | 'ctState'
  | 'frag'
  | 'tunFlags'
  | 'tcpFlags';

export interface MfField {
  /** The name ovs-ofctl prints in set_field and learn (`eth_src`, `ip_src`, `reg0`). */
  readonly name: string;
  /** The NXM/OXM name used in subfield syntax (`NXM_OF_ETH_SRC[0..15]`). */
  readonly nxmName: string;
  readonly format: FieldFormat;
  /** Header OVS uses for this field in an OpenFlow 1.3 match and in OFPAT_SET_FIELD. */
  readonly oxm: OxmFieldName;
  /** Header OVS uses inside Nicira actions (the oldest one). */
  readonly nxm: OxmFieldName;
  /** Other names ovs-ofctl accepts on input (`dl_src` for eth_src). */
  readonly aliases?: readonly string[];
}

const mf = (
  name: string,
  nxmName: string,
  format: FieldFormat,
  oxm: OxmFieldName,
  nxm: OxmFieldName = oxm,
  aliases?: readonly string[],
): MfField => (aliases ? { name, nxmName, format, oxm, nxm, aliases } : { name, nxmName, format, oxm, nxm });

const regs = (n: number, prefix: string, nxmPrefix: string): MfField[] =>
  Array.from({ length: n }, (_, i) =>
    mf(`${prefix}${i}`, `${nxmPrefix}${i}`, 'hex', `${prefix}${i}` as OxmFieldName),
  );

/** Every OVS field the codec can carry. */
export const MF_FIELDS: readonly MfField[] = [
  mf('in_port', 'NXM_OF_IN_PORT', 'port16', 'in_port', 'in_port_nxm'),
  mf('in_port_oxm', 'OXM_OF_IN_PORT', 'port32', 'in_port'),
  mf('metadata', 'OXM_OF_METADATA', 'hex', 'metadata'),
  mf('eth_src', 'NXM_OF_ETH_SRC', 'mac', 'eth_src', 'eth_src_nxm', ['dl_src']),
  mf('eth_dst', 'NXM_OF_ETH_DST', 'mac', 'eth_dst', 'eth_dst_nxm', ['dl_dst']),
  mf('eth_type', 'NXM_OF_ETH_TYPE', 'hex', 'eth_type', 'eth_type_nxm', ['dl_type']),
  mf('vlan_tci', 'NXM_OF_VLAN_TCI', 'hex', 'vlan_tci'),
  mf('vlan_vid', 'OXM_OF_VLAN_VID', 'decimal', 'vlan_vid'),
  mf('vlan_pcp', 'OXM_OF_VLAN_PCP', 'decimal', 'vlan_pcp', 'vlan_pcp', ['dl_vlan_pcp']),
  mf('mpls_label', 'OXM_OF_MPLS_LABEL', 'decimal', 'mpls_label'),
  mf('mpls_tc', 'OXM_OF_MPLS_TC', 'decimal', 'mpls_tc'),
  mf('mpls_bos', 'OXM_OF_MPLS_BOS', 'decimal', 'mpls_bos'),
  mf('mpls_ttl', 'NXM_NX_MPLS_TTL', 'decimal', 'mpls_ttl'),
  mf('ip_src', 'NXM_OF_IP_SRC', 'ipv4', 'ipv4_src', 'ipv4_src_nxm', ['nw_src']),
  mf('ip_dst', 'NXM_OF_IP_DST', 'ipv4', 'ipv4_dst', 'ipv4_dst_nxm', ['nw_dst']),
  mf('ipv6_src', 'NXM_NX_IPV6_SRC', 'ipv6', 'ipv6_src', 'ipv6_src_nxm'),
  mf('ipv6_dst', 'NXM_NX_IPV6_DST', 'ipv6', 'ipv6_dst', 'ipv6_dst_nxm'),
  mf('ipv6_label', 'NXM_NX_IPV6_LABEL', 'hex', 'ipv6_flabel', 'ipv6_flabel_nxm'),
  mf('nw_proto', 'NXM_OF_IP_PROTO', 'decimal', 'ip_proto', 'ip_proto_nxm', ['ip_proto']),
  mf('nw_tos', 'NXM_OF_IP_TOS', 'decimal', 'ip_dscp_nxm'),
  mf('ip_dscp', 'OXM_OF_IP_DSCP', 'decimal', 'ip_dscp'),
  mf('nw_ecn', 'NXM_NX_IP_ECN', 'decimal', 'ip_ecn', 'ip_ecn_nxm', ['ip_ecn']),
  mf('nw_ttl', 'NXM_NX_IP_TTL', 'decimal', 'ip_ttl'),
  mf('ip_frag', 'NXM_NX_IP_FRAG', 'frag', 'ip_frag', 'ip_frag', ['nw_frag']),
  mf('arp_op', 'NXM_OF_ARP_OP', 'decimal', 'arp_op', 'arp_op_nxm'),
  mf('arp_spa', 'NXM_OF_ARP_SPA', 'ipv4', 'arp_spa', 'arp_spa_nxm'),
  mf('arp_tpa', 'NXM_OF_ARP_TPA', 'ipv4', 'arp_tpa', 'arp_tpa_nxm'),
  mf('arp_sha', 'NXM_NX_ARP_SHA', 'mac', 'arp_sha', 'arp_sha_nxm'),
  mf('arp_tha', 'NXM_NX_ARP_THA', 'mac', 'arp_tha', 'arp_tha_nxm'),
  mf('tcp_src', 'NXM_OF_TCP_SRC', 'decimal', 'tcp_src', 'tcp_src_nxm'),
  mf('tcp_dst', 'NXM_OF_TCP_DST', 'decimal', 'tcp_dst', 'tcp_dst_nxm'),
  mf('tcp_flags', 'NXM_NX_TCP_FLAGS', 'tcpFlags', 'tcp_flags'),
  mf('udp_src', 'NXM_OF_UDP_SRC', 'decimal', 'udp_src', 'udp_src_nxm'),
  mf('udp_dst', 'NXM_OF_UDP_DST', 'decimal', 'udp_dst', 'udp_dst_nxm'),
  mf('sctp_src', 'OXM_OF_SCTP_SRC', 'decimal', 'sctp_src'),
  mf('sctp_dst', 'OXM_OF_SCTP_DST', 'decimal', 'sctp_dst'),
  mf('icmp_type', 'NXM_OF_ICMP_TYPE', 'decimal', 'icmpv4_type', 'icmpv4_type_nxm'),
  mf('icmp_code', 'NXM_OF_ICMP_CODE', 'decimal', 'icmpv4_code', 'icmpv4_code_nxm'),
  mf('icmpv6_type', 'NXM_NX_ICMPV6_TYPE', 'decimal', 'icmpv6_type', 'icmpv6_type_nxm'),
  mf('icmpv6_code', 'NXM_NX_ICMPV6_CODE', 'decimal', 'icmpv6_code', 'icmpv6_code_nxm'),
  mf('nd_target', 'NXM_NX_ND_TARGET', 'ipv6', 'ipv6_nd_target', 'ipv6_nd_target_nxm'),
  mf('nd_sll', 'NXM_NX_ND_SLL', 'mac', 'ipv6_nd_sll', 'ipv6_nd_sll_nxm'),
  mf('nd_tll', 'NXM_NX_ND_TLL', 'mac', 'ipv6_nd_tll', 'ipv6_nd_tll_nxm'),
  mf('tun_id', 'NXM_NX_TUN_ID', 'hex', 'tunnel_id', 'tun_id', ['tunnel_id']),
  mf('tun_src', 'NXM_NX_TUN_IPV4_SRC', 'ipv4', 'tun_ipv4_src', 'tun_ipv4_src', ['tun_ipv4_src']),
  mf('tun_dst', 'NXM_NX_TUN_IPV4_DST', 'ipv4', 'tun_ipv4_dst', 'tun_ipv4_dst', ['tun_ipv4_dst']),
  mf('tun_ipv6_src', 'NXM_NX_TUN_IPV6_SRC', 'ipv6', 'tun_ipv6_src'),
  mf('tun_ipv6_dst', 'NXM_NX_TUN_IPV6_DST', 'ipv6', 'tun_ipv6_dst'),
  mf('tun_gbp_id', 'NXM_NX_TUN_GBP_ID', 'decimal', 'tun_gbp_id'),
  mf('tun_gbp_flags', 'NXM_NX_TUN_GBP_FLAGS', 'hex', 'tun_gbp_flags'),
  mf('tun_flags', 'NXM_NX_TUN_FLAGS', 'tunFlags', 'tun_flags'),
  ...regs(16, 'reg', 'NXM_NX_REG'),
  ...regs(8, 'xreg', 'OXM_OF_PKT_REG'),
  ...regs(4, 'xxreg', 'NXM_NX_XXREG'),
  mf('pkt_mark', 'NXM_NX_PKT_MARK', 'hex', 'pkt_mark'),
  mf('dp_hash', 'NXM_NX_DP_HASH', 'hex', 'dp_hash'),
  mf('recirc_id', 'NXM_NX_RECIRC_ID', 'decimal', 'recirc_id'),
  mf('conj_id', 'NXM_NX_CONJ_ID', 'decimal', 'conj_id'),
  mf('ct_state', 'NXM_NX_CT_STATE', 'ctState', 'ct_state'),
  mf('ct_zone', 'NXM_NX_CT_ZONE', 'hex', 'ct_zone'),
  mf('ct_mark', 'NXM_NX_CT_MARK', 'hex', 'ct_mark'),
  mf('ct_label', 'NXM_NX_CT_LABEL', 'hex', 'ct_label'),
  mf('ct_nw_proto', 'NXM_NX_CT_NW_PROTO', 'decimal', 'ct_nw_proto'),
  mf('ct_nw_src', 'NXM_NX_CT_NW_SRC', 'ipv4', 'ct_nw_src'),
  mf('ct_nw_dst', 'NXM_NX_CT_NW_DST', 'ipv4', 'ct_nw_dst'),
  mf('ct_ipv6_src', 'NXM_NX_CT_IPV6_SRC', 'ipv6', 'ct_ipv6_src'),
  mf('ct_ipv6_dst', 'NXM_NX_CT_IPV6_DST', 'ipv6', 'ct_ipv6_dst'),
  mf('ct_tp_src', 'NXM_NX_CT_TP_SRC', 'decimal', 'ct_tp_src'),
  mf('ct_tp_dst', 'NXM_NX_CT_TP_DST', 'decimal', 'ct_tp_dst'),
];

const byName = new Map<string, MfField>();
const byNxmName = new Map<string, MfField>();
const byCodec = new Map<OxmFieldName, MfField>();
for (const f of MF_FIELDS) {
  byName.set(f.name, f);
  for (const a of f.aliases ?? []) byName.set(a, f);
  byNxmName.set(f.nxmName, f);
  if (!byCodec.has(f.oxm)) byCodec.set(f.oxm, f);
  if (!byCodec.has(f.nxm)) byCodec.set(f.nxm, f);
}
// The OXM names of fields whose canonical subfield name is the NXM one: ovs-ofctl accepts both.
const OXM_NAMES: Record<string, string | undefined> = {
  eth_src: 'OXM_OF_ETH_SRC',
  eth_dst: 'OXM_OF_ETH_DST',
  eth_type: 'OXM_OF_ETH_TYPE',
  ip_src: 'OXM_OF_IPV4_SRC',
  ip_dst: 'OXM_OF_IPV4_DST',
  ipv6_src: 'OXM_OF_IPV6_SRC',
  ipv6_dst: 'OXM_OF_IPV6_DST',
  ipv6_label: 'OXM_OF_IPV6_FLABEL',
  nw_proto: 'OXM_OF_IP_PROTO',
  nw_ecn: 'OXM_OF_IP_ECN',
  arp_op: 'OXM_OF_ARP_OP',
  arp_spa: 'OXM_OF_ARP_SPA',
  arp_tpa: 'OXM_OF_ARP_TPA',
  arp_sha: 'OXM_OF_ARP_SHA',
  arp_tha: 'OXM_OF_ARP_THA',
  tcp_src: 'OXM_OF_TCP_SRC',
  tcp_dst: 'OXM_OF_TCP_DST',
  udp_src: 'OXM_OF_UDP_SRC',
  udp_dst: 'OXM_OF_UDP_DST',
  icmp_type: 'OXM_OF_ICMPV4_TYPE',
  icmp_code: 'OXM_OF_ICMPV4_CODE',
  icmpv6_type: 'OXM_OF_ICMPV6_TYPE',
  icmpv6_code: 'OXM_OF_ICMPV6_CODE',
  nd_target: 'OXM_OF_IPV6_ND_TARGET',
  nd_sll: 'OXM_OF_IPV6_ND_SLL',
  nd_tll: 'OXM_OF_IPV6_ND_TLL',
  tun_id: 'OXM_OF_TUNNEL_ID',
};
for (const f of MF_FIELDS) {
  const oxmAlias = OXM_NAMES[f.name];
  if (oxmAlias) byNxmName.set(oxmAlias, f);
}
// A 32-bit OXM in_port is its own OVS field (in_port_oxm) but prints as in_port.
byCodec.set('in_port', byName.get('in_port_oxm') as MfField);

// OpenFlow 1.3 fields Open vSwitch does not implement (in_phy_port, pbb_isid, ipv6_exthdr) still get a name, so
// that anything the codec decodes can be printed: the OXM name, as OpenFlow spells it.
for (const name of Object.keys(OXM_FIELDS) as OxmFieldName[]) {
  if (byCodec.has(name)) continue;
  const kind = OXM_FIELDS[name].kind;
  const format: FieldFormat = kind === 'mac' || kind === 'ipv4' || kind === 'ipv6' ? kind : 'hex';
  byCodec.set(name, mf(name, `OXM_OF_${name.toUpperCase()}`, format, name));
}

/** The OVS field a codec field belongs to (both eth_src and eth_src_nxm are `eth_src`). */
export function mfOfCodec(name: OxmFieldName): MfField {
  return byCodec.get(name) as MfField;
}

/** Looks up an OVS field by the name ovs-ofctl accepts (`dl_src`, `eth_src`, `reg3`). */
export function mfByName(name: string): MfField | undefined {
  return byName.get(name);
}

/** Looks up an OVS field by its NXM/OXM name (`NXM_NX_REG0`, `OXM_OF_METADATA`). */
export function mfByNxmName(name: string): MfField | undefined {
  return byNxmName.get(name);
}

/** Width in bits of a field as OVS sees it (the wire size; vlan_vid is 16, ip_dscp 8). */
export function fieldBits(name: OxmFieldName): number {
  return OXM_FIELDS[name].bytes * 8;
}
