// The lab's plan, as a pure function of its options: every name, address, port and path is decided here, once,
// so that `up`, `down`, `status` and the tests agree on them. Nothing here touches the host.
import { join } from 'node:path';
import { LEAF_UPLINK_IF, planLeaf, type LeafPlan } from './leaf-layout';

export interface LabOptions {
  /** State directory; every node gets a subdirectory (its OVS_RUNDIR). */
  dir: string;
  /** Namespaces are `<prefix>-ul`, `<prefix>-n1`, `<prefix>-n1-p1`, ... */
  prefix: string;
  nodes: number;
  podsPerNode: number;
  tenants: number;
  /** null: bare infrastructure and pods, no controller (tests of the lab itself). */
  controller: ControllerOptions | null;
  /** First OVSDB TCP port (node i listens on base + i); 0 picks free ports. */
  ovsdbPortBase: number;
  /** A leaf VTEP (ovs-vtep), and how many nodes (n1..nK) are network-overlay nodes uplinked to it. */
  vtep?: { networkNodes: number };
}

export interface ControllerOptions {
  api: string;
  tokenFile: string;
  /** The controller's OpenFlow listener, which the relay forwards each node's unix socket to. */
  openflow: { host: string; port: number };
  /** sdn-agent entry point (main.js) and the sdn-cni executable. */
  agentMain: string;
  cniPlugin: string;
  /** Wait up to this long for every node's `connection` to read `connected` before the pods (0: do not wait). */
  waitConnectedMs: number;
  /** IPv4 and IPv6 subnet of every tenant's network: the same CIDRs in each tenant, to show overlap. */
  subnet4: string;
  subnet6: string;
}

export interface NodePlan {
  name: string;
  index: number;
  netns: string;
  dir: string;
  dbSocket: string;
  /** Filled in when the port is picked (ovsdbPortBase 0). */
  ovsdbPort: number;
  tunnelIp: string;
  brPhyMac: string;
  dpid: string;
  /** The unix socket inside OVS_RUNDIR that vswitchd dials for OpenFlow (the relay listens there). */
  ofSocket: string;
  agentSocket: string;
  /** `network`: no VXLAN of its own, a trunk (`leafUplink`) to the leaf VTEP; `host`: the node is a VTEP. */
  overlay: 'host' | 'network';
  leafUplink?: string;
  /** The node end of its underlay veth, and the underlay end. */
  uplink: string;
  underlayPort: string;
}

export interface TenantPlan {
  name: string;
  network: string;
  /** The Kubernetes namespace bound to the tenant's network. */
  namespace: string;
}

export interface PodPlan {
  name: string;
  node: string;
  /** 1-based position on its node: the ofport and host-side veth of a bare pod. */
  index: number;
  netns: string;
  tenant: string | null;
  /** Bare pods only (no controller): fixed addressing, as in ../shared/OVS-LAB.md. */
  hostIf: string;
  mac: string;
  ipv4: string;
  ipv6: string;
}

export interface LabPlan {
  dir: string;
  prefix: string;
  underlay: { netns: string; bridge: string; mtu: number; prefixLength: number };
  /**
   * A host outside the cluster, on the underlay: what pods reach through egress SNAT to their node's address
   * (a stand-in for the internet, which the lab never touches).
   */
  external: { netns: string; ip: string; underlayPort: string };
  nodes: NodePlan[];
  tenants: TenantPlan[];
  pods: PodPlan[];
  leaf?: LeafPlan;
}

export const BR_INT = 'br-int';
export const BR_PHY = 'br-phy';
/** The flow-based VXLAN port on br-int, always this ofport (G8). */
export const VXLAN_PORT = 'vxlan0';
export const VXLAN_OFPORT = 100;
/** VXLAN adds 50 bytes; pods keep 1500 over a 1600-byte underlay (G10). */
export const UNDERLAY_MTU = 1600;
/** Underlay: node i is 10.99.0.i/24 on its br-phy, whose MAC is 02:00:0a:63:00:ii. */
/** Bare pods: 10.244.<node>.<pod>/16 and fd00:10:244::<node>:<pod>/64. */
export const BARE_POD_PREFIX4 = 16;
export const BARE_POD_PREFIX6 = 64;

export const LIMITS = { nodes: 200, barePods: 99, pods: 1000, tenants: 100 } as const;

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Checks the counts; returns a message that says what to fix, or null. */
export function validateOptions(o: LabOptions): string | null {
  const int = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(o.nodes, 1, LIMITS.nodes)) return `--nodes must be an integer from 1 to ${LIMITS.nodes}`;
  const maxPods = o.controller ? LIMITS.pods : LIMITS.barePods;
  if (!int(o.podsPerNode, 0, maxPods)) {
    return `--pods must be an integer from 0 to ${maxPods}${o.controller ? '' : ' with --no-controller (ofports 1..99)'}`;
  }
  if (!int(o.tenants, 1, LIMITS.tenants)) return `--tenants must be an integer from 1 to ${LIMITS.tenants}`;
  if (!/^[a-z][a-z0-9]{0,11}$/.test(o.prefix)) {
    return '--prefix must be 1-12 lower-case letters or digits, starting with a letter';
  }
  if (o.vtep && !int(o.vtep.networkNodes, 0, o.nodes))
    return `--network-nodes must be an integer from 0 to --nodes (${o.nodes})`;
  if (!int(o.ovsdbPortBase, 0, 65535 - o.nodes - 1))
    return '--ovsdb-port-base must be 0 or a port that leaves room';
  return null;
}

export function planLab(o: LabOptions): LabPlan {
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    const name = `n${i}`;
    const dir = join(o.dir, name);
    nodes.push({
      name,
      index: i,
      netns: `${o.prefix}-${name}`,
      dir,
      dbSocket: join(dir, 'db.sock'),
      ovsdbPort: o.ovsdbPortBase === 0 ? 0 : o.ovsdbPortBase + i,
      tunnelIp: `10.99.0.${i}`,
      brPhyMac: `02:00:0a:63:00:${hex2(i)}`,
      dpid: i.toString(16).padStart(16, '0'),
      ofSocket: join(dir, 'of.sock'),
      agentSocket: join(dir, 'agent.sock'),
      ...(o.vtep && i <= o.vtep.networkNodes
        ? { overlay: 'network' as const, leafUplink: LEAF_UPLINK_IF }
        : { overlay: 'host' as const }),
      uplink: 'eth-ul',
      underlayPort: `ul-${name}`,
    });
  }
  const tenants: TenantPlan[] = [];
  if (o.controller) {
    for (let t = 1; t <= o.tenants; t++) {
      tenants.push({ name: `tenant-${t}`, network: 'pods', namespace: `tenant-${t}` });
    }
  }
  const pods: PodPlan[] = [];
  for (const node of nodes) {
    for (let j = 1; j <= o.podsPerNode; j++) {
      const name = `${node.name}-p${j}`;
      pods.push({
        name,
        node: node.name,
        index: j,
        netns: `${o.prefix}-${name}`,
        // Round-robin over the tenants, so that every tenant has pods on every node once M >= T.
        tenant: tenants.length ? tenants[(j - 1) % tenants.length].name : null,
        hostIf: `pod${j}`,
        mac: `02:00:0a:f4:${hex2(node.index)}:${hex2(j)}`,
        ipv4: `10.244.${node.index}.${j}`,
        ipv6: `fd00:10:244::${node.index.toString(16)}:${j.toString(16)}`,
      });
    }
  }
  return {
    dir: o.dir,
    prefix: o.prefix,
    underlay: { netns: `${o.prefix}-ul`, bridge: 'ulbr', mtu: UNDERLAY_MTU, prefixLength: 24 },
    external: { netns: `${o.prefix}-ext`, ip: '10.99.0.254', underlayPort: 'ul-ext' },
    nodes,
    tenants,
    pods,
    ...(o.vtep
      ? {
          leaf: planLeaf(
            o,
            nodes.filter((n) => n.overlay === 'network').map((n) => n.name),
          ),
        }
      : {}),
  };
}

/** True for every namespace this lab may have made (and only those): `<prefix>` and `<prefix>-*`. */
export function isLabNamespace(prefix: string, name: string): boolean {
  return name === prefix || name.startsWith(`${prefix}-`);
}
