// bench/api-load: a controller process under a fixed rate of mixed REST requests (open loop: requests are sent on
// schedule whether or not earlier ones have answered, so a slow server shows as latency, not as a lower rate).
// Mix per 10 requests: 6 reads (list tenants, get a network, list subnets of a network), 2 creates (tenant), 2
// deletes (of a tenant created earlier). Reports achieved rate, errors (any non-2xx or failed request), latency
// percentiles, and the CPU each side spent per request (client: process.cpuUsage; server: /proc/PID/stat), so
// that it says which side is the bottleneck.
// The client is cheap on purpose: node:http with a keep-alive agent (a fixed pool of 256 connections, no per-request
// connection or fetch machinery). With --pin (default when the machine has 2+ cores) the client runs on core 0 and
// the controller on core 1 (taskset), so neither steals the other's CPU.
// Run: node dist/bench/api-load/index.js [rate=1000] [seconds=60] [--connections 256] [--no-pin] [--fetch]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerProcess } from '../../test/support/controller-process';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const RATE = Number(positional[0] ?? 1000);
const SECONDS = Number(positional[1] ?? 60);
// Enough connections to cover rate x latency (Little's law): a write is answered only once the WAL fdatasync that
// covers it is done, so on a busy disk a few tens of milliseconds each; 32 connections capped a run at ~620/s.
const CONNECTIONS = option('--connections', 256);
const PIN = !flag('--no-pin') && availableParallelism() >= 2;
const FETCH = flag('--fetch');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** User + system CPU of a process (all its threads), in ms, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Answer {
  status: number;
  body: string;
}

class Client {
  private readonly agent = new Agent({
    keepAlive: true,
    maxSockets: CONNECTIONS,
    maxFreeSockets: CONNECTIONS,
  });
  private readonly url: URL;

  constructor(
    base: string,
    private readonly token: string,
  ) {
    this.url = new URL(base);
  }

  send(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (FETCH) return this.viaFetch(method, path, payload);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload !== undefined
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The previous client, for comparison (`--fetch`): Node's global fetch (undici), its own connection pool. */
  private async viaFetch(method: string, path: string, payload: string | undefined): Promise<Answer> {
    const r = await fetch(new URL(path, this.url), {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload !== undefined ? { body: payload } : {}),
    });
    return { status: r.status, body: await r.text() };
  }

  close(): void {
    this.agent.destroy();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-apiload-'));
  const proc = await new ControllerProcess(dir).start();
  const serverPid = proc.child!.pid!;
  if (PIN) {
    // -a: every thread (libuv's pool, V8's GC helpers) of each process.
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(serverPid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  }
  const client = new Client(proc.url, proc.adminToken());
  try {
    const must = async (method: string, path: string, body?: unknown) => {
      const r = await client.send(method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
      return JSON.parse(r.body) as Record<string, unknown>;
    };
    await must('POST', '/api/v1/tenants', { name: 'base' });
    const net = (await must('POST', '/api/v1/networks', { tenant: 'base', name: 'base-net' })).id as string;
    await must('POST', '/api/v1/subnets', { network: net, cidr: '10.9.0.0/16' });

    const latencies: number[] = [];
    const errors = new Map<string, number>();
    const created: string[] = [];
    let next = 0;
    const count = (key: string) => errors.set(key, (errors.get(key) ?? 0) + 1);
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
        const r = await client.send(method, path, body);
        latencies.push(performance.now() - t0);
        if (r.status >= 300) count(`${method} ${r.status}`);
        else if (method === 'POST') created.push((JSON.parse(r.body) as { id: string }).id);
      } catch (err) {
        count(`${method} ${(err as Error).message}`);
      }
    };

    const total = RATE * SECONDS;
    const inflight = new Set<Promise<void>>();
    const cpu0 = process.cpuUsage();
    const server0 = processCpuMs(serverPid);
    const start = performance.now();
    let maxInflight = 0;
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const p = one(i).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size > maxInflight) maxInflight = inflight.size;
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const clientUs = (cpu.user + cpu.system) / total;
    const serverUs = ((processCpuMs(serverPid) - server0) * 1000) / total;
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
          cpuPerRequestUs: { client: Math.round(clientUs), server: Math.round(serverUs) },
          // The most requests either side could serve per second on one core at that cost.
          ceilingPerCoreReqPerSecond: {
            client: Math.round(1e6 / clientUs),
            server: Math.round(1e6 / serverUs),
          },
          maxInFlight: maxInflight,
          client: FETCH ? 'fetch' : `node:http keep-alive, ${CONNECTIONS} connections`,
          pinned: PIN ? 'client core 0, controller core 1' : 'no',
          loadAverage1m: +loadavg()[0]!.toFixed(1),
        },
        null,
        2,
      ),
    );
    if (errorCount > 0) process.exitCode = 1;
  } finally {
    client.close();
    await proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
