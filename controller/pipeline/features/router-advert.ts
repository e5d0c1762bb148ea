// Router advertisements for IPv6 gateways: a router solicitation from a pod goes to the controller, which answers
// with the gateway's advertisement (controller/reconcile/router-advert.ts); the switch cannot build one from a
// solicitation in place, the two differ in size. The advertisement comes from the gateway's link-local address, so
// that address gets a neighbour answer here too.
import { cookie } from '../cookies.js';
import type { GatewayView, NetworkView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { matchNetwork } from '../fields.js';
import { Eth, flow, IpProto, type FlowSpec } from '../flow.js';
import { CONTROLLER_PORT } from '../ports.js';
import { Priority } from '../priorities.js';
import { ndAdvertActions } from './arp-nd-responder.js';

const ND_RS = 133;
const ND_NS = 135;
/** OFPCML_NO_BUFFER: the whole packet in the packet-in. */
const NO_BUFFER = 0xffff;

/** fe80::/64 with the modified EUI-64 interface id of `mac` (RFC 4291 appendix A). */
export function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const w = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  return `fe80::${w((b[0] as number) ^ 0x02, b[1] as number)}:${w(b[2] as number, 0xff)}:${w(0xfe, b[3] as number)}:${w(b[4] as number, b[5] as number)}`;
}

export function routerAdvertFlows(net: NetworkView, out: FlowSpec[]): void {
  const v6: GatewayView[] = net.gateways.filter((g) => g.version === 6);
  const first = v6[0];
  if (!first) return;
  const c = cookie('arp', BigInt(net.vni));
  out.push(
    flow({
      table: 'arp_nd',
      priority: Priority.specific,
      cookie: c,
      match: [
        matchNetwork(net.vni),
        { field: 'eth_type', value: Eth.ipv6 },
        { field: 'ip_proto', value: IpProto.icmpv6 },
        { field: 'icmpv6_type', value: ND_RS },
      ],
      actions: [{ type: 'output', port: CONTROLLER_PORT, maxLen: NO_BUFFER }],
    }),
  );
  const seen = new Set<string>();
  for (const g of v6) {
    const ll = linkLocalOf(g.mac);
    if (seen.has(ll)) continue;
    seen.add(ll);
    out.push(
      flow({
        table: 'arp_nd',
        priority: Priority.normal,
        cookie: c,
        match: [
          matchNetwork(net.vni),
          { field: 'eth_type', value: Eth.ipv6 },
          { field: 'ip_proto', value: IpProto.icmpv6 },
          { field: 'icmpv6_type', value: ND_NS },
          { field: 'ipv6_nd_target', value: ll },
        ],
        actions: ndAdvertActions(ll, g.mac, true),
        goto: 'nd_reply',
      }),
    );
  }
}

export const routerAdvert: Feature = {
  name: 'router-advert',
  networkFlows(_ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void {
    if (net.local) routerAdvertFlows(net, out);
  },
};
