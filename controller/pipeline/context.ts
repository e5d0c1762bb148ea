// What every feature reads while compiling one node: the snapshot indexed once (networks, subnets, gateways, routing
// domains, endpoints with their ofport and node), so that each feature is a plain loop over small views.
import { parseAddress, parseCidr, type Cidr, type IpVersion } from '../ipam/address.js';
import { leafGatewayNode } from '../model/leaf-gateway.js';
import type { Endpoint, Id, Network, Node, Router, Subnet, Vtep } from '../model/types.js';
import { profileFor, type VSwitchProfile } from '../../protocols/ovsdb/vswitch-profiles.js';
import { fnv32, objectIdOf } from './cookies.js';
import { DEFAULT_EGRESS_TRANSIT_IP } from './egress-transit.js';
import { FIRST_ENDPOINT_OFPORT, LAST_ENDPOINT_OFPORT } from './ports.js';
import type { PipelineSnapshot } from './snapshot.js';

export class CompileError extends Error {}

export interface GatewayView {
  readonly subnet: Subnet;
  readonly cidr: Cidr;
  readonly ip: string;
  readonly version: IpVersion;
  readonly mac: string;
}

export interface AddressView {
  readonly ip: string;
  readonly version: IpVersion;
  /** The gateway of the subnet the address is in, when that subnet has one. */
  readonly gateway?: GatewayView;
}

/**
 * How this node reaches a remote endpoint: over VXLAN to a VTEP (the endpoint's node, or the leaf in front of a
 * network-overlay node), or, from a network-overlay node, tagged with the network's VLAN out of the uplink.
 */
export type Reach =
  { readonly kind: 'tunnel'; readonly ip: string } | { readonly kind: 'uplink'; readonly vlan: number };

export interface EndpointView {
  readonly ep: Endpoint;
  /** Remote endpoints: the path there; absent when there is none (a network-overlay node without its VLAN). */
  readonly reach?: Reach;
  readonly network: NetworkView;
  readonly node: Node;
  readonly local: boolean;
  /** The endpoint's ofport on this node (local endpoints only). */
  readonly ofport?: number;
  readonly addrs: readonly AddressView[];
  /** 40-bit cookie object id. */
  readonly objectId: bigint;
}

export interface NetworkView {
  readonly network: Network;
  readonly vni: number;
  readonly domain: number;
  readonly subnets: readonly Subnet[];
  readonly gateways: readonly GatewayView[];
  readonly endpoints: EndpointView[];
  /**
   * Tunnel IPs of the VTEPs behind which other endpoints of this network live, sorted: other host-overlay nodes,
   * and the leaf in front of network-overlay nodes.
   */
  readonly remoteNodes: string[];
  /** On a network-overlay node: the host-local VLAN the network carries on the uplink (from its VLAN binding). */
  readonly vlan?: number;
  /** True when this node hosts one of its endpoints: it needs ARP, broadcast and gateway flows here. */
  readonly local: boolean;
  /**
   * On the leaf gateway (model/leaf-gateway.ts), for a network with gateways and bare-metal endpoints: the tunnel IPs
   * of the leaves they sit behind, sorted. This node accepts the network from them and routes for their servers.
   */
  readonly leaves?: readonly string[];
}

export interface DomainView {
  readonly id: number;
  /** The router id, or the network id for a network without a router. */
  readonly key: Id;
  readonly networks: NetworkView[];
}

/** Snapshot indexes that do not depend on the node: built once, reused for every node compiled from one snapshot. */
export class SnapshotIndex {
  readonly nodes = new Map<Id, Node>();
  readonly nodesByName = new Map<string, Node>();
  readonly networks = new Map<Id, Network>();
  readonly subnetsByNetwork = new Map<Id, Subnet[]>();
  readonly endpointsByNetwork = new Map<Id, Endpoint[]>();
  readonly endpointsByNode = new Map<Id, Endpoint[]>();
  /** router interface by subnet id */
  readonly ifaceBySubnet = new Map<Id, { routerId: Id; mac: string; address: string }>();
  readonly cidrs = new Map<Id, Cidr>();
  readonly routers = new Map<Id, Router>();
  /** The leaf each network-overlay node uplinks to. */
  readonly leafOfNode = new Map<Id, Vtep>();
  /** `${nodeId}/${networkId}` -> VLAN. */
  readonly vlans = new Map<string, number>();
  /** The node that routes for bare-metal servers (model/leaf-gateway.ts). */
  readonly leafGateway: Node | undefined;
  /** Networks with bare-metal endpoints -> the tunnel IPs of their leaves, sorted. */
  readonly leavesOfNetwork = new Map<Id, string[]>();

  constructor(readonly snapshot: PipelineSnapshot) {
    for (const n of snapshot.nodes) {
      this.nodes.set(n.id, n);
      this.nodesByName.set(n.name, n);
    }
    for (const n of snapshot.networks) this.networks.set(n.id, n);
    for (const s of snapshot.subnets) {
      push(this.subnetsByNetwork, s.networkId, s);
      this.cidrs.set(s.id, parseCidr(s.cidr));
    }
    for (const e of snapshot.endpoints) {
      push(this.endpointsByNetwork, e.networkId, e);
      push(this.endpointsByNode, e.nodeId, e);
    }
    for (const r of snapshot.routers) this.routers.set(r.id, r);
    for (const i of snapshot.routerInterfaces)
      this.ifaceBySubnet.set(i.subnetId, { routerId: i.routerId, mac: i.mac, address: i.address });
    for (const v of snapshot.vteps ?? []) {
      for (const u of v.uplinks) this.leafOfNode.set(u.nodeId, v);
      // Bare-metal endpoints name their leaf as their node: seen from a node, a leaf is a VTEP like a host-overlay
      // node (tunnel to its IP), and from a network-overlay node a remote endpoint behind the uplink like any other.
      this.nodes.set(v.id, leafAsNode(v));
    }
    for (const b of snapshot.vlanBindings) this.vlans.set(`${b.nodeId}/${b.networkId}`, b.vlan);
    this.leafGateway = leafGatewayNode(snapshot.nodes);
    const leafIps = new Map((snapshot.vteps ?? []).map((v) => [v.id, v.tunnelIp]));
    for (const e of snapshot.endpoints) {
      const ip = e.physical ? leafIps.get(e.physical.vtepId) : undefined;
      if (ip === undefined) continue;
      const ips = this.leavesOfNetwork.get(e.networkId);
      if (!ips) this.leavesOfNetwork.set(e.networkId, [ip]);
      else if (!ips.includes(ip)) ips.push(ip);
    }
    for (const ips of this.leavesOfNetwork.values()) ips.sort();
  }

  /** Whether a network has a gateway: only then does the leaf gateway route for its bare-metal endpoints. */
  hasGateway(networkId: Id): boolean {
    return (this.subnetsByNetwork.get(networkId) ?? []).some((s) => s.gateway !== undefined);
  }

  /** The VXLAN endpoint in front of a node: itself (host overlay) or its leaf (network overlay; none without one). */
  vtepIpOf(node: Node): string | undefined {
    return node.overlay === 'network' ? this.leafOfNode.get(node.id)?.tunnelIp : node.tunnelIp;
  }

  /** The routing domain key of a network: its router (the first by id when several), or the network itself. */
  domainKeyOf(networkId: Id): Id {
    let key: Id | undefined;
    for (const s of this.subnetsByNetwork.get(networkId) ?? []) {
      const i = this.ifaceBySubnet.get(s.id);
      if (i && (key === undefined || i.routerId < key)) key = i.routerId;
    }
    return key ?? networkId;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/** Locally administered MAC of a subnet gateway that no router interface names (06:<5 bytes of a hash>). */
export function syntheticGatewayMac(subnetId: Id): string {
  const h = fnv32(subnetId);
  const h2 = fnv32(subnetId, 0x9e3779b9) & 0xff;
  return ['06', h2, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}

/**
 * The MAC of a node's bridge interface (OFPP_LOCAL), set through OVSDB other_config:hwaddr so that flows can address
 * the host: 02:5d:<tunnel IPv4> (or a hash of an IPv6 tunnel address).
 */
export function hostMac(node: Node): string {
  const { version, value } = parseAddress(node.tunnelIp);
  const v = version === 4 ? Number(value) : fnv32(node.tunnelIp);
  return ['02', '5d', v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}

/** Routing domain number: non-zero 32-bit hash of the domain key. */
export function domainNumber(key: Id): number {
  return fnv32(key) || 1;
}

/** Everything the features need to compile one node. */
export class NodeContext {
  readonly networks: NetworkView[] = [];
  readonly networksById = new Map<Id, NetworkView>();
  readonly domains: DomainView[] = [];
  readonly localEndpoints: EndpointView[] = [];
  readonly hostMac: string;
  /** Endpoints that need an ofport_request because the model has none for them yet. */
  readonly ofportRequests = new Map<Id, number>();
  /** The node's vSwitch profile: port names, tunnel options, capabilities. */
  readonly profile: VSwitchProfile;
  /** The node-local address egress out of the cluster is SNATed to (egress-transit.ts). */
  readonly egressTransitIp: string;

  constructor(
    readonly index: SnapshotIndex,
    readonly node: Node,
    profile?: VSwitchProfile,
  ) {
    this.profile = profile ?? profileFor(node.vswitch);
    this.hostMac = hostMac(node);
    this.egressTransitIp = index.snapshot.egressTransitIp ?? DEFAULT_EGRESS_TRANSIT_IP;
    const localEps = index.endpointsByNode.get(node.id) ?? [];
    this.assignOfports(localEps);
    // Networks with a local endpoint, then every network routed with them (their endpoints are reachable by l3).
    const domainKeys = new Set<Id>();
    for (const e of localEps) domainKeys.add(index.domainKeyOf(e.networkId));
    const wanted = new Set<Id>();
    for (const e of localEps) wanted.add(e.networkId);
    // The leaf gateway takes part in the routing domain of every routed bare-metal network, local pods or not.
    if (this.isLeafGateway)
      for (const id of index.leavesOfNetwork.keys()) {
        if (!index.hasGateway(id)) continue;
        domainKeys.add(index.domainKeyOf(id));
        wanted.add(id);
      }
    const domainOf = new Map<Id, Id>();
    for (const n of index.snapshot.networks) {
      const key = index.domainKeyOf(n.id);
      domainOf.set(n.id, key);
      if (domainKeys.has(key)) wanted.add(n.id);
    }
    const localNets = new Set(localEps.map((e) => e.networkId));
    const domains = new Map<Id, DomainView>();
    const seenDomainNumbers = new Map<number, Id>();
    for (const n of index.snapshot.networks) {
      if (!wanted.has(n.id)) continue;
      const key = domainOf.get(n.id) as Id;
      const num = domainNumber(key);
      const clash = seenDomainNumbers.get(num);
      if (clash !== undefined && clash !== key)
        throw new CompileError(`routing domains ${clash} and ${key} hash to the same number ${num}`);
      seenDomainNumbers.set(num, key);
      const view = this.networkView(n, num, localNets.has(n.id));
      this.networks.push(view);
      this.networksById.set(n.id, view);
      let d = domains.get(key);
      if (!d) domains.set(key, (d = { id: num, key, networks: [] }));
      d.networks.push(view);
    }
    this.domains.push(...domains.values());
  }

  /** Whether this node routes for the bare-metal servers behind the leaves. */
  get isLeafGateway(): boolean {
    return this.index.leafGateway?.id === this.node.id;
  }

  private networkView(n: Network, domain: number, local: boolean): NetworkView {
    const subnets = this.index.subnetsByNetwork.get(n.id) ?? [];
    const gateways: GatewayView[] = [];
    for (const s of subnets) {
      if (s.gateway === undefined) continue;
      const iface = this.index.ifaceBySubnet.get(s.id);
      gateways.push({
        subnet: s,
        cidr: this.index.cidrs.get(s.id) as Cidr,
        ip: s.gateway,
        version: s.ipVersion,
        mac: iface?.mac ?? syntheticGatewayMac(s.id),
      });
    }
    const endpoints: EndpointView[] = [];
    const vlan =
      this.node.overlay === 'network' ? this.index.vlans.get(`${this.node.id}/${n.id}`) : undefined;
    const leaves =
      this.isLeafGateway && gateways.length > 0 ? this.index.leavesOfNetwork.get(n.id) : undefined;
    const view: NetworkView = {
      network: n,
      vni: n.vni,
      domain,
      subnets,
      gateways,
      endpoints,
      remoteNodes: [],
      ...(vlan !== undefined ? { vlan } : {}),
      local,
      ...(leaves !== undefined ? { leaves } : {}),
    };
    const remote = new Set<string>();
    for (const e of this.index.endpointsByNetwork.get(n.id) ?? []) {
      const node = this.index.nodes.get(e.nodeId);
      if (!node) continue;
      const isLocal = node.id === this.node.id;
      const reach = isLocal ? undefined : this.reachOf(node, view);
      // Only VTEPs this node can reach count (a network-overlay node reaches none for a network without its VLAN).
      const vtepIp = reach ? this.index.vtepIpOf(node) : undefined;
      if (vtepIp !== undefined) remote.add(vtepIp);
      const ofport = isLocal ? (e.ofport ?? this.ofportRequests.get(e.id)) : undefined;
      const ev: EndpointView = {
        ...(reach ? { reach } : {}),
        ep: e,
        network: view,
        node,
        local: isLocal,
        ...(ofport !== undefined ? { ofport } : {}),
        addrs: e.ips.map((ip) => addressView(ip, gateways)),
        objectId: objectIdOf(e.id),
      };
      endpoints.push(ev);
      if (isLocal) this.localEndpoints.push(ev);
    }
    view.remoteNodes.push(...[...remote].sort());
    return view;
  }

  /** The path from this node to an endpoint on `node` (another node). */
  private reachOf(node: Node, net: NetworkView): Reach | undefined {
    if (this.node.overlay === 'network')
      return net.vlan !== undefined ? { kind: 'uplink', vlan: net.vlan } : undefined;
    const ip = this.index.vtepIpOf(node);
    return ip !== undefined ? { kind: 'tunnel', ip } : undefined;
  }

  /**
   * Adds one endpoint to a built context (the incremental path) and returns its view, or undefined when the change
   * reaches beyond it: a network or routing domain new to this node, or an unknown node. The caller then compiles the
   * node again. The endpoint must not be in the context yet.
   */
  admit(e: Endpoint): EndpointView | undefined {
    const net = this.networksById.get(e.networkId);
    const node = this.index.nodes.get(e.nodeId);
    if (!net || !node) return undefined;
    const isLocal = node.id === this.node.id;
    if (isLocal && !net.local) return undefined;
    // A bare-metal server may make this node the gateway of its network (or another leaf's): compile again.
    if (e.physical && this.isLeafGateway) return undefined;
    let ofport = e.ofport;
    if (isLocal && ofport === undefined) {
      const taken = new Set<number>();
      for (const v of this.localEndpoints) if (v.ofport !== undefined) taken.add(v.ofport);
      ofport = FIRST_ENDPOINT_OFPORT;
      while (taken.has(ofport)) ofport++;
      if (ofport > LAST_ENDPOINT_OFPORT)
        throw new CompileError(`node ${this.node.name}: no free ofport for ${e.name}`);
      this.ofportRequests.set(e.id, ofport);
    }
    const reach = isLocal ? undefined : this.reachOf(node, net);
    const ev: EndpointView = {
      ...(reach ? { reach } : {}),
      ep: e,
      network: net,
      node,
      local: isLocal,
      ...(ofport !== undefined ? { ofport } : {}),
      addrs: e.ips.map((ip) => addressView(ip, net.gateways)),
      objectId: objectIdOf(e.id),
    };
    net.endpoints.push(ev);
    const vtepIp = reach ? this.index.vtepIpOf(node) : undefined;
    if (isLocal) this.localEndpoints.push(ev);
    else if (vtepIp !== undefined && !net.remoteNodes.includes(vtepIp)) {
      net.remoteNodes.push(vtepIp);
      net.remoteNodes.sort();
    }
    return ev;
  }

  /**
   * Removes one endpoint from a built context and returns the view it had, or undefined when the change reaches
   * beyond it (the last local endpoint of a network: its network, ARP and broadcast flows go too). Then compile again.
   */
  evict(id: Id): EndpointView | undefined {
    for (const net of this.networks) {
      const i = net.endpoints.findIndex((v) => v.ep.id === id);
      if (i < 0) continue;
      const view = net.endpoints[i] as EndpointView;
      if (view.local && !net.endpoints.some((v) => v.local && v !== view)) return undefined;
      if (view.ep.physical && this.isLeafGateway) return undefined;
      net.endpoints.splice(i, 1);
      if (view.local) {
        const j = this.localEndpoints.indexOf(view);
        if (j >= 0) this.localEndpoints.splice(j, 1);
        this.ofportRequests.delete(id);
      } else {
        const ip = view.reach ? this.index.vtepIpOf(view.node) : undefined;
        const still = net.endpoints.some((v) => v.reach && this.index.vtepIpOf(v.node) === ip);
        const at = ip === undefined ? -1 : net.remoteNodes.indexOf(ip);
        if (!still && at >= 0) net.remoteNodes.splice(at, 1);
      }
      return view;
    }
    return undefined;
  }

  // Endpoints without an ofport in the model get the lowest free numbers, in id order (ids are time-ordered, so a
  // new endpoint does not renumber older ones). The reconciler records the ofport the switch gives back.
  private assignOfports(localEps: readonly Endpoint[]): void {
    const taken = new Set<number>();
    for (const e of localEps) if (e.ofport !== undefined) taken.add(e.ofport);
    let next = FIRST_ENDPOINT_OFPORT;
    for (const e of localEps) {
      if (e.ofport !== undefined) continue;
      while (taken.has(next)) next++;
      if (next > LAST_ENDPOINT_OFPORT)
        throw new CompileError(`node ${this.node.name}: no free ofport for ${e.name}`);
      this.ofportRequests.set(e.id, next);
      taken.add(next);
    }
  }
}

function addressView(ip: string, gateways: readonly GatewayView[]): AddressView {
  const { version, value } = parseAddress(ip);
  for (const g of gateways) {
    if (g.version === version && value >= g.cidr.base && value <= g.cidr.last)
      return { ip, version, gateway: g };
  }
  return { ip, version };
}

/** A leaf VTEP where the pipeline expects the node of an endpoint: bare metal sits behind it. */
function leafAsNode(v: Vtep): Node {
  return {
    id: v.id,
    name: v.name,
    vswitch: 'ovs',
    overlay: 'host',
    tunnelIp: v.tunnelIp,
    ovsdb: v.ovsdb,
    datapathType: 'system',
    vlanRange: { min: 1, max: 4094 },
    connection: 'unknown',
    createdAt: v.createdAt,
  };
}
