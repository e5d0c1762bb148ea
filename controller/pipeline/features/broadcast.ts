// Broadcast and multicast stay inside their network: an OpenFlow ALL group per network replicates a frame to the
// local ports and, head-end, to every other VTEP that hosts the network (one VXLAN copy per node or leaf; on a
// network-overlay node one tagged copy to the uplink, which the leaf replicates). Frames that came from the tunnel
// or the uplink go to the local ports only (split horizon), so nothing loops between nodes.
// A local copy is not output directly: its bucket names the port in OUT_PORT and resubmits to ingress_security, so a
// flooded frame meets each receiving port's security groups (and its QoS meter in output) exactly as a unicast one
// does. Open vSwitch runs each bucket on its own copy of the packet, registers included, and never outputs a copy
// back to the port it came in on (the resubmit keeps in_port).
import type { Bucket } from '../../../protocols/openflow13/messages.js';
import { group } from '../actions.js';
import { cookie } from '../cookies.js';
import type { NetworkView, NodeContext } from '../context.js';
import type { Feature, GroupSpec } from '../feature.js';
import {
  loadReg,
  matchNetwork,
  matchReg,
  OUT_PORT,
  OUTPUT_KIND,
  OutputKind,
  PKT_SOURCE,
  SourceKind,
} from '../fields.js';
import { flow, type FlowSpec } from '../flow.js';
import { remoteFloodBuckets } from './overlay.js';
import { Priority } from '../priorities.js';
import { tableId } from '../tables.js';

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

/**
 * Buckets in one group at most. A GROUP_MOD is at most 65,535 bytes and a local copy's bucket, the largest, is 80
 * (bucket header, two register loads, a resubmit), so 600 (+1 to chain on) stay under 49 KB. A network with more
 * copies on one node floods through a chain of groups: the last bucket of each hands the frame to the next.
 */
export const MAX_GROUP_BUCKETS = 600;

/**
 * The k-th group (k >= 1) of the chain that continues flood group `head`. Flood group ids are below 2^25 (24-bit
 * VNIs), so k goes in the bits above them: up to 127 groups, 76,200 copies, far more ports than a node has.
 */
export function chainedGroupId(head: number, k: number): number {
  return k * 2 ** 25 + head;
}

/** Group `head` with `buckets`, split into a chain where they do not fit one group. */
export function chainedGroups(head: number, buckets: readonly Bucket[], out: GroupSpec[]): void {
  for (let k = 0, at = 0; k === 0 || at < buckets.length; k++, at += MAX_GROUP_BUCKETS) {
    const part = buckets.slice(at, at + MAX_GROUP_BUCKETS);
    if (at + MAX_GROUP_BUCKETS < buckets.length) part.push(bucket([group(chainedGroupId(head, k + 1))]));
    out.push({ groupId: k === 0 ? head : chainedGroupId(head, k), groupType: OFPGT_ALL, buckets: part });
  }
}

function bucket(actions: Bucket['actions']): Bucket {
  return { weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions };
}

/** OFPP_IN_PORT for NXAST_RESUBMIT (16 bits): the copy keeps the in_port it came with. */
const RESUBMIT_IN_PORT = 0xfff8;
const INGRESS_SECURITY = tableId('ingress_security');

/** A local port's copy: through ingress_security and output, like a unicast frame l2 sends to that port. */
export function toLocalPort(ofport: number): Bucket['actions'] {
  return [
    loadReg(OUT_PORT, ofport),
    loadReg(OUTPUT_KIND, OutputKind.port),
    { type: 'resubmit', inPort: RESUBMIT_IN_PORT, table: INGRESS_SECURITY, ct: false },
  ];
}

export function floodGroups(net: NetworkView, out: GroupSpec[]): void {
  const local: Bucket[] = [];
  const ports: number[] = [];
  for (const ep of net.endpoints) if (ep.local && ep.ofport !== undefined) ports.push(ep.ofport);
  ports.sort((a, b) => a - b);
  for (const port of ports) local.push(bucket(toLocalPort(port)));
  const remote = remoteFloodBuckets(net).map(bucket);
  chainedGroups(floodGroupId(net.vni), [...local, ...remote], out);
  chainedGroups(localFloodGroupId(net.vni), local, out);
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
