// Durable IPAM allocations per second, single-threaded, from a /16: each allocation is one committed SQLite
// transaction (WAL) holding the endpoint, its address row and the audit row, as the API's create-endpoint does.
// Run: node dist/bench/ipam/index.js [count]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM } from '../../controller/ops/actor';
import { OpsContext } from '../../controller/ops/context';
import { attachEndpoint } from '../../controller/ops/endpoints';
import { createNetwork, createSubnet, createTenant } from '../../controller/ops/tenancy';
import { createNode } from '../../controller/ops/nodes';
import { SqliteStore, type StoreSync } from '../../controller/store/sqlite-store';

interface Result {
  perSecond: number;
  ms: number;
  cpuMs: number;
  releasePerSecond: number;
}

async function run(synchronous: StoreSync, count: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-ipam-'));
  try {
    const store = new SqliteStore(join(dir, 'model.db'), { synchronous });
    const ctx = new OpsContext(store);
    createTenant(ctx, SYSTEM, { name: 't' });
    const network = createNetwork(ctx, SYSTEM, { tenant: 't', name: 'n' });
    const subnet = createSubnet(ctx, SYSTEM, { network: 'n', cidr: '10.0.0.0/16' });
    const node = createNode(ctx, SYSTEM, {
      name: 'node',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const e = ctx.mutate(SYSTEM, 'endpoint.create', (tx) =>
        attachEndpoint(ctx, tx, { network, node, kind: 'pod', name: `p${i}` }),
      );
      ids.push(e.id);
    }
    store.commit(); // the last group commit; then wait until every allocation is on disk before the clock stops
    await store.durable();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const stats = ctx.ipam.stats(subnet.id);
    if (stats.used !== count) throw new Error(`expected ${count} allocations, store has ${stats.used}`);
    const relStart = process.hrtime.bigint();
    const releases = Math.min(count, 5000);
    for (const id of ids.slice(0, releases)) {
      ctx.mutate(SYSTEM, 'endpoint.delete', (tx) => {
        const e = tx.get('endpoint', id);
        if (!e) throw new Error('gone');
        ctx.ipam.release(tx, e.id);
        tx.remove('endpoint', e.id);
      });
    }
    store.commit();
    await store.durable();
    const relMs = Number(process.hrtime.bigint() - relStart) / 1e6;
    store.close();
    return { perSecond: (count / ms) * 1000, ms, cpuMs, releasePerSecond: (releases / relMs) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20000);
  for (const sync of ['OFFLOADED', 'FULL', 'NORMAL'] as const) {
    const r = await run(sync, count);
    console.log(
      `ipam synchronous=${sync}: ${count} allocations from 10.0.0.0/16 in ${r.ms.toFixed(0)} ms (CPU ${r.cpuMs.toFixed(0)} ms) = ${r.perSecond.toFixed(0)}/s; releases ${r.releasePerSecond.toFixed(0)}/s`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
