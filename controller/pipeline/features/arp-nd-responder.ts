// Table arp_nd: the switch answers ARP requests and IPv6 neighbour solicitations itself, for every address it knows
// in the network (endpoints on any node, and the gateways), by rewriting the request into the reply and sending it
// back out of its in_port, so no request crosses the fabric. Requests for unknown targets are dropped, never flooded.
// Frames addressed to a gateway MAC are marked TO_ROUTER here, for l3.
import type { Action } from '../../../protocols/openflow13/actions.js';
import type { OxmField } from '../../../protocols/openflow13/oxm.js';
import { move, output, setField } from '../actions.js';
import { cookie } from '../cookies.js';
import type { EndpointView, NetworkView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { loadReg, matchNetwork, TO_ROUTER } from '../fields.js';
import { Eth, flow, IpProto, type FlowSpec } from '../flow.js';
import { IN_PORT } from '../ports.js';
import { Priority } from '../priorities.js';

const ARP_REQUEST = 1;
const ARP_REPLY = 2;
const ND_NS = 135;
const ND_NA = 136;
/** ND option type of the target link-layer address (RFC 4861 4.6.1). */
const ND_OPT_TARGET_LL = 2;
/** NA flags: Router (0x80000000), Solicited (0x40000000), Override (0x20000000). */
const NA_FLAGS_HOST = 0x60000000;
const NA_FLAGS_ROUTER = 0xe0000000;

// Open vSwitch's Ericsson-class OXM fields for rewriting a solicitation into an advertisement (meta-flow.h:
// ERICOXM_OF_ICMPV6_ND_RESERVED(1), ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE(2), class 0x1000). The codec does not name
// them yet, so they travel as raw TLVs.
const ERICOXM_CLASS = 0x1000;
function ndReserved(flags: number): OxmField {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, flags >>> 0);
  return { field: 'unknown', oxmClass: ERICOXM_CLASS, oxmField: 1, value: v };
}
function ndOptionsType(type: number): OxmField {
  return { field: 'unknown', oxmClass: ERICOXM_CLASS, oxmField: 2, value: Uint8Array.of(type) };
}

/** Turn an ARP request for `ip` into the reply "ip is at mac", back out of the in_port (OVS-LAB step 5). */
export function arpReplyActions(ip: string, mac: string): Action[] {
  return [
    move('eth_src', 'eth_dst'),
    setField({ field: 'eth_src', value: mac }),
    setField({ field: 'arp_op', value: ARP_REPLY }),
    move('arp_sha', 'arp_tha'),
    setField({ field: 'arp_sha', value: mac }),
    move('arp_spa', 'arp_tpa'),
    setField({ field: 'arp_spa', value: ip }),
    output(IN_PORT),
  ];
}

/**
 * Turn a neighbour solicitation for `ip` into the advertisement "ip is at mac" (solicited, override; router too for a
 * gateway), then finish it in nd_reply. The solicitation's source link-layer option becomes the target link-layer
 * option in place (nd_options_type); nd_reply writes its address. Open vSwitch applies the option-type change before
 * the address, and checks nd_tll's prerequisite (type 136) against the match, hence the second table.
 */
export function ndAdvertActions(ip: string, mac: string, router: boolean): Action[] {
  return [
    move('eth_src', 'eth_dst'),
    setField({ field: 'eth_src', value: mac }),
    move('ipv6_src', 'ipv6_dst'),
    setField({ field: 'ipv6_src', value: ip }),
    setField({ field: 'icmpv6_type', value: ND_NA }),
    setField(ndReserved(router ? NA_FLAGS_ROUTER : NA_FLAGS_HOST)),
    setField(ndOptionsType(ND_OPT_TARGET_LL)),
  ];
}

/** nd_reply: the advertisement's target link-layer address is its new source MAC; back out of the in_port. */
export function ndReplyFlow(): FlowSpec {
  return flow({
    table: 'nd_reply',
    priority: Priority.normal,
    cookie: cookie('arp', 0n),
    match: [
      { field: 'eth_type', value: Eth.ipv6 },
      { field: 'ip_proto', value: IpProto.icmpv6 },
      { field: 'icmpv6_type', value: ND_NA },
    ],
    actions: [move('eth_src', 'ipv6_nd_tll'), output(IN_PORT)],
  });
}

function answerFlow(
  net: NetworkView,
  ip: string,
  version: 4 | 6,
  mac: string,
  c: bigint,
  router: boolean,
): FlowSpec {
  if (version === 4)
    return flow({
      table: 'arp_nd',
      priority: Priority.normal,
      cookie: c,
      match: [
        matchNetwork(net.vni),
        { field: 'eth_type', value: Eth.arp },
        { field: 'arp_op', value: ARP_REQUEST },
        { field: 'arp_tpa', value: ip },
      ],
      actions: arpReplyActions(ip, mac),
    });
  return flow({
    table: 'arp_nd',
    priority: Priority.normal,
    cookie: c,
    match: [
      matchNetwork(net.vni),
      { field: 'eth_type', value: Eth.ipv6 },
      { field: 'ip_proto', value: IpProto.icmpv6 },
      { field: 'icmpv6_type', value: ND_NS },
      { field: 'ipv6_nd_target', value: ip },
    ],
    actions: ndAdvertActions(ip, mac, router),
    goto: 'nd_reply',
  });
}

/** Answers for one endpoint's addresses, in every node that hosts its network. */
export function endpointAnswerFlows(ep: EndpointView, out: FlowSpec[]): void {
  const c = cookie('arp', ep.objectId);
  for (const a of ep.addrs) out.push(answerFlow(ep.network, a.ip, a.version, ep.ep.mac, c, false));
}

/** Gateway answers and the TO_ROUTER mark of frames sent to a gateway MAC. */
export function gatewayFlows(net: NetworkView, out: FlowSpec[]): void {
  const c = cookie('arp', BigInt(net.vni));
  for (const g of net.gateways) {
    out.push(answerFlow(net, g.ip, g.version, g.mac, c, true));
    out.push(
      flow({
        table: 'arp_nd',
        priority: Priority.normal,
        cookie: cookie('l3', BigInt(net.vni)),
        match: [matchNetwork(net.vni), { field: 'eth_dst', value: g.mac }],
        actions: [loadReg(TO_ROUTER, 1)],
        goto: 'service_lb',
      }),
    );
  }
}

/** Unanswered requests stop here; DAD probes (source ::) are never answered, so a pod's own DAD succeeds. */
export function guardFlows(out: FlowSpec[]): void {
  const c = cookie('arp', 0n);
  out.push(
    flow({
      table: 'arp_nd',
      priority: Priority.fallback,
      cookie: c,
      match: [
        { field: 'eth_type', value: Eth.arp },
        { field: 'arp_op', value: ARP_REQUEST },
      ],
    }),
    flow({
      table: 'arp_nd',
      priority: Priority.fallback,
      cookie: c,
      match: [
        { field: 'eth_type', value: Eth.ipv6 },
        { field: 'ip_proto', value: IpProto.icmpv6 },
        { field: 'icmpv6_type', value: ND_NS },
      ],
    }),
    flow({
      table: 'arp_nd',
      priority: Priority.guard,
      cookie: c,
      match: [
        { field: 'eth_type', value: Eth.ipv6 },
        { field: 'ipv6_src', value: '::' },
        { field: 'ip_proto', value: IpProto.icmpv6 },
        { field: 'icmpv6_type', value: ND_NS },
      ],
    }),
  );
}

export const arpNdResponder: Feature = {
  name: 'arp-nd-responder',
  nodeFlows(_ctx: NodeContext, out: FlowSpec[]): void {
    guardFlows(out);
    out.push(ndReplyFlow());
  },
  networkFlows(_ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void {
    // The leaf gateway answers for the gateways of a bare-metal network it may not host (leafTunnelFlow).
    if (net.local || net.leaves) gatewayFlows(net, out);
  },
  endpointFlows(_ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    if (ep.network.local) endpointAnswerFlows(ep, out);
  },
};
