// Table classify: where a packet comes from decides its network (metadata = VNI), its source kind and its routing
// domain. Pods by in_port; the tunnel by tun_id; the host (bridge LOCAL port) by destination address, since the
// node's stack is in no network of its own. (Frames from a leaf on the leaf gateway: leaf-gateway.ts.)
import { cookie } from '../cookies.js';
import type { EndpointView, NetworkView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { loadReg, NETWORK_VNI_MASK, PKT_SOURCE, ROUTE_DOMAIN, SourceKind } from '../fields.js';
import { Eth, flow, IpProto, type FlowInput, type FlowSpec } from '../flow.js';
import { LOCAL_PORT, TUNNEL_OFPORT } from '../ports.js';
import { Priority } from '../priorities.js';

type Enter = Pick<FlowInput, 'actions' | 'writeMetadata'>;
const ND_NEIGHBOR_SOLICITATION = 135;
// The same few action lists serve every port of a network: built once per (network, kind), shared (flows are immutable).
const entries = new WeakMap<NetworkView, Map<SourceKind, Enter>>();

export function enterNetwork(net: NetworkView, kind: SourceKind): Enter {
  let byKind = entries.get(net);
  if (!byKind) entries.set(net, (byKind = new Map()));
  let e = byKind.get(kind);
  if (!e) {
    e = {
      actions: [loadReg(PKT_SOURCE, SourceKind[kind]), loadReg(ROUTE_DOMAIN, net.domain)],
      writeMetadata: { value: BigInt(net.vni), mask: NETWORK_VNI_MASK },
    };
    byKind.set(kind, e);
  }
  return e;
}

/** A local pod's port: its network, kind pod, then the spoof guard. */
export function podPortFlow(ep: EndpointView): FlowSpec {
  return flow({
    table: 'classify',
    priority: Priority.normal,
    cookie: cookie('classify', ep.objectId),
    match: [{ field: 'in_port', value: ep.ofport as number }],
    ...enterNetwork(ep.network, 'pod'),
    goto: 'spoof_guard',
  });
}

/** Traffic from the tunnel carrying this network's VNI. Remote nodes already routed and guarded it. */
export function tunnelFlow(net: NetworkView): FlowSpec {
  return flow({
    table: 'classify',
    priority: Priority.normal,
    cookie: cookie('classify', BigInt(net.vni)),
    match: [
      { field: 'in_port', value: TUNNEL_OFPORT },
      { field: 'tun_id', value: BigInt(net.vni) },
    ],
    ...enterNetwork(net, 'tunnel'),
    goto: 'service_lb',
  });
}

/**
 * The host reaching a local pod's address (IP and ARP for IPv4, IP and neighbour solicitation for IPv6): enter the pod's
 * network as `host`.
 */
export function hostToPodFlows(ep: EndpointView, out: FlowSpec[]): void {
  const c = cookie('classify', ep.objectId);
  for (const a of ep.addrs) {
    const base = {
      table: 'classify' as const,
      priority: Priority.normal,
      cookie: c,
      ...enterNetwork(ep.network, 'host'),
    };
    if (a.version === 4) {
      out.push(
        flow({
          ...base,
          match: [
            { field: 'in_port', value: LOCAL_PORT },
            { field: 'eth_type', value: Eth.ipv4 },
            { field: 'ipv4_dst', value: a.ip },
          ],
          goto: 'arp_nd',
        }),
        flow({
          ...base,
          match: [
            { field: 'in_port', value: LOCAL_PORT },
            { field: 'eth_type', value: Eth.arp },
            { field: 'arp_tpa', value: a.ip },
          ],
          goto: 'arp_nd',
        }),
      );
    } else {
      // The host resolves the pod's address with a neighbour solicitation to the solicited-node multicast address,
      // not to the pod's: it enters by its target, and arp_nd answers it as it answers the pods.
      out.push(
        flow({
          ...base,
          match: [
            { field: 'in_port', value: LOCAL_PORT },
            { field: 'eth_type', value: Eth.ipv6 },
            { field: 'ipv6_dst', value: a.ip },
          ],
          goto: 'arp_nd',
        }),
        flow({
          ...base,
          match: [
            { field: 'in_port', value: LOCAL_PORT },
            { field: 'eth_type', value: Eth.ipv6 },
            { field: 'ip_proto', value: IpProto.icmpv6 },
            { field: 'icmpv6_type', value: ND_NEIGHBOR_SOLICITATION },
            { field: 'ipv6_nd_target', value: a.ip },
          ],
          goto: 'arp_nd',
        }),
      );
    }
  }
}

export const classify: Feature = {
  name: 'classify',
  networkFlows(_ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void {
    if (net.local) out.push(tunnelFlow(net));
  },
  endpointFlows(_ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    if (!ep.local || ep.ofport === undefined) return;
    out.push(podPortFlow(ep));
    hostToPodFlows(ep, out);
  },
};
