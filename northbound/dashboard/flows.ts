// A node's flow table as rows for the Flows page and GET /api/v1/nodes/:ref/flows: live flow stats (with counters)
// when the switch is connected, else the compiled (desired) flows. Each row carries the ovs-ofctl text, so that a
// network engineer reads what `ovs-ofctl dump-flows` would print.
import type { FlowStats } from '../../protocols/openflow13/index.js';
import { formatFlowStats } from '../../protocols/openflow13/ofctl/index.js';
import type { Endpoint } from '../../controller/model/types.js';
import {
  featureOf,
  isOurs,
  objectIdOf,
  OBJECT_MASK,
  tableById,
  type FlowSpec,
} from '../../controller/pipeline/index.js';

export interface FlowRow {
  readonly table: number;
  readonly tableName: string;
  readonly priority: number;
  readonly cookie: string;
  /** The cookie's feature for flows of ours; "foreign" for flows someone else installed. */
  readonly feature: string;
  readonly packets: string;
  readonly bytes: string;
  readonly durationSec: number;
  /** ovs-ofctl syntax without the counters (those are columns). */
  readonly text: string;
}

export interface FlowFilter {
  readonly table?: number;
  readonly feature?: string;
  /** The endpoint's MAC, addresses, ofport, or its cookie object. */
  readonly endpoint?: Endpoint;
  /** Case-insensitive substring of the ovs-ofctl text. */
  readonly q?: string;
}

export function rowOfStats(fs: FlowStats): FlowRow {
  return {
    table: fs.tableId,
    tableName: tableById(fs.tableId)?.name ?? '',
    priority: fs.priority,
    cookie: `0x${fs.cookie.toString(16)}`,
    feature: isOurs(fs.cookie) ? (featureOf(fs.cookie) ?? 'unknown') : 'foreign',
    packets: fs.packetCount.toString(),
    bytes: fs.byteCount.toString(),
    durationSec: fs.durationSec,
    text: formatFlowStats(fs, { stats: false }),
  };
}

export function rowOfSpec(f: FlowSpec): FlowRow {
  return rowOfStats({
    tableId: f.table,
    durationSec: 0,
    durationNsec: 0,
    priority: f.priority,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    flags: f.flags,
    cookie: f.cookie,
    packetCount: 0n,
    byteCount: 0n,
    match: f.match,
    instructions: f.instructions,
  });
}

/** The rows that pass every given filter, in table then descending priority order. */
export function filterFlows(rows: readonly FlowRow[], f: FlowFilter): FlowRow[] {
  const q = f.q?.toLowerCase();
  const ep = f.endpoint;
  const epObject = ep ? `0x${objectIdOf(ep.id).toString(16)}` : undefined;
  const epTokens = ep
    ? [
        ep.mac,
        ...ep.ips.map((ip) => `=${ip}`),
        ...(ep.ofport ? [`in_port=${ep.ofport},`, `output:${ep.ofport}`] : []),
      ]
    : [];
  const out = rows.filter((r) => {
    if (f.table !== undefined && r.table !== f.table) return false;
    if (f.feature !== undefined && r.feature !== f.feature) return false;
    if (q && !r.text.toLowerCase().includes(q)) return false;
    if (ep && !(cookieObject(r.cookie) === epObject || epTokens.some((t) => r.text.includes(t))))
      return false;
    return true;
  });
  return out.sort((a, b) => a.table - b.table || b.priority - a.priority);
}

function cookieObject(cookie: string): string {
  return `0x${(BigInt(cookie) & OBJECT_MASK).toString(16)}`;
}
