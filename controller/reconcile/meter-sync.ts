// Meter sync (id-sync.ts): keeps a switch's OpenFlow 1.3 meters of ours (QoS ids 1..MAX_QOS_METER and the
// pipeline's named ones) at the compiled set. Deleting a meter also deletes every flow that uses it (OVS-LAB G5), so
// `prune` runs only once no wanted flow names it.
import { Meter, MeterModCommand } from '../../protocols/openflow13/index.js';
import { IdSync, type IdObjects, type SwitchSession } from '../../southbound/openflow/index.js';
import type { MeterSpec } from '../pipeline/feature.js';
import { MAX_QOS_METER } from '../pipeline/features/qos.js';
import { MeterId } from '../pipeline/meters.js';

/** Meters of ours: the switch may hold others (ids outside ours), which are never touched. */
const METERS: IdObjects<MeterSpec> = {
  async read(session) {
    const parts = await session.multipart({
      type: 'multipartRequest',
      kind: 'meterConfig',
      flags: 0,
      meterId: Meter.ALL,
    });
    const have = new Map<number, string>();
    for (const p of parts) {
      if (p.kind !== 'meterConfig') continue;
      for (const c of p.configs) if (ours(c.meterId)) have.set(c.meterId, body(c));
    }
    return have;
  },
  idOf: (m) => m.meterId,
  bodyOf: body,
  write: (m, exists) => ({
    type: 'meterMod',
    command: exists ? MeterModCommand.MODIFY : MeterModCommand.ADD,
    flags: m.flags,
    meterId: m.meterId,
    bands: m.bands,
  }),
  remove: (meterId) => ({ type: 'meterMod', command: MeterModCommand.DELETE, flags: 0, meterId, bands: [] }),
};

export class MeterSync extends IdSync<MeterSpec> {
  constructor(session: SwitchSession) {
    super(session, METERS);
  }
}

/** QoS meters, and the pipeline's own named meters (meters.ts: the ClusterIP packet-in limit). */
const PIPELINE_METERS: ReadonlySet<number> = new Set(Object.values(MeterId));

function ours(id: number): boolean {
  return (id >= 1 && id <= MAX_QOS_METER) || PIPELINE_METERS.has(id);
}

/** Flags without STATS-like noise would differ per switch; OVS reports back what it was given, so compare all. */
function body(m: { flags: number; bands: MeterSpec['bands'] }): string {
  return JSON.stringify({ flags: m.flags, bands: m.bands.map((b) => [b.type, b.rate, b.burstSize]) });
}
