// The leaf gateway (model/leaf-gateway.ts) routes for bare-metal servers behind a leaf VTEP, which only switches:
// their frames reach it over VXLAN from the leaf with the server's network as VNI, unrouted, unlike what other nodes
// send (they routed their own pods' frames already). So, for a routed network with bare metal:
// - classify takes the network's VNI from each of its leaves (tun_src) into arp_nd, like a pod's frame, with
//   tun_dst = that leaf: a gateway's ARP/ND answer or echo reply sent back out of the in_port returns to it;
// - arp_nd answers for the gateways and marks frames to a gateway MAC for l3 (arp-nd-responder.ts, l3.ts: the same
//   flows a local network gets), l3 routes them, l2 picks the port or the VTEP;
// - a routed frame from a leaf that l2 sends back into the tunnel (a pod on another node, or behind a leaf) leaves
//   through IN_PORT, since Open vSwitch never outputs to the in_port by number. Only routed frames (TO_ROUTER, so
//   dec_ttl'd): a switched frame from the tunnel never goes back into it, so no loop between VTEPs.
import { output, setField } from '../actions.js';
import { cookie } from '../cookies.js';
import type { NetworkView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import {
  matchRegs,
  OUT_PORT,
  OUTPUT_KIND,
  OutputKind,
  PKT_SOURCE,
  SourceKind,
  TO_ROUTER,
} from '../fields.js';
import { flow, type FlowSpec } from '../flow.js';
import { IN_PORT, TUNNEL_OFPORT } from '../ports.js';
import { Priority } from '../priorities.js';
import { enterNetwork } from './classify.js';

/** classify: a bare-metal network's frames from its leaf, into arp_nd; answers go back to the leaf. */
export function leafTunnelFlow(net: NetworkView, leafIp: string): FlowSpec {
  const enter = enterNetwork(net, 'tunnel');
  return flow({
    table: 'classify',
    priority: Priority.specific,
    cookie: cookie('classify', BigInt(net.vni)),
    match: [
      { field: 'in_port', value: TUNNEL_OFPORT },
      { field: 'tun_id', value: BigInt(net.vni) },
      { field: 'tun_ipv4_src', value: leafIp },
    ],
    actions: [setField({ field: 'tun_ipv4_dst', value: leafIp }), ...(enter.actions ?? [])],
    ...(enter.writeMetadata ? { writeMetadata: enter.writeMetadata } : {}),
    goto: 'arp_nd',
  });
}

/** output: a frame from the tunnel that this node routed goes back into the tunnel through IN_PORT. */
export function routedHairpinFlow(): FlowSpec {
  return flow({
    table: 'output',
    priority: Priority.specific,
    cookie: cookie('output', 1n),
    match: [
      matchRegs([
        [PKT_SOURCE, SourceKind.tunnel],
        [TO_ROUTER, 1],
        [OUTPUT_KIND, OutputKind.port],
      ]),
      { field: OUT_PORT.reg, value: TUNNEL_OFPORT },
    ],
    actions: [output(IN_PORT)],
  });
}

export const leafGateway: Feature = {
  name: 'leaf-gateway',
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    if (ctx.networks.some((n) => n.leaves)) out.push(routedHairpinFlow());
  },
  networkFlows(_ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void {
    for (const ip of net.leaves ?? []) out.push(leafTunnelFlow(net, ip));
  },
};
