// Meter sync: puts the OpenFlow meters a node's flows refer to in place before those flows are pushed, and removes
// ours that the node no longer wants. The switch's meters are read once per session and then tracked, as groups are.
import { Meter, MeterModCommand, type MeterBand } from '../../protocols/openflow13/index.js';
import type { SwitchSession } from '../../southbound/openflow/index.js';
import { MeterId, type MeterSpec } from '../pipeline/index.js';

/** Meter ids the pipeline names: only these are ever deleted (another controller's meters are left alone). */
const OURS = new Set<number>(Object.values(MeterId));

const known = new WeakMap<SwitchSession, Map<number, string>>();

function body(flags: number, bands: readonly MeterBand[]): string {
  return JSON.stringify({ flags, bands });
}

export interface MeterSyncResult {
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
}

/** Sends the METER_MODs that make the switch's meters of ours equal `wanted`, then a barrier when it sent any. */
export async function syncMeters(
  session: SwitchSession,
  wanted: readonly MeterSpec[],
): Promise<MeterSyncResult> {
  let have = known.get(session);
  if (!have) {
    if (wanted.length === 0) return { added: 0, modified: 0, deleted: 0 };
    const parts = await session.multipart({
      type: 'multipartRequest',
      kind: 'meterConfig',
      flags: 0,
      meterId: Meter.ALL,
    });
    have = new Map();
    for (const p of parts) {
      if (p.kind !== 'meterConfig') continue;
      for (const c of p.configs) have.set(c.meterId, body(c.flags & ~0x8, c.bands));
    }
    known.set(session, have);
  }
  let added = 0;
  let modified = 0;
  let deleted = 0;
  const want = new Set<number>();
  for (const m of wanted) {
    want.add(m.meterId);
    // OVS does not report OFPMF_STATS back in a meter config: compare without it.
    const b = body(m.flags & ~0x8, m.bands);
    const prev = have.get(m.meterId);
    if (prev === b) continue;
    session.send({
      type: 'meterMod',
      command: prev === undefined ? MeterModCommand.ADD : MeterModCommand.MODIFY,
      flags: m.flags,
      meterId: m.meterId,
      bands: m.bands,
    });
    have.set(m.meterId, b);
    if (prev === undefined) added++;
    else modified++;
  }
  for (const id of [...have.keys()]) {
    if (want.has(id) || !OURS.has(id)) continue;
    session.send({ type: 'meterMod', command: MeterModCommand.DELETE, flags: 0, meterId: id, bands: [] });
    have.delete(id);
    deleted++;
  }
  if (added + modified + deleted > 0) await session.barrier();
  return { added, modified, deleted };
}
