// Parses the match part of ovs-ofctl flow syntax (`tcp,nw_src=10.0.0.0/8,tp_dst=80,reg0=0x5/0xff,ct_state=+trk`)
// into OVS's view of a match (FlowMatch), from which flow-match.ts writes the OpenFlow 1.3 TLVs.
import { FLOW_KEYS, type FlowKey, type FlowMatch, setRegs } from './flow-match.js';
import { fail } from './errors.js';
import {
  CT_STATE_BITS,
  TCP_FLAG_BITS,
  TUN_FLAG_BITS,
  macToBig,
  ones,
  parseAddressMasked,
  parseFlags,
  parseFrag,
  parseInteger,
  parsePort16,
} from './values.js';

/** Protocol keywords: the dl_type (and nw_proto) they stand for. */
const SHORTHANDS: Record<string, readonly [number, number?]> = {
  ip: [0x0800],
  ipv4: [0x0800],
  icmp: [0x0800, 1],
  tcp: [0x0800, 6],
  udp: [0x0800, 17],
  sctp: [0x0800, 132],
  ipv6: [0x86dd],
  icmp6: [0x86dd, 58],
  tcp6: [0x86dd, 6],
  udp6: [0x86dd, 17],
  sctp6: [0x86dd, 132],
  arp: [0x0806],
  rarp: [0x8035],
  mpls: [0x8847],
  mplsm: [0x8848],
};

type Kind = 'int' | 'mac' | 'ipv4' | 'ipv6' | 'port';

/** Field names ovs-ofctl accepts in a match, the flow key they set, and how their value is written. */
const SIMPLE: Record<string, readonly [FlowKey, Kind]> = {
  in_port: ['in_port', 'port'],
  dl_src: ['dl_src', 'mac'],
  eth_src: ['dl_src', 'mac'],
  dl_dst: ['dl_dst', 'mac'],
  eth_dst: ['dl_dst', 'mac'],
  dl_type: ['dl_type', 'int'],
  eth_type: ['dl_type', 'int'],
  vlan_tci: ['vlan_tci', 'int'],
  nw_src: ['nw_src', 'ipv4'],
  ip_src: ['nw_src', 'ipv4'],
  arp_spa: ['nw_src', 'ipv4'],
  nw_dst: ['nw_dst', 'ipv4'],
  ip_dst: ['nw_dst', 'ipv4'],
  arp_tpa: ['nw_dst', 'ipv4'],
  ipv6_src: ['ipv6_src', 'ipv6'],
  ipv6_dst: ['ipv6_dst', 'ipv6'],
  ipv6_label: ['ipv6_label', 'int'],
  nw_proto: ['nw_proto', 'int'],
  ip_proto: ['nw_proto', 'int'],
  arp_op: ['nw_proto', 'int'],
  nw_ttl: ['nw_ttl', 'int'],
  tp_src: ['tp_src', 'int'],
  tcp_src: ['tp_src', 'int'],
  udp_src: ['tp_src', 'int'],
  sctp_src: ['tp_src', 'int'],
  icmp_type: ['tp_src', 'int'],
  icmpv6_type: ['tp_src', 'int'],
  tp_dst: ['tp_dst', 'int'],
  tcp_dst: ['tp_dst', 'int'],
  udp_dst: ['tp_dst', 'int'],
  sctp_dst: ['tp_dst', 'int'],
  icmp_code: ['tp_dst', 'int'],
  icmpv6_code: ['tp_dst', 'int'],
  arp_sha: ['arp_sha', 'mac'],
  arp_tha: ['arp_tha', 'mac'],
  nd_target: ['nd_target', 'ipv6'],
  nd_sll: ['nd_sll', 'mac'],
  nd_tll: ['nd_tll', 'mac'],
  mpls_label: ['mpls_label', 'int'],
  mpls_tc: ['mpls_tc', 'int'],
  mpls_bos: ['mpls_bos', 'int'],
  mpls_ttl: ['mpls_ttl', 'int'],
  tun_id: ['tun_id', 'int'],
  tunnel_id: ['tun_id', 'int'],
  tun_src: ['tun_src', 'ipv4'],
  tun_dst: ['tun_dst', 'ipv4'],
  tun_ipv6_src: ['tun_ipv6_src', 'ipv6'],
  tun_ipv6_dst: ['tun_ipv6_dst', 'ipv6'],
  tun_gbp_id: ['tun_gbp_id', 'int'],
  tun_gbp_flags: ['tun_gbp_flags', 'int'],
  metadata: ['metadata', 'int'],
  pkt_mark: ['pkt_mark', 'int'],
  dp_hash: ['dp_hash', 'int'],
  recirc_id: ['recirc_id', 'int'],
  conj_id: ['conj_id', 'int'],
  ct_zone: ['ct_zone', 'int'],
  ct_mark: ['ct_mark', 'int'],
  ct_label: ['ct_label', 'int'],
  ct_nw_src: ['ct_nw_src', 'ipv4'],
  ct_nw_dst: ['ct_nw_dst', 'ipv4'],
  ct_ipv6_src: ['ct_ipv6_src', 'ipv6'],
  ct_ipv6_dst: ['ct_ipv6_dst', 'ipv6'],
  ct_nw_proto: ['ct_nw_proto', 'int'],
  ct_tp_src: ['ct_tp_src', 'int'],
  ct_tp_dst: ['ct_tp_dst', 'int'],
};
for (let i = 0; i < 16; i++) SIMPLE[`reg${i}`] = [`reg${i}` as FlowKey, 'int'];

/** `V` or `V/M` as integers of `bits` bits; the value is masked. */
export function parseIntMasked(text: string, bits: number): { readonly v: bigint; readonly m: bigint } {
  const [a, b] = text.split('/', 2);
  const v = parseInteger(a);
  const m = b === undefined ? ones(bits) : parseInteger(b);
  if (v > ones(bits) || m > ones(bits)) fail(`${text} does not fit in ${bits} bits`);
  return { v: v & m, m };
}

export function parseMacMasked(text: string): { readonly v: bigint; readonly m: bigint } {
  const [a, b] = text.split('/', 2);
  const m = b === undefined ? ones(48) : macToBig(b);
  return { v: macToBig(a) & m, m };
}

function parseValue(kind: Kind, text: string, bits: number): { readonly v: bigint; readonly m: bigint } {
  switch (kind) {
    case 'int':
      return parseIntMasked(text, bits);
    case 'port':
      return { v: BigInt(parsePort16(text)), m: ones(16) };
    case 'mac':
      return parseMacMasked(text);
    case 'ipv4':
    case 'ipv6': {
      const width = kind === 'ipv4' ? 32 : 128;
      const r = parseAddressMasked(text, width);
      return { v: r.value, m: r.mask ?? ones(width) };
    }
  }
}

/**
 * Applies one match item to `fm`: a protocol keyword (`value` undefined) or `field=value`. Returns false when
 * `key` is not a match field, so that the caller can try flow keywords.
 */
export function applyMatchItem(fm: FlowMatch, key: string, value: string | undefined): boolean {
  if (value === undefined) {
    const sh = SHORTHANDS[key];
    if (!sh) return false;
    fm.set('dl_type', BigInt(sh[0]));
    if (sh[1] !== undefined) fm.set('nw_proto', BigInt(sh[1]));
    return true;
  }
  const simple = SIMPLE[key];
  if (simple) {
    const [flowKey, kind] = simple;
    const { v, m } = parseValue(kind, value, FLOW_KEYS[flowKey]);
    fm.set(flowKey, v, m);
    return true;
  }
  const xreg = /^(x{1,2})reg(\d+)$/.exec(key);
  if (xreg) {
    const words = xreg[1].length === 1 ? 2 : 4;
    const n = Number(xreg[2]);
    if (n * words >= 16) fail(`${key} does not exist`);
    const { v, m } = parseIntMasked(value, 32 * words);
    setRegs(fm, n * words, words, v, m);
    return true;
  }
  switch (key) {
    case 'dl_vlan':
    case 'vlan_vid': {
      if (key === 'dl_vlan') {
        const vid = Number(parseInteger(value));
        // OFP10_VLAN_NONE: match packets without a tag.
        if (vid === 0xffff) fm.set('vlan_tci', 0n, 0xffffn);
        else fm.set('vlan_tci', BigInt(vid & 0xfff) | 0x1000n, 0x1fffn);
      } else {
        const { v, m } = parseIntMasked(value, 16);
        fm.set('vlan_tci', v & 0x1fffn, m & 0x1fffn);
      }
      return true;
    }
    case 'dl_vlan_pcp':
    case 'vlan_pcp': {
      const pcp = parseInteger(value) & 7n;
      fm.set('vlan_tci', (pcp << 13n) | 0x1000n, 0xf000n);
      return true;
    }
    case 'nw_tos':
      fm.set('nw_tos', parseInteger(value) & 0xfcn, 0xfcn);
      return true;
    case 'ip_dscp':
      fm.set('nw_tos', (parseInteger(value) << 2n) & 0xfcn, 0xfcn);
      return true;
    case 'nw_ecn':
    case 'ip_ecn':
      fm.set('nw_ecn', parseInteger(value) & 3n, 0xffn);
      return true;
    case 'nw_frag':
    case 'ip_frag': {
      const f = parseFrag(value);
      fm.set('nw_frag', BigInt(f.value), f.mask === 3 ? 0xffn : BigInt(f.mask));
      return true;
    }
    case 'ct_state': {
      // OVS keeps ct_state in 8 bits: a plain set of flags is sent with mask 0xff.
      const f = parseFlags(CT_STATE_BITS, value, 0xff);
      fm.set('ct_state', BigInt(f.value), BigInt(f.mask));
      return true;
    }
    case 'tcp_flags': {
      // A plain set of flags covers the 12 TCP flag bits (TCP_FLAGS(OVS_BE16_MAX)).
      const f = parseFlags(TCP_FLAG_BITS, value, 0x0fff);
      fm.set('tcp_flags', BigInt(f.value), BigInt(f.mask));
      return true;
    }
    case 'tun_flags': {
      // A plain set covers the flags OpenFlow can see (FLOW_TNL_PUB_F_MASK: oam).
      const f = parseFlags(TUN_FLAG_BITS, value, 0x1);
      fm.set('tun_flags', BigInt(f.value), BigInt(f.mask));
      return true;
    }
    default:
      return false;
  }
}
