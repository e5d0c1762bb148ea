// bench/api-load: a controller process under a fixed rate of mixed REST requests (open loop: requests are sent on
// schedule whether or not earlier ones have answered, so a slow server shows as latency, not as a lower rate).
// Mix per 10 requests: 6 reads (list tenants, get a network, list subnets of a network), 2 creates (tenant), 2
// deletes (of a tenant created earlier). Reports achieved rate, errors (any non-2xx or failed request) and
// latency percentiles.
// Run: node dist/bench/api-load/index.js [rate=1000] [seconds=60]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerProcess, request } from '../../test/support/controller-process';

const RATE = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 60);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-apiload-'));
  const proc = await new ControllerProcess(dir).start();
  try {
    const admin = proc.adminToken();
    const must = async (method: string, path: string, body?: unknown) => {
      const r = await request(proc.url, admin, method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };
    await must('POST', '/api/v1/tenants', { name: 'base' });
    const net = (await must('POST', '/api/v1/networks', { tenant: 'base', name: 'base-net' })).id as string;
    await must('POST', '/api/v1/subnets', { network: net, cidr: '10.9.0.0/16' });

    const latencies: number[] = [];
    const errors = new Map<string, number>();
    const created: string[] = [];
    let next = 0;
    const one = async (i: number): Promise<void> => {
      const k = i % 10;
      let method = 'GET';
      let path = '/api/v1/tenants?limit=50';
      let body: unknown;
      if (k === 1 || k === 4) path = `/api/v1/networks/${net}`;
      else if (k === 7) path = `/api/v1/subnets?network=${net}`;
      else if (k === 2 || k === 6) {
        method = 'POST';
        path = '/api/v1/tenants';
        body = { name: `load-${next++}` };
      } else if (k === 5 || k === 9) {
        const victim = created.shift();
        if (victim) {
          method = 'DELETE';
          path = `/api/v1/tenants/${victim}`;
        }
      }
      const t0 = performance.now();
      try {
        const r = await request(proc.url, admin, method, path, body);
        latencies.push(performance.now() - t0);
        if (r.status >= 300)
          errors.set(`${method} ${r.status}`, (errors.get(`${method} ${r.status}`) ?? 0) + 1);
        else if (method === 'POST') created.push(r.json.id as string);
      } catch (err) {
        const key = `${method} ${(err as Error).message}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    };

    const total = RATE * SECONDS;
    const inflight = new Set<Promise<void>>();
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const p = one(i).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify(
        {
          target: `${RATE}/s for ${SECONDS} s`,
          sent: total,
          achievedPerSecond: Math.round(total / elapsed),
          errors: errorCount,
          errorKinds: Object.fromEntries(errors),
          latencyMs: {
            p50: +percentile(latencies, 50).toFixed(2),
            p90: +percentile(latencies, 90).toFixed(2),
            p99: +percentile(latencies, 99).toFixed(2),
            max: +(latencies[latencies.length - 1] ?? NaN).toFixed(2),
          },
        },
        null,
        2,
      ),
    );
    if (errorCount > 0) process.exitCode = 1;
  } finally {
    await proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
