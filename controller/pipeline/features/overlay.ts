// The network and hybrid overlay models. On a network-overlay node the node has no VXLAN of its own: each network it
// hosts carries a host-local VLAN (its VlanBinding) on the uplink trunk to the leaf VTEP, which maps (port, VLAN) to
// the network's VNI. Frames from the uplink are classified by VLAN (tag popped); frames to remote endpoints and
// floods are tagged and sent up. Host-overlay nodes reach everything behind a leaf over VXLAN to the leaf's tunnel
// IP (context.ts computes each remote endpoint's Reach), so both models see one L2/L3 network per tenant.
import type { Action } from '../../../protocols/openflow13/actions.js';
import { group, output, setField } from '../actions.js';
import { cookie } from '../cookies.js';
import type { NetworkView, NodeContext, Reach } from '../context.js';
import type { Feature } from '../feature.js';
import {
  loadReg,
  matchNetwork,
  matchReg,
  NETWORK_VNI_MASK,
  OUT_PORT,
  PKT_SOURCE,
  ROUTE_DOMAIN,
  SourceKind,
} from '../fields.js';
import { flow, type FlowSpec } from '../flow.js';
import { TUNNEL_OFPORT, UPLINK_OFPORT } from '../ports.js';
import { Priority } from '../priorities.js';
import { localFloodGroupId } from './broadcast.js';

/** OFPVID_PRESENT: a vlan_vid with a tag. */
export const VID_PRESENT = 0x1000;
const ETH_8021Q = 0x8100;
const MULTICAST = { field: 'eth_dst', value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' } as const;

/** push_vlan + set_field:vlan_vid, the tag a network carries on this node's uplink. */
export function tagActions(vlan: number): Action[] {
  return [
    { type: 'pushVlan', ethertype: ETH_8021Q },
    setField({ field: 'vlan_vid', value: VID_PRESENT | vlan }),
  ];
}

/** What l2 does before output to reach a remote endpoint: set the tunnel, or tag for the uplink; sets OUT_PORT. */
export function remoteActions(vni: number, reach: Reach): Action[] {
  if (reach.kind === 'uplink') return [...tagActions(reach.vlan), loadReg(OUT_PORT, UPLINK_OFPORT)];
  return [
    setField({ field: 'tun_id', value: BigInt(vni) }),
    setField({ field: 'tun_ipv4_dst', value: reach.ip }),
    loadReg(OUT_PORT, TUNNEL_OFPORT),
  ];
}

/** The remote half of a network's flood group: one copy per remote VTEP, or one tagged copy to the uplink. */
export function remoteFloodBuckets(net: NetworkView): Action[][] {
  if (net.remoteNodes.length === 0) return [];
  if (net.vlan !== undefined) return [[...tagActions(net.vlan), output(UPLINK_OFPORT)]];
  return net.remoteNodes.map((ip) => [
    setField({ field: 'tun_id', value: BigInt(net.vni) }),
    setField({ field: 'tun_ipv4_dst', value: ip }),
    output(TUNNEL_OFPORT),
  ]);
}

/** Tagged frames from the uplink: the VLAN names the network; the tag is popped. The leaf already guarded them. */
export function uplinkClassifyFlow(net: NetworkView, vlan: number): FlowSpec {
  return flow({
    table: 'classify',
    priority: Priority.normal,
    cookie: cookie('overlay', BigInt(net.vni)),
    match: [
      { field: 'in_port', value: UPLINK_OFPORT },
      { field: 'vlan_vid', value: VID_PRESENT | vlan },
    ],
    actions: [{ type: 'popVlan' }, loadReg(PKT_SOURCE, SourceKind.uplink), loadReg(ROUTE_DOMAIN, net.domain)],
    writeMetadata: { value: BigInt(net.vni), mask: NETWORK_VNI_MASK },
    goto: 'service_lb',
  });
}

/** Split horizon: a flood that came from the uplink goes to local ports only (the leaf did the rest). */
export function uplinkFloodFlow(net: NetworkView): FlowSpec {
  return flow({
    table: 'l2',
    priority: Priority.normal,
    cookie: cookie('overlay', BigInt(net.vni)),
    match: [matchNetwork(net.vni), matchReg(PKT_SOURCE, SourceKind.uplink), MULTICAST],
    actions: [group(localFloodGroupId(net.vni))],
  });
}

export const overlay: Feature = {
  name: 'overlay',
  networkFlows(ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void {
    if (ctx.node.overlay !== 'network' || net.vlan === undefined || !net.local) return;
    out.push(uplinkClassifyFlow(net, net.vlan), uplinkFloodFlow(net));
  },
};
