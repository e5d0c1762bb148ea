// OVSDB benchmark against a real ovsdb-server started for this run (bare ovsdb-server, no ovs-vswitchd, so the
// figures are the protocol, the server and our client; ovs-vsctl runs with --no-wait for the same reason).
//   1. 1000 single-port transactions one at a time: latency per transaction (p50/p99)
//   2. 1000 single-port transactions with 16 in flight: throughput
//   3. one transaction adding 1000 ports
//   4. ovs-vsctl doing the same: one call per port (a sample), and one call for 1000 ports
//   5. single-port latency as the bridge grows to 5,000 ports
//   6. replica update latency at 1000 updates/s (a writer client -> ovsdb-server -> an observer client's replica)
// Phases 1, 2 and 5 also run a minimal persistent client (no monitor, no replica: the reference) on a bridge
// of the same size, with our client closed meanwhile, and report the CPU per transaction of this process and of
// ovsdb-server (/proc/PID/stat) for each: wall figures swing with the machine's load, CPU per transaction much less.
// Run: npx tsc -p . && node dist/bench/ovsdb/index.js
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pino from 'pino';
import { OPEN_VSWITCH_TABLES, type OpenVswitchTables } from '../../protocols/ovsdb';
import { OvsdbClient } from '../../southbound/ovsdb';
import { OvsSandbox } from '../../test/support/ovs';
import { MinimalClient } from './minimal-client';

const run = promisify(execFile);
type Client = OvsdbClient<OpenVswitchTables>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (x: number) => x.toFixed(3);
function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1]!,
    n: s.length,
  };
}

/** utime + stime of a process, in ms (USER_HZ is 100 on Linux). */
function serverCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Cost {
  /** CPU of this process and of ovsdb-server per transaction, in ms. */
  readonly client: number;
  readonly server: number;
}

/** Runs `fn` (n transactions) and returns its result with the CPU both processes spent per transaction. */
async function costOf<R>(serverPid: number, n: number, fn: () => Promise<R>): Promise<[R, Cost]> {
  const cpu0 = process.cpuUsage();
  const server0 = serverCpuMs(serverPid);
  const result = await fn();
  const cpu = process.cpuUsage(cpu0);
  return [
    result,
    { client: (cpu.user + cpu.system) / 1000 / n, server: (serverCpuMs(serverPid) - server0) / n },
  ];
}
const costText = (c: Cost) => `client ${ms(c.client)} + ovsdb-server ${ms(c.server)} ms`;

async function miniOneAtATime(mini: MinimalClient, br: string, n: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await mini.addPort(br);
    lat.push(performance.now() - t0);
  }
  return lat;
}

async function miniPipelined(mini: MinimalClient, br: string, n: number, inFlight: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await mini.addPort(br);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (n / (performance.now() - t0)) * 1000;
}

let portSeq = 0;
/** One transaction: an internal interface, its port, and the port added to the bridge (mutate, not rewrite). */
function addPortsTxn(client: Client, bridgeUuid: string, count: number) {
  const txn = client.transaction();
  const ports = [];
  for (let i = 0; i < count; i++) {
    const name = `bp${++portSeq}`;
    const iface = txn.insert('Interface', { name, type: 'internal' });
    ports.push(txn.insert('Port', { name, interfaces: [iface] }));
  }
  txn.mutate('Bridge', [['_uuid', '==', bridgeUuid]], [['ports', 'insert', ports]]);
  return txn;
}

async function oneAtATime(client: Client, br: string, n: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.transact(addPortsTxn(client, br, 1));
    lat.push(performance.now() - t0);
  }
  return lat;
}

async function pipelined(client: Client, br: string, n: number, inFlight: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await client.transact(addPortsTxn(client, br, 1));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (n / (performance.now() - t0)) * 1000;
}

async function replicaLatency(
  writer: Client,
  observer: Client,
  portUuid: string,
  rate: number,
  seconds: number,
) {
  const sentAt = new Map<number, number>();
  const lat: number[] = [];
  observer.on('change', (batch) => {
    const now = performance.now();
    for (const c of batch.changes) {
      if (c.table !== 'Port' || c.uuid !== portUuid) continue;
      const seq = Number((c.new?.external_ids as ReadonlyMap<string, string> | undefined)?.get('seq'));
      const t0 = sentAt.get(seq);
      if (t0 !== undefined) lat.push(now - t0);
    }
  });
  const total = rate * seconds;
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  // Paced by a 1 ms timer (not a busy loop, which would steal the CPU the observer needs): each tick sends the
  // updates that are due, each stamped with its own send time.
  let seq = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (seq < total && start + ((seq + 1) * 1000) / rate <= now) {
        seq++;
        sentAt.set(seq, performance.now());
        const row = { external_ids: { seq: String(seq) } };
        pending.push(
          writer.transact([{ op: 'update', table: 'Port', where: [['_uuid', '==', portUuid]], row }]),
        );
      }
      if (seq < total) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  await Promise.all(pending);
  await observer.waitFor(() => lat.length >= total, 5000).catch(() => undefined);
  const achieved = (total / (performance.now() - start)) * 1000;
  return { ...stats(lat), achievedRate: achieved, delivered: lat.length, sent: total };
}

async function main(): Promise<void> {
  const box = await OvsSandbox.start({ vswitchd: false });
  const log = pino({ level: 'warn' });
  let disconnects = 0;
  const open = async () => {
    const c = await OvsdbClient.open({
      target: box.ovsdbTarget,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log,
    });
    c.on('disconnected', () => disconnects++);
    return c;
  };
  const out: string[] = [];
  const say = (line: string) => {
    out.push(line);
    process.stdout.write(line + '\n');
  };
  try {
    // One client with its replica (the controller's real client, monitor included); the observer and the writer
    // of the replica-latency phase are opened only for that phase, so they do not load the server before.
    let client = await open();
    const mini = await MinimalClient.open(box.dbSocket);
    // The minimal client's phases run with our client closed: its monitor would otherwise make the server send,
    // and this process apply, an update for each of the minimal client's transactions.
    const withoutOurs = async <R>(fn: () => Promise<R>): Promise<R> => {
      client.removeAllListeners('disconnected').close();
      const result = await fn();
      client = await open();
      return result;
    };
    say(
      `Load average at start: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${cpus().length} CPUs\n`,
    );
    say('| measurement | result |');
    say('|---|---|');
    await box.vsctl(
      '--no-wait',
      'add-br',
      'br-bench',
      '--',
      'add-br',
      'br-mini',
      '--',
      'add-br',
      'br-grow',
      '--',
      'add-br',
      'br-vsctl',
      '--',
      'add-br',
      'br-warm',
    );
    await client.waitFor(() => client.replica.count('Bridge') === 5, 5000);
    const uuidOf = (name: string) => client.replica.findBy('Bridge', 'name', name)!._uuid;
    const serverPid = Number(readFileSync(join(box.dir, 'ovsdb.pid'), 'utf8').trim());

    // Warm-up on a bridge of its own (the JIT has optimized both clients' paths; the measured bridges start empty).
    await oneAtATime(client, uuidOf('br-warm'), 1000);
    await miniOneAtATime(mini, uuidOf('br-warm'), 1000);
    const miniBr = uuidOf('br-mini');

    const [singleLat, singleCost] = await costOf(serverPid, 1000, () =>
      oneAtATime(client, uuidOf('br-bench'), 1000),
    );
    const single = stats(singleLat);
    say(
      `| 1000 single-port transactions, one at a time | p50 ${ms(single.p50)} ms, p90 ${ms(single.p90)} ms, p99 ${ms(single.p99)} ms, max ${ms(single.max)} ms |`,
    );
    const [miniLat, miniCost] = await withoutOurs(() =>
      costOf(serverPid, 1000, () => miniOneAtATime(mini, miniBr, 1000)),
    );
    const m = stats(miniLat);
    say(
      `| the same with the minimal client (no monitor) | p50 ${ms(m.p50)} ms, p90 ${ms(m.p90)} ms, p99 ${ms(m.p99)} ms |`,
    );
    say(
      `| CPU per single-port transaction, one at a time | ours: ${costText(singleCost)}; minimal client: ${costText(miniCost)} |`,
    );

    const [tput, tputCost] = await costOf(serverPid, 1000, () =>
      pipelined(client, uuidOf('br-bench'), 1000, 16),
    );
    const [miniTput, miniTputCost] = await withoutOurs(() =>
      costOf(serverPid, 1000, () => miniPipelined(mini, miniBr, 1000, 16)),
    );
    say(
      `| 1000 single-port transactions, 16 in flight (bridge 1000-2000 ports) | ours ${Math.round(tput)} transactions/s (${costText(tputCost)}); minimal client ${Math.round(miniTput)}/s (${costText(miniTputCost)}) |`,
    );

    const bulk: number[] = [];
    for (let i = 0; i < 3; i++) {
      const bulkT0 = performance.now();
      await client.transact(addPortsTxn(client, uuidOf('br-bench'), 1000));
      bulk.push(performance.now() - bulkT0);
    }
    say(
      `| one transaction adding 1000 ports (3 runs, until the replica holds them) | ${bulk.map(ms).join(' / ')} ms |`,
    );

    // ovs-vsctl: a sample of one-call-per-port (each call is a process, a connection and a full dump) and one call.
    const vsctlLat: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await box.vsctl(
        '--no-wait',
        'add-port',
        'br-vsctl',
        `vs${i}`,
        '--',
        'set',
        'interface',
        `vs${i}`,
        'type=internal',
      );
      vsctlLat.push(performance.now() - t0);
    }
    const v = stats(vsctlLat);
    say(
      `| ovs-vsctl, one call per port (100 calls, bridge 0-100 ports) | p50 ${ms(v.p50)} ms, p99 ${ms(v.p99)} ms |`,
    );
    const args: string[] = ['--no-wait'];
    for (let i = 100; i < 1100; i++)
      args.push('--', 'add-port', 'br-vsctl', `vs${i}`, '--', 'set', 'interface', `vs${i}`, 'type=internal');
    let t0 = performance.now();
    // ovs-vsctl's own work grows with the command count; give it more than box.vsctl's 10 s.
    await run('ovs-vsctl', [`--db=${box.ovsdbTarget}`, '--timeout=300', ...args], { maxBuffer: 64 << 20 });
    say(`| ovs-vsctl, one call adding 1000 ports | ${ms(performance.now() - t0)} ms |`);
    const late: number[] = [];
    for (let i = 0; i < 10; i++) {
      t0 = performance.now();
      await box.vsctl(
        '--no-wait',
        'add-port',
        'br-vsctl',
        `vl${i}`,
        '--',
        'set',
        'interface',
        `vl${i}`,
        'type=internal',
      );
      late.push(performance.now() - t0);
    }
    const vl = stats(late);
    say(
      `| ovs-vsctl, one call per port with 1100+ ports in the database (10 calls) | p50 ${ms(vl.p50)} ms |`,
    );

    // Growth: single-port latency and CPU at bridge sizes up to 5,000 ports, ours then the minimal client's.
    let size = 0;
    const growth: string[] = [];
    for (const target of [0, 1000, 2000, 3000, 4000, 5000]) {
      while (size < target) {
        await client.transact(addPortsTxn(client, uuidOf('br-grow'), 500));
        size += 500;
      }
      const [ours, oursCost] = await costOf(serverPid, 400, () => oneAtATime(client, uuidOf('br-grow'), 400));
      const grow = uuidOf('br-grow');
      const [ref, refCost] = await withoutOurs(() =>
        costOf(serverPid, 400, () => miniOneAtATime(mini, grow, 400)),
      );
      size += 800;
      const a = stats(ours);
      const b = stats(ref);
      growth.push(
        `| ${target} | ${ms(a.p50)} / ${ms(a.p99)} | ${ms(oursCost.client)} | ${ms(oursCost.server)} | ${ms(b.p50)} / ${ms(b.p99)} | ${ms(refCost.client)} | ${ms(refCost.server)} |`,
      );
    }
    say(
      '\nSingle-port transactions as br-grow holds N ports (400 of ours, then 400 of the minimal client; ms; CPU per transaction):\n',
    );
    say(
      '| ports | ours p50 / p99 | ours: client CPU | ours: server CPU | minimal p50 / p99 | minimal: client CPU | minimal: server CPU |',
    );
    say('|---|---|---|---|---|---|---|');
    for (const line of growth) say(line);
    say('');

    // Replica update latency: writer at 1000 updates/s, observer's replica shows each.
    const portUuid = client.replica.findBy('Port', 'name', 'bp1')!._uuid;
    const writer = await open();
    const observer = await open();
    const r = await replicaLatency(writer, observer, portUuid, 1000, 3);
    say('| measurement | result |');
    say('|---|---|');
    say(
      `| replica update latency, ${r.sent} updates at ${Math.round(r.achievedRate)}/s (writer -> server -> observer replica) | p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, max ${ms(r.max)} ms; ${r.delivered} seen |`,
    );
    const ports = client.replica.count('Port');
    say(`| rows in the replica at the end | ${ports} ports |`);
    for (const c of [client, observer, writer]) c.removeAllListeners('disconnected').close();
    mini.close();
    say(
      `\nLoad average at end: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}; client disconnects during the run: ${disconnects}.`,
    );
    const serverLog = readFileSync(join(box.dir, 'ovsdb.log'), 'utf8')
      .split('\n')
      .filter((l) => /\|(WARN|ERR)\|/.test(l));
    if (serverLog.length > 0) say(`ovsdb-server warnings:\n${serverLog.join('\n')}`);
    const { stdout } = await run('ovsdb-server', ['--version']);
    say(`\nServer: ${stdout.split('\n')[0]}; Node ${process.version}.`);
  } finally {
    await box.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/ovsdb: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
