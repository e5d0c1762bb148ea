// What a leaf VTEP should hold, from the model: pure, so that tests and the dashboard read the same answer the
// reconciler writes. One Logical_Switch per network present behind the leaf (tunnel_key = VNI, source_node
// replication), the (uplink port, VLAN) bindings of the network-overlay nodes plugged into it, the MACs of the
// network that live behind other VTEPs (host-overlay nodes, other leaves) as Ucast_Macs_Remote, and where BUM goes
// (Mcast_Macs_Remote unknown-dst: every such VTEP). A routed network with bare metal behind the leaf also has its
// gateway MACs at the leaf gateway (model/leaf-gateway.ts), which is a BUM target too (the servers' ARP for their
// gateway), and so is every host-overlay node routing into the network: ovs-vtep, like a hardware VTEP, takes a
// logical switch's VXLAN only from the locators it knows for it.
import { leafGatewayNode } from '../model/leaf-gateway.js';
import type { Endpoint, Id, Node, Vtep } from '../model/types.js';
import { syntheticGatewayMac } from '../pipeline/context.js';
import type { PipelineSnapshot } from '../pipeline/snapshot.js';

/** Marks the logical switches the controller owns (description), so it never removes anyone else's. */
export const LS_OWNER_PREFIX = 'sdn-network:';

export interface DesiredLogicalSwitch {
  readonly name: string;
  readonly vni: number;
  readonly description: string;
}
export interface DesiredBinding {
  readonly port: string;
  readonly vlan: number;
  readonly logicalSwitch: string;
}
export interface DesiredMac {
  readonly logicalSwitch: string;
  readonly mac: string;
  readonly tunnelIp: string;
  readonly ipaddr: string;
}
export interface DesiredMcast {
  readonly logicalSwitch: string;
  readonly tunnelIps: readonly string[];
}

export interface VtepDesired {
  readonly physicalSwitch: string;
  readonly tunnelIp: string;
  /** Physical ports the controller binds (the leaf's own ports, registered if missing). */
  readonly ports: readonly string[];
  /** Sorted by name. */
  readonly logicalSwitches: readonly DesiredLogicalSwitch[];
  /** Sorted by port, VLAN. */
  readonly bindings: readonly DesiredBinding[];
  /** Sorted by logical switch, MAC. */
  readonly ucastRemote: readonly DesiredMac[];
  readonly mcastRemote: readonly DesiredMcast[];
}

/** The logical switch name of a network: readable in vtep-ctl, unique because VNIs are. */
export function logicalSwitchName(vni: number): string {
  return `vni-${vni}`;
}

export function desiredVtep(s: PipelineSnapshot, vtep: Vtep): VtepDesired {
  const nodes = new Map<Id, Node>(s.nodes.map((n) => [n.id, n]));
  const leafOf = new Map<Id, Vtep>();
  for (const v of s.vteps ?? []) for (const u of v.uplinks) leafOf.set(u.nodeId, v);
  const portOf = new Map<Id, string>(vtep.uplinks.map((u) => [u.nodeId, u.port]));
  const networks = new Map(s.networks.map((n) => [n.id, n]));

  const bindings = new Map<string, DesiredBinding>();
  const here = new Set<Id>();
  const bind = (port: string, vlan: number, networkId: Id): void => {
    const net = networks.get(networkId);
    if (!net) return;
    here.add(net.id);
    bindings.set(`${port}/${vlan}`, { port, vlan, logicalSwitch: logicalSwitchName(net.vni) });
  };
  for (const b of s.vlanBindings) {
    const port = portOf.get(b.nodeId);
    if (port !== undefined) bind(port, b.vlan, b.networkId);
  }
  // Bare metal behind this leaf: its (port, VLAN) joins the network's logical switch; the leaf learns its MAC there.
  for (const e of s.endpoints)
    if (e.physical?.vtepId === vtep.id) bind(e.physical.port, e.physical.vlan, e.networkId);
  const leaves = new Map<Id, Vtep>((s.vteps ?? []).map((v) => [v.id, v]));

  // Where each endpoint's MAC lives seen from this leaf: behind a host-overlay node, another leaf, or here.
  const vtepIpOf = (e: Endpoint): string | undefined => {
    if (e.physical)
      return e.physical.vtepId === vtep.id ? undefined : leaves.get(e.physical.vtepId)?.tunnelIp;
    const node = nodes.get(e.nodeId);
    if (!node) return undefined;
    if (node.overlay === 'host') return node.tunnelIp;
    const leaf = leafOf.get(node.id);
    return leaf && leaf.id !== vtep.id ? leaf.tunnelIp : undefined;
  };
  const ucastRemote: DesiredMac[] = [];
  const bum = new Map<Id, Set<string>>();
  for (const e of s.endpoints) {
    if (!here.has(e.networkId)) continue;
    const ip = vtepIpOf(e);
    if (ip === undefined) continue;
    const net = networks.get(e.networkId);
    if (!net) continue;
    const ls = logicalSwitchName(net.vni);
    ucastRemote.push({
      logicalSwitch: ls,
      mac: e.mac.toLowerCase(),
      tunnelIp: ip,
      ipaddr: e.ips.find((a) => !a.includes(':')) ?? '',
    });
    let set = bum.get(net.id);
    if (!set) bum.set(net.id, (set = new Set()));
    set.add(ip);
  }

  routedBareMetal(s, vtep, here, ucastRemote, bum);

  const logicalSwitches = [...here]
    .map((id) => networks.get(id))
    .filter((n) => n !== undefined)
    .map((n) => ({ name: logicalSwitchName(n.vni), vni: n.vni, description: `${LS_OWNER_PREFIX}${n.id}` }));
  const mcastRemote = [...bum].map(([id, ips]) => ({
    logicalSwitch: logicalSwitchName(networks.get(id)?.vni ?? 0),
    tunnelIps: [...ips].sort(),
  }));
  const byLs = <A extends { logicalSwitch: string }>(a: A, b: A) =>
    a.logicalSwitch.localeCompare(b.logicalSwitch);
  return {
    physicalSwitch: vtep.physicalSwitch,
    tunnelIp: vtep.tunnelIp,
    ports: [
      ...new Set([...vtep.uplinks.map((u) => u.port), ...[...bindings.values()].map((b) => b.port)]),
    ].sort(),
    logicalSwitches: logicalSwitches.sort((a, b) => a.name.localeCompare(b.name)),
    bindings: [...bindings.values()].sort((a, b) => a.port.localeCompare(b.port) || a.vlan - b.vlan),
    ucastRemote: ucastRemote.sort((a, b) => byLs(a, b) || a.mac.localeCompare(b.mac)),
    mcastRemote: mcastRemote.sort(byLs),
  };
}

/**
 * For each network bound here with bare metal behind this leaf and a gateway: its gateway MACs at the leaf gateway
 * (one row per MAC, ipaddr = the IPv4 gateway), and as BUM targets the leaf gateway and the host-overlay nodes that
 * host another network of its routing domain (they send routed frames into it).
 */
function routedBareMetal(
  s: PipelineSnapshot,
  vtep: Vtep,
  here: ReadonlySet<Id>,
  ucastRemote: DesiredMac[],
  bum: Map<Id, Set<string>>,
): void {
  const gw = leafGatewayNode(s.nodes);
  if (!gw) return;
  const withBareMetal = new Set<Id>();
  for (const e of s.endpoints)
    if (e.physical?.vtepId === vtep.id && here.has(e.networkId)) withBareMetal.add(e.networkId);
  if (withBareMetal.size === 0) return;
  const ifaceBySubnet = new Map(s.routerInterfaces.map((i) => [i.subnetId, i]));
  const routersOf = new Map<Id, Set<Id>>();
  for (const sub of s.subnets) {
    const i = ifaceBySubnet.get(sub.id);
    if (!i) continue;
    let set = routersOf.get(sub.networkId);
    if (!set) routersOf.set(sub.networkId, (set = new Set()));
    set.add(i.routerId);
  }
  const nodes = new Map<Id, Node>(s.nodes.map((n) => [n.id, n]));
  const networks = new Map(s.networks.map((n) => [n.id, n]));
  for (const netId of withBareMetal) {
    const net = networks.get(netId);
    if (!net) continue;
    const ls = logicalSwitchName(net.vni);
    const macs = new Map<string, string>();
    for (const sub of s.subnets) {
      if (sub.networkId !== netId || sub.gateway === undefined) continue;
      const mac = (ifaceBySubnet.get(sub.id)?.mac ?? syntheticGatewayMac(sub.id)).toLowerCase();
      if (sub.ipVersion === 4 || !macs.has(mac)) macs.set(mac, sub.ipVersion === 4 ? sub.gateway : '');
    }
    if (macs.size === 0) continue;
    for (const [mac, ipaddr] of macs)
      ucastRemote.push({ logicalSwitch: ls, mac, tunnelIp: gw.tunnelIp, ipaddr });
    let set = bum.get(netId);
    if (!set) bum.set(netId, (set = new Set()));
    set.add(gw.tunnelIp);
    const routers = routersOf.get(netId);
    if (!routers) continue;
    for (const e of s.endpoints) {
      if (e.networkId === netId || ![...(routersOf.get(e.networkId) ?? [])].some((r) => routers.has(r)))
        continue;
      const node = nodes.get(e.nodeId);
      if (node?.overlay === 'host') set.add(node.tunnelIp);
    }
  }
}

/** Row counts a leaf holds for this desired state (figures, dashboard). */
export function vtepRowCounts(d: VtepDesired): Record<string, number> {
  const locators = new Set([
    ...d.ucastRemote.map((m) => m.tunnelIp),
    ...d.mcastRemote.flatMap((m) => m.tunnelIps),
  ]);
  return {
    Logical_Switch: d.logicalSwitches.length,
    vlan_bindings: d.bindings.length,
    Ucast_Macs_Remote: d.ucastRemote.length,
    Mcast_Macs_Remote: d.mcastRemote.length,
    Physical_Locator: locators.size,
  };
}
