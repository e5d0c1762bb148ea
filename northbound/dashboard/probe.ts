// POST /api/v1/trace/probe: the compiled trace, then the same packet for real. The traced packet is sent as a
// PACKET_OUT into the pipeline of the source endpoint's switch (in_port = its ofport, output:TABLE), as if the pod had
// sent it; flow stats read before and after say which flows' packet counters moved, on every node the trace names.
// The answer puts those next to the flows the trace walked: the compiled verdict confirmed, or where the switch went
// another way. Admin only (it injects traffic); the source must be an endpoint of the model and the destination an
// address the model holds, so it can never be aimed outside the cluster.
import type { FlowStats } from '../../protocols/openflow13/index.js';
import { OFP_NO_BUFFER, PortNo } from '../../protocols/openflow13/index.js';
import { canonicalIp, describeError } from '../../protocols/packets/index.js';
import type { Id } from '../../controller/model/types.js';
import type { ModelReader } from '../../controller/store/store.js';
import { rowOfStats, type FlowRow } from './flows.js';
import { probeFrame } from './probe-frame.js';
import type { SwitchView } from './switches.js';
import { traceRun, TraceError, type TraceRequest, type TraceRun, type TraceView } from './trace.js';

export interface ProbeFlow {
  readonly node: string;
  readonly table: number;
  readonly tableName: string;
  readonly priority: number;
  readonly cookie: string;
  readonly feature: string;
  /** ovs-ofctl text without counters. */
  readonly text: string;
  /** Packets counted during the probe (decimal, 64-bit). */
  readonly packets: string;
  /** The compiled trace walked this flow. */
  readonly traced: boolean;
}

export interface ProbeView {
  readonly trace: TraceView;
  readonly injected: { readonly node: string; readonly inPort: number; readonly bytes: number };
  /** Flows whose counters moved, and the traced flows that did not (packets "0"), in trace order first. */
  readonly flows: ProbeFlow[];
  readonly traced: number;
  readonly tracedMoved: number;
  /** Every flow the compiled trace names moved. */
  readonly agrees: boolean;
  readonly summary: string;
}

export interface ProbeOptions {
  /** How long to wait for the counters of the traced flows to move, ms. Default 2000. */
  readonly settleMs?: number;
}

/** Is `ip` an address the model holds: an endpoint, a gateway, a ClusterIP, or a node's tunnel address? */
export function isModelAddress(model: ModelReader, ip: string): boolean {
  const want = canonicalIp(ip);
  if (want === undefined) return false;
  const is = (a: string | undefined) => a !== undefined && canonicalIp(a) === want;
  for (const e of model.all('endpoint')) if (e.ips.some(is)) return true;
  for (const s of model.all('subnet')) if (is(s.gateway)) return true;
  for (const s of model.all('service')) if (s.clusterIps.some(is)) return true;
  for (const n of model.all('node')) if (is(n.tunnelIp)) return true;
  return false;
}

const coarseKey = (table: number, priority: number, cookie: string) => `${table}|${priority}|${cookie}`;

/** One node's flow stats, indexed by their text and by (table, priority, cookie). */
class Snapshot {
  readonly byText = new Map<string, bigint>();
  readonly byCoarse = new Map<string, string[]>();
  readonly rows: FlowRow[];
  constructor(stats: readonly FlowStats[]) {
    this.rows = stats.map(rowOfStats);
    for (const [i, fs] of stats.entries()) {
      const r = this.rows[i] as FlowRow;
      this.byText.set(r.text, fs.packetCount);
      const k = coarseKey(r.table, r.priority, r.cookie);
      const list = this.byCoarse.get(k) ?? [];
      list.push(r.text);
      this.byCoarse.set(k, list);
    }
  }
  /** The live text of a compiled flow: the same text, else the only flow with its table, priority and cookie. */
  liveText(text: string, table: number, priority: number, cookie: string): string | undefined {
    if (this.byText.has(text)) return text;
    const list = this.byCoarse.get(coarseKey(table, priority, cookie));
    return list?.length === 1 ? list[0] : undefined;
  }
}

export class ProbeError extends Error {
  constructor(
    readonly status: 400 | 503,
    message: string,
  ) {
    super(message);
  }
}

export async function probe(
  model: ModelReader,
  switches: SwitchView,
  req: TraceRequest,
  options: ProbeOptions = {},
): Promise<ProbeView> {
  if (!isModelAddress(model, req.destination.ip))
    throw new ProbeError(
      400,
      `${req.destination.ip} is no address of the model (endpoint, gateway, ClusterIP or node): a probe is only sent inside the cluster`,
    );
  let run: TraceRun;
  try {
    run = traceRun(model, (id) => switches.compile(id), req);
  } catch (err) {
    if (err instanceof TraceError) throw new ProbeError(400, err.message);
    throw err;
  }
  const source = model.get('node', run.nodeId);
  if (!run.packet || !source) throw new ProbeError(400, `nothing to inject: ${run.view.verdict.summary}`);
  const frame = probeFrame(run.packet);
  if (!frame.ok) throw new ProbeError(400, `cannot build the packet: ${describeError(frame.error)}`);
  const session = switches.session?.(run.nodeId);
  if (!session) throw new ProbeError(503, `the switch of ${source.name} is not connected`);

  // Every node the IP packet visits in the trace: their counters are read before and after.
  const traced = run.view.steps.filter((s) => s.phase === 'ip' && s.flow !== undefined);
  const byName = new Map([...model.all('node')].map((n) => [n.name, n.id]));
  const nodeIds = new Map<string, Id>([[source.name, source.id]]);
  for (const s of traced) {
    const id = byName.get(s.node);
    if (id !== undefined) nodeIds.set(s.node, id);
  }
  const read = async (): Promise<Map<string, Snapshot>> => {
    const out = new Map<string, Snapshot>();
    await Promise.all(
      [...nodeIds].map(async ([name, id]) => {
        const stats = await switches.flowStats(id);
        if (stats) out.set(name, new Snapshot(stats));
      }),
    );
    return out;
  };
  const before = await read();
  session.send({
    type: 'packetOut',
    bufferId: OFP_NO_BUFFER,
    inPort: run.inPort,
    actions: [{ type: 'output', port: PortNo.TABLE, maxLen: 0 }],
    data: frame.value,
  });
  await session.barrier();

  const delta = (snaps: Map<string, Snapshot>, node: string, text: string): bigint => {
    const now = snaps.get(node)?.byText.get(text);
    return now === undefined ? 0n : now - (before.get(node)?.byText.get(text) ?? 0n);
  };
  const tracedText = (snaps: Map<string, Snapshot>, s: (typeof traced)[number]): string | undefined =>
    snaps.get(s.node)?.liveText(s.flow as string, s.table, s.priority ?? 0, s.cookie ?? '');
  // Recirculated parts (conntrack) and the other node run after the barrier: poll until the traced flows moved.
  const deadline = Date.now() + (options.settleMs ?? 2000);
  let after = await read();
  for (;;) {
    const done = traced.every((s) => {
      const t = tracedText(after, s);
      return t !== undefined && delta(after, s.node, t) > 0n;
    });
    if (done || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 150));
    after = await read();
  }

  const flows: ProbeFlow[] = [];
  const listed = new Set<string>();
  let tracedMoved = 0;
  for (const s of traced) {
    const t = tracedText(after, s) ?? (s.flow as string);
    const key = `${s.node}|${t}`;
    if (listed.has(key)) continue;
    listed.add(key);
    const d = delta(after, s.node, t);
    if (d > 0n) tracedMoved++;
    flows.push({
      node: s.node,
      table: s.table,
      tableName: s.tableName,
      priority: s.priority ?? 0,
      cookie: s.cookie ?? '',
      feature: s.feature ?? '',
      text: t,
      packets: d.toString(),
      traced: true,
    });
  }
  for (const [node, snap] of after) {
    for (const r of snap.rows) {
      if (listed.has(`${node}|${r.text}`)) continue;
      const d = delta(after, node, r.text);
      if (d <= 0n) continue;
      listed.add(`${node}|${r.text}`);
      flows.push({ ...pick(r), node, packets: d.toString(), traced: false });
    }
  }
  const tracedCount = flows.filter((f) => f.traced).length;
  const agrees = tracedCount > 0 && tracedMoved === tracedCount;
  const verdict = run.view.verdict.kind;
  return {
    trace: run.view,
    injected: { node: source.name, inPort: run.inPort, bytes: frame.value.length },
    flows,
    traced: tracedCount,
    tracedMoved,
    agrees,
    summary: agrees
      ? `all ${tracedCount} flows of the trace counted the probe: the switch agrees with the compiled verdict (${verdict})`
      : `${tracedCount - tracedMoved} of ${tracedCount} flows of the trace did not count the probe: the switch took another path than the compiled one (${verdict})`,
  };
}

function pick(r: FlowRow) {
  return {
    table: r.table,
    tableName: r.tableName,
    priority: r.priority,
    cookie: r.cookie,
    feature: r.feature,
    text: r.text,
  };
}
