// Which node routes for bare-metal servers. A server behind a leaf VTEP has no switch of ours in front of it, so the
// distributed router, which routes what a node's own ports send, never sees its frames. One node stands in for
// it: the leaf gateway, the first host-overlay node by id. It accepts the server's network from the leaf's tunnel,
// answers ARP/ND for the gateways back into the tunnel and routes what the server sends to a gateway MAC; the leaf
// holds the gateway MACs at that node (Ucast_Macs_Remote) and floods there. The first by id, not the first that
// hosts the tenant: node ids are time-ordered, so the choice moves only when that node is deleted, never as pods
// come and go. Pure, used by the pipeline compiler, the leaf's desired rows and the change events alike.
import type { Node } from './types';

/** The leaf gateway among `nodes`: the host-overlay node with the lowest id; undefined when there is none. */
export function leafGatewayNode(nodes: Iterable<Node>): Node | undefined {
  let best: Node | undefined;
  for (const n of nodes) if (n.overlay === 'host' && (best === undefined || n.id < best.id)) best = n;
  return best;
}
