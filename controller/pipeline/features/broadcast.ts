// Broadcast and multicast stay inside their network: an OpenFlow ALL group per network replicates a frame to the
// local ports and, head-end, to every other VTEP that hosts the network (one VXLAN copy per node or leaf; on a
// network-overlay node one tagged copy to the uplink, which the leaf replicates). Frames that came from the tunnel
// or the uplink go to the local ports only (split horizon), so nothing loops between nodes.
import type { Bucket } from '../../../protocols/openflow13/messages.js';
import { group, output } from '../actions.js';
import { cookie } from '../cookies.js';
import type { NetworkView, NodeContext } from '../context.js';
import type { Feature, GroupSpec } from '../feature.js';
import { matchNetwork, matchReg, PKT_SOURCE, SourceKind } from '../fields.js';
import { flow, type FlowSpec } from '../flow.js';
import { remoteFloodBuckets } from './overlay.js';
import { Priority } from '../priorities.js';

const OFPGT_ALL = 0;
const MULTICAST = { field: 'eth_dst', value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' } as const;

/** The group flooding to local ports and all remote nodes of the network. */
export function floodGroupId(vni: number): number {
  return vni * 2;
}
/** The group flooding to local ports only (frames from the tunnel). */
export function localFloodGroupId(vni: number): number {
  return vni * 2 + 1;
}

function bucket(actions: Bucket['actions']): Bucket {
  return { weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions };
}

export function floodGroups(net: NetworkView, out: GroupSpec[]): void {
  const local: Bucket[] = [];
  for (const ep of net.endpoints)
    if (ep.local && ep.ofport !== undefined) local.push(bucket([output(ep.ofport)]));
  local.sort((a, b) => (a.actions[0] as { port: number }).port - (b.actions[0] as { port: number }).port);
  const remote = remoteFloodBuckets(net).map(bucket);
  out.push({ groupId: floodGroupId(net.vni), groupType: OFPGT_ALL, buckets: [...local, ...remote] });
  out.push({ groupId: localFloodGroupId(net.vni), groupType: OFPGT_ALL, buckets: local });
}

export function floodFlows(net: NetworkView, out: FlowSpec[]): void {
  const c = cookie('broadcast', BigInt(net.vni));
  out.push(
    flow({
      table: 'l2',
      priority: Priority.normal,
      cookie: c,
      match: [matchNetwork(net.vni), matchReg(PKT_SOURCE, SourceKind.tunnel), MULTICAST],
      actions: [group(localFloodGroupId(net.vni))],
    }),
    flow({
      table: 'l2',
      priority: Priority.fallback,
      cookie: c,
      match: [matchNetwork(net.vni), MULTICAST],
      actions: [group(floodGroupId(net.vni))],
    }),
  );
}

export const broadcast: Feature = {
  name: 'broadcast',
  networkFlows(_ctx: NodeContext, net: NetworkView, out: FlowSpec[]): void {
    if (net.local) floodFlows(net, out);
  },
  groups(_ctx: NodeContext, net: NetworkView, out: GroupSpec[]): void {
    if (net.local) floodGroups(net, out);
  },
};
