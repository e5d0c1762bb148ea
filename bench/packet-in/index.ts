// bench/packet-in: cbench-style. The controller side (OpenFlowServer, PacketInDispatcher, LoadBalancer over a real
// model) runs in this process on one core; a synthetic switch in a child process dials it over loopback and sends
// PACKET_INs of TCP SYNs of new connections to a ClusterIP, counting the FLOW_MODs and PACKET_OUTs that come back.
// (1) throughput: as fast as the controller answers, with a window of connections in flight;
// (2) decision latency at a fixed 10,000 new connections/s: PACKET_IN sent -> its PACKET_OUT received, measured after
//     a warm-up second at the same rate (reported apart).
// (3) `flood`: a real controller process under a packet-in flood from one switch (see floodMain).
// Run: SWITCH_CPU=0 taskset -c 1 node dist/bench/packet-in/index.js [seconds=5]
//      node dist/bench/packet-in/index.js flood [seconds=5]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { SYSTEM } from '../../controller/ops/actor';
import { createEndpoint } from '../../controller/ops/endpoints';
import { createNode } from '../../controller/ops/nodes';
import { createService } from '../../controller/ops/services';
import { createNetwork, createSubnet, createTenant } from '../../controller/ops/tenancy';
import { featureMask } from '../../controller/pipeline/cookies';
import { LoadBalancer } from '../../controller/services/load-balancer';
import type { PacketIn } from '../../protocols/openflow13';
import { OfConnection, OpenFlowServer, PacketInDispatcher, SwitchSession } from '../../southbound/openflow';
import { TempModel } from '../../test/support/model';
import { runPacketInFlood } from '../../test/support/packet-in-flood';
import { synFrame, SyntheticSwitch } from '../../test/support/synthetic-switch';

const VIP = '10.96.0.10';
const COOKIE = featureMask('service').cookie | 1n;
const OFPT_PACKET_OUT = 13;
const OFPT_FLOW_MOD = 14;

interface Report {
  readonly mode: string;
  readonly sent: number;
  readonly answered: number;
  readonly flowMods: number;
  readonly seconds: number;
  /** Latency mode: packets sent after the warm-up, and those of the warm-up second apart. */
  readonly latenciesMs?: number[];
  readonly warmupLatenciesMs?: number[];
}

/**
 * The latency phase offers its rate for this long before the measured seconds. The switch is a fresh process: in
 * its first few hundred milliseconds its own JIT and the collection of the 50,000 frames it just encoded hold its
 * reads of the answers, which is the instrument's start, not the controller's latency (reported apart).
 */
const WARMUP_SECONDS = 1;

function frameFor(i: number): Uint8Array {
  // 65,000 ports per client address, then the next address: every SYN is a new connection.
  const host = Math.floor(i / 60000);
  const client = `10.1.${1 + (host >> 8)}.${host & 0xff || 1}`;
  return synFrame({
    clientMac: '0a:58:0a:01:00:32',
    gatewayMac: '0a:00:00:00:01:01',
    client,
    clientPort: 1024 + (i % 60000),
    vip: VIP,
    port: 80,
  });
}

/** The switch side, in the child process. */
/** A frame's client (IPv4 source at 26, TCP source port at 34) as one number. */
function clientKey(b: Uint8Array, frame: number): number {
  const ip =
    (((b[frame + 26] as number) << 24) |
      ((b[frame + 27] as number) << 16) |
      ((b[frame + 28] as number) << 8) |
      (b[frame + 29] as number)) >>>
    0;
  return ip * 65536 + ((b[frame + 34] as number) << 8) + (b[frame + 35] as number);
}

async function switchMain(port: number, mode: 'throughput' | 'latency', seconds: number): Promise<Report> {
  const sw = await SyntheticSwitch.dial(port, 0x42n);
  sw.decodeFlowMods = false;
  await sw.ready;
  // Every PACKET_IN is encoded before the clock starts, into one buffer that is sent a slice at a time, and the
  // times live in typed arrays indexed by sequence number: the switch side allocates next to nothing per packet,
  // since its own collector's pauses would show up as controller latency.
  const warmup = mode === 'latency' ? WARMUP_SECONDS : 0;
  const need = mode === 'throughput' ? 400_000 : 10_000 * (seconds + warmup) + 10;
  const frames: Uint8Array[] = [];
  const seqOf = new Map<number, number>();
  for (let i = 0; i < need; i++) {
    const f = frameFor(i);
    seqOf.set(clientKey(f, 0), i);
    frames.push(SyntheticSwitch.packetInBytes(f, 7, 20, COOKIE));
  }
  const at = new Uint32Array(need + 1);
  for (let i = 0; i < need; i++) at[i + 1] = (at[i] as number) + (frames[i] as Uint8Array).length;
  const wire = Buffer.concat(frames);
  frames.length = 0;
  const sentAt = new Float64Array(need).fill(-1);
  // By sequence number; NaN = not answered (yet).
  const latencies = new Float64Array(need).fill(NaN);
  let answered = 0;
  let sent = 0;
  // Answers are read from their bytes, not decoded: the switch side must stay cheap next to the controller.
  // PACKET_OUT: header 8, buffer_id 4, in_port 4, actions_len 2, pad 6, actions, then the frame (IPv4 source at
  // 26, TCP source port at 34).
  sw.onRaw = (b, when) => {
    if (b[1] === OFPT_FLOW_MOD) {
      sw.counts.flowMod++;
      return true;
    }
    if (b[1] !== OFPT_PACKET_OUT) return false;
    answered++;
    sw.counts.packetOut++;
    if (mode === 'latency') {
      const data = 24 + ((b[16] as number) << 8) + (b[17] as number);
      const i = seqOf.get(clientKey(b, data));
      if (i !== undefined && (sentAt[i] as number) >= 0 && Number.isNaN(latencies[i])) {
        latencies[i] = when - (sentAt[i] as number);
      }
    }
    return true;
  };
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.('ready');
  });
  let cpu0 = process.cpuUsage();
  let start = performance.now();
  const end = start + (seconds + warmup) * 1000;
  // Sequence numbers below this were sent during the warm-up.
  let firstMeasured = 0;
  if (mode === 'throughput') {
    const window = 2000;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        if (performance.now() >= end || sent >= need) return resolve();
        const from = sent;
        while (sent - answered < window && sent < need) sent++;
        if (sent > from) sw.writeBytes(wire.subarray(at[from], at[sent]));
        setImmediate(pump);
      };
      pump();
    });
  } else {
    // 10 per millisecond, paced by the clock.
    const origin = start;
    const measureFrom = origin + warmup * 1000;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        if (now >= end) return resolve();
        if (firstMeasured === 0 && now >= measureFrom) {
          firstMeasured = sent;
          start = now;
          cpu0 = process.cpuUsage();
          process.send?.('measuring');
        }
        const due = Math.floor(((now - origin) / 1000) * 10_000);
        const from = sent;
        while (sent < due && sent < need) sentAt[sent++] = now;
        if (sent > from) sw.writeBytes(wire.subarray(at[from], at[sent]));
        setImmediate(tick);
      };
      tick();
    });
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (process.env.BENCH_DEBUG)
    console.error(`switch CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(0)}%`);
  await new Promise((r) => setTimeout(r, 300));
  sw.close();
  if (mode === 'throughput') return { mode, sent, answered, flowMods: sw.counts.flowMod, seconds: elapsed };
  const measured = answeredOnly(latencies.subarray(firstMeasured, sent));
  return {
    mode,
    sent: sent - firstMeasured,
    answered: measured.length,
    flowMods: sw.counts.flowMod,
    seconds: elapsed,
    latenciesMs: measured,
    warmupLatenciesMs: answeredOnly(latencies.subarray(0, firstMeasured)),
  };
}

/** A histogram's nanoseconds as milliseconds. */
const ms = (ns: number): string => (ns / 1e6).toFixed(3);

function answeredOnly(latencies: Float64Array): number[] {
  return Array.from(latencies).filter((l) => !Number.isNaN(l));
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * (0) the decision alone on this core: PACKET_IN in, parse, choose, build and encode the two FLOW_MODs and the
 * PACKET_OUT into one buffer (what SwitchSession.sendAll writes), no socket.
 */
function inProcess(m: TempModel, log: Logger): void {
  const lb = new LoadBalancer({ model: m.store, log });
  lb.start();
  // A real session on a stream that swallows what it is given: the whole write path but the socket.
  let bytes = 0;
  const sink = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  const session = new SwitchSession(new OfConnection(sink, 'bench'), { log });
  lb.attach(session);
  const n = 200_000;
  // The frames in one buffer outside the JS heap, and each PACKET_IN made as it is handled (as the decoder makes it
  // per message): 200,000 message objects made before the clock would be 100 MB of old-generation garbage for the
  // later phases' collector, a mark-compact landing in the latency phase.
  const frames = new Uint8Array(n * 54);
  for (let i = 0; i < n; i++) frames.set(frameFor(i), i * 54);
  const match: PacketIn['match'] = [{ field: 'in_port', value: 7 }];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    lb.handlePacketIn(session, {
      type: 'packetIn',
      xid: 0,
      bufferId: 0xffffffff,
      totalLen: 54,
      reason: 1,
      tableId: 20,
      cookie: COOKIE,
      match,
      data: frames.subarray(i * 54, i * 54 + 54),
    });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  lb.stop();
  session.close('bench done'); // writes what is still batched
  console.log(
    `decision in process: ${n} new connections in ${wall.toFixed(2)} s wall, ${cpuSec.toFixed(2)} s CPU = ` +
      `${Math.round(n / cpuSec)}/s per CPU-second, ${((cpuSec / n) * 1e6).toFixed(1)} us CPU each ` +
      `(${Math.round(n / wall)}/s wall); ${(bytes / n).toFixed(0)} bytes out each`,
  );
}

/**
 * The synthetic switch's process; with SWITCH_CPU set (e.g. 0, the controller side run under `taskset -c 1`), pinned
 * to that core so that the two sides do not share one.
 */
function startSwitch(args: string[]): ChildProcess {
  const cpu = process.env.SWITCH_CPU;
  // SWITCH_NODE_FLAGS (e.g. "--trace-gc"): node options for the switch's process alone, to profile it.
  const flags = (process.env.SWITCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  if (cpu === undefined) return fork(__filename, ['switch', ...args], { stdio: 'inherit', execArgv: flags });
  return spawn('taskset', ['-c', cpu, process.execPath, ...flags, __filename, 'switch', ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
}

async function controllerMain(seconds: number): Promise<void> {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const log = pino({ level: 'warn' });
  const m = new TempModel();
  createTenant(m.ctx, SYSTEM, { name: 'acme' });
  const n = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name: 'web' });
  createSubnet(m.ctx, SYSTEM, { network: n.id, cidr: '10.1.0.0/16', gateway: '10.1.0.1' });
  createNode(m.ctx, SYSTEM, {
    name: 'n1',
    vswitch: 'ovs',
    overlay: 'host',
    tunnelIp: '192.0.2.1',
    ovsdb: 'unix:/x',
  });
  const backends = [];
  for (let i = 0; i < 10; i++)
    backends.push({
      endpoint: createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'n1', name: `b${i}` }).id,
    });
  createService(m.ctx, SYSTEM, {
    network: 'web',
    name: 'svc',
    clusterIps: [VIP],
    ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
    backends,
    policy: 'round-robin',
  });
  // PACKET_IN_PHASES (e.g. "latency") runs only the phases named, for profiling one of them on its own.
  const phases = (process.env.PACKET_IN_PHASES ?? 'inprocess,throughput,latency').split(',');
  if (phases.includes('inprocess')) inProcess(m, log);
  const server = new OpenFlowServer({ log });
  const port = await server.listen('127.0.0.1', 0);
  try {
    for (const mode of (['throughput', 'latency'] as const).filter((p) => phases.includes(p))) {
      const dispatcher = new PacketInDispatcher({ ratePerSecond: 1e9, burst: 1e9 });
      const lb = new LoadBalancer({ model: m.store, log });
      lb.start(dispatcher);
      const onUp = (s: Parameters<PacketInDispatcher['attach']>[0]): void => {
        dispatcher.attach(s);
        lb.attach(s);
      };
      const up = new Promise<void>((resolve) =>
        server.once('switchUp', (s) => {
          onUp(s);
          resolve();
        }),
      );
      const child = startSwitch([String(port), mode, String(seconds)]);
      // The clock starts when both sides are ready: the switch has encoded its PACKET_INs, the controller has
      // attached its dispatcher (a PACKET_IN before that would go unanswered).
      let cpu0 = process.cpuUsage();
      // How long the controller's event loop was held: what of the latency tail is the controller's own.
      const loopDelay = monitorEventLoopDelay({ resolution: 1 });
      let warmupLoopDelay = '';
      const report = await new Promise<Report>((resolve, reject) => {
        child.on('message', (r: Report | 'ready' | 'measuring') => {
          if (r === 'measuring') {
            // The warm-up is over: the controller's figures cover the measured seconds only.
            cpu0 = process.cpuUsage();
            warmupLoopDelay = `p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`;
            loopDelay.reset();
            return;
          }
          if (r !== 'ready') return resolve(r);
          void up.then(() => {
            cpu0 = process.cpuUsage();
            if (process.env.BENCH_DEBUG) console.log(`${mode} starts`, process.memoryUsage());
            loopDelay.enable();
            child.send('go');
          });
        });
        child.once('exit', (code) => (code ? reject(new Error(`switch exited ${code}`)) : undefined));
      });
      const cpu = process.cpuUsage(cpu0);
      loopDelay.disable();
      if (process.env.BENCH_DEBUG)
        console.log(mode, dispatcher.allCounters(), lb.counters, process.memoryUsage());
      lb.stop();
      const cpuShare = (cpu.user + cpu.system) / 1e6 / report.seconds;
      if (mode === 'throughput') {
        console.log(
          `throughput: ${report.answered} new connections answered in ${report.seconds.toFixed(2)} s = ` +
            `${Math.round(report.answered / report.seconds)}/s (${report.flowMods} FLOW_MODs); controller CPU ${(cpuShare * 100).toFixed(0)}% of one core`,
        );
      } else {
        const l = (report.latenciesMs ?? []).sort((a, b) => a - b);
        const w = (report.warmupLatenciesMs ?? []).sort((a, b) => a - b);
        console.log(
          `latency at 10,000/s after ${WARMUP_SECONDS} s of warm-up at that rate (warm-up p99 ${pct(w, 99).toFixed(3)} ms, ` +
            `max ${pct(w, 100).toFixed(3)} ms): ${report.sent} sent, ${report.answered} answered; decision latency ` +
            `p50 ${pct(l, 50).toFixed(3)} ms, p99 ${pct(l, 99).toFixed(3)} ms, max ${pct(l, 100).toFixed(3)} ms; ` +
            `controller CPU ${(cpuShare * 100).toFixed(0)}% of one core; controller event-loop delay ` +
            `p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms (in the warm-up ${warmupLoopDelay})`,
        );
      }
    }
  } finally {
    await server.close();
    m.dispose();
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

/**
 * (3) flood: a real controller process; one synthetic switch offers 100,000 PACKET_INs/s of new connections to one
 * ClusterIP, another sends 100/s, and the API is read every 20 ms. The quiet switch's decision latency and the API's
 * latency, without and then with the flood, and what the controller received and dropped per switch.
 */
async function floodMain(seconds: number): Promise<void> {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const floodRate of [0, 100_000]) {
    const r = await runPacketInFlood({ seconds, floodRate, quietRate: 100, packetInRate: 5_000 });
    const q = r.quiet.latenciesMs.sort((a, b) => a - b);
    const a = r.api.latenciesMs.sort((x, y) => x - y);
    console.log(
      `${floodRate ? `flood of ${floodRate}/s offered` : 'no flood'}: quiet switch ${r.quiet.answered}/${r.quiet.sent} ` +
        `answered, p50 ${pct(q, 50).toFixed(2)} ms, p99 ${pct(q, 99).toFixed(2)} ms, max ${pct(q, 100).toFixed(2)} ms; ` +
        `API ${r.api.ok}/${r.api.calls} ok, p50 ${pct(a, 50).toFixed(2)} ms, p99 ${pct(a, 99).toFixed(2)} ms, ` +
        `max ${pct(a, 100).toFixed(2)} ms; controller CPU ` +
        `${((r.run.controllerCpuSeconds / r.run.seconds) * 100).toFixed(0)}% of one core` +
        (floodRate
          ? `; flooding switch sent ${r.flood.sent}, controller received ${r.controller.flood.received}, ` +
            `dropped ${r.controller.flood.dropped} (limit 5,000/s), answered ${r.flood.answered}`
          : ''),
    );
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

if (process.argv[2] === 'flood') {
  floodMain(Number(process.argv[3] ?? 5)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if (process.argv[2] === 'switch') {
  switchMain(Number(process.argv[3]), process.argv[4] as 'throughput' | 'latency', Number(process.argv[5]))
    .then((r) => {
      process.send?.(r, () => process.exit(0));
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
} else {
  controllerMain(Number(process.argv[2] ?? 5)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
