// The lab's leaf VTEP, as a pure function of the options: Debian's ovs-vtep emulator in its own namespace on the
// underlay, one trunk port per network-overlay node (the node's uplink plugs into it) and one port towards a small
// "top of rack" bridge where bare-metal hosts sit on access VLANs (this kernel has no 8021q: OVS-LAB.md, step 6).
import { join } from 'node:path';

export interface LeafUplinkPlan {
  readonly node: string;
  /** The node's end (in the node's namespace): what the controller adds to br-int as the uplink trunk. */
  readonly nodeIf: string;
  /** The leaf's end: a Physical_Port of the leaf. */
  readonly port: string;
}

export interface LeafPlan {
  /** The VTEP's name in the controller, its Physical_Switch and the ovs-vtep bridge: one name. */
  readonly name: string;
  readonly netns: string;
  readonly dir: string;
  readonly dbSocket: string;
  /** Filled in when the port is picked. */
  ovsdbPort: number;
  readonly tunnelIp: string;
  readonly brPhyMac: string;
  readonly uplink: string;
  readonly underlayPort: string;
  readonly uplinks: readonly LeafUplinkPlan[];
  /** The leaf's port for bare metal, trunked from the ToR bridge (`tor`, whose trunk end is `torUplink`). */
  readonly bareMetalPort: string;
  readonly tor: string;
  readonly torUplink: string;
}

/** The node-side name of a network-overlay node's uplink to the leaf (node.uplink in the controller). */
export const LEAF_UPLINK_IF = 'eth-leaf';
export const LEAF_NAME = 'leaf1';
/** 10.99.0.250 on the underlay: above every node (at most 200) and below the external host (.254). */
export const LEAF_HOST = 250;

export function planLeaf(
  o: { dir: string; prefix: string; ovsdbPortBase: number; nodes: number },
  networkNodes: readonly string[],
): LeafPlan {
  const dir = join(o.dir, 'leaf');
  return {
    name: LEAF_NAME,
    netns: `${o.prefix}-leaf`,
    dir,
    dbSocket: join(dir, 'db.sock'),
    ovsdbPort: o.ovsdbPortBase === 0 ? 0 : o.ovsdbPortBase + o.nodes + 1,
    tunnelIp: `10.99.0.${LEAF_HOST}`,
    brPhyMac: `02:00:0a:63:00:${LEAF_HOST.toString(16)}`,
    uplink: 'eth-ul',
    underlayPort: 'ul-leaf',
    uplinks: networkNodes.map((node) => ({ node, nodeIf: LEAF_UPLINK_IF, port: `up-${node}` })),
    bareMetalPort: 'bm0',
    tor: 'tor',
    torUplink: 'tor-up',
  };
}
