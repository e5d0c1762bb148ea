// Meter sync: keeps a switch's OpenFlow 1.3 meters (of ours: ids 1..0x7fffffff, QoS) at the compiled set. The first
// sync of a session reads the switch's meters (METER_CONFIG multipart) so that equal meters cost nothing after a
// reconnect. `put` (before the flow sync) adds and modifies, `prune` (after it) deletes: deleting a meter also deletes
// every flow that uses it (OVS-LAB G5), so a meter goes only once no wanted flow names it.
import { Meter, MeterModCommand } from '../../protocols/openflow13/index.js';
import type { SwitchSession } from '../../southbound/openflow/index.js';
import type { MeterSpec } from '../pipeline/feature.js';
import { MAX_QOS_METER } from '../pipeline/features/qos.js';
import { MeterId } from '../pipeline/meters.js';

export class MeterSync {
  /** Meter id -> body, as last read from or pushed to the switch. */
  private have: Map<number, string> | undefined;

  constructor(private readonly session: SwitchSession) {}

  /** Meters of ours on the switch, as this sync knows them (after the first sync). */
  get tracked(): ReadonlyMap<number, string> | undefined {
    return this.have;
  }

  private async load(): Promise<Map<number, string>> {
    if (this.have) return this.have;
    const parts = await this.session.multipart({
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
    return (this.have = have);
  }

  /** Adds and modifies; returns how many METER_MODs were sent (then confirmed by a barrier). */
  async put(wanted: readonly MeterSpec[]): Promise<number> {
    const have = await this.load();
    let sent = 0;
    for (const m of wanted) {
      const b = body(m);
      const old = have.get(m.meterId);
      if (old === b) continue;
      this.session.send({
        type: 'meterMod',
        command: old === undefined ? MeterModCommand.ADD : MeterModCommand.MODIFY,
        flags: m.flags,
        meterId: m.meterId,
        bands: m.bands,
      });
      have.set(m.meterId, b);
      sent++;
    }
    if (sent > 0) await this.session.barrier();
    return sent;
  }

  /** Deletes meters of ours that are no longer wanted; call after the flows that used them are gone. */
  async prune(wanted: readonly MeterSpec[]): Promise<number> {
    const have = await this.load();
    const keep = new Set(wanted.map((m) => m.meterId));
    let sent = 0;
    for (const id of [...have.keys()]) {
      if (keep.has(id)) continue;
      this.session.send({
        type: 'meterMod',
        command: MeterModCommand.DELETE,
        flags: 0,
        meterId: id,
        bands: [],
      });
      have.delete(id);
      sent++;
    }
    if (sent > 0) await this.session.barrier();
    return sent;
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
