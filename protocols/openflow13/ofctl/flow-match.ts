// Open vSwitch's view of a match: one value and mask per flow field (struct flow + struct flow_wildcards), not a
// list of TLVs. Two headers for one field (OXM_OF_ETH_SRC, NXM_OF_ETH_SRC) land on the same key, and the 64/128-bit
// register aliases (xreg, xxreg) land on the 32-bit registers they overlay. From this view the printer writes OVS's
// canonical text, and `toMatch` writes the TLVs in the order and with the headers OVS's nx_put_raw() uses for
// OpenFlow 1.3, so that a flow parsed from text encodes to the bytes ovs-ofctl would send.
import type { Match, OxmField, OxmFieldName } from '../oxm.js';
import { fromBig, ones, port16to32, port32to16, toBig } from './values.js';

/** Keys of the OVS flow fields and their width in bits (the width of an exact match's mask). */
export const FLOW_KEYS = {
  dp_hash: 32,
  recirc_id: 32,
  conj_id: 32,
  in_port: 16,
  dl_src: 48,
  dl_dst: 48,
  dl_type: 16,
  vlan_tci: 16,
  /** The second VLAN header; only set when printing a packet's flow. */
  vlan_tci1: 16,
  mpls_label: 32,
  mpls_tc: 8,
  mpls_bos: 8,
  mpls_ttl: 8,
  nw_src: 32,
  nw_dst: 32,
  ipv6_src: 128,
  ipv6_dst: 128,
  ipv6_label: 32,
  nw_proto: 8,
  nw_tos: 8,
  nw_ecn: 8,
  nw_ttl: 8,
  nw_frag: 8,
  tp_src: 16,
  tp_dst: 16,
  tcp_flags: 16,
  arp_sha: 48,
  arp_tha: 48,
  nd_target: 128,
  nd_sll: 48,
  nd_tll: 48,
  tun_id: 64,
  tun_flags: 16,
  tun_src: 32,
  tun_dst: 32,
  tun_ipv6_src: 128,
  tun_ipv6_dst: 128,
  tun_gbp_id: 16,
  tun_gbp_flags: 8,
  reg0: 32,
  reg1: 32,
  reg2: 32,
  reg3: 32,
  reg4: 32,
  reg5: 32,
  reg6: 32,
  reg7: 32,
  reg8: 32,
  reg9: 32,
  reg10: 32,
  reg11: 32,
  reg12: 32,
  reg13: 32,
  reg14: 32,
  reg15: 32,
  pkt_mark: 32,
  ct_state: 32,
  ct_zone: 16,
  ct_mark: 32,
  ct_label: 128,
  ct_nw_src: 32,
  ct_ipv6_src: 128,
  ct_nw_dst: 32,
  ct_ipv6_dst: 128,
  ct_nw_proto: 8,
  ct_tp_src: 16,
  ct_tp_dst: 16,
  metadata: 64,
} as const;
export type FlowKey = keyof typeof FLOW_KEYS;

export interface Masked {
  readonly v: bigint;
  /** Set bits are matched; all ones over the key's width is an exact match. */
  readonly m: bigint;
}

/**
 * A match as OVS holds it. `extra` keeps TLVs OVS has no flow field for (pbb_isid, in_phy_port, ipv6_exthdr,
 * unknown experimenter OXMs) so that they still print and re-encode.
 */
export class FlowMatch {
  readonly fields = new Map<FlowKey, Masked>();
  readonly extra: OxmField[] = [];

  get(k: FlowKey): Masked | undefined {
    return this.fields.get(k);
  }

  /** The value when the key is matched exactly, else undefined. */
  exact(k: FlowKey): bigint | undefined {
    const f = this.fields.get(k);
    return f && f.m === ones(FLOW_KEYS[k]) ? f.v : undefined;
  }

  /** The value of a field (zero when wildcarded), as OVS's struct flow holds it. */
  value(k: FlowKey): bigint {
    return this.fields.get(k)?.v ?? 0n;
  }

  mask(k: FlowKey): bigint {
    return this.fields.get(k)?.m ?? 0n;
  }

  /** Adds bits to a key: ORs the mask, replaces the masked bits of the value. */
  set(k: FlowKey, v: bigint, m: bigint = ones(FLOW_KEYS[k])): void {
    const old = this.fields.get(k);
    const mask = (old?.m ?? 0n) | m;
    const value = ((old?.v ?? 0n) & ~m) | (v & m);
    if (mask === 0n) return;
    this.fields.set(k, { v: value & mask, m: mask });
  }

  get dlType(): number {
    return Number(this.value('dl_type'));
  }

  get nwProto(): number {
    return Number(this.value('nw_proto'));
  }
}

const ETH_IP = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_ARP = 0x0806;
const ETH_RARP = 0x8035;
const ETH_MPLS = 0x8847;
const ETH_MPLS_MCAST = 0x8848;

/** Codec fields that map one-to-one onto a flow key, with no change of value. */
const DIRECT: Partial<Record<OxmFieldName, FlowKey>> = {
  eth_src: 'dl_src',
  eth_src_nxm: 'dl_src',
  eth_dst: 'dl_dst',
  eth_dst_nxm: 'dl_dst',
  eth_type: 'dl_type',
  eth_type_nxm: 'dl_type',
  vlan_tci: 'vlan_tci',
  mpls_label: 'mpls_label',
  mpls_tc: 'mpls_tc',
  mpls_bos: 'mpls_bos',
  mpls_ttl: 'mpls_ttl',
  ipv4_src: 'nw_src',
  ipv4_src_nxm: 'nw_src',
  arp_spa: 'nw_src',
  arp_spa_nxm: 'nw_src',
  ipv4_dst: 'nw_dst',
  ipv4_dst_nxm: 'nw_dst',
  arp_tpa: 'nw_dst',
  arp_tpa_nxm: 'nw_dst',
  ipv6_src: 'ipv6_src',
  ipv6_src_nxm: 'ipv6_src',
  ipv6_dst: 'ipv6_dst',
  ipv6_dst_nxm: 'ipv6_dst',
  ipv6_flabel: 'ipv6_label',
  ipv6_flabel_nxm: 'ipv6_label',
  ip_proto: 'nw_proto',
  ip_proto_nxm: 'nw_proto',
  arp_op: 'nw_proto',
  arp_op_nxm: 'nw_proto',
  ip_dscp_nxm: 'nw_tos',
  ip_ecn: 'nw_ecn',
  ip_ecn_nxm: 'nw_ecn',
  ip_ttl: 'nw_ttl',
  ip_frag: 'nw_frag',
  tcp_src: 'tp_src',
  tcp_src_nxm: 'tp_src',
  udp_src: 'tp_src',
  udp_src_nxm: 'tp_src',
  sctp_src: 'tp_src',
  icmpv4_type: 'tp_src',
  icmpv4_type_nxm: 'tp_src',
  icmpv6_type: 'tp_src',
  icmpv6_type_nxm: 'tp_src',
  tcp_dst: 'tp_dst',
  tcp_dst_nxm: 'tp_dst',
  udp_dst: 'tp_dst',
  udp_dst_nxm: 'tp_dst',
  sctp_dst: 'tp_dst',
  icmpv4_code: 'tp_dst',
  icmpv4_code_nxm: 'tp_dst',
  icmpv6_code: 'tp_dst',
  icmpv6_code_nxm: 'tp_dst',
  tcp_flags: 'tcp_flags',
  arp_sha: 'arp_sha',
  arp_sha_nxm: 'arp_sha',
  arp_tha: 'arp_tha',
  arp_tha_nxm: 'arp_tha',
  ipv6_nd_target: 'nd_target',
  ipv6_nd_target_nxm: 'nd_target',
  ipv6_nd_sll: 'nd_sll',
  ipv6_nd_sll_nxm: 'nd_sll',
  ipv6_nd_tll: 'nd_tll',
  ipv6_nd_tll_nxm: 'nd_tll',
  tunnel_id: 'tun_id',
  tun_id: 'tun_id',
  tun_ipv4_src: 'tun_src',
  tun_ipv4_dst: 'tun_dst',
  tun_ipv6_src: 'tun_ipv6_src',
  tun_ipv6_dst: 'tun_ipv6_dst',
  tun_gbp_id: 'tun_gbp_id',
  tun_gbp_flags: 'tun_gbp_flags',
  tun_flags: 'tun_flags',
  pkt_mark: 'pkt_mark',
  dp_hash: 'dp_hash',
  recirc_id: 'recirc_id',
  conj_id: 'conj_id',
  ct_state: 'ct_state',
  ct_zone: 'ct_zone',
  ct_mark: 'ct_mark',
  ct_label: 'ct_label',
  ct_nw_proto: 'ct_nw_proto',
  ct_nw_src: 'ct_nw_src',
  ct_nw_dst: 'ct_nw_dst',
  ct_ipv6_src: 'ct_ipv6_src',
  ct_ipv6_dst: 'ct_ipv6_dst',
  ct_tp_src: 'ct_tp_src',
  ct_tp_dst: 'ct_tp_dst',
  metadata: 'metadata',
};
for (let i = 0; i < 16; i++) DIRECT[`reg${i}` as OxmFieldName] = `reg${i}` as FlowKey;

/** Experimenter OXMs OVS writes in OpenFlow 1.3 for fields the codec names only by their NXM header. */
const ONF_EXPERIMENTER = 0x4f4e4600;
const NX_EXPERIMENTER = 0x00002320;

function bytesToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/**
 * Spreads a 64- or 128-bit register over the 32-bit ones it overlays: the lowest-numbered register holds the most
 * significant word (xreg0 is reg0:reg1, xxreg0 is reg0:reg1:reg2:reg3).
 */
export function setRegs(fm: FlowMatch, first: number, words: number, v: bigint, m: bigint): void {
  for (let i = 0; i < words; i++) {
    const shift = BigInt(32 * (words - 1 - i));
    const wm = (m >> shift) & 0xffffffffn;
    if (wm !== 0n) fm.set(`reg${first + i}` as FlowKey, (v >> shift) & 0xffffffffn, wm);
  }
}

/** Builds OVS's view of a codec match. */
export function fromMatch(match: Match): FlowMatch {
  const fm = new FlowMatch();
  for (const e of match) {
    if (e.field === 'unknown') {
      const exp = e.experimenter;
      const key: FlowKey | undefined =
        exp === ONF_EXPERIMENTER && e.oxmField === 42
          ? 'tcp_flags'
          : exp === NX_EXPERIMENTER && e.oxmField === 0
            ? 'dp_hash'
            : undefined;
      if (key) {
        fm.set(key, bytesToBig(e.value), e.mask ? bytesToBig(e.mask) : ones(FLOW_KEYS[key]));
      } else {
        fm.extra.push(e);
      }
      continue;
    }
    const v = toBig(e.field, e.value);
    const m = e.mask === undefined ? undefined : toBig(e.field, e.mask);
    const direct = DIRECT[e.field];
    if (direct) {
      fm.set(direct, v, m ?? ones(FLOW_KEYS[direct]));
      continue;
    }
    const wide = /^(x{1,2})reg(\d+)$/.exec(e.field);
    if (wide) {
      // xregN overlays two 32-bit registers, xxregN four.
      const words = wide[1].length === 1 ? 2 : 4;
      setRegs(fm, Number(wide[2]) * words, words, v, m ?? ones(32 * words));
      continue;
    }
    switch (e.field) {
      case 'in_port':
        fm.set('in_port', BigInt(port32to16(Number(v))));
        break;
      case 'in_port_nxm':
        fm.set('in_port', v);
        break;
      case 'ip_dscp':
        fm.set('nw_tos', v << 2n, 0xfcn);
        break;
      case 'vlan_vid':
        // OFPVID_PRESENT sits where the TCI's CFI bit is.
        fm.set('vlan_tci', v & 0x1fffn, (m ?? 0x1fffn) & 0x1fffn);
        break;
      case 'vlan_pcp':
        fm.set('vlan_tci', (v << 13n) | 0x1000n, 0xf000n);
        break;
      default:
        // Fields OVS has no flow field for (in_phy_port, pbb_isid, ipv6_exthdr).
        fm.extra.push(e);
    }
  }
  return fm;
}

function be16(v: bigint): Uint8Array {
  return Uint8Array.of(Number((v >> 8n) & 0xffn), Number(v & 0xffn));
}

/** OVS writes tcp_flags in OpenFlow 1.3 as the ONF experimenter OXM (ONFOXM_ET_TCP_FLAGS, field 42). */
function putOnfTcpFlags(out: OxmField[], f: Masked | undefined): void {
  if (!f) return;
  const exact = f.m === 0xffffn;
  out.push({
    field: 'unknown',
    oxmClass: 0xffff,
    oxmField: 42,
    experimenter: ONF_EXPERIMENTER,
    value: be16(f.v),
    ...(exact ? {} : { mask: be16(f.m) }),
  });
}

/**
 * Writes OVS's view as OpenFlow 1.3 TLVs, in nx_put_raw() order with the headers OVS picks for OF1.3. Like OVS,
 * it leaves out fields whose prerequisites the match lacks (tp_dst without tcp, udp or sctp); their keys are
 * added to `dropped` when given.
 */
export function toMatch(fm: FlowMatch, dropped?: FlowKey[]): Match {
  const out: OxmField[] = [];
  const used = new Set<FlowKey>();
  const put = (k: FlowKey, name: OxmFieldName, maskable = true): void => {
    const f = fm.get(k);
    if (!f) return;
    used.add(k);
    const full = ones(FLOW_KEYS[k]);
    out.push(fromBig(name, f.v, f.m === full || !maskable ? undefined : f.m));
  };
  const dlType = fm.dlType;
  const proto = fm.nwProto;

  put('dp_hash', 'dp_hash');
  put('recirc_id', 'recirc_id', false);
  put('conj_id', 'conj_id', false);
  const inPort = fm.get('in_port');
  if (inPort) used.add('in_port');
  if (inPort) out.push(fromBig('in_port', BigInt(port16to32(Number(inPort.v)))));
  put('dl_src', 'eth_src');
  put('dl_dst', 'eth_dst');
  put('dl_type', 'eth_type', false);

  const tci = fm.get('vlan_tci');
  if (tci) {
    used.add('vlan_tci');
    const vid = tci.v & 0x1fffn;
    const vidMask = tci.m & 0x1fffn;
    if (vidMask === 0x1fffn) out.push(fromBig('vlan_vid', vid));
    else if (vidMask) out.push(fromBig('vlan_vid', vid, vidMask));
    if (vid && tci.m & 0xe000n) out.push(fromBig('vlan_pcp', (tci.v >> 13n) & 7n));
  }

  if (dlType === ETH_MPLS || dlType === ETH_MPLS_MCAST) {
    put('mpls_tc', 'mpls_tc', false);
    put('mpls_bos', 'mpls_bos', false);
    put('mpls_ttl', 'mpls_ttl', false);
    put('mpls_label', 'mpls_label', false);
  }

  if (dlType === ETH_IP || dlType === ETH_IPV6) {
    if (dlType === ETH_IP) {
      put('nw_src', 'ipv4_src');
      put('nw_dst', 'ipv4_dst');
    } else {
      put('ipv6_src', 'ipv6_src');
      put('ipv6_dst', 'ipv6_dst');
    }
    const frag = fm.get('nw_frag');
    if (frag && frag.m & 3n) {
      used.add('nw_frag');
      const m = frag.m & 3n;
      out.push(fromBig('ip_frag', frag.v & 3n, m === 3n ? undefined : m));
    }
    const tos = fm.get('nw_tos');
    if (tos && tos.m & 0xfcn) {
      used.add('nw_tos');
      out.push(fromBig('ip_dscp', (tos.v & 0xfcn) >> 2n));
    }
    const ecn = fm.get('nw_ecn');
    if (ecn && ecn.m & 3n) {
      used.add('nw_ecn');
      out.push(fromBig('ip_ecn', ecn.v & 3n));
    }
    put('nw_ttl', 'ip_ttl', false);
    put('ipv6_label', 'ipv6_flabel');
    if (fm.get('nw_proto')) {
      put('nw_proto', 'ip_proto', false);
      if (proto === 6) {
        put('tp_src', 'tcp_src');
        put('tp_dst', 'tcp_dst');
        if (fm.get('tcp_flags')) used.add('tcp_flags');
        putOnfTcpFlags(out, fm.get('tcp_flags'));
      } else if (proto === 17) {
        put('tp_src', 'udp_src');
        put('tp_dst', 'udp_dst');
      } else if (proto === 132) {
        put('tp_src', 'sctp_src');
        put('tp_dst', 'sctp_dst');
      } else if (proto === 1 && dlType === ETH_IP) {
        put('tp_src', 'icmpv4_type', false);
        put('tp_dst', 'icmpv4_code', false);
      } else if (proto === 58 && dlType === ETH_IPV6) {
        put('tp_src', 'icmpv6_type', false);
        put('tp_dst', 'icmpv6_code', false);
        const type = Number(fm.value('tp_src'));
        if ((type === 135 || type === 136) && fm.value('tp_dst') === 0n) {
          put('nd_target', 'ipv6_nd_target');
          if (type === 135) put('nd_sll', 'ipv6_nd_sll');
          if (type === 136) put('nd_tll', 'ipv6_nd_tll');
        }
      }
    }
  } else if (dlType === ETH_ARP || dlType === ETH_RARP) {
    put('nw_proto', 'arp_op', false);
    put('nw_src', 'arp_spa');
    put('nw_dst', 'arp_tpa');
    put('arp_sha', 'arp_sha');
    put('arp_tha', 'arp_tha');
  }

  put('tun_id', 'tunnel_id');
  put('tun_flags', 'tun_flags');
  put('tun_src', 'tun_ipv4_src');
  put('tun_dst', 'tun_ipv4_dst');
  put('tun_ipv6_src', 'tun_ipv6_src');
  put('tun_ipv6_dst', 'tun_ipv6_dst');
  put('tun_gbp_id', 'tun_gbp_id');
  put('tun_gbp_flags', 'tun_gbp_flags');
  for (let i = 0; i < 16; i++) put(`reg${i}` as FlowKey, `reg${i}` as OxmFieldName);
  put('pkt_mark', 'pkt_mark');
  put('ct_state', 'ct_state');
  put('ct_zone', 'ct_zone', false);
  put('ct_mark', 'ct_mark');
  put('ct_label', 'ct_label');
  put('ct_nw_src', 'ct_nw_src');
  put('ct_ipv6_src', 'ct_ipv6_src');
  put('ct_nw_dst', 'ct_nw_dst');
  put('ct_ipv6_dst', 'ct_ipv6_dst');
  if (fm.value('ct_nw_proto') !== 0n) {
    put('ct_nw_proto', 'ct_nw_proto', false);
    put('ct_tp_src', 'ct_tp_src');
    put('ct_tp_dst', 'ct_tp_dst');
  }
  put('metadata', 'metadata');
  if (dropped) for (const k of fm.fields.keys()) if (!used.has(k)) dropped.push(k);
  return [...out, ...fm.extra];
}
