// A minimal ovs-ofctl printer for the pipeline's tests (the codec's own printer lives on another branch): enough to
// make flows readable in assertions, in the syntax `ovs-ofctl add-flow` accepts, so that the integration test can
// feed every compiled flow to the real ovs-ofctl parser.
import type { Action } from '../../../protocols/openflow13/actions.js';
import { OXM_FIELDS, type OxmField, type Subfield } from '../../../protocols/openflow13/oxm.js';
import type { FlowSpec } from '../../../controller/pipeline/flow.js';
import type { GroupSpec } from '../../../controller/pipeline/feature.js';

const NAMES: Record<string, string> = {
  eth_src: 'dl_src',
  eth_dst: 'dl_dst',
  ipv4_src: 'nw_src',
  ipv4_dst: 'nw_dst',
  ip_proto: 'nw_proto',
  tun_ipv4_src: 'tun_src',
  tun_ipv4_dst: 'tun_dst',
  ipv6_nd_target: 'nd_target',
  ipv6_nd_sll: 'nd_sll',
  ipv6_nd_tll: 'nd_tll',
  icmpv6_type: 'icmp_type',
  icmpv4_type: 'icmp_type',
};
/** set_field names where they differ from the codec's (ovs-ofctl's meta-flow names). */
const SET_NAMES: Record<string, string> = {
  ipv4_src: 'ip_src',
  ipv4_dst: 'ip_dst',
  icmpv4_type: 'icmp_type',
  tun_ipv4_dst: 'tun_dst',
  ipv6_nd_sll: 'nd_sll',
  ipv6_nd_tll: 'nd_tll',
};
const ETH: Record<number, string> = { 0x0800: 'ip', 0x0806: 'arp', 0x86dd: 'ipv6' };
const PORTS: Record<number, string> = {
  0xfffffffe: 'LOCAL',
  0xfffffff8: 'IN_PORT',
  0xfffffffd: 'CONTROLLER',
};
const CT_BITS: [number, string][] = [
  [0x01, 'new'],
  [0x02, 'est'],
  [0x04, 'rel'],
  [0x08, 'rpl'],
  [0x10, 'inv'],
  [0x20, 'trk'],
];

function hex(v: number | bigint): string {
  return '0x' + (typeof v === 'bigint' ? v : BigInt(v >>> 0)).toString(16);
}

function value(f: OxmField): string {
  if (f.field === 'unknown')
    return `unknown(${f.oxmClass}:${f.oxmField})=${Buffer.from(f.value).toString('hex')}`;
  const v = f.value;
  if (f.field === 'ct_state' && f.mask !== undefined) {
    return CT_BITS.filter(([b]) => (f.mask as number) & b)
      .map(([b, n]) => ((v as number) & b ? '+' : '-') + n)
      .join('');
  }
  const text =
    typeof v === 'string'
      ? v
      : typeof v === 'bigint' || f.field.startsWith('reg') || f.field === 'metadata'
        ? hex(v)
        : String(v);
  if (f.mask === undefined) return text;
  const m = f.mask;
  return `${text}/${typeof m === 'string' ? m : hex(m)}`;
}

export function matchText(match: readonly OxmField[]): string {
  const parts: string[] = [];
  for (const f of match) {
    if (f.field === 'eth_type' && ETH[f.value as number]) {
      parts.unshift(ETH[f.value as number] as string);
      continue;
    }
    if (f.field === 'in_port') {
      parts.push(`in_port=${PORTS[f.value as number] ?? f.value}`);
      continue;
    }
    const name = f.field === 'unknown' ? '' : (NAMES[f.field] ?? f.field);
    parts.push(name ? `${name}=${value(f)}` : value(f));
  }
  return parts.join(',');
}

const NXM: Record<string, string> = {
  eth_src: 'NXM_OF_ETH_SRC',
  eth_dst: 'NXM_OF_ETH_DST',
  arp_spa: 'NXM_OF_ARP_SPA',
  arp_tpa: 'NXM_OF_ARP_TPA',
  arp_sha: 'NXM_NX_ARP_SHA',
  arp_tha: 'NXM_NX_ARP_THA',
  ipv4_src: 'NXM_OF_IP_SRC',
  ipv4_dst: 'NXM_OF_IP_DST',
  ipv6_src: 'NXM_NX_IPV6_SRC',
  ipv6_dst: 'NXM_NX_IPV6_DST',
  ipv6_nd_tll: 'NXM_NX_ND_TLL',
};
const ERICSSON: Record<number, string> = { 1: 'nd_reserved', 2: 'nd_options_type' };

function sub(s: Subfield): string {
  const name = NXM[s.field] ?? (/^reg\d+$/.test(s.field) ? `NXM_NX_${s.field.toUpperCase()}` : s.field);
  const info = OXM_FIELDS[s.field];
  const width = info.bits ?? info.bytes * 8;
  return s.ofs === 0 && s.nbits === width ? `${name}[]` : `${name}[${s.ofs}..${s.ofs + s.nbits - 1}]`;
}

export function actionText(a: Action): string {
  switch (a.type) {
    case 'output':
      return `output:${PORTS[a.port] ?? a.port}`;
    case 'outputReg':
      return `output:${sub(a.src)}`;
    case 'setField':
      if (a.field.field === 'unknown') {
        const name = a.field.oxmClass === 0x1000 ? ERICSSON[a.field.oxmField] : undefined;
        if (!name) return `set_field:${value(a.field)}`;
        return `set_field:0x${Buffer.from(a.field.value).toString('hex')}->${name}`;
      }
      return `set_field:${value(a.field)}->${SET_NAMES[a.field.field] ?? a.field.field}`;
    case 'regLoad':
      return `load:${hex(a.value)}->${sub(a.dst)}`;
    case 'regMove':
      return `move:${sub(a.src)}->${sub(a.dst)}`;
    case 'group':
      return `group:${a.groupId}`;
    case 'decTtl':
    case 'decNwTtl':
      return 'dec_ttl';
    case 'pushVlan':
      return `push_vlan:0x${a.ethertype.toString(16)}`;
    case 'popVlan':
      return 'pop_vlan';
    case 'ct': {
      const parts: string[] = [];
      if (a.flags & 1) parts.push('commit');
      if (a.recircTable !== 255) parts.push(`table=${a.recircTable}`);
      parts.push('imm' in a.zone ? `zone=${a.zone.imm}` : `zone=${sub(a.zone.field)}`);
      const nested = a.actions.filter((x) => x.type !== 'nat').map(actionText);
      for (const n of a.actions) {
        if (n.type !== 'nat') continue;
        parts.push(n.flags & 1 ? `nat(src=${n.ipMin})` : n.flags & 2 ? `nat(dst=${n.ipMin})` : 'nat');
      }
      if (nested.length) parts.push(`exec(${nested.join(',')})`);
      return `ct(${parts.join(',')})`;
    }
    case 'resubmit':
      return `resubmit(${a.inPort === 0xfff8 ? '' : a.inPort},${a.table})`;
    default:
      return a.type;
  }
}

export function flowText(f: FlowSpec, withCookie = false): string {
  const head = `${withCookie ? `cookie=${hex(f.cookie)}, ` : ''}table=${f.table}, priority=${f.priority}`;
  const m = matchText(f.match);
  const acts: string[] = [];
  for (const i of f.instructions) {
    if (i.type === 'applyActions') acts.push(...i.actions.map(actionText));
    else if (i.type === 'writeMetadata')
      acts.push(`write_metadata:${hex(i.metadata)}/${hex(i.metadataMask)}`);
    else if (i.type === 'gotoTable') acts.push(`goto_table:${i.tableId}`);
    else acts.push(i.type);
  }
  return `${head}${m ? ',' + m : ''} actions=${acts.length ? acts.join(',') : 'drop'}`;
}

export function groupText(g: GroupSpec): string {
  const buckets = g.buckets.map((b) => `bucket=actions=${b.actions.map(actionText).join(',')}`);
  return `group_id=${g.groupId},type=${g.groupType === 0 ? 'all' : g.groupType}${buckets.length ? ',' + buckets.join(',') : ''}`;
}

/** A flood group's bucket for a local port: OUT_PORT and OUTPUT_KIND, then ingress_security (table 60). */
export function toPort(ofport: number): string {
  return `load:0x${ofport.toString(16)}->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[8..11],resubmit(,60)`;
}
