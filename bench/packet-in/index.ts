// bench/packet-in: cbench-style. The controller side (OpenFlowServer, PacketInDispatcher, LoadBalancer over a real
// model) runs in this process on one core; a synthetic switch in a child process dials it over loopback and sends
// PACKET_INs of TCP SYNs of new connections to a ClusterIP, counting the FLOW_MODs and PACKET_OUTs that come back.
// (1) throughput: as fast as the controller answers, with a window of connections in flight;
// (2) decision latency at a fixed 10,000 new connections/s: PACKET_IN sent -> its PACKET_OUT received.
// Run: node dist/bench/packet-in/index.js [seconds=5]
import { fork } from 'node:child_process';
import { pino } from 'pino';
import { SYSTEM } from '../../controller/ops/actor';
import { createEndpoint } from '../../controller/ops/endpoints';
import { createNode } from '../../controller/ops/nodes';
import { createService } from '../../controller/ops/services';
import { createNetwork, createSubnet, createTenant } from '../../controller/ops/tenancy';
import { featureMask } from '../../controller/pipeline/cookies';
import { LoadBalancer } from '../../controller/services/load-balancer';
import { parseFlowKey } from '../../protocols/packets';
import { OpenFlowServer, PacketInDispatcher } from '../../southbound/openflow';
import { TempModel } from '../../test/support/model';
import { synFrame, SyntheticSwitch } from '../../test/support/synthetic-switch';

const VIP = '10.96.0.10';
const COOKIE = featureMask('service').cookie | 1n;

interface Report {
  readonly mode: string;
  readonly sent: number;
  readonly answered: number;
  readonly flowMods: number;
  readonly seconds: number;
  readonly latenciesMs?: number[];
}

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
async function switchMain(port: number, mode: 'throughput' | 'latency', seconds: number): Promise<Report> {
  const sw = await SyntheticSwitch.dial(port, 0x42n);
  sw.decodeFlowMods = false;
  await sw.ready;
  await new Promise((r) => setTimeout(r, 100)); // the controller attaches its dispatcher on switchUp
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let answered = 0;
  let sent = 0;
  sw.onAnswer = (a) => {
    if (a.message.type !== 'packetOut') return;
    answered++;
    if (mode === 'latency') {
      const k = parseFlowKey(a.message.data);
      if (!k.ok) return;
      const key = `${k.value.src}|${k.value.srcPort}`;
      const t = sentAt.get(key);
      if (t !== undefined) {
        latencies.push(a.at - t);
        sentAt.delete(key);
      }
    }
  };
  // Every PACKET_IN encoded before the clock starts: the switch side must cost the controller's core nothing.
  const frames: Uint8Array[] = [];
  const keys: string[] = [];
  const need = mode === 'throughput' ? 400_000 : 10_000 * seconds + 10;
  for (let i = 0; i < need; i++) {
    const f = frameFor(i);
    const k = parseFlowKey(f);
    keys.push(k.ok ? `${k.value.src}|${k.value.srcPort}` : '');
    frames.push(SyntheticSwitch.packetInBytes(f, 7, 20, COOKIE));
  }
  const start = performance.now();
  const end = start + seconds * 1000;
  if (mode === 'throughput') {
    const window = 2000;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        if (performance.now() >= end || sent >= frames.length) return resolve();
        const from = sent;
        while (sent - answered < window && sent < frames.length) sent++;
        if (sent > from) sw.writeRaw(frames.slice(from, sent));
        setImmediate(pump);
      };
      pump();
    });
  } else {
    // 10 per millisecond, paced by the clock.
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        if (now >= end) return resolve();
        const due = Math.floor(((now - start) / 1000) * 10_000);
        const from = sent;
        const t = performance.now();
        while (sent < due && sent < frames.length) sentAt.set(keys[sent++] as string, t);
        if (sent > from) sw.writeRaw(frames.slice(from, sent));
        setImmediate(tick);
      };
      tick();
    });
  }
  const elapsed = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 300));
  sw.close();
  return {
    mode,
    sent,
    answered,
    flowMods: sw.counts.flowMod,
    seconds: elapsed,
    ...(mode === 'latency' ? { latenciesMs: latencies } : {}),
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function controllerMain(seconds: number): Promise<void> {
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
  const server = new OpenFlowServer({ log });
  const port = await server.listen('127.0.0.1', 0);
  try {
    for (const mode of ['throughput', 'latency'] as const) {
      const dispatcher = new PacketInDispatcher({ ratePerSecond: 1e9, burst: 1e9 });
      const lb = new LoadBalancer({ model: m.store, log });
      lb.start(dispatcher);
      const onUp = (s: Parameters<PacketInDispatcher['attach']>[0]): void => {
        dispatcher.attach(s);
        lb.attach(s);
      };
      server.on('switchUp', onUp);
      const cpu0 = process.cpuUsage();
      const child = fork(__filename, ['switch', String(port), mode, String(seconds)], { stdio: 'inherit' });
      const report = await new Promise<Report>((resolve, reject) => {
        child.once('message', (r) => resolve(r as Report));
        child.once('exit', (code) => (code ? reject(new Error(`switch exited ${code}`)) : undefined));
      });
      const cpu = process.cpuUsage(cpu0);
      if (process.env.BENCH_DEBUG) console.log(mode, dispatcher.allCounters(), lb.counters);
      server.off('switchUp', onUp);
      lb.stop();
      const cpuShare = (cpu.user + cpu.system) / 1e6 / report.seconds;
      if (mode === 'throughput') {
        console.log(
          `throughput: ${report.answered} new connections answered in ${report.seconds.toFixed(2)} s = ` +
            `${Math.round(report.answered / report.seconds)}/s (${report.flowMods} FLOW_MODs); controller CPU ${(cpuShare * 100).toFixed(0)}% of one core`,
        );
      } else {
        const l = (report.latenciesMs ?? []).sort((a, b) => a - b);
        console.log(
          `latency at 10,000/s: ${report.sent} sent, ${report.answered} answered; decision latency ` +
            `p50 ${pct(l, 50).toFixed(3)} ms, p99 ${pct(l, 99).toFixed(3)} ms, max ${pct(l, 100).toFixed(3)} ms; ` +
            `controller CPU ${(cpuShare * 100).toFixed(0)}% of one core`,
        );
      }
    }
  } finally {
    await server.close();
    m.dispose();
  }
}

if (process.argv[2] === 'switch') {
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
