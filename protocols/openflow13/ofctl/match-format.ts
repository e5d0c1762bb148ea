// Prints a match as ovs-ofctl does (lib/match.c match_format): fixed field order, protocol shorthands (ip, tcp6,
// arp, ...) that stand for dl_type and nw_proto, names that depend on the protocol (nw_src vs arp_spa, tp_src vs
// icmp_type), and OVS's number formats (registers in hex, ports in decimal, CIDR masks).
import type { Match, OxmField } from '../oxm.js';
import { FLOW_KEYS, type FlowKey, type FlowMatch, fromMatch } from './flow-match.js';
import {
  CT_STATE_BITS,
  TCP_FLAG_BITS,
  TUN_FLAG_BITS,
  dottedHex,
  formatFlags,
  formatFlagsMasked,
  formatFrag,
  formatIpv4Masked,
  formatIpv6Masked,
  formatMacMasked,
  formatPort16,
  hex,
  ones,
  putHex,
} from './values.js';

const DEFAULT_PRIORITY = 0x8000;

/** Prints `priority=N,` (when not the default) and the match fields, comma separated, without a trailing comma. */
export function formatMatch(match: Match, priority: number = DEFAULT_PRIORITY): string {
  return formatFlowMatch(fromMatch(match), priority);
}

export function formatFlowMatch(fm: FlowMatch, priority: number = DEFAULT_PRIORITY): string {
  const out: string[] = [];
  const full = (k: FlowKey): bigint => ones(FLOW_KEYS[k]);
  const has = (k: FlowKey): boolean => fm.mask(k) !== 0n;

  /** format_uint32_masked / format_be64_masked: `0x1f` or `0x1f/0xff`. */
  const hexMasked = (name: string, k: FlowKey): void => {
    const f = fm.get(k);
    if (!f) return;
    out.push(f.m === full(k) ? `${name}=${hex(f.v)}` : `${name}=${hex(f.v)}/${hex(f.m)}`);
  };
  /** format_be16_masked: decimal when exact, `0x../0x..` otherwise. */
  const decMasked = (name: string, k: FlowKey): void => {
    const f = fm.get(k);
    if (!f) return;
    out.push(f.m === full(k) ? `${name}=${f.v}` : `${name}=0x${f.v.toString(16)}/0x${f.m.toString(16)}`);
  };
  const ip = (name: string, k: FlowKey): void => {
    const f = fm.get(k);
    if (f) out.push(`${name}=${formatIpv4Masked(f.v, f.m === full(k) ? undefined : f.m)}`);
  };
  const ip6 = (name: string, k: FlowKey): void => {
    const f = fm.get(k);
    if (f) out.push(`${name}=${formatIpv6Masked(f.v, f.m === full(k) ? undefined : f.m)}`);
  };
  const eth = (name: string, k: FlowKey): void => {
    const f = fm.get(k);
    if (f) out.push(`${name}=${formatMacMasked(f.v, f.m === full(k) ? undefined : f.m)}`);
  };

  if (priority !== DEFAULT_PRIORITY) out.push(`priority=${priority}`);
  hexMasked('pkt_mark', 'pkt_mark');
  hexMasked('recirc_id', 'recirc_id');
  hexMasked('dp_hash', 'dp_hash');
  if (has('conj_id')) out.push(`conj_id=${fm.value('conj_id')}`);

  const ct = fm.get('ct_state');
  if (ct && (ct.m & 0xffn) !== 0n) {
    const v = Number(ct.v & 0xffn);
    const m = Number(ct.m & 0xffn);
    out.push(
      m === 0xff
        ? `ct_state=${v ? formatFlags(CT_STATE_BITS, v) : '0'}`
        : `ct_state=${formatFlagsMasked(CT_STATE_BITS, v, m, 0xff)}`,
    );
  }
  const zone = fm.get('ct_zone');
  if (zone)
    out.push(
      zone.m === 0xffffn ? `ct_zone=${zone.v}` : `ct_zone=0x${zone.v.toString(16)}/0x${zone.m.toString(16)}`,
    );
  hexMasked('ct_mark', 'ct_mark');
  const label = fm.get('ct_label');
  if (label) {
    out.push(
      label.m === full('ct_label')
        ? `ct_label=${putHex(label.v)}`
        : `ct_label=${putHex(label.v)}/${putHex(label.m)}`,
    );
  }
  ip('ct_nw_src', 'ct_nw_src');
  ip6('ct_ipv6_src', 'ct_ipv6_src');
  ip('ct_nw_dst', 'ct_nw_dst');
  ip6('ct_ipv6_dst', 'ct_ipv6_dst');
  if (has('ct_nw_proto')) {
    out.push(`ct_nw_proto=${fm.value('ct_nw_proto')}`);
    decMasked('ct_tp_src', 'ct_tp_src');
    decMasked('ct_tp_dst', 'ct_tp_dst');
  }

  const dlType = fm.dlType;
  const proto = fm.nwProto;
  let skipType = false;
  let skipProto = false;
  if (has('dl_type')) {
    skipType = true;
    const short = shorthand(dlType, has('nw_proto') ? proto : undefined);
    if (short) {
      out.push(short.name);
      skipProto = short.coversProto;
    } else {
      skipType = false;
    }
  }

  for (let i = 0; i < 16; i++) hexMasked(`reg${i}`, `reg${i}` as FlowKey);

  // format_flow_tunnel
  hexMasked('tun_id', 'tun_id');
  ip('tun_src', 'tun_src');
  ip('tun_dst', 'tun_dst');
  ip6('tun_ipv6_src', 'tun_ipv6_src');
  ip6('tun_ipv6_dst', 'tun_ipv6_dst');
  decMasked('tun_gbp_id', 'tun_gbp_id');
  if (has('tun_gbp_flags')) out.push(`tun_gbp_flags=${hex(fm.value('tun_gbp_flags'))}`);
  const tf = fm.get('tun_flags');
  if (tf)
    out.push(`tun_flags=${formatFlagsMasked(TUN_FLAG_BITS, Number(tf.v & 0xfn), Number(tf.m & 0xfn), 0xf)}`);

  hexMasked('metadata', 'metadata');
  if (has('in_port')) out.push(`in_port=${formatPort16(Number(fm.value('in_port')))}`);

  for (const [key, suffix] of [
    ['vlan_tci', ''],
    ['vlan_tci1', '1'],
  ] as const) {
    const tci = fm.get(key);
    if (!tci) break;
    const vidMask = tci.m & 0x0fffn;
    const pcpMask = tci.m & 0xe000n;
    const cfi = tci.m & 0x1000n;
    const hex4 = (x: bigint): string => `0x${x.toString(16).padStart(4, '0')}`;
    if (
      cfi &&
      tci.v & 0x1000n &&
      (!vidMask || vidMask === 0x0fffn) &&
      (!pcpMask || pcpMask === 0xe000n) &&
      (vidMask || pcpMask)
    ) {
      if (vidMask) out.push(`dl_vlan${suffix}=${tci.v & 0xfffn}`);
      if (pcpMask) out.push(`dl_vlan_pcp${suffix}=${(tci.v >> 13n) & 7n}`);
    } else if (tci.m === 0xffffn) {
      out.push(`vlan_tci${suffix}=${hex4(tci.v)}`);
    } else {
      out.push(`vlan_tci${suffix}=${hex4(tci.v)}/${hex4(tci.m)}`);
    }
  }

  eth('dl_src', 'dl_src');
  eth('dl_dst', 'dl_dst');
  if (!skipType && has('dl_type')) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);

  const isArp = dlType === 0x0806 || dlType === 0x8035;
  if (dlType === 0x86dd) {
    ip6('ipv6_src', 'ipv6_src');
    ip6('ipv6_dst', 'ipv6_dst');
    const lab = fm.get('ipv6_label');
    if (lab) {
      const v = `0x${lab.v.toString(16).padStart(5, '0')}`;
      out.push(
        lab.m === 0xffffffffn
          ? `ipv6_label=${v}`
          : `ipv6_label=${v}/0x${lab.m.toString(16).padStart(5, '0')}`,
      );
    }
  } else if (isArp) {
    ip('arp_spa', 'nw_src');
    ip('arp_tpa', 'nw_dst');
  } else {
    ip('nw_src', 'nw_src');
    ip('nw_dst', 'nw_dst');
  }
  if (!skipProto && has('nw_proto')) out.push(`${isArp ? 'arp_op' : 'nw_proto'}=${proto}`);
  if (isArp) {
    eth('arp_sha', 'arp_sha');
    eth('arp_tha', 'arp_tha');
  }
  if (fm.mask('nw_tos') & 0xfcn) out.push(`nw_tos=${fm.value('nw_tos') & 0xfcn}`);
  if (fm.mask('nw_ecn') & 3n) out.push(`nw_ecn=${fm.value('nw_ecn') & 3n}`);
  if (has('nw_ttl')) out.push(`nw_ttl=${fm.value('nw_ttl')}`);
  if (has('mpls_label')) out.push(`mpls_label=${fm.value('mpls_label')}`);
  if (has('mpls_tc')) out.push(`mpls_tc=${fm.value('mpls_tc')}`);
  if (has('mpls_ttl')) out.push(`mpls_ttl=${fm.value('mpls_ttl')}`);
  if (has('mpls_bos')) out.push(`mpls_bos=${fm.value('mpls_bos')}`);
  const frag = formatFrag(Number(fm.value('nw_frag')), Number(fm.mask('nw_frag')));
  if (frag) out.push(`nw_frag=${frag}`);

  if (dlType === 0x0800 && proto === 1) {
    decMasked('icmp_type', 'tp_src');
    decMasked('icmp_code', 'tp_dst');
  } else if (dlType === 0x86dd && proto === 58) {
    decMasked('icmp_type', 'tp_src');
    decMasked('icmp_code', 'tp_dst');
    ip6('nd_target', 'nd_target');
    eth('nd_sll', 'nd_sll');
    eth('nd_tll', 'nd_tll');
  } else {
    decMasked('tp_src', 'tp_src');
    decMasked('tp_dst', 'tp_dst');
  }
  const flags = fm.get('tcp_flags');
  if ((dlType === 0x0800 || dlType === 0x86dd) && proto === 6 && flags) {
    out.push(
      `tcp_flags=${formatFlagsMasked(TCP_FLAG_BITS, Number(flags.v), Number(flags.m & 0xfffn), 0xfff)}`,
    );
  }
  for (const e of fm.extra) out.push(formatExtra(e));
  return out.join(',');
}

/** The keyword ovs-ofctl writes for an ethertype (and IP protocol when matched). */
function shorthand(
  dlType: number,
  proto: number | undefined,
): { name: string; coversProto: boolean } | undefined {
  if (dlType === 0x0800) {
    const name = proto === undefined ? undefined : { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' }[proto];
    return name ? { name, coversProto: true } : { name: 'ip', coversProto: false };
  }
  if (dlType === 0x86dd) {
    const name =
      proto === undefined ? undefined : { 58: 'icmp6', 6: 'tcp6', 17: 'udp6', 132: 'sctp6' }[proto];
    return name ? { name, coversProto: true } : { name: 'ipv6', coversProto: false };
  }
  const other: Record<number, string> = { 0x0806: 'arp', 0x8035: 'rarp', 0x8847: 'mpls', 0x8848: 'mplsm' };
  return other[dlType] ? { name: other[dlType], coversProto: false } : undefined;
}

/** Fields OVS has no flow field for: the codec's name and value, or the raw TLV for unknown ones. */
function formatExtra(e: OxmField): string {
  if (e.field === 'unknown') {
    const head = `oxm(0x${e.oxmClass.toString(16)}:${e.oxmField}${e.experimenter === undefined ? '' : `:0x${e.experimenter.toString(16)}`})`;
    return `${head}=${dottedHex(e.value)}${e.mask ? `/${dottedHex(e.mask)}` : ''}`;
  }
  const val = (x: unknown): string =>
    typeof x === 'number' || typeof x === 'bigint' ? hex(x) : typeof x === 'string' ? x : String(x);
  return `${e.field}=${val(e.value)}${e.mask === undefined ? '' : `/${val(e.mask)}`}`;
}
