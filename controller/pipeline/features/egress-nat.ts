// Egress out of the cluster: what a routing domain sends to an address outside all its subnets leaves through the
// bridge's LOCAL port, SNATed by conntrack to the node-local transit address (egress-transit.ts). The node's kernel
// does not own that address: it forwards the packet and MASQUERADEs it to the node's own address (sdn-agent's
// host-egress), then routes the un-MASQUERADEd replies back into LOCAL, where ct un-SNATs them.
// Tenants may hold the same addresses, and two of their pods on one node may open the same 5-tuple at once. One
// conntrack zone keys a connection by its original tuple, so before the commit the source address becomes the
// pod's port alias (EGRESS_ALIAS_NET + ofport, unique on the node, never on the wire: the SNAT replaces it at once).
// After the un-SNAT the reply is addressed to that alias; a per-port classify flow gives it the pod's address and
// its routing domain back and sends it through service_lb (an external Service backend's reverse flow) to l3, which
// routes it to the pod. The routing domain also rides in ct_mark, which that flow checks.
import { formatAddress, type Cidr } from '../../ipam/address.js';
import type { Action } from '../../../protocols/openflow13/actions.js';
import { ctCommitSnat, ctNatRecirc, decTtl, setField } from '../actions.js';
import { cookie } from '../cookies.js';
import type { DomainView, EndpointView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import {
  CtState,
  CtZone,
  loadReg,
  matchReg,
  PKT_SOURCE,
  ROUTE_DOMAIN,
  SourceKind,
  TO_ROUTER,
} from '../fields.js';
import { Eth, flow, type FlowSpec } from '../flow.js';
import { LOCAL_PORT } from '../ports.js';
import { cidrMask } from './l3.js';
import { Priority } from '../priorities.js';
import { tableId } from '../tables.js';

/**
 * Addresses of other routing domains (other tenants) are not "outside": sent out SNATed, the host would route them
 * straight back into the bridge, a path around tenant isolation. They are dropped instead.
 */
export function foreignSubnetDrops(ctx: NodeContext, d: DomainView, out: FlowSpec[]): void {
  const c = cookie('egress', BigInt(d.id));
  // The domain's own subnets have their drop flow in l3 already (an equal CIDR of another tenant adds nothing).
  const seen = new Set<string>();
  for (const n of d.networks) for (const s of n.subnets) seen.add(s.cidr);
  for (const s of ctx.index.snapshot.subnets) {
    if (s.ipVersion !== 4 || seen.has(s.cidr) || ctx.index.domainKeyOf(s.networkId) === d.key) continue;
    seen.add(s.cidr);
    const cidr = ctx.index.cidrs.get(s.id) as Cidr;
    out.push(
      flow({
        table: 'l3',
        priority: Priority.subnet,
        cookie: c,
        match: [
          matchReg(ROUTE_DOMAIN, d.id),
          matchReg(TO_ROUTER, 1),
          { field: 'eth_type', value: Eth.ipv4 },
          { field: 'ipv4_dst', value: formatAddress(4, cidr.base), mask: cidrMask(cidr) },
        ],
      }),
    );
  }
}

/**
 * The internal source address of a port's egress before the SNAT: 100.64.<ofport>, unique among a node's ports
 * (ofports are 16-bit). Any /16 would do, since it never leaves the switch; this one reads as "not a pod" in dumps.
 */
const ALIAS_PREFIX = '100.64';
export const EGRESS_ALIAS_NET = `${ALIAS_PREFIX}.0.0`;

export function egressAlias(ofport: number): string {
  return `${ALIAS_PREFIX}.${(ofport >>> 8) & 0xff}.${ofport & 0xff}`;
}

/**
 * The source address becomes the in_port's alias (the low 16 bits of in_port into those of the address), then the
 * connection is committed with SNAT to the transit address and the routing domain in ct_mark. Session flows of
 * external Service backends use the same actions.
 */
export function aliasAndSnat(transitIp: string, domain: number): Action[] {
  return [
    setField({ field: 'ipv4_src', value: EGRESS_ALIAS_NET }),
    {
      type: 'regMove',
      src: { field: 'in_port', ofs: 0, nbits: 16 },
      dst: { field: 'ipv4_src', ofs: 0, nbits: 16 },
    },
    ctCommitSnat(CtZone.snat, transitIp, domain),
  ];
}

export function egressFlows(ctx: NodeContext, d: DomainView, out: FlowSpec[]): void {
  if (!hasV4Gateway(d)) return;
  foreignSubnetDrops(ctx, d, out);
  out.push(
    flow({
      table: 'l3',
      priority: Priority.fallback,
      cookie: cookie('egress', BigInt(d.id)),
      match: [matchReg(ROUTE_DOMAIN, d.id), matchReg(TO_ROUTER, 1), { field: 'eth_type', value: Eth.ipv4 }],
      actions: [
        decTtl(),
        ...aliasAndSnat(ctx.egressTransitIp, d.id),
        setField({ field: 'eth_dst', value: ctx.hostMac }),
      ],
      goto: 'l2',
    }),
  );
}

const hasV4Gateway = (d: DomainView): boolean =>
  d.networks.some((n) => n.gateways.some((g) => g.version === 4));

/**
 * A reply un-SNATed to a local port's alias: the pod's (first IPv4) address back, its routing domain, and on to
 * service_lb (an external backend's reverse flow gives it the ClusterIP back) and l3, which routes it to the pod.
 */
export function aliasReturnFlow(ctx: NodeContext, ep: EndpointView): FlowSpec[] {
  const ip = ep.addrs.find((a) => a.version === 4)?.ip;
  const domain = ctx.domains.find((x) => x.id === ep.network.domain);
  if (ep.ofport === undefined || ip === undefined || !domain || !hasV4Gateway(domain)) return [];
  return [
    flow({
      table: 'classify',
      priority: Priority.specific,
      cookie: cookie('egress', ep.objectId),
      match: [
        { field: 'in_port', value: LOCAL_PORT },
        { field: 'ct_state', value: CtState.trk | CtState.est, mask: CtState.trk | CtState.est },
        { field: 'ct_mark', value: domain.id },
        { field: 'eth_type', value: Eth.ipv4 },
        { field: 'ipv4_dst', value: egressAlias(ep.ofport) },
      ],
      actions: [
        setField({ field: 'ipv4_dst', value: ip }),
        loadReg(PKT_SOURCE, SourceKind.egressReturn),
        loadReg(ROUTE_DOMAIN, domain.id),
        loadReg(TO_ROUTER, 1),
      ],
      goto: 'service_lb',
    }),
  ];
}

/** Replies to the transit address: un-NAT, then classify again (untracked packets only, so this runs once). */
export function unSnatFlow(ctx: NodeContext): FlowSpec[] {
  const ip = ctx.egressTransitIp;
  return [
    flow({
      table: 'classify',
      priority: Priority.normal,
      cookie: cookie('egress', 0n),
      match: [
        { field: 'in_port', value: LOCAL_PORT },
        { field: 'ct_state', value: 0, mask: CtState.trk },
        { field: 'eth_type', value: Eth.ipv4 },
        { field: 'ipv4_dst', value: ip },
      ],
      actions: [ctNatRecirc(CtZone.snat, tableId('classify'))],
    }),
  ];
}

export const egressNat: Feature = {
  name: 'egress-nat',
  needs: ['conntrack'],
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    if (ctx.localEndpoints.length === 0) return;
    out.push(...unSnatFlow(ctx));
    for (const d of ctx.domains) egressFlows(ctx, d, out);
  },
  endpointFlows(ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    if (ep.local) out.push(...aliasReturnFlow(ctx, ep));
  },
};
