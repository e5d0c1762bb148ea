// Table l3: the distributed router. Every node routes for every routing domain it takes part in, so a packet between
// two subnets of a tenant is routed on the node it leaves from: TTL decremented, source MAC = the destination
// subnet's gateway, destination MAC = the endpoint's, metadata = the destination network; l2 then delivers it
// locally or over the tunnel. A routed subnet address that no endpoint holds is dropped rather than sent out.
import { formatAddress, type Cidr } from '../../ipam/address.js';
import { decTtl, setField } from '../actions.js';
import { cookie } from '../cookies.js';
import type { DomainView, EndpointView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { matchReg, NETWORK_VNI_MASK, ROUTE_DOMAIN, TO_ROUTER } from '../fields.js';
import { Eth, flow, type FlowSpec } from '../flow.js';
import { Priority } from '../priorities.js';

const routed = (domain: number) => [matchReg(ROUTE_DOMAIN, domain), matchReg(TO_ROUTER, 1)];

function dstMatch(version: 4 | 6, ip: string, mask?: string) {
  return version === 4
    ? [
        { field: 'eth_type', value: Eth.ipv4 } as const,
        mask === undefined
          ? ({ field: 'ipv4_dst', value: ip } as const)
          : ({ field: 'ipv4_dst', value: ip, mask } as const),
      ]
    : [
        { field: 'eth_type', value: Eth.ipv6 } as const,
        mask === undefined
          ? ({ field: 'ipv6_dst', value: ip } as const)
          : ({ field: 'ipv6_dst', value: ip, mask } as const),
      ];
}

export function cidrMask(c: Cidr): string {
  const all = (1n << BigInt(c.bits)) - 1n;
  const host = (1n << BigInt(c.bits - c.prefix)) - 1n;
  return formatAddress(c.version, all ^ host);
}

/** Routes to one endpoint's routed addresses, for its whole routing domain. */
export function routeToEndpointFlows(ep: EndpointView, out: FlowSpec[]): void {
  for (const a of ep.addrs) {
    if (!a.gateway) continue;
    out.push(
      flow({
        table: 'l3',
        priority: Priority.normal,
        cookie: cookie('l3', ep.objectId),
        match: [...routed(ep.network.domain), ...dstMatch(a.version, a.ip)],
        actions: [
          decTtl(),
          setField({ field: 'eth_src', value: a.gateway.mac }),
          setField({ field: 'eth_dst', value: ep.ep.mac }),
        ],
        writeMetadata: { value: BigInt(ep.network.vni), mask: NETWORK_VNI_MASK },
        goto: 'l2',
      }),
    );
  }
}

/** Routed subnets whose unknown addresses are dropped. */
export function subnetFlows(domain: DomainView, out: FlowSpec[]): void {
  for (const net of domain.networks) {
    for (const g of net.gateways) {
      out.push(
        flow({
          table: 'l3',
          priority: Priority.subnet,
          cookie: cookie('l3', BigInt(net.vni)),
          match: [
            ...routed(domain.id),
            ...dstMatch(g.version, formatAddress(g.version, g.cidr.base), cidrMask(g.cidr)),
          ],
        }),
      );
    }
  }
}

/** A pod reaching its own node's address is routed to the bridge's LOCAL port, without NAT. */
export function toNodeFlow(ctx: NodeContext): FlowSpec[] {
  const v = ctx.node.tunnelIp.includes(':') ? 6 : 4;
  return [
    flow({
      table: 'l3',
      priority: Priority.specific,
      cookie: cookie('l3', 0n),
      match: [matchReg(TO_ROUTER, 1), ...dstMatch(v, ctx.node.tunnelIp)],
      actions: [decTtl(), setField({ field: 'eth_dst', value: ctx.hostMac })],
      goto: 'l2',
    }),
  ];
}

export const l3: Feature = {
  name: 'l3',
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    out.push(...toNodeFlow(ctx));
    for (const d of ctx.domains) subnetFlows(d, out);
  },
  endpointFlows(_ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    routeToEndpointFlows(ep, out);
  },
};
