// Table l2: (network, destination MAC) -> a local port (through ingress security) or a remote endpoint: over the
// flow-based VXLAN port (tun_id = VNI, tun_dst = the VTEP in front of it), or out of the uplink with the network's
// VLAN on a network-overlay node (overlay.ts). The node's own MAC goes to the LOCAL port.
import { cookie } from '../cookies.js';
import type { EndpointView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { loadReg, matchNetwork, OUT_PORT, OUTPUT_KIND, OutputKind } from '../fields.js';
import { flow, type FlowSpec } from '../flow.js';
import { LOCAL_PORT_REG } from '../ports.js';
import { remoteActions } from './overlay.js';
import { Priority } from '../priorities.js';

export function toLocalPortFlow(ep: EndpointView): FlowSpec {
  return flow({
    table: 'l2',
    priority: Priority.normal,
    cookie: cookie('l2', ep.objectId),
    match: [matchNetwork(ep.network.vni), { field: 'eth_dst', value: ep.ep.mac }],
    actions: [loadReg(OUT_PORT, ep.ofport as number), loadReg(OUTPUT_KIND, OutputKind.port)],
    goto: 'ingress_security',
  });
}

/** A remote endpoint: over VXLAN to the VTEP in front of it, or (network overlay) tagged out of the uplink. */
export function toRemoteNodeFlow(ep: EndpointView): FlowSpec | undefined {
  if (!ep.reach) return undefined;
  return flow({
    table: 'l2',
    priority: Priority.normal,
    cookie: cookie('l2', ep.objectId),
    match: [matchNetwork(ep.network.vni), { field: 'eth_dst', value: ep.ep.mac }],
    actions: [...remoteActions(ep.network.vni, ep.reach), loadReg(OUTPUT_KIND, OutputKind.port)],
    goto: 'output',
  });
}

/** The node's own bridge interface: the host stack (probes' replies, egress to outside). */
export function toHostFlow(ctx: NodeContext): FlowSpec {
  return flow({
    table: 'l2',
    priority: Priority.specific,
    cookie: cookie('l2', 0n),
    match: [{ field: 'eth_dst', value: ctx.hostMac }],
    actions: [loadReg(OUT_PORT, LOCAL_PORT_REG), loadReg(OUTPUT_KIND, OutputKind.port)],
    goto: 'output',
  });
}

export const l2: Feature = {
  name: 'l2',
  nodeFlows(ctx: NodeContext, out: FlowSpec[]): void {
    out.push(toHostFlow(ctx));
  },
  endpointFlows(_ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    if (ep.local) {
      if (ep.ofport !== undefined) out.push(toLocalPortFlow(ep));
    } else {
      const f = toRemoteNodeFlow(ep);
      if (f) out.push(f);
    }
  },
};
