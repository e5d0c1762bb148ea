// The VTEP reconciler: keeps every leaf VTEP's hardware_vtep database at what the model asks for (vtep-desired.ts),
// writing only the difference, and only rows it owns (logical switches whose description carries the owner mark,
// and what hangs off them). Any model change schedules one run over every leaf; runs are serial per leaf, so a burst
// of changes costs at most two runs. The MACs a leaf learned on its ports (Ucast_Macs_Local) are read back for the
// API: where each bare-metal MAC lives.
import type { Logger } from 'pino';
import { HARDWARE_VTEP_TABLES, type HardwareVtepTables } from '../../protocols/ovsdb/index.js';
import {
  HardwareVtepDriver,
  OvsdbClient,
  type VtepMac,
  type VtepView,
} from '../../southbound/ovsdb/index.js';
import type { ChangeEvent, ModelEvents } from '../events.js';
import type { Id, Vtep } from '../model/types.js';
import { snapshotFromModel } from '../pipeline/snapshot.js';
import type { ModelReader } from '../store/store.js';
import { SerialRunner } from './serial-runner.js';
import { desiredVtep, LS_OWNER_PREFIX, type VtepDesired } from './vtep-desired.js';

export interface VtepReconcilerOptions {
  readonly model: ModelReader;
  readonly events: ModelEvents;
  readonly log: Logger;
}

/** What one run wrote (rows), for logs and tests. */
export interface VtepApplyResult {
  readonly writes: number;
}

/** A leaf as the controller sees it right now (API, dashboard). */
export interface LeafStatus {
  /** The OVSDB session's state (`monitoring` = in sync with the leaf), or `unknown` before the first dial. */
  readonly connection: string;
  /** Why the last run failed; absent after a good one. */
  readonly problem?: string;
  /** What the leaf's hardware_vtep database holds now; null until the first monitor reply. */
  readonly actual: VtepView | null;
}

export interface LeafView {
  leafStatus(vtepId: Id): LeafStatus;
}

interface Leaf {
  vtep: Vtep;
  problem?: string;
  client?: OvsdbClient<HardwareVtepTables>;
  driver?: HardwareVtepDriver;
  readonly runner: SerialRunner;
}

export class VtepReconciler implements LeafView {
  private readonly leaves = new Map<Id, Leaf>();
  private readonly log: Logger;
  private readonly onChange = (e: ChangeEvent): void => this.changed(e);
  private stopped = false;

  constructor(private readonly options: VtepReconcilerOptions) {
    this.log = options.log.child({ component: 'vtep-reconciler' });
  }

  start(): void {
    this.options.events.on('change', this.onChange);
    this.scheduleAll();
  }

  stop(): void {
    this.stopped = true;
    this.options.events.off('change', this.onChange);
    for (const l of this.leaves.values()) l.client?.close();
    this.leaves.clear();
  }

  /** Reconciles every leaf now; resolves when each has run once after this call. */
  async reconcileAll(): Promise<void> {
    await Promise.all(this.scheduleAll());
  }

  leafStatus(vtepId: Id): LeafStatus {
    const leaf = this.leaves.get(vtepId);
    const connection = leaf?.client?.state ?? 'unknown';
    return {
      connection,
      ...(leaf?.problem !== undefined ? { problem: leaf.problem } : {}),
      actual: leaf?.driver && connection === 'monitoring' ? leaf.driver.view() : null,
    };
  }

  /** The MACs a leaf learned on its own ports. */
  localMacs(vtepId: Id): VtepMac[] {
    return this.leaves.get(vtepId)?.driver?.localMacs() ?? [];
  }

  private changed(e: ChangeEvent): void {
    // Leaves hold networks' bindings and MACs: endpoints, VLAN bindings, nodes, networks and the leaves themselves,
    // and the gateway MACs of routed bare-metal networks (subnets, router interfaces).
    const relevant = e.changes.some((c) =>
      ['endpoint', 'vlanBinding', 'node', 'network', 'vtep', 'subnet', 'routerInterface'].includes(c.kind),
    );
    if (relevant) for (const p of this.scheduleAll()) p.catch(() => undefined);
  }

  private scheduleAll(): Promise<void>[] {
    if (this.stopped) return [];
    const wanted = new Map<Id, Vtep>();
    for (const v of this.options.model.all('vtep')) wanted.set(v.id, v);
    for (const [id, leaf] of this.leaves) {
      if (wanted.has(id)) continue;
      leaf.client?.close();
      this.leaves.delete(id);
    }
    const runs: Promise<void>[] = [];
    for (const v of wanted.values()) {
      let leaf = this.leaves.get(v.id);
      if (leaf && leaf.vtep.ovsdb !== v.ovsdb) {
        leaf.client?.close();
        leaf = undefined;
      }
      if (!leaf) this.leaves.set(v.id, (leaf = { vtep: v, runner: new SerialRunner() }));
      leaf.vtep = v;
      const l = leaf;
      runs.push(
        l.runner
          .request(() => this.run(l))
          .then(() => {
            delete l.problem;
          })
          .catch((err: unknown) => {
            l.problem = (err as Error).message;
            this.log.warn(
              { vtep: v.name, err: (err as Error).message },
              'leaf not reconciled; retried on the next change',
            );
            throw err;
          }),
      );
    }
    return runs;
  }

  private async run(leaf: Leaf): Promise<void> {
    if (!leaf.driver) {
      leaf.client = await OvsdbClient.open({
        target: leaf.vtep.ovsdb,
        database: 'hardware_vtep',
        tables: HARDWARE_VTEP_TABLES,
        log: this.log,
        backoffMs: { initial: 100, max: 2000 },
      });
      leaf.driver = new HardwareVtepDriver(leaf.client);
      // Someone else changed the leaf (an operator, a restarted leaf after resync): converge again. Our own writes
      // come back here too and cost one run that finds nothing to do.
      leaf.client.on('change', () => {
        if (this.leaves.get(leaf.vtep.id) === leaf)
          void leaf.runner.request(() => this.run(leaf)).catch(() => undefined);
      });
    }
    const desired = desiredVtep(snapshotFromModel(this.options.model), leaf.vtep);
    const { writes } = await applyVtep(leaf.driver, desired);
    if (writes > 0) this.log.info({ vtep: leaf.vtep.name, writes }, 'leaf reconciled');
  }
}

/** Brings one leaf to `d`, touching only what differs: the switch and ports if missing, then one transaction. */
export async function applyVtep(driver: HardwareVtepDriver, d: VtepDesired): Promise<VtepApplyResult> {
  let writes = 0;
  const view = driver.view();
  const ps = view.switches.find((s) => s.name === d.physicalSwitch);
  if (!ps || !ps.tunnelIps.includes(d.tunnelIp)) {
    await driver.ensurePhysicalSwitch(d.physicalSwitch, {
      tunnelIps: [...new Set([...(ps?.tunnelIps ?? []), d.tunnelIp])],
      managementIps: ps?.managementIps ?? [],
      description: ps?.description ?? '',
    });
    writes++;
  }
  for (const port of d.ports) {
    if (ps?.ports.some((p) => p.name === port)) continue;
    await driver.ensurePhysicalPort(d.physicalSwitch, port);
    writes++;
  }
  // Everything else in one transaction: a cold leaf with 1,000 networks is one round trip, not thousands.
  writes += await driver.converge({ ...d, ownerPrefix: LS_OWNER_PREFIX });
  return { writes };
}
