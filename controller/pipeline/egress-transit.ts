// The node-local transit address of egress out of the cluster. The switch SNATs what a routing domain sends outside to
// this address, which no node's kernel owns: the node routes it into the bridge's LOCAL interface (a /32 route and a
// permanent neighbour entry, set up by sdn-agent's host-egress) and MASQUERADEs it to its own address on the way out.
// Replies are un-MASQUERADEd back to the transit address, so the kernel hands them to the bridge, where conntrack
// un-SNATs them to the pod. SNAT straight to the node's own address cannot work: the kernel owns that address and
// consumes the replies itself. The address never leaves the node, so every node uses the same one.
// Pure (no I/O): the controller's pipeline and the node agent both read it.

/** Link-local, so no router forwards it and no real network collides with it (a /32 route beats a 169.254/16 one). */
export const DEFAULT_EGRESS_TRANSIT_IP = '169.254.0.1';

/**
 * The MAC the node's kernel sends transit-bound frames to (its permanent neighbour entry): 02:5e:<transit IPv4>,
 * locally administered and unlike the bridge's own 02:5d:<tunnel IPv4>. The switch matches the address, not the MAC.
 */
export function egressTransitMac(ip: string): string {
  return ['02', '5e', ...ipv4Octets(ip).map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** The four octets of a dotted IPv4 address, or an Error naming what is wrong. */
export function ipv4Octets(ip: string): number[] {
  const parts = ip.split('.');
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)))
    throw new Error(`egress transit address ${JSON.stringify(ip)} is not a dotted IPv4 address`);
  return octets;
}
