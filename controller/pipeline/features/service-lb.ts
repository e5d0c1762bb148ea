// Table service_lb (and the ClusterIP answers in arp_nd): the static half of ClusterIP load balancing. Per
// (ClusterIP, protocol, port) of every Service whose routing domain the node takes part in, a flow sends the first
// packet of a connection to the controller (metered, so one switch cannot flood it); the controller then installs
// that connection's NAT flows under the `session` cookie (controller/services/session-flows.ts) above these.
// ClusterIPs are answered in ARP/ND with the gateway MAC of the asking network, so a pod that sends to a ClusterIP
// on-link still hands the frame to the router. Replies from an external backend come back un-SNATed through the
// host, and egress-nat's alias return flow sends them to service_lb, where the session's reverse flow rewrites them.
import type { Service } from '../../model/types.js';
import { CONTROLLER_MAX_LEN, controllerOutput } from '../actions.js';
import { cookie, objectIdOf } from '../cookies.js';
import type { NetworkView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { matchNetwork, matchReg, ROUTE_DOMAIN } from '../fields.js';
import { Eth, flow, IpProto, type FlowSpec } from '../flow.js';
import { MeterId, serviceMissMeter, type MeterSpec } from '../meters.js';
import { Priority } from '../priorities.js';
import { arpReplyActions, ndAdvertActions } from './arp-nd-responder.js';

export const SERVICE_PROTO: Readonly<Record<Service['ports'][number]['protocol'], number>> = {
  tcp: IpProto.tcp,
  udp: IpProto.udp,
  sctp: IpProto.sctp,
};

const isV6 = (ip: string): boolean => ip.includes(':');

/** The destination-port match of one protocol. */
export function dstPortField(proto: number, port: number) {
  return proto === IpProto.tcp
    ? ({ field: 'tcp_dst', value: port } as const)
    : proto === IpProto.udp
      ? ({ field: 'udp_dst', value: port } as const)
      : ({ field: 'sctp_dst', value: port } as const);
}

/** The Services this node serves: those whose network is in one of the node's routing domains. */
export function servicesOf(ctx: NodeContext): { svc: Service; net: NetworkView }[] {
  const out: { svc: Service; net: NetworkView }[] = [];
  for (const svc of ctx.index.snapshot.services ?? []) {
    const net = ctx.networksById.get(svc.networkId);
    if (net) out.push({ svc, net });
  }
  return out;
}

/** ClusterIP:port misses -> controller, through the switch's packet-in meter when `metered`. */
export function missFlows(svc: Service, domain: number, metered: boolean, out: FlowSpec[]): void {
  const c = cookie('service', objectIdOf(svc.id));
  for (const vip of svc.clusterIps) {
    const v6 = isV6(vip);
    for (const p of svc.ports) {
      const proto = SERVICE_PROTO[p.protocol];
      const f = flow({
        table: 'service_lb',
        priority: Priority.normal,
        cookie: c,
        match: [
          matchReg(ROUTE_DOMAIN, domain),
          { field: 'eth_type', value: v6 ? Eth.ipv6 : Eth.ipv4 },
          { field: 'ip_proto', value: proto },
          v6 ? { field: 'ipv6_dst', value: vip } : { field: 'ipv4_dst', value: vip },
          dstPortField(proto, p.port),
        ],
        actions: [controllerOutput(CONTROLLER_MAX_LEN)],
      });
      out.push(
        metered
          ? { ...f, instructions: [{ type: 'meter', meterId: MeterId.serviceMiss }, ...f.instructions] }
          : f,
      );
    }
  }
}

/** ARP / ND answers for the ClusterIPs of a domain, in one local network, with that network's gateway MAC. */
export function vipAnswerFlows(svc: Service, net: NetworkView, out: FlowSpec[]): void {
  const c = cookie('service', objectIdOf(svc.id));
  for (const vip of svc.clusterIps) {
    const v6 = isV6(vip);
    const gw = net.gateways.find((g) => g.version === (v6 ? 6 : 4));
    if (!gw) continue;
    out.push(
      v6
        ? flow({
            table: 'arp_nd',
            priority: Priority.normal,
            cookie: c,
            match: [
              matchNetwork(net.vni),
              { field: 'eth_type', value: Eth.ipv6 },
              { field: 'ip_proto', value: IpProto.icmpv6 },
              { field: 'icmpv6_type', value: 135 },
              { field: 'ipv6_nd_target', value: vip },
            ],
            actions: ndAdvertActions(vip, gw.mac, true),
            goto: 'nd_reply',
          })
        : flow({
            table: 'arp_nd',
            priority: Priority.normal,
            cookie: c,
            match: [
              matchNetwork(net.vni),
              { field: 'eth_type', value: Eth.arp },
              { field: 'arp_op', value: 1 },
              { field: 'arp_tpa', value: vip },
            ],
            actions: arpReplyActions(vip, gw.mac),
          }),
    );
  }
}

/** Whether a node's switch can meter its packet-ins (Open vSwitch does, in both datapaths, since 2.10). */
export function nodeHasMeters(ctx: NodeContext): boolean {
  return ctx.node.vswitch === 'ovs';
}

export const serviceLb: Feature = {
  name: 'service-lb',
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    if (ctx.localEndpoints.length === 0) return;
    const metered = nodeHasMeters(ctx);
    for (const { svc, net } of servicesOf(ctx)) {
      missFlows(svc, net.domain, metered, out);
      for (const d of ctx.domains) {
        if (d.id !== net.domain) continue;
        for (const n of d.networks) if (n.local) vipAnswerFlows(svc, n, out);
      }
    }
  },
  meters(ctx: NodeContext, out: MeterSpec[]): void {
    if (ctx.localEndpoints.length > 0 && nodeHasMeters(ctx) && servicesOf(ctx).length > 0)
      out.push(serviceMissMeter(ctx.index.snapshot.serviceMissRate));
  },
};
