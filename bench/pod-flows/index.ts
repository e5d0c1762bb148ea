// One pod added -> its flows on the switch, controller side only: the time from the controller receiving a CNI ADD
// (POST /cni/v1/add, as the node agent sends it) to its answer, which it gives once the IPAM allocation is on disk,
// the pod's port is in OVSDB with its ofport, and a barrier reply confirms the pod's flows. Real controller (child
// process, own data dir) and real ovs-vswitchd: a one-node `sdnctl lab` registered with it. The veth work is left
// out: each pod's host end is made in the node's netns before timing, as the agent does before it calls.
//
//   node dist/bench/pod-flows/index.js [--pods 100] [--concurrency 1]
//
// Also reported: the controller's CPU time per ADD (/proc/<pid>/stat), the DEL latency, and the load average.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControllerProcess } from '../../test/support/controller-process.js';
import { Lab } from '../../test/support/lab.js';
import { freeTcpPort, requireRootAndOvs } from '../../test/support/ovs.js';

const run = promisify(execFile);
const CLK_TCK = 100; // USER_HZ: /proc/<pid>/stat times are in 1/100 s on Linux

interface Options {
  pods: number;
  concurrency: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { pods: 100, concurrency: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${argv[i]} needs a positive integer`);
    if (argv[i] === '--pods') o.pods = v;
    else if (argv[i] === '--concurrency') o.concurrency = v;
    else throw new Error(`unknown option ${argv[i]}; use --pods N --concurrency C`);
  }
  return o;
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK; // utime, stime: fields 14 and 15
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** POSTs JSON on a keep-alive connection, as the agent does; resolves with the status once the body is read. */
function post(agent: http.Agent, base: URL, token: string, path: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, base),
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 300) reject(new Error(`${path}: HTTP ${status} ${Buffer.concat(chunks).toString()}`));
          else resolve(status);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Phase {
  times: number[];
  wallMs: number;
  cpuMs: number;
}

async function phase(
  pods: number,
  concurrency: number,
  controllerPid: number,
  call: (i: number) => Promise<void>,
): Promise<Phase> {
  const times: number[] = [];
  let next = 0;
  const cpu0 = cpuMs(controllerPid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < pods) {
        const i = next++;
        const s = performance.now();
        await call(i);
        times.push(performance.now() - s);
      }
    }),
  );
  return { times, wallMs: performance.now() - t0, cpuMs: cpuMs(controllerPid) - cpu0 };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  requireRootAndOvs();
  const dir = mkdtempSync(join(tmpdir(), `sdnpf-${process.pid}-`));
  mkdirSync(join(dir, 'controller'));
  // The lab's switch dials the OpenFlow listener, so its port must be known before the controller starts.
  const ctl = new ControllerProcess(join(dir, 'controller'), {}, `127.0.0.1:${await freeTcpPort()}`);
  let lab: Lab | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  try {
    await ctl.start();
    const pid = ctl.child?.pid;
    if (pid === undefined) throw new Error('the controller has no pid');
    lab = await Lab.up(
      { url: ctl.url, tokenFile: ctl.tokenFile, openflowListen: ctl.openflowListen },
      { nodes: 1, pods: 0 },
    );
    const node = (await lab.status()).nodes[0];
    if (!node) throw new Error('the lab came up without a node');
    const token = readFileSync(join(lab.dir, node.name, 'cni.token'), 'utf8').trim();
    const base = new URL(ctl.url);

    // Host ends of the pods' veths, made before timing (the agent makes them before it calls the controller).
    const hostName = (i: number): string => `pf${process.pid % 1000}x${i}`;
    const links = Array.from(
      { length: o.pods + 1 },
      (_, i) => `link add ${hostName(i)} up type veth peer name ${hostName(i)}p\n`,
    );
    await new Promise<void>((resolve, reject) => {
      const child = execFile('ip', ['-n', node.netns, '-batch', '-'], (err) =>
        err ? reject(err) : resolve(),
      );
      child.stdin?.end(links.join(''));
    });

    const add = (i: number): Promise<void> =>
      post(agent, base, token, '/cni/v1/add', {
        containerId: `podflows-${i}`,
        ifname: 'eth0',
        netns: `/run/netns/podflows-${i}`,
        hostIfName: hostName(i),
        k8sNamespace: 'tenant-1',
        k8sPodName: `pod-${i}`,
      }).then(() => undefined);
    const del = (i: number): Promise<void> =>
      post(agent, base, token, '/cni/v1/del', { containerId: `podflows-${i}`, ifname: 'eth0' }).then(
        () => undefined,
      );

    // Warm-up: the first ADD opens the node's OVSDB and OpenFlow state paths in the controller.
    await add(o.pods);
    await del(o.pods);
    const loadBefore = loadavg();
    const adds = await phase(o.pods, o.concurrency, pid, add);
    // Every pod's port is on the bridge with an ofport (its flows were confirmed by the barrier before the answer).
    const { stdout } = await run('ovs-vsctl', [
      `--db=unix:${join(lab.dir, node.name, 'db.sock')}`,
      '--bare',
      '--columns=ofport',
      'find',
      'Interface',
      'external_ids:sdn-managed=true',
    ]);
    const ofports = stdout.split(/\s+/).filter((x) => Number(x) > 0);
    if (ofports.length !== o.pods)
      throw new Error(`${ofports.length} pod ports with an ofport, not ${o.pods}`);
    const dels = await phase(o.pods, o.concurrency, pid, del);
    const loadAfter = loadavg();

    const f = (x: number): string => x.toFixed(1);
    const l = (a: number[]): string => a.map((x) => x.toFixed(1)).join(' ');
    console.log(
      `pod-flows: ${o.pods} pods, concurrency ${o.concurrency}, ${new Date().toISOString()}, ` +
        `${cpus().length} cores, load average ${l(loadBefore)} before, ${l(loadAfter)} after`,
    );
    console.log('| op | n | p50 ms | p99 ms | mean ms | wall ms | controller CPU ms per op |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [op, p] of [
      ['ADD -> flows confirmed', adds],
      ['DEL -> flows removed', dels],
    ] as const) {
      const sorted = [...p.times].sort((a, b) => a - b);
      const mean = p.times.reduce((a, b) => a + b, 0) / p.times.length;
      console.log(
        `| ${op} | ${p.times.length} | ${f(percentile(sorted, 50))} | ${f(percentile(sorted, 99))} | ` +
          `${f(mean)} | ${f(p.wallMs)} | ${f(p.cpuMs / p.times.length)} |`,
      );
    }
  } finally {
    agent.destroy();
    await lab?.down();
    await ctl.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench/pod-flows: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
