// Tables egress_security and ingress_security: stateful security groups. A pod with at least one group has every IP
// packet it sends or receives sent through conntrack in its network's zone (SG_CT_OUT/SG_CT_IN mark the pass, so the
// recirculated packet goes on). Then: +inv dropped, +est/+rel pass, +new passes when a rule allows it (ct commit),
// else the group's default decides (ingress deny, egress allow unless the operator set otherwise).
//
// Rules are conjunctive matches, so that N member pods x M rules cost N + M flows, not N x M. Rules of one group that
// share a direction and a remote (a remote group, a CIDR, or any) form one conjunction:
//   clause 1: the member pod's port (one flow per local member),
//   clause 2: the remote address (one flow per address of the remote group, or the CIDR; absent for "any"),
//   clause 3: the rule's ethertype, protocol and ports (one flow, or a few for a port range, per rule),
// and one conj_id flow commits the connection. Clause-3 flows carry the rule's own cookie: adding or removing a rule
// adds or removes only them. Conjunctions get distinct priorities, so equal clause flows of two conjunctions never
// collide.
//
// Health probes from the node (PKT_SOURCE host) reach a member pod even under deny-all ingress; each probe teaches
// the switch (NXAST_LEARN, idle timeout) a flow that lets exactly its reply back to the node. Nothing else from the
// pod to the node's address is opened.
import { formatAddress, parseCidr } from '../../ipam/address.js';
import type { Action, LearnSpec } from '../../../protocols/openflow13/actions.js';
import type { OxmField, OxmFieldName } from '../../../protocols/openflow13/oxm.js';
import type { Id, SecurityGroup, SecurityGroupRule } from '../../model/types.js';
import { cookie, fnv32, objectIdOf } from '../cookies.js';
import type { EndpointView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import {
  CtState,
  loadReg,
  matchReg,
  OUT_PORT,
  PKT_SOURCE,
  SG_CT_IN,
  SG_CT_OUT,
  SG_ZONE,
  sgZone,
  subfield,
  SourceKind,
} from '../fields.js';
import { Eth, flow, IpProto, type FlowSpec } from '../flow.js';
import { cidrMask } from './l3.js';
import { tableId, type TableName } from '../tables.js';

/** Priorities inside the two security tables (above every other band: the tables hold only these flows). */
export const SgPriority = {
  /** Reply flows learned from a health probe. */
  learned: 12000,
  /** First pass: send the packet through conntrack. */
  track: 11000,
  /** A probe from the node (ingress). */
  probe: 10500,
  invalid: 10000,
  established: 9900,
  /** The pod opening anything to its own node (egress). */
  toNode: 9800,
  /** Conjunctions take distinct priorities from this band. */
  conjBase: 1000,
  conjSpan: 8000,
  /** The group's default for new connections no rule allowed. */
  defaults: 500,
} as const;

/** How long a learned probe-reply flow lives without packets, seconds. */
export const PROBE_IDLE_TIMEOUT = 30;

type Dir = 'ingress' | 'egress';
const TABLE: Record<Dir, TableName> = { egress: 'egress_security', ingress: 'ingress_security' };
const NEXT: Record<Dir, TableName> = { egress: 'l3', ingress: 'output' };
const DONE = { egress: SG_CT_OUT, ingress: SG_CT_IN } as const;
const ETHERS = [
  { ethertype: 'IPv4', eth: Eth.ipv4 },
  { ethertype: 'IPv6', eth: Eth.ipv6 },
] as const;

/** One conjunction: the rules of a group with one direction and one remote. */
export interface Conjunction {
  readonly key: string;
  readonly group: SecurityGroup;
  readonly direction: Dir;
  /** `group:<id>`, `cidr:<cidr>` or `any`. */
  readonly remote: string;
  readonly rules: readonly SecurityGroupRule[];
  id: number;
  priority: number;
}

/** The snapshot's groups, indexed once per snapshot. */
export class SgIndex {
  readonly groups = new Map<Id, SecurityGroup>();
  readonly rulesByGroup = new Map<Id, SecurityGroupRule[]>();
  /** Addresses of every endpoint in a group, any node. */
  readonly addressesByGroup = new Map<Id, string[]>();
  readonly conjunctionsByGroup = new Map<Id, Conjunction[]>();

  constructor(ctx: NodeContext) {
    const snap = ctx.index.snapshot;
    for (const g of snap.securityGroups ?? []) this.groups.set(g.id, g);
    for (const r of snap.securityGroupRules ?? []) {
      if (!this.groups.has(r.securityGroupId)) continue;
      const list = this.rulesByGroup.get(r.securityGroupId) ?? [];
      list.push(r);
      this.rulesByGroup.set(r.securityGroupId, list);
    }
    for (const e of snap.endpoints) {
      for (const g of e.securityGroupIds) {
        const list = this.addressesByGroup.get(g) ?? [];
        list.push(...e.ips);
        this.addressesByGroup.set(g, list);
      }
    }
    const all: Conjunction[] = [];
    for (const g of [...this.groups.values()].sort((a, b) => cmp(a.id, b.id))) {
      const byKey = new Map<string, SecurityGroupRule[]>();
      const rules = [...(this.rulesByGroup.get(g.id) ?? [])].sort((a, b) => cmp(a.id, b.id));
      for (const r of rules) {
        const remote =
          r.remoteGroupId !== undefined
            ? `group:${r.remoteGroupId}`
            : r.remoteCidr !== undefined
              ? `cidr:${r.remoteCidr}`
              : 'any';
        const k = `${r.direction}|${remote}`;
        const list = byKey.get(k) ?? [];
        list.push(r);
        byKey.set(k, list);
      }
      // "Allow within the group": an implicit ingress rule from the group itself, any protocol, both ethertypes.
      if (g.allowWithinGroup !== false) {
        const k = `ingress|group:${g.id}`;
        const list = byKey.get(k) ?? [];
        for (const { ethertype } of ETHERS)
          list.push({
            id: `${g.id}/within/${ethertype}`,
            securityGroupId: g.id,
            tenantId: g.tenantId,
            direction: 'ingress',
            ethertype,
            protocol: 'any',
            remoteGroupId: g.id,
            createdAt: g.createdAt,
          });
        byKey.set(k, list);
      }
      const conjs: Conjunction[] = [];
      for (const [k, list] of [...byKey].sort((a, b) => cmp(a[0], b[0]))) {
        const [direction, remote] = k.split('|') as [Dir, string];
        const key = `${g.id}|${k}`;
        conjs.push({ key, group: g, direction, remote, rules: list, id: 0, priority: 0 });
      }
      this.conjunctionsByGroup.set(g.id, conjs);
      all.push(...conjs);
    }
    // Ids and priorities from a hash of the key (stable across compiles), bumped past collisions in key order.
    const ids = new Set<number>();
    const prios = new Set<number>();
    for (const c of all) {
      let id = fnv32(c.key) || 1;
      while (ids.has(id)) id = (id + 1) >>> 0 || 1;
      ids.add(id);
      c.id = id;
      let p = SgPriority.conjBase + (fnv32(c.key, 0x2545f491) % SgPriority.conjSpan);
      while (prios.has(p)) p = SgPriority.conjBase + ((p - SgPriority.conjBase + 1) % SgPriority.conjSpan);
      prios.add(p);
      c.priority = p;
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const indexes = new WeakMap<NodeContext, SgIndex>();
export function sgIndex(ctx: NodeContext): SgIndex {
  let i = indexes.get(ctx);
  if (!i) indexes.set(ctx, (i = new SgIndex(ctx)));
  return i;
}

/** The ports a masked match needs to cover [min, max] (the usual prefix split). */
export function portMasks(min: number, max: number): { value: number; mask: number }[] {
  const out: { value: number; mask: number }[] = [];
  let lo = min;
  while (lo <= max) {
    let size = 1;
    while ((lo & (size * 2 - 1)) === 0 && lo + size * 2 - 1 <= max && size < 0x10000) size *= 2;
    out.push({ value: lo, mask: 0xffff & ~(size - 1) });
    lo += size;
  }
  return out;
}

const PROTO: Record<string, number> = {
  tcp: IpProto.tcp,
  udp: IpProto.udp,
  sctp: IpProto.sctp,
  icmp: IpProto.icmp,
  icmpv6: IpProto.icmpv6,
};
const PORT_FIELD: Record<string, Record<Dir, OxmFieldName>> = {
  tcp: { ingress: 'tcp_dst', egress: 'tcp_dst' },
  udp: { ingress: 'udp_dst', egress: 'udp_dst' },
  sctp: { ingress: 'sctp_dst', egress: 'sctp_dst' },
};

/** Clause-3 matches of one rule: ethertype, protocol, destination ports (or ICMP type/code). */
export function ruleMatches(r: SecurityGroupRule): OxmField[][] {
  const eth = r.ethertype === 'IPv6' ? Eth.ipv6 : Eth.ipv4;
  const base: OxmField[] = [{ field: 'eth_type', value: eth }];
  if (r.protocol === 'any') return [base];
  // ICMP rules follow the ethertype: "icmp" on an IPv6 rule means ICMPv6.
  const icmp = r.protocol === 'icmp' || r.protocol === 'icmpv6';
  const proto = icmp ? (eth === Eth.ipv6 ? IpProto.icmpv6 : IpProto.icmp) : (PROTO[r.protocol] as number);
  const withProto: OxmField[] = [...base, { field: 'ip_proto', value: proto }];
  if (icmp) {
    const t = eth === Eth.ipv6 ? 'icmpv6' : 'icmpv4';
    const m: OxmField[] = [...withProto];
    if (r.portMin !== undefined) m.push({ field: `${t}_type`, value: r.portMin } as OxmField);
    if (r.portMax !== undefined && r.portMin !== undefined)
      m.push({ field: `${t}_code`, value: r.portMax } as OxmField);
    return [m];
  }
  if (r.portMin === undefined) return [withProto];
  const field = (PORT_FIELD[r.protocol] as Record<Dir, OxmFieldName>)[r.direction];
  return portMasks(r.portMin, r.portMax ?? r.portMin).map(({ value, mask }) => [
    ...withProto,
    (mask === 0xffff ? { field, value } : { field, value, mask }) as OxmField,
  ]);
}

const isV6 = (ip: string): boolean => ip.includes(':');

/** Clause-2 matches: the remote side's addresses (source on ingress, destination on egress). */
function remoteMatches(ix: SgIndex, c: Conjunction): OxmField[][] | undefined {
  const side = c.direction === 'ingress' ? 'src' : 'dst';
  if (c.remote === 'any') return undefined;
  if (c.remote.startsWith('cidr:')) {
    const cidr = parseCidr(c.remote.slice(5));
    const v6 = cidr.version === 6;
    const base = formatAddress(cidr.version, cidr.base);
    const full = cidr.prefix === cidr.bits;
    return [
      [
        { field: 'eth_type', value: v6 ? Eth.ipv6 : Eth.ipv4 },
        (full
          ? { field: v6 ? `ipv6_${side}` : `ipv4_${side}`, value: base }
          : { field: v6 ? `ipv6_${side}` : `ipv4_${side}`, value: base, mask: cidrMask(cidr) }) as OxmField,
      ],
    ];
  }
  const ips = [...new Set(ix.addressesByGroup.get(c.remote.slice(6)) ?? [])].sort();
  return ips.map((ip) => [
    { field: 'eth_type', value: isV6(ip) ? Eth.ipv6 : Eth.ipv4 },
    { field: isV6(ip) ? `ipv6_${side}` : `ipv4_${side}`, value: ip } as OxmField,
  ]);
}

/** conjunction(id, clause/n) with `clause` counted from 1, as ovs-ofctl writes it (the codec counts from 0). */
function conjunction(c: Conjunction, clause: number, n: number): Action {
  return { type: 'conjunction', id: c.id, clause: clause - 1, nClauses: n };
}

const NEW = { field: 'ct_state', value: CtState.trk | CtState.new, mask: CtState.trk | CtState.new } as const;

/** ct(commit) in the zone the packet was tracked in (SG_ZONE), so one flow serves members of several networks. */
const COMMIT: Action = {
  type: 'ct',
  flags: 1,
  zone: { field: subfield(SG_ZONE) },
  recircTable: 255,
  alg: 0,
  actions: [],
};

function portMatch(dir: Dir, ofport: number): OxmField {
  return dir === 'egress' ? { field: 'in_port', value: ofport } : matchReg(OUT_PORT, ofport);
}

/** The flows of one conjunction that do not depend on a member pod: clauses 2 and 3 and the conj_id flow. */
export function conjunctionFlows(ix: SgIndex, c: Conjunction, out: FlowSpec[]): void {
  const table = TABLE[c.direction];
  const remotes = remoteMatches(ix, c);
  const n = remotes === undefined ? 2 : 3;
  const groupCookie = cookie('sg', objectIdOf(c.group.id));
  if (remotes !== undefined) {
    // A remote group with no address yet matches nothing: the conjunction stays incomplete and allows nothing.
    for (const m of remotes)
      out.push(
        flow({
          table,
          priority: c.priority,
          cookie: groupCookie,
          match: [...m],
          actions: [conjunction(c, 2, n)],
        }),
      );
  }
  const seen = new Set<string>();
  for (const r of c.rules) {
    for (const m of ruleMatches(r)) {
      const k = JSON.stringify(m);
      if (seen.has(k)) continue; // two rules with one match: the first (by id) owns the flow
      seen.add(k);
      out.push(
        flow({
          table,
          priority: c.priority,
          cookie: cookie('sg', objectIdOf(r.id)),
          match: m,
          actions: [conjunction(c, n === 3 ? 3 : 2, n)],
        }),
      );
    }
  }
  for (const eth of new Set(c.rules.map((r) => (r.ethertype === 'IPv6' ? Eth.ipv6 : Eth.ipv4))))
    out.push(
      flow({
        table,
        priority: c.priority,
        cookie: groupCookie,
        match: [
          { field: 'conj_id', value: c.id },
          { field: 'eth_type', value: eth },
        ],
        actions: [COMMIT],
        goto: NEXT[c.direction],
      }),
    );
}

function groupsOf(ix: SgIndex, ep: EndpointView): SecurityGroup[] {
  const out: SecurityGroup[] = [];
  for (const id of ep.ep.securityGroupIds) {
    const g = ix.groups.get(id);
    if (g) out.push(g);
  }
  return out;
}

/** Per member pod: conntrack entry, defaults, membership in each conjunction, probes and the node guard. */
export function memberFlows(ctx: NodeContext, ix: SgIndex, ep: EndpointView, out: FlowSpec[]): void {
  const groups = groupsOf(ix, ep);
  const ofport = ep.ofport;
  if (groups.length === 0 || ofport === undefined) return;
  const zone = sgZone(ep.network.vni);
  const c = cookie('sg', ep.objectId);
  for (const dir of ['egress', 'ingress'] as const) {
    const table = TABLE[dir];
    const port = portMatch(dir, ofport);
    for (const { eth } of ETHERS) {
      out.push(
        flow({
          table,
          priority: SgPriority.track,
          cookie: c,
          match: [port, matchReg(DONE[dir], 0), { field: 'eth_type', value: eth }],
          actions: [
            loadReg(DONE[dir], 1),
            loadReg(SG_ZONE, zone),
            { type: 'ct', flags: 0, zone: { imm: zone }, recircTable: tableId(table), alg: 0, actions: [] },
          ],
        }),
      );
    }
    const allow =
      dir === 'ingress'
        ? groups.some((g) => g.ingressDefault === 'allow')
        : groups.some((g) => g.egressDefault !== 'deny');
    // ct(commit) needs an IP ethertype in the flow's match (OVS: MATCH_INCONSISTENT otherwise).
    if (allow)
      for (const { eth } of ETHERS)
        out.push(
          flow({
            table,
            priority: SgPriority.defaults,
            cookie: c,
            match: [port, matchReg(DONE[dir], 1), NEW, { field: 'eth_type', value: eth }],
            actions: [COMMIT],
            goto: NEXT[dir],
          }),
        );
    else
      out.push(
        flow({
          table,
          priority: SgPriority.defaults,
          cookie: c,
          match: [port, matchReg(DONE[dir], 1), NEW],
        }),
      );
    for (const g of groups) {
      for (const conj of ix.conjunctionsByGroup.get(g.id) ?? []) {
        if (conj.direction !== dir) continue;
        const n = conj.remote === 'any' ? 2 : 3;
        out.push(
          flow({
            table,
            priority: conj.priority,
            cookie: c,
            match: [port, matchReg(DONE[dir], 1), NEW],
            actions: [conjunction(conj, 1, n)],
          }),
        );
      }
    }
  }
  probeFlows(ctx, ep, ofport, c, out);
}

/** A probe from the node passes and teaches the switch the flow that lets its reply out to the node. */
function probeFlows(ctx: NodeContext, ep: EndpointView, ofport: number, c: bigint, out: FlowSpec[]): void {
  const learnedCookie = cookie('health', ep.objectId);
  for (const { eth } of ETHERS) {
    const v6 = eth === Eth.ipv6;
    const src: OxmFieldName = v6 ? 'ipv6_src' : 'ipv4_src';
    const dst: OxmFieldName = v6 ? 'ipv6_dst' : 'ipv4_dst';
    const bits = v6 ? 128 : 32;
    const specs: LearnSpec[] = [
      { kind: 'match', nbits: 16, src: { value: BigInt(ofport) }, dst: { field: 'in_port_nxm', ofs: 0 } },
      { kind: 'match', nbits: 16, src: { value: BigInt(eth) }, dst: { field: 'eth_type_nxm', ofs: 0 } },
      {
        kind: 'match',
        nbits: 8,
        src: { value: BigInt(IpProto.tcp) },
        dst: { field: 'ip_proto_nxm', ofs: 0 },
      },
      { kind: 'match', nbits: bits, src: { field: dst, ofs: 0 }, dst: { field: src, ofs: 0 } },
      { kind: 'match', nbits: bits, src: { field: src, ofs: 0 }, dst: { field: dst, ofs: 0 } },
      { kind: 'match', nbits: 16, src: { field: 'tcp_dst', ofs: 0 }, dst: { field: 'tcp_src', ofs: 0 } },
      { kind: 'match', nbits: 16, src: { field: 'tcp_src', ofs: 0 }, dst: { field: 'tcp_dst', ofs: 0 } },
      { kind: 'load', nbits: 48, src: { field: 'eth_src', ofs: 0 }, dst: { field: 'eth_dst', ofs: 0 } },
      { kind: 'output', nbits: 16, src: { field: 'in_port_nxm', ofs: 0 } },
    ];
    out.push(
      flow({
        table: 'ingress_security',
        priority: SgPriority.probe,
        cookie: c,
        match: [
          matchReg(OUT_PORT, ofport),
          matchReg(PKT_SOURCE, SourceKind.host),
          { field: 'eth_type', value: eth },
          { field: 'ip_proto', value: IpProto.tcp },
        ],
        actions: [
          {
            type: 'learn',
            idleTimeout: PROBE_IDLE_TIMEOUT,
            hardTimeout: 0,
            priority: SgPriority.learned,
            cookie: learnedCookie,
            flags: 0,
            tableId: tableId('egress_security'),
            finIdleTimeout: 0,
            finHardTimeout: 0,
            specs,
          },
        ],
        goto: 'output',
      }),
    );
  }
  // The pod may not open anything towards its node; only the learned replies above pass.
  const node = ctx.node.tunnelIp;
  const v6 = isV6(node);
  out.push(
    flow({
      table: 'egress_security',
      priority: SgPriority.toNode,
      cookie: c,
      match: [
        { field: 'in_port', value: ofport },
        matchReg(SG_CT_OUT, 1),
        { field: 'eth_type', value: v6 ? Eth.ipv6 : Eth.ipv4 },
        { field: v6 ? 'ipv6_dst' : 'ipv4_dst', value: node } as OxmField,
      ],
    }),
  );
}

/** Per table: invalid packets dropped, established and related ones pass (only packets this table tracked). */
export function stateFlows(out: FlowSpec[]): void {
  const c = cookie('sg', 0n);
  for (const dir of ['egress', 'ingress'] as const) {
    const table = TABLE[dir];
    const done = matchReg(DONE[dir], 1);
    out.push(
      flow({
        table,
        priority: SgPriority.invalid,
        cookie: c,
        match: [
          done,
          { field: 'ct_state', value: CtState.trk | CtState.inv, mask: CtState.trk | CtState.inv },
        ],
      }),
    );
    for (const bit of [CtState.est, CtState.rel])
      out.push(
        flow({
          table,
          priority: SgPriority.established,
          cookie: c,
          match: [done, { field: 'ct_state', value: CtState.trk | bit, mask: CtState.trk | bit }],
          goto: NEXT[dir],
        }),
      );
  }
}

/** True when this node hosts a pod with a security group. */
function anyMember(ix: SgIndex, ctx: NodeContext): boolean {
  return ctx.localEndpoints.some((e) => e.ep.securityGroupIds.some((g) => ix.groups.has(g)));
}

export const securityGroups: Feature = {
  name: 'security-groups',
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    const ix = sgIndex(ctx);
    if (!anyMember(ix, ctx)) return;
    stateFlows(out);
    // Conjunctions of the groups that have a member here, once each.
    const done = new Set<Id>();
    for (const ep of ctx.localEndpoints) {
      for (const g of groupsOf(ix, ep)) {
        if (done.has(g.id)) continue;
        done.add(g.id);
        for (const conj of ix.conjunctionsByGroup.get(g.id) ?? []) conjunctionFlows(ix, conj, out);
      }
    }
  },
  endpointFlows(ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    if (ep.local) memberFlows(ctx, sgIndex(ctx), ep, out);
  },
};
