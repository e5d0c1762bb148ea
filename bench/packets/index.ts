// Packet-in hot path on one core: parse a TCP SYN frame and pick a backend for it.
// Run: npx tsc -p . && node dist/bench/packets/index.js [--write]   (--write updates docs/benchmarks.md, ## packets)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ServiceTable,
  connectionKey,
  type LbBackend,
  type LbPolicy,
  type LbService,
} from '../../controller/services/index.js';
import {
  buildDestinationUnreachable,
  buildTcpReset,
  decodeFrame,
  parseFlowKey,
  type FlowKey,
} from '../../protocols/packets/index.js';
import { captures } from '../../test/unit/packets/captures.js';

const SECONDS_PER_ROUND = 1;
const ROUNDS = 5;
const VARIANTS = 4096;
const loadAtStart = os.loadavg()[0];

/** SYNs from 4096 different clients (source address and port vary), as a ClusterIP sees them. */
function synFrames(base: Buffer, srcOffset: number, srcLength: number, l4Offset: number): Buffer[] {
  return Array.from({ length: VARIANTS }, (_, i) => {
    const f = Buffer.from(base);
    f[srcOffset + srcLength - 1] = i & 0xff;
    f[srcOffset + srcLength - 2] = (i >> 8) & 0xff;
    f.writeUInt16BE(10000 + i, l4Offset);
    return f;
  });
}

const v4 = synFrames(captures.tcpSyn, 14 + 12, 4, 34);
const v6 = synFrames(captures.tcp6Syn, 14 + 8, 16, 54);

/** A dual-stack Service: n IPv4 and n IPv6 backends, weights 1 to 3. */
function backends(n: number): LbBackend[] {
  return Array.from({ length: n }, (_, i) => [
    {
      id: `ep-${i}`,
      address: `10.244.${i >> 8}.${i & 255}`,
      weight: 1 + (i % 3),
      health: 'healthy' as const,
    },
    {
      id: `ep6-${i}`,
      address: `fd00:10:244::${i.toString(16)}`,
      weight: 1 + (i % 3),
      health: 'healthy' as const,
    },
  ]).flat();
}

function tableFor(policy: LbPolicy, n: number, affinity = false): ServiceTable {
  let t = 0;
  const table = new ServiceTable({ clock: () => (t += 1) });
  const svc: LbService = {
    id: 'bench/web',
    vips: ['10.77.0.2', 'fd77::2'],
    ports: [{ protocol: 'TCP', port: 81, targetPort: 8080 }],
    backends: backends(n),
    policy,
    affinity: affinity ? { kind: 'ClientIP', timeoutSeconds: 10800 } : { kind: 'None' },
  };
  const r = table.upsert(svc);
  if (!r.ok) throw new Error(r.reason);
  // A realistic table: many other services around the one hit.
  for (let i = 0; i < 1000; i++) {
    table.upsert({ ...svc, id: `other/${i}`, vips: [`10.96.${i >> 8}.${i & 255}`], policy: 'round-robin' });
  }
  return table;
}

let sink = 0;

interface Rate {
  /** Operations per second of this thread's CPU time: what one core delivers, whatever else the machine runs. */
  readonly perCpuSecond: number;
  /** Operations per second of wall-clock time, lower when other processes take the core. */
  readonly perWallSecond: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Best of the rounds, after a warm-up round. */
function measure(op: (i: number) => number): Rate {
  const run = (seconds: number): Rate => {
    const wallStart = process.hrtime.bigint();
    const deadline = wallStart + BigInt(seconds * 1e9);
    const cpuStart = cpuSeconds();
    let n = 0;
    let now = wallStart;
    while (now < deadline) {
      for (let k = 0; k < 1024; k++, n++) sink = (sink + op(n)) | 0;
      now = process.hrtime.bigint();
    }
    return {
      perCpuSecond: n / (cpuSeconds() - cpuStart),
      perWallSecond: n / (Number(now - wallStart) / 1e9),
    };
  };
  run(0.3);
  let best: Rate = { perCpuSecond: 0, perWallSecond: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const rate = run(SECONDS_PER_ROUND);
    if (rate.perCpuSecond > best.perCpuSecond) best = rate;
  }
  return best;
}

/**
 * Every call is a new connection: the source port is rewritten so that no (client, port) repeats, and the
 * balancer's memory of placed connections never answers instead of the policy.
 */
function pickFor(frames: Buffer[], table: ServiceTable) {
  const l4 = frames === v4 ? 34 : 54;
  return (i: number): number => {
    const frame = frames[i & (VARIANTS - 1)];
    const port = (i >>> 12) & 0xffff;
    frame[l4] = port >>> 8;
    frame[l4 + 1] = port & 0xff;
    const k = parseFlowKey(frame);
    if (!k.ok) throw new Error(k.error.reason);
    const key: FlowKey = k.value;
    const entry = table.lookup(key.dst, key.protocol, key.dstPort);
    if (!entry) throw new Error('no service');
    const c = entry.balancer.choose(key.src, connectionKey(key));
    if (c.kind !== 'backend') throw new Error(c.reason);
    if (c.via === 'connection')
      throw new Error('a repeated connection: the bench would not measure the policy');
    return c.backend.id.length;
  };
}

const rows: [string, Rate][] = [];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
function row(name: string, op: (i: number) => number): void {
  const rate = measure(op);
  rows.push([name, rate]);
  console.log(
    `${name.padEnd(76)} ${fmt(rate.perCpuSecond).padStart(10)} /cpu-s ${fmt(rate.perWallSecond).padStart(10)} /wall-s`,
  );
}

row('parseFlowKey, IPv4 TCP SYN', (i) => (parseFlowKey(v4[i & (VARIANTS - 1)]).ok ? 1 : 0));
row('parseFlowKey, IPv6 TCP SYN', (i) => (parseFlowKey(v6[i & (VARIANTS - 1)]).ok ? 1 : 0));
row('decodeFrame (every layer), IPv4 TCP SYN', (i) => (decodeFrame(v4[i & (VARIANTS - 1)]).ok ? 1 : 0));
for (const policy of ['round-robin', 'least-connections', 'source-ip-hash', 'weighted'] as const) {
  row(
    `SYN -> parseFlowKey -> ServiceTable.lookup -> ${policy}, 10 backends`,
    pickFor(v4, tableFor(policy, 10)),
  );
}
row('SYN -> ... -> source-ip-hash, 100 backends', pickFor(v4, tableFor('source-ip-hash', 100)));
row(
  'SYN -> ... -> round-robin + ClientIP affinity, 10 backends',
  pickFor(v4, tableFor('round-robin', 10, true)),
);
row('IPv6 SYN -> ... -> source-ip-hash, 10 backends', pickFor(v6, tableFor('source-ip-hash', 10)));
row('buildTcpReset for an IPv4 SYN (no backends)', (i) => (buildTcpReset(v4[i & (VARIANTS - 1)]).ok ? 1 : 0));
row('buildDestinationUnreachable for an IPv6 UDP datagram', () =>
  buildDestinationUnreachable(captures.udp6ToClosedPort).ok ? 1 : 0,
);

const target = 50_000;
const worst = Math.min(
  ...rows.filter(([n]) => n.startsWith('SYN') || n.startsWith('IPv6 SYN')).map(([, v]) => v.perCpuSecond),
);
console.log(
  `slowest parse+pick: ${Math.round(worst).toLocaleString('en-US')} ops/s, ${(worst / target).toFixed(1)}x the 50k/s target`,
);

if (process.argv.includes('--write')) {
  const file = path.join(__dirname, '..', '..', '..', 'docs', 'benchmarks.md');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    '## packets',
    '',
    'Packet-in hot path on one core (one Node.js thread): parse a TCP SYN as it arrives in a PACKET_IN and pick a',
    'backend for it, remembering the connection (so a retransmitted SYN goes to the same backend). Every SYN is a',
    'new connection from one of 4096 clients (source address varies, source port never repeats) to a dual-stack',
    'Service with "n backends" per address family, weights 1 to 3; the table holds 1,001 Services. Best of',
    `${ROUNDS} one-second rounds after a warm-up. "per CPU second" divides by the CPU time the process used (what`,
    'one core delivers); "per wall second" by elapsed time, which drops when other jobs share the core. The machine',
    'is shared with other builds, so wall figures vary from run to run; CPU figures much less.',
    '',
    '```',
    'npx tsc -p . && node dist/bench/packets/index.js --write',
    '```',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, Node.js ${process.version}, ${os.cpus().length} cores shared with other jobs.`,
    '',
    `Load average (1 min) at the start: ${loadAtStart.toFixed(1)}.`,
    '',
    '| operation | ops per CPU second | ops per wall second |',
    '|---|---:|---:|',
    ...rows.map(([n, v]) => `| ${n} | ${fmt(v.perCpuSecond)} | ${fmt(v.perWallSecond)} |`),
    '',
    `Target (issue 9): a packet-in handler parses at >= 50,000 packets/s with room to spare. The slowest`,
    `parse + lookup + pick above runs at ${Math.round(worst).toLocaleString('en-US')}/s, ${(worst / target).toFixed(1)}x the target;`,
    'the rest of the budget belongs to the OpenFlow decode of the PACKET_IN and the FLOW_MOD/PACKET_OUT encode.',
    'Source-IP hash costs one hash per backend per pick (rendezvous hashing: when a backend leaves only its clients',
    'move, when one comes only the clients it takes), so it is the row that falls with the backend count. Wall',
    'figures fall below CPU ones by the share of the core other jobs took during the run (see the load average).',
    '',
  ].join('\n');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = old.search(/^## packets$/m);
  let next: string;
  if (start < 0) next = old.trimEnd() + '\n\n' + section;
  else {
    const rest = old.slice(start + 1);
    const end = rest.search(/^## /m);
    next = old.slice(0, start) + section + (end < 0 ? '' : '\n' + rest.slice(end));
  }
  writeFileSync(file, next.trimEnd() + '\n');
  console.log(`wrote ## packets to ${file}`);
}
if (sink === 42) console.log(''); // keeps results observable
