// A router's static routes (destination CIDR via a next hop), compiled into l3 for the routing domain: the packet is
// routed to the next hop's MAC in the next hop's network, like a route to an endpoint. The next hop must be an
// endpoint of the domain (a VM or pod that routes further); a route whose next hop is unknown is left out until one
// appears. Priority grows with the prefix length, so the longest prefix wins.
import { formatAddress, parseAddress, parseCidr } from '../../ipam/address.js';
import { decTtl, setField } from '../actions.js';
import { cookie, objectIdOf } from '../cookies.js';
import type { AddressView, DomainView, EndpointView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { NETWORK_VNI_MASK } from '../fields.js';
import { flow, type FlowSpec } from '../flow.js';
import { Priority } from '../priorities.js';
import { cidrMask, dstMatch, routed } from './l3.js';

const addressKey = (ip: string): string => {
  const { version, value } = parseAddress(ip);
  return `${version}/${value}`;
};

export function staticRouteFlows(ctx: NodeContext, d: DomainView, out: FlowSpec[]): void {
  const router = ctx.index.routers.get(d.key);
  if (!router || router.routes.length === 0) return;
  const hops = new Map<string, { ep: EndpointView; addr: AddressView }>();
  for (const net of d.networks)
    for (const ep of net.endpoints) for (const addr of ep.addrs) hops.set(addressKey(addr.ip), { ep, addr });
  const c = cookie('l3', objectIdOf(router.id));
  for (const r of router.routes) {
    const hop = hops.get(addressKey(r.nexthop));
    if (!hop || !hop.addr.gateway) continue;
    const dst = parseCidr(r.destination);
    if (dst.version !== hop.addr.version) continue;
    out.push(
      flow({
        table: 'l3',
        priority: Priority.route + dst.prefix,
        cookie: c,
        match: [
          ...routed(d.id),
          ...dstMatch(dst.version, formatAddress(dst.version, dst.base), cidrMask(dst)),
        ],
        actions: [
          decTtl(),
          setField({ field: 'eth_src', value: hop.addr.gateway.mac }),
          setField({ field: 'eth_dst', value: hop.ep.ep.mac }),
        ],
        writeMetadata: { value: BigInt(hop.ep.network.vni), mask: NETWORK_VNI_MASK },
        goto: 'l2',
      }),
    );
  }
}

export const staticRoutes: Feature = {
  name: 'static-routes',
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    for (const d of ctx.domains) staticRouteFlows(ctx, d, out);
  },
};
