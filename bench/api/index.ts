// bench/api: (1) create-endpoint latency at a fixed 200 req/s over a real socket to a controller process;
// (2) time and memory to load a model of 1,000 nodes, 100,000 endpoints and 10,000 Services from disk.
// Run: node dist/bench/api/index.js [seconds=10 (0: skip)] [endpoints=100000 (0: skip)]
// Keep the model file for profiling with SDN_BENCH_KEEP=/path/model.db.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM } from '../../controller/ops/actor';
import { OpsContext } from '../../controller/ops/context';
import { attachEndpoint } from '../../controller/ops/endpoints';
import { createNode } from '../../controller/ops/nodes';
import { createService } from '../../controller/ops/services';
import { createNetwork, createSubnet, createTenant } from '../../controller/ops/tenancy';
import { SqliteStore, type StoreSync } from '../../controller/store/sqlite-store';
import { ControllerProcess, request } from '../../test/support/controller-process';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The controller's own CPU time (prom-client process metrics): what a request costs, whatever the neighbours do. */
async function serverCpuSeconds(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /^process_cpu_seconds_total (\S+)$/m.exec(text);
  if (!m) throw new Error('no process_cpu_seconds_total in /metrics');
  return Number(m[1]);
}

async function latencyAt200(seconds: number, sync: StoreSync): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-api-'));
  const proc = new ControllerProcess(dir, { SDN_STORE_SYNC: sync });
  try {
    await proc.start();
    const admin = proc.adminToken();
    const post = (path: string, body: unknown) => request(proc.url, admin, 'POST', path, body);
    await post('/api/v1/tenants', { name: 't' });
    await post('/api/v1/networks', { tenant: 't', name: 'pods' });
    await post('/api/v1/subnets', { network: 'pods', cidr: '10.0.0.0/16' });
    await post('/api/v1/nodes', {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
    for (let i = 0; i < 200; i++)
      await post('/api/v1/endpoints', { network: 'pods', kind: 'pod', node: 'n1', name: `warm${i}` });
    const rate = 200;
    const total = rate * seconds;
    const latencies: number[] = [];
    const cpuBefore = await serverCpuSeconds(proc.url);
    let failures = 0;
    const t0 = performance.now() + 50;
    await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const due = t0 + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        // Latency from the moment the request was due, so a stalled server is not hidden (no coordinated omission).
        const r = await post('/api/v1/endpoints', {
          network: 'pods',
          kind: 'pod',
          node: 'n1',
          name: `p${i}`,
        });
        if (r.status !== 201) failures++;
        latencies.push(performance.now() - due);
      }),
    );
    const cpuPerRequestMs = (((await serverCpuSeconds(proc.url)) - cpuBefore) * 1000) / total;
    latencies.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(2);
    console.log(
      `api create-endpoint (SDN_STORE_SYNC=${sync}) at ${rate} req/s for ${seconds} s over TCP (${total} requests, ${failures} failed): ` +
        `p50 ${f(percentile(latencies, 50))} ms, p90 ${f(percentile(latencies, 90))} ms, p99 ${f(percentile(latencies, 99))} ms, max ${f(latencies[latencies.length - 1])} ms; server CPU ${f(cpuPerRequestMs)} ms/request`,
    );
  } finally {
    await proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

function buildBigModel(file: string, endpoints: number): void {
  const store = new SqliteStore(file, { synchronous: 'NORMAL' });
  const ctx = new OpsContext(store);
  const networks = 10;
  const nodes = Array.from({ length: 1000 }, (_, i) =>
    createNode(ctx, SYSTEM, {
      name: `node${i}`,
      vswitch: 'ovs',
      overlay: i % 2 ? 'network' : 'host',
      tunnelIp: `172.16.${i >> 8}.${i & 255}`,
      ovsdb: `tcp:172.16.${i >> 8}.${i & 255}:6640`,
    }),
  );
  createTenant(ctx, SYSTEM, { name: 'big' });
  const nets = Array.from({ length: networks }, (_, n) => {
    const net = createNetwork(ctx, SYSTEM, { tenant: 'big', name: `net${n}` });
    createSubnet(ctx, SYSTEM, { network: net.id, cidr: `10.${n}.0.0/16` });
    return net;
  });
  const ids: string[][] = nets.map(() => []);
  for (let i = 0; i < endpoints; i++) {
    const n = i % networks;
    const e = ctx.mutate(SYSTEM, 'endpoint.create', (tx) =>
      attachEndpoint(ctx, tx, {
        network: nets[n],
        node: nodes[i % nodes.length],
        kind: 'pod',
        name: `pod${i}`,
        owner: { namespace: `ns${n}`, name: `pod${i}` },
      }),
    );
    ids[n].push(e.id);
  }
  for (let s = 0; s < 10_000; s++) {
    const n = s % networks;
    const k = Math.floor(s / networks);
    createService(ctx, SYSTEM, {
      network: nets[n].id,
      name: `svc${s}`,
      clusterIps: [`10.96.${k >> 8}.${k & 255}`],
      ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
      backends: Array.from({ length: 5 }, (_, b) => ({ endpoint: ids[n][(k * 5 + b) % ids[n].length] })),
    });
  }
  store.close();
}

async function modelLoad(endpoints: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-model-'));
  try {
    const file = join(dir, 'model.db');
    const b0 = performance.now();
    buildBigModel(file, endpoints);
    const buildS = (performance.now() - b0) / 1000;
    const out = execFileSync(process.execPath, ['--expose-gc', join(__dirname, 'load-model.js'), file], {
      encoding: 'utf8',
    });
    if (process.env.SDN_BENCH_KEEP) copyFileSync(file, process.env.SDN_BENCH_KEEP);
    const r = JSON.parse(out) as {
      ms: number;
      cpuMs: number;
      rssMb: number;
      nodes: number;
      endpoints: number;
      services: number;
    };
    console.log(
      `api model load: ${r.nodes} nodes, ${r.endpoints} endpoints, ${r.services} services from disk in ${(r.ms / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s), ` +
        `RSS ${r.rssMb.toFixed(0)} MB (model built in ${buildS.toFixed(0)} s)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const endpoints = Number(process.argv[3] ?? 100_000);
  if (seconds > 0) {
    for (const sync of ['OFFLOADED', 'FULL', 'NORMAL'] as const) await latencyAt200(seconds, sync);
  }
  if (endpoints > 0) await modelLoad(endpoints);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
