// A packet's headers as ovs-ofctl prints them under a PACKET_IN (lib/ofp-print.c ofp_packet_to_string): the
// packet's flow with every header field it has matched exactly, then the L4 checksum. Covers Ethernet with one
// 802.1Q/802.1ad tag, ARP/RARP, IPv4 and IPv6 with TCP, UDP, SCTP, ICMP and ICMPv6 (neighbor discovery too).
import { FlowMatch, type FlowKey } from './flow-match.js';
import { formatFlowMatch } from './match-format.js';

const ETH_HEADER = 14;

function big(b: Uint8Array, off: number, len: number): bigint {
  let v = 0n;
  for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(b[off + i] ?? 0);
  return v;
}

function u16(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) << 8) | (b[off + 1] ?? 0);
}

/** The flow of an Ethernet frame as OVS formats it, e.g. `tcp,vlan_tci=0x0000,dl_src=...,tcp_flags=syn tcp_csum:1a2b`. */
export function formatPacket(data: Uint8Array): string {
  const fm = new FlowMatch();
  const exact = (k: FlowKey, v: bigint | number): void => fm.set(k, BigInt(v));
  if (data.length < ETH_HEADER) return formatFlowMatch(fm);
  exact('dl_dst', big(data, 0, 6));
  exact('dl_src', big(data, 6, 6));
  let off = 12;
  let type = u16(data, off);
  if ((type === 0x8100 || type === 0x88a8) && data.length >= 18) {
    // OVS keeps the tag with the CFI bit set to mean "present".
    exact('vlan_tci', u16(data, 14) | 0x1000);
    off += 4;
    type = u16(data, off);
    // OVS shows the first absent VLAN header too (vlan_tci1=0x0000) once a frame is tagged.
    if (type !== 0x8100 && type !== 0x88a8) exact('vlan_tci1', 0);
  } else {
    exact('vlan_tci', 0);
  }
  off += 2;
  exact('dl_type', type);

  if (type === 0x0806 || type === 0x8035) {
    exact('nw_src', 0);
    exact('nw_dst', 0);
    exact('nw_proto', 0);
    exact('arp_sha', 0);
    exact('arp_tha', 0);
    if (data.length >= off + 28 && u16(data, off) === 1 && u16(data, off + 2) === 0x0800) {
      const op = u16(data, off + 6);
      if (op <= 0xff) exact('nw_proto', op);
      exact('arp_sha', big(data, off + 8, 6));
      exact('nw_src', big(data, off + 14, 4));
      exact('arp_tha', big(data, off + 18, 6));
      exact('nw_dst', big(data, off + 24, 4));
    }
    return formatFlowMatch(fm);
  }

  let proto: number;
  let l4: number;
  let l4End: number;
  let later = false;
  if (type === 0x0800) {
    // OVS keeps an IPv4 flow with zero fields when the header is short or its lengths do not add up.
    const ihl = data.length > off ? (data[off] & 0x0f) * 4 : 0;
    const totLen = u16(data, off + 2);
    if (data.length < off + 20 || ihl < 20 || totLen < ihl || off + totLen > data.length) {
      return formatFlowMatch(zeroIp(fm, false));
    }
    const tos = data[off + 1];
    const fragField = u16(data, off + 6);
    const more = (fragField & 0x2000) !== 0;
    const offset = fragField & 0x1fff;
    later = offset !== 0;
    proto = data[off + 9];
    exact('nw_src', big(data, off + 12, 4));
    exact('nw_dst', big(data, off + 16, 4));
    exact('nw_tos', tos & 0xfc);
    exact('nw_ecn', tos & 3);
    exact('nw_ttl', data[off + 8]);
    exact('nw_proto', proto);
    exact('nw_frag', (more || later ? 1 : 0) | (later ? 2 : 0));
    l4 = off + ihl;
    l4End = off + totLen;
  } else if (type === 0x86dd) {
    const payload = u16(data, off + 4);
    if (data.length < off + 40 || off + 40 + payload > data.length) return formatFlowMatch(zeroIp(fm, true));
    const word = Number(big(data, off, 4));
    const tc = (word >>> 20) & 0xff;
    proto = data[off + 6];
    exact('ipv6_src', big(data, off + 8, 16));
    exact('ipv6_dst', big(data, off + 24, 16));
    fm.set('ipv6_label', BigInt(word & 0xfffff), 0xffffffffn);
    exact('nw_tos', tc & 0xfc);
    exact('nw_ecn', tc & 3);
    exact('nw_ttl', data[off + 7]);
    exact('nw_proto', proto);
    exact('nw_frag', 0);
    l4 = off + 40;
    l4End = l4 + payload;
  } else {
    return formatFlowMatch(fm);
  }

  // A later fragment has no transport header in its flow, but ofp-print still shows the checksum bytes.
  const l4Size = l4End - l4;
  const ports = (src: number, dst: number): void => {
    if (later) return;
    exact('tp_src', src);
    exact('tp_dst', dst);
  };
  if (!later && [1, 58, 6, 17, 132].includes(proto)) {
    ports(0, 0);
    if (proto === 6) fm.set('tcp_flags', 0n, 0xffffn);
  }
  let suffix = '';
  if (proto === 6 && l4Size >= 20) {
    ports(u16(data, l4), u16(data, l4 + 2));
    if (!later) fm.set('tcp_flags', BigInt(u16(data, l4 + 12) & 0x0fff), 0xffffn);
    suffix = ` tcp_csum:${u16(data, l4 + 16).toString(16)}`;
  } else if (proto === 17 && l4Size >= 8) {
    ports(u16(data, l4), u16(data, l4 + 2));
    suffix = ` udp_csum:${u16(data, l4 + 6).toString(16)}`;
  } else if (proto === 132 && l4Size >= 12) {
    ports(u16(data, l4), u16(data, l4 + 2));
    suffix = ` sctp_csum:${big(data, l4 + 8, 4).toString(16)}`;
  } else if (proto === 1 && l4Size >= 8) {
    ports(data[l4], data[l4 + 1]);
    suffix = ` icmp_csum:${u16(data, l4 + 2).toString(16)}`;
  } else if (proto === 58 && l4Size >= 4) {
    const icmpType = data[l4];
    ports(icmpType, data[l4 + 1]);
    if (!later && (icmpType === 135 || icmpType === 136) && data[l4 + 1] === 0) {
      exact('nd_target', l4Size >= 24 ? big(data, l4 + 8, 16) : 0n);
      exact('nd_sll', 0);
      exact('nd_tll', 0);
      for (let o = l4 + 24; o + 8 <= l4End && data[o + 1] > 0; o += data[o + 1] * 8) {
        if (data[o] === 1 && icmpType === 135) exact('nd_sll', big(data, o + 2, 6));
        if (data[o] === 2 && icmpType === 136) exact('nd_tll', big(data, o + 2, 6));
      }
    }
    suffix = ` icmp6_csum:${u16(data, l4 + 2).toString(16)}`;
  }
  return formatFlowMatch(fm) + suffix;
}

/** An IP flow whose header OVS could not use: every IP field present and zero. */
function zeroIp(fm: FlowMatch, v6: boolean): FlowMatch {
  const keys: FlowKey[] = v6
    ? ['ipv6_src', 'ipv6_dst', 'nw_proto', 'nw_tos', 'nw_ecn', 'nw_ttl', 'nw_frag']
    : ['nw_src', 'nw_dst', 'nw_proto', 'nw_tos', 'nw_ecn', 'nw_ttl', 'nw_frag'];
  for (const k of keys) fm.set(k, 0n);
  if (v6) fm.set('ipv6_label', 0n, 0xffffffffn);
  return fm;
}
