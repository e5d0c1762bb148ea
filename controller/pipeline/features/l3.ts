// Table l3: the distributed router. Every node routes for every routing domain it takes part in, so a packet between
// two subnets of a tenant is routed on the node it leaves from: TTL decremented, source MAC = the destination
// subnet's gateway, destination MAC = the endpoint's, metadata = the destination network; l2 then delivers it
// locally or over the tunnel. A routed subnet address that no endpoint holds is dropped rather than sent out.
import { formatAddress, type Cidr } from '../../ipam/address.js';
import { decTtl, move, output, setField } from '../actions.js';
import { cookie } from '../cookies.js';
import type { DomainView, EndpointView, NetworkView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { matchNetwork, matchReg, NETWORK_VNI_MASK, ROUTE_DOMAIN, TO_ROUTER } from '../fields.js';
import { Eth, flow, IpProto, type FlowSpec } from '../flow.js';
import { IN_PORT } from '../ports.js';
import { Priority } from '../priorities.js';

export const routed = (domain: number) => [matchReg(ROUTE_DOMAIN, domain), matchReg(TO_ROUTER, 1)];

export function dstMatch(version: 4 | 6, ip: string, mask?: string) {
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
        priority: Priority.hostRoute,
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

const ICMP_ECHO_REQUEST = 8;
const ICMP_ECHO_REPLY = 0;
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;

/**
 * A gateway answers ping in the switch: the request is turned into the reply (addresses swapped, type changed; Open
 * vSwitch fixes the checksum) and sent back out of its in_port, so "can my pod reach its gateway" works.
 */
export function gatewayEchoFlows(net: NetworkView, out: FlowSpec[]): void {
  for (const g of net.gateways) {
    const v4 = g.version === 4;
    out.push(
      flow({
        table: 'l3',
        priority: Priority.specific,
        cookie: cookie('l3', BigInt(net.vni)),
        match: [
          matchNetwork(net.vni),
          matchReg(TO_ROUTER, 1),
          ...dstMatch(g.version, g.ip),
          { field: 'ip_proto', value: v4 ? IpProto.icmp : IpProto.icmpv6 },
          v4
            ? { field: 'icmpv4_type', value: ICMP_ECHO_REQUEST }
            : { field: 'icmpv6_type', value: ICMPV6_ECHO_REQUEST },
        ],
        actions: [
          move('eth_src', 'eth_dst'),
          setField({ field: 'eth_src', value: g.mac }),
          move(v4 ? 'ipv4_src' : 'ipv6_src', v4 ? 'ipv4_dst' : 'ipv6_dst'),
          setField(v4 ? { field: 'ipv4_src', value: g.ip } : { field: 'ipv6_src', value: g.ip }),
          setField(
            v4
              ? { field: 'icmpv4_type', value: ICMP_ECHO_REPLY }
              : { field: 'icmpv6_type', value: ICMPV6_ECHO_REPLY },
          ),
          output(IN_PORT),
        ],
      }),
    );
  }
}

export const l3: Feature = {
  name: 'l3',
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    out.push(...toNodeFlow(ctx));
    for (const d of ctx.domains) subnetFlows(d, out);
  },
  networkFlows(_ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void {
    if (net.local || net.leaves) gatewayEchoFlows(net, out);
  },
  endpointFlows(_ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    routeToEndpointFlows(ep, out);
  },
};
