// Egress out of the cluster: what a routing domain sends to an address outside all its subnets leaves through the
// bridge's LOCAL port, SNATed by conntrack to the node-local transit address (egress-transit.ts) with the routing
// domain kept in ct_mark, so tenants with the same CIDR stay apart. The node's kernel does not own the transit
// address: it forwards the packet and MASQUERADEs it to the node's own address (sdn-agent's host-egress), then
// routes the un-MASQUERADEd replies back into LOCAL. There ct un-SNATs them and recirculates into classify, which
// restores the routing domain from ct_mark and hands them to l3 as routed traffic to the pod.
import { formatAddress, type Cidr } from '../../ipam/address.js';
import { ctCommitSnat, ctNatRecirc, decTtl, setField } from '../actions.js';
import { cookie } from '../cookies.js';
import type { DomainView, NodeContext } from '../context.js';
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

export function egressFlows(ctx: NodeContext, d: DomainView, out: FlowSpec[]): void {
  const snatIp = ctx.egressTransitIp;
  if (!d.networks.some((n) => n.gateways.some((g) => g.version === 4))) return;
  foreignSubnetDrops(ctx, d, out);
  const c = cookie('egress', BigInt(d.id));
  out.push(
    flow({
      table: 'l3',
      priority: Priority.fallback,
      cookie: c,
      match: [matchReg(ROUTE_DOMAIN, d.id), matchReg(TO_ROUTER, 1), { field: 'eth_type', value: Eth.ipv4 }],
      actions: [
        decTtl(),
        ctCommitSnat(CtZone.snat, snatIp, d.id),
        setField({ field: 'eth_dst', value: ctx.hostMac }),
      ],
      goto: 'l2',
    }),
    flow({
      table: 'classify',
      priority: Priority.specific,
      cookie: c,
      match: [
        { field: 'in_port', value: LOCAL_PORT },
        { field: 'ct_state', value: CtState.trk | CtState.est, mask: CtState.trk | CtState.est },
        { field: 'ct_mark', value: d.id },
        { field: 'eth_type', value: Eth.ipv4 },
      ],
      actions: [
        loadReg(PKT_SOURCE, SourceKind.egressReturn),
        loadReg(ROUTE_DOMAIN, d.id),
        loadReg(TO_ROUTER, 1),
      ],
      goto: 'l3',
    }),
  );
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
};
