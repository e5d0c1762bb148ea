// A desired flow (the codec's flow-mod fields, without the command) and flow(), which builds one and checks it
// against the table declaration the way faucet's ValveTable does: every match field is declared for the table, every
// goto is to a declared next table, the miss flow (priority 0) matches nothing, and match prerequisites hold.
// Wrong flows fail in unit tests, not on the switch.
import type { Action } from '../../protocols/openflow13/actions.js';
import type { Instruction } from '../../protocols/openflow13/instructions.js';
import type { Match, OxmField, OxmFieldName } from '../../protocols/openflow13/oxm.js';
import { table, tableId, type TableName } from './tables.js';

export interface FlowSpec {
  readonly table: number;
  readonly priority: number;
  readonly match: Match;
  /** In OpenFlow order: apply-actions, write-metadata, goto-table. */
  readonly instructions: readonly Instruction[];
  readonly cookie: bigint;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  /** OFPFF_* bits. */
  readonly flags: number;
}

export interface FlowInput {
  readonly table: TableName;
  readonly priority: number;
  readonly cookie: bigint;
  readonly match?: readonly OxmField[];
  readonly actions?: readonly Action[];
  readonly writeMetadata?: { readonly value: bigint; readonly mask: bigint };
  readonly goto?: TableName;
  /** OpenFlow 1.3 meter instruction, applied before the actions. */
  readonly meter?: number;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly flags?: number;
}

export class PipelineError extends Error {}

// Declared fields per table as sets, built once.
const allowed = new Map<number, Set<OxmFieldName>>();
function allowedFields(name: TableName): Set<OxmFieldName> {
  const id = tableId(name);
  let s = allowed.get(id);
  if (!s) allowed.set(id, (s = new Set(table(name).matches)));
  return s;
}

const ETH_IPV4 = 0x0800;
const ETH_ARP = 0x0806;
const ETH_IPV6 = 0x86dd;

// Which eth_type / ip_proto a field needs present in the same match (OpenFlow 1.3 section 7.2.3.6).
const NEEDS_ETH: Partial<Record<OxmFieldName, readonly number[]>> = {
  ipv4_src: [ETH_IPV4],
  ipv4_dst: [ETH_IPV4],
  ipv6_src: [ETH_IPV6],
  ipv6_dst: [ETH_IPV6],
  ipv6_nd_target: [ETH_IPV6],
  arp_op: [ETH_ARP],
  arp_spa: [ETH_ARP],
  arp_tpa: [ETH_ARP],
  arp_sha: [ETH_ARP],
  arp_tha: [ETH_ARP],
  ip_proto: [ETH_IPV4, ETH_IPV6],
  icmpv6_type: [ETH_IPV6],
  tcp_dst: [ETH_IPV4, ETH_IPV6],
  tcp_src: [ETH_IPV4, ETH_IPV6],
  udp_dst: [ETH_IPV4, ETH_IPV6],
  udp_src: [ETH_IPV4, ETH_IPV6],
  icmpv4_type: [ETH_IPV4],
};
const NEEDS_PROTO: Partial<Record<OxmFieldName, number>> = {
  tcp_src: 6,
  tcp_dst: 6,
  udp_src: 17,
  udp_dst: 17,
  sctp_src: 132,
  sctp_dst: 132,
  icmpv4_type: 1,
  icmpv4_code: 1,
  icmpv6_type: 58,
  icmpv6_code: 58,
};

function fail(input: FlowInput, why: string): never {
  throw new PipelineError(`table ${input.table} priority ${input.priority}: ${why}`);
}

function checkMatch(input: FlowInput, match: readonly OxmField[]): void {
  const fields = allowedFields(input.table);
  let ethType: number | undefined;
  let ipProto: number | undefined;
  for (let i = 0; i < match.length; i++) {
    const m = match[i] as OxmField;
    if (m.field === 'unknown') fail(input, 'unknown match field');
    if (!fields.has(m.field)) fail(input, `match on ${m.field} is not declared for the table`);
    for (let j = 0; j < i; j++)
      if ((match[j] as OxmField).field === m.field) fail(input, `${m.field} matched twice`);
    if (m.field === 'eth_type') ethType = m.value as number;
    if (m.field === 'ip_proto') ipProto = m.value as number;
  }
  for (const m of match) {
    if (m.field === 'unknown') continue;
    const eth = NEEDS_ETH[m.field];
    if (eth && (ethType === undefined || !eth.includes(ethType)))
      fail(input, `${m.field} needs eth_type ${eth.map((e) => '0x' + e.toString(16)).join(' or ')}`);
    const proto = NEEDS_PROTO[m.field];
    if (proto !== undefined && ipProto !== proto) fail(input, `${m.field} needs ip_proto ${proto}`);
  }
}

/** Builds a flow and checks it against its table's declaration. Throws PipelineError on a wrong flow. */
export function flow(input: FlowInput): FlowSpec {
  const decl = table(input.table);
  const match = input.match ?? [];
  if (input.priority === 0) {
    if (match.length > 0) fail(input, `default flow cannot have matches on table ${input.table}`);
  } else if (input.priority < 0 || input.priority > 0xffff) fail(input, 'priority out of range');
  checkMatch(input, match);
  const instructions: Instruction[] = [];
  if (input.meter !== undefined) instructions.push({ type: 'meter', meterId: input.meter });
  if (input.actions && input.actions.length > 0)
    instructions.push({ type: 'applyActions', actions: input.actions });
  if (input.writeMetadata)
    instructions.push({
      type: 'writeMetadata',
      metadata: input.writeMetadata.value,
      metadataMask: input.writeMetadata.mask,
    });
  if (input.goto !== undefined) {
    if (!decl.next.includes(input.goto)) fail(input, `goto ${input.goto} is not a declared next table`);
    instructions.push({ type: 'gotoTable', tableId: tableId(input.goto) });
  }
  for (const a of input.actions ?? []) {
    if (a.type === 'resubmit' && a.table !== 255) {
      const target = [...decl.next, decl.name].map(tableId);
      if (!target.includes(a.table)) fail(input, `resubmit to table ${a.table} is not a declared next table`);
    }
  }
  return {
    table: decl.id,
    priority: input.priority,
    match,
    instructions,
    cookie: input.cookie,
    idleTimeout: input.idleTimeout ?? 0,
    hardTimeout: input.hardTimeout ?? 0,
    flags: input.flags ?? 0,
  };
}

function valueText(v: unknown): string {
  return typeof v === 'bigint' ? '0x' + v.toString(16) : String(v);
}

/** The match as one canonical string: fields in name order, `field=value/mask`. Two equal matches give one key. */
export function canonicalMatch(match: Match): string {
  const parts: string[] = [];
  for (const m of match) {
    if (m.field === 'unknown') {
      parts.push(`unknown(${m.oxmClass}:${m.oxmField})=${Buffer.from(m.value).toString('hex')}`);
      continue;
    }
    parts.push(
      m.mask === undefined
        ? `${m.field}=${valueText(m.value)}`
        : `${m.field}=${valueText(m.value)}/${valueText(m.mask)}`,
    );
  }
  if (parts.length > 1) parts.sort();
  return parts.join(',');
}

/** The identity of a flow in a table, as the switch sees it: table, priority and match. */
export function flowKey(f: FlowSpec): string {
  return `${f.table}|${f.priority}|${canonicalMatch(f.match)}`;
}

export const Eth = { ipv4: ETH_IPV4, arp: ETH_ARP, ipv6: ETH_IPV6 } as const;
export const IpProto = { icmp: 1, tcp: 6, udp: 17, sctp: 132, icmpv6: 58 } as const;
