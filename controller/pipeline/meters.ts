// OpenFlow meters the pipeline wants on a switch, named once. The reconciler keeps them in place (meter-sync) before
// it pushes the flows that refer to them.
import type { MeterBand } from '../../protocols/openflow13/messages.js';

export interface MeterSpec {
  readonly meterId: number;
  /** OFPMF_* bits: KBPS 1, PKTPS 2, BURST 4, STATS 8. */
  readonly flags: number;
  readonly bands: readonly MeterBand[];
  readonly doc: string;
}

export const MeterFlags = { kbps: 1, pktps: 2, burst: 4, stats: 8 } as const;

/** Meter ids, one per purpose, append only. */
export const MeterId = {
  /** Packet-ins of new connections to ClusterIPs (service-lb), per switch. */
  serviceMiss: 1,
} as const;

/** New connections per second one switch may send to the controller through ClusterIP miss flows. */
export const SERVICE_MISS_RATE_PPS = 5000;
export const SERVICE_MISS_BURST = 1000;

export function serviceMissMeter(
  rate: number = SERVICE_MISS_RATE_PPS,
  burst: number = SERVICE_MISS_BURST,
): MeterSpec {
  return {
    meterId: MeterId.serviceMiss,
    flags: MeterFlags.pktps | MeterFlags.burst | MeterFlags.stats,
    bands: [{ type: 'drop', rate, burstSize: burst }],
    doc: 'rate limit of the ClusterIP packet-ins of one switch (drop above the rate)',
  };
}
