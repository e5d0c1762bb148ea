// A packet-in flood against a real `sdn-controller` process, for the flood test and bench/packet-in: one synthetic
// switch (a child process) floods PACKET_INs of new TCP connections to one ClusterIP at a fixed offered rate, while
// a quiet synthetic switch sends a few new connections a second and the REST API is read in a loop. It returns
// counts (what each side sent and got answered, what the controller says it received and dropped per switch) and
// the latencies seen, for the caller to assert on (counts) or print (latencies).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featureMask } from '../../controller/pipeline/cookies';
import { ControllerProcess, request } from './controller-process';
import { synFrame, SyntheticSwitch } from './synthetic-switch';

export const FLOOD_DPID = 0xf100n;
export const QUIET_DPID = 0xa100n;
const VIP = '10.96.0.10';
const COOKIE = featureMask('service').cookie | 1n;
const SERVICE_LB_TABLE = 20;
const OFPT_PACKET_OUT = 13;

export interface FloodOptions {
  /** Seconds of flood (the quiet switch and the API reader run as long). */
  readonly seconds: number;
  /** PACKET_INs per second offered by the flooding switch; 0 runs the quiet side alone (a baseline). */
  readonly floodRate: number;
  /** New connections per second from the quiet switch. */
  readonly quietRate: number;
  /** The controller's per-switch limit (--packet-in-rate). */
  readonly packetInRate: number;
}

export interface SwitchCounters {
  readonly received: number;
  readonly dropped: number;
}

export interface FloodResult {
  readonly flood: { readonly sent: number; readonly answered: number };
  readonly quiet: { readonly sent: number; readonly answered: number; readonly latenciesMs: number[] };
  readonly api: { readonly calls: number; readonly ok: number; readonly latenciesMs: number[] };
  /** From the controller's /metrics after the run, per switch. */
  readonly controller: {
    readonly flood: SwitchCounters;
    readonly quiet: SwitchCounters;
    readonly placed: number;
    readonly ignored: number;
  };
  /** Whether the quiet switch's answers came in the order its PACKET_INs went out. */
  readonly quietInOrder: boolean;
  /** The run's wall time, and the CPU the controller process used in it (process_cpu_seconds_total). */
  readonly run: { readonly seconds: number; readonly controllerCpuSeconds: number };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function packetIn(client: string, clientPort: number): Uint8Array {
  const frame = synFrame({
    clientMac: '0a:58:0a:01:00:32',
    gatewayMac: '0a:00:00:00:01:01',
    client,
    clientPort,
    vip: VIP,
    port: 80,
  });
  return SyntheticSwitch.packetInBytes(frame, 7, SERVICE_LB_TABLE, COOKIE);
}

function counter(metrics: string, name: string, label: string): number {
  const m = new RegExp(`^${name}\\{${label}\\} (\\d+)`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

function cpuSeconds(metrics: string): number {
  const m = /^process_cpu_seconds_total (\S+)/m.exec(metrics);
  return m ? Number(m[1]) : 0;
}

const dpidLabel = (d: bigint): string => `dpid="${d.toString(16).padStart(16, '0')}"`;

export async function runPacketInFlood(o: FloodOptions): Promise<FloodResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-flood-'));
  const ofPort = await freePort();
  const proc = new ControllerProcess(
    dir,
    { SDN_PACKET_IN_RATE: String(o.packetInRate) },
    `127.0.0.1:${ofPort}`,
  );
  const children: ReturnType<typeof fork>[] = [];
  const switches: SyntheticSwitch[] = [];
  try {
    await proc.start();
    const admin = proc.adminToken();
    const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const r = await request(proc.url, admin, 'POST', path, body);
      if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };
    await post('/api/v1/tenants', { name: 'acme' });
    const network = (await post('/api/v1/networks', { tenant: 'acme', name: 'web' })).id as string;
    await post('/api/v1/subnets', { network, cidr: '10.1.0.0/16' });
    await post('/api/v1/nodes', {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: `unix:${join(dir, 'no-ovsdb.sock')}`,
    });
    const backends = [];
    for (let i = 0; i < 3; i++)
      backends.push({
        endpoint: (await post('/api/v1/endpoints', { network, kind: 'vm', node: 'n1', name: `b${i}` })).id,
      });
    await post('/api/v1/services', {
      network,
      name: 'svc',
      clusterIps: [VIP],
      ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
      backends,
    });

    // The quiet switch, here; the flooding one in its own process, so that neither's sending slows the other.
    const quiet = await SyntheticSwitch.dial(ofPort, QUIET_DPID);
    switches.push(quiet);
    quiet.decodeFlowMods = false;
    await quiet.ready;
    const sentAt: number[] = [];
    const latencies: number[] = [];
    let quietAnswered = 0;
    let inOrder = true;
    quiet.onRaw = (b, at) => {
      if (b[1] !== OFPT_PACKET_OUT) return false;
      // The PACKET_OUT carries the frame: the TCP source port (frame offset 34) numbers the connection.
      const data = 24 + ((b[16] as number) << 8) + (b[17] as number);
      const n = (((b[data + 34] as number) << 8) | (b[data + 35] as number)) - 1024;
      if (n !== quietAnswered) inOrder = false;
      quietAnswered++;
      const t = sentAt[n];
      if (t !== undefined) latencies.push(at - t);
      return true;
    };

    // The flooding switch reports when it has sent everything ({sent}), and its answer count when asked ({answered}).
    let child: ReturnType<typeof fork> | undefined;
    const fromFlood: { sent?: number; answered?: number; ready?: true }[] = [];
    const floodSays = (key: 'ready' | 'sent' | 'answered'): Promise<number> =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = fromFlood.find((x) => x[key] !== undefined);
          if (m) resolve(Number(m[key]));
          return m !== undefined;
        };
        if (check()) return;
        child?.on('message', () => void check());
        child?.once('exit', (code) =>
          reject(new Error(`flooding switch exited (${code}) before saying ${key}`)),
        );
      });
    if (o.floodRate > 0) {
      child = fork(__filename, ['flood', String(ofPort), String(o.floodRate), String(o.seconds)], {
        stdio: 'inherit',
      });
      children.push(child);
      child.on('message', (m: { sent?: number; answered?: number; ready?: true }) => void fromFlood.push(m));
      await floodSays('ready');
    }

    const scrape = async (): Promise<string> =>
      (await fetch(`${proc.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const cpuAtStart = cpuSeconds(await scrape());
    const wallAtStart = performance.now();
    // The quiet switch and the API reader, for the flood's duration.
    const api = { calls: 0, ok: 0, latenciesMs: [] as number[] };
    const end = performance.now() + o.seconds * 1000;
    const reader = (async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const r = await request(proc.url, admin, 'GET', '/api/v1/services');
        api.calls++;
        if (r.status === 200) api.ok++;
        api.latenciesMs.push(performance.now() - t);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const quietCount = Math.max(1, Math.round(o.quietRate * o.seconds));
    const gapMs = 1000 / o.quietRate;
    const start = performance.now();
    for (let i = 0; i < quietCount; i++) {
      const due = start + i * gapMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      const bytes = packetIn('10.1.9.9', 1024 + i);
      sentAt[i] = performance.now();
      quiet.writeRaw([bytes]);
    }
    await reader;
    const floodSent = child ? await floodSays('sent') : 0;
    const run = {
      seconds: (performance.now() - wallAtStart) / 1000,
      controllerCpuSeconds: cpuSeconds(await scrape()) - cpuAtStart,
    };
    // Every PACKET_IN sent has reached the controller once its counters say so; the quiet switch's answers follow.
    const deadline = Date.now() + 60_000;
    let metrics = '';
    for (;;) {
      metrics = await scrape();
      const settled =
        counter(metrics, 'sdn_packet_in_received_total', dpidLabel(QUIET_DPID)) >= quietCount &&
        counter(metrics, 'sdn_packet_in_received_total', dpidLabel(FLOOD_DPID)) >= floodSent &&
        quietAnswered >= quietCount;
      if (settled || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    // Everything received is handled, so every answer has been written: the flooding switch counts what it read.
    child?.send('report');
    const flood = { sent: floodSent, answered: child ? await floodSays('answered') : 0 };
    return {
      flood,
      quiet: { sent: quietCount, answered: quietAnswered, latenciesMs: latencies },
      api,
      controller: {
        flood: {
          received: counter(metrics, 'sdn_packet_in_received_total', dpidLabel(FLOOD_DPID)),
          dropped: counter(metrics, 'sdn_packet_in_dropped_total', dpidLabel(FLOOD_DPID)),
        },
        quiet: {
          received: counter(metrics, 'sdn_packet_in_received_total', dpidLabel(QUIET_DPID)),
          dropped: counter(metrics, 'sdn_packet_in_dropped_total', dpidLabel(QUIET_DPID)),
        },
        placed: counter(metrics, 'sdn_service_packet_ins_total', 'outcome="placed"'),
        ignored: counter(metrics, 'sdn_service_packet_ins_total', 'outcome="ignored"'),
      },
      quietInOrder: inOrder,
      run,
    };
  } finally {
    for (const s of switches) s.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await proc.kill('SIGTERM');
    await proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The flooding switch's process: `rate` PACKET_INs a second for `seconds`, every one a new connection. */
async function floodMain(port: number, rate: number, seconds: number): Promise<void> {
  const sw = await SyntheticSwitch.dial(port, FLOOD_DPID);
  sw.decodeFlowMods = false;
  let answered = 0;
  sw.onRaw = (b) => {
    if (b[1] !== OFPT_PACKET_OUT) return false;
    answered++;
    return true;
  };
  await sw.ready;
  // All of it encoded before the clock starts, into one buffer: each tick writes the next slice.
  const total = Math.round(rate * seconds);
  const one = packetIn('10.1.0.50', 1024);
  const all = Buffer.alloc(one.length * total);
  for (let i = 0; i < total; i++) {
    const at = i * one.length;
    all.set(one, at);
    // The client port and the address's last two bytes number the connection (frame at offset 24 + match 16 + 2).
    const frame = at + one.length - 54;
    all.writeUInt16BE(1024 + (i % 60000), frame + 34);
    all.writeUInt16BE(Math.floor(i / 60000), frame + 28);
  }
  process.send?.({ ready: true });
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      if (due > sent) {
        sw.writeRaw([all.subarray(sent * one.length, due * one.length)]);
        sent = due;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  process.send?.({ sent });
  // Asked once the controller has handled everything: what is left on the socket is read, then counted.
  await new Promise((resolve) => process.once('message', resolve));
  for (let last = -1; last !== answered;) {
    last = answered;
    await new Promise((r) => setTimeout(r, 200));
  }
  process.send?.({ answered }, () => {
    sw.close();
    process.exit(0);
  });
}

if (require.main === module && process.argv[2] === 'flood') {
  floodMain(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])).catch(
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
