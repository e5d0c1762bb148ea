// Cookies: | ours marker: 16 | feature: 8 | object: 40 |. The reconciler owns every flow whose marker is ours except
// the `session` feature (packet-in microflows, expiring by idle timeout). A feature or one object's flows are
// selected with a cookie mask for a masked delete.

/** High 16 bits of every cookie of ours. */
export const OURS_MARKER = 0x5dc0n;

/** Features, each its own 8-bit value. docs/pipeline.md lists them; append only, never renumber. */
export const Feature = {
  pipeline: 1,
  classify: 2,
  spoof: 3,
  arp: 4,
  service: 5,
  sg: 6,
  l3: 7,
  l2: 8,
  qos: 9,
  health: 10,
  session: 11,
  broadcast: 12,
  egress: 13,
  output: 14,
  overlay: 15,
} as const;
export type FeatureName = keyof typeof Feature;

export const FEATURE_DOCS: Readonly<Record<FeatureName, string>> = {
  pipeline: 'table-miss flows generated from the table declaration',
  classify: 'in_port / tun_id -> network, source kind',
  spoof: 'a pod sends only from its own MAC and addresses',
  arp: 'ARP and IPv6 neighbour solicitations answered in the switch',
  service: 'ClusterIP flows that send new connections to the controller',
  sg: 'security group rules',
  l3: 'distributed router: gateway hits, routes between subnets',
  l2: 'destination MAC -> local port or remote node',
  qos: 'meters and DSCP marking',
  health: 'node-to-pod health probes and their learned return flows',
  session: 'per-connection load-balancer flows (owned by the load balancer, not the reconciler)',
  broadcast: 'BUM traffic to the group of the network',
  egress: 'out of the cluster with SNAT, and back',
  output: 'output to the port chosen by l2/l3',
  overlay: 'network overlay: VLANs towards the leaf VTEP',
};

const OBJECT_BITS = 40n;
const FEATURE_SHIFT = OBJECT_BITS;
const MARKER_SHIFT = OBJECT_BITS + 8n;
export const OBJECT_MASK = (1n << OBJECT_BITS) - 1n;
export const FEATURE_MASK = 0xffn << FEATURE_SHIFT;
export const MARKER_MASK = 0xffffn << MARKER_SHIFT;

/** The cookie of a flow of `feature` about object `objectId` (40 bits). */
export function cookie(feature: FeatureName, objectId: bigint): bigint {
  if (objectId < 0n || objectId > OBJECT_MASK)
    throw new RangeError(`cookie object ${objectId} exceeds 40 bits`);
  return (OURS_MARKER << MARKER_SHIFT) | (BigInt(Feature[feature]) << FEATURE_SHIFT) | objectId;
}

/** Cookie and mask selecting every flow of ours. */
export function oursMask(): { cookie: bigint; mask: bigint } {
  return { cookie: OURS_MARKER << MARKER_SHIFT, mask: MARKER_MASK };
}

/** Cookie and mask selecting every flow of one feature. */
export function featureMask(feature: FeatureName): { cookie: bigint; mask: bigint } {
  return { cookie: cookie(feature, 0n), mask: MARKER_MASK | FEATURE_MASK };
}

/** Cookie and mask selecting the flows of one feature about one object. */
export function objectMask(feature: FeatureName, objectId: bigint): { cookie: bigint; mask: bigint } {
  return { cookie: cookie(feature, objectId), mask: -1n & ((1n << 64n) - 1n) };
}

export function isOurs(c: bigint): boolean {
  return (c & MARKER_MASK) >> MARKER_SHIFT === OURS_MARKER;
}

export function featureOf(c: bigint): FeatureName | undefined {
  const v = Number((c & FEATURE_MASK) >> FEATURE_SHIFT);
  return (Object.keys(Feature) as FeatureName[]).find((k) => Feature[k] === v);
}

/** FNV-1a, 32 bits, from `seed`. */
export function fnv32(key: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A 40-bit object id from a model id (a string): two FNV-1a passes with different seeds. Stable across restarts and
 * compiles, so an object's flows keep their cookie; a collision only widens a masked delete, since the reconciler
 * compares whole flows.
 */
export function objectIdOf(key: string): bigint {
  const lo = fnv32(key);
  const hi = fnv32(key, 0x01234567) & 0xff;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
