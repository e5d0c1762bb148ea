// OpenFlow meters the pipeline wants on a switch, named once. The reconciler keeps them in place (meter-sync) before
// it pushes the flows that refer to them.
import type { MeterSpec } from './feature.js';

export type { MeterSpec };

export const MeterFlags = { kbps: 1, pktps: 2, burst: 4, stats: 8 } as const;

/** Meter ids, one per purpose, append only; above QoS's range (1..0x7fffffff, features/qos.ts), so never one of its. */
export const MeterId = {
  /** Packet-ins of new connections to ClusterIPs (service-lb), per switch. */
  serviceMiss: 0x80000000,
} as const;

/** New connections per second one switch may send to the controller through ClusterIP miss flows, by default. */
export const SERVICE_MISS_RATE_PPS = 5000;

/** The burst is a fifth of a second at the rate (1,000 packets at the default). */
export function serviceMissMeter(
  rate: number = SERVICE_MISS_RATE_PPS,
  burst: number = Math.max(1, Math.round(rate / 5)),
): MeterSpec {
  return {
    meterId: MeterId.serviceMiss,
    flags: MeterFlags.pktps | MeterFlags.burst | MeterFlags.stats,
    // The rate limit of one switch's ClusterIP packet-ins: drop above the rate.
    bands: [{ type: 'drop', rate, burstSize: burst }],
  };
}
