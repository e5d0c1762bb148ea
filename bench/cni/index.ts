// CNI ADD/DEL latency, p50/p99, for N pods at concurrency 1 and 10, through one harness (test/support/
// cni-harness.ts runPlugin: the env + stdin + stdout contract a runtime uses), for two targets in the same run:
//   reference  Debian's containernetworking-plugins `bridge` + `host-local` (/usr/lib/cni), node = a netns
//   ours       sdn-cni -> sdn-agent -> the controller. By default (--controller lab) the real sdn-controller
//              (a child process on a temp data dir) with a one-node `sdnctl lab` (its ovs-vswitchd, agent and
//              bridge): IPAM in SQLite, the OVSDB port, the flows and the barrier. --controller peer: the /cni/v1
//              contract's TEST PEER (in-memory IPAM, no OVSDB, no flows) behind an agent started here.
//              --agent-socket: a running agent.
// Both plugins are executed through `nsenter --net=<node netns>` (the runtime's netns), so each pays the same
// extra exec. Pod netns are made before timing; every ADD and DEL must succeed or the run fails.
//
//   node dist/bench/cni/index.js [--pods 100] [--concurrency 1,10] [--only ours|reference]
//                                [--controller lab|peer] [--agent-socket PATH --network NAME]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControllerProcess } from '../../test/support/controller-process.js';
import { Lab } from '../../test/support/lab.js';
import { freeTcpPort } from '../../test/support/ovs.js';
import {
  addNetns,
  delNetns,
  REPO_ROOT,
  requireRootAndCniTools,
  runPlugin,
  SDN_AGENT,
  SDN_CNI,
  type PluginCall,
} from '../../test/support/cni-harness.js';

const run = promisify(execFile);
const REFERENCE_DIR = '/usr/lib/cni';

interface Options {
  pods: number;
  concurrency: number[];
  only?: 'ours' | 'reference';
  controller: 'lab' | 'peer';
  agentSocket?: string;
  network?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { pods: 100, concurrency: [1, 10], controller: 'lab' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--pods':
        o.pods = Number(v);
        i++;
        break;
      case '--concurrency':
        o.concurrency = v.split(',').map(Number);
        i++;
        break;
      case '--only':
        if (v !== 'ours' && v !== 'reference') throw new Error('--only ours|reference');
        o.only = v;
        i++;
        break;
      case '--controller':
        if (v !== 'lab' && v !== 'peer') throw new Error('--controller lab|peer');
        o.controller = v;
        i++;
        break;
      case '--agent-socket':
        o.agentSocket = v;
        i++;
        break;
      case '--network':
        o.network = v;
        i++;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

interface Target {
  name: string;
  plugin: string;
  via: string[];
  config: Record<string, unknown>;
  path: string;
  /** K8S_POD_NAMESPACE: the lab binds its tenant's namespace to the tenant's network. */
  podNamespace: string;
  /** Long-lived processes of the target whose CPU time (their own and their reaped children's) is counted. */
  processes: Record<string, number>;
}

/**
 * CPU time in ms of a process and of its children it has reaped (utime, stime, cutime, cstime of /proc/PID/stat):
 * for the bench itself that is the plugin processes (nsenter, sdn-cni's sh and nc, or bridge and host-local),
 * for the agent the ip/nsenter/ethtool processes it starts.
 */
function cpuMs(pid: number | 'self', which: 'all' | 'children' = 'all'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = Number(f[13]) + Number(f[14]);
  const ticks = which === 'children' ? children : Number(f[11]) + Number(f[12]) + children;
  return (ticks * 1000) / 100; // USER_HZ
}

function cpuSnapshot(t: Target): Record<string, number> {
  const out: Record<string, number> = { plugin: cpuMs('self') };
  for (const [name, pid] of Object.entries(t.processes)) out[name] = cpuMs(pid);
  return out;
}

/** The part of the agent's CPU spent in the processes it starts (already in its column). */
function agentChildrenMs(t: Target): number | undefined {
  const pid = t.processes.agent;
  return pid === undefined ? undefined : cpuMs(pid, 'children');
}

interface Row {
  target: string;
  concurrency: number;
  op: 'ADD' | 'DEL';
  n: number;
  p50: number;
  p99: number;
  mean: number;
  wallMs: number;
  /** CPU ms per operation, by process (see cpuMs). */
  cpu: Record<string, number>;
  /** Of the agent's CPU per operation, what its ip/sh/nsenter/ethtool children took. */
  agentChildren?: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function measure(t: Target, pods: string[], concurrency: number, op: 'ADD' | 'DEL'): Promise<Row> {
  const times: number[] = [];
  let next = 0;
  const cpu0 = cpuSnapshot(t);
  const children0 = agentChildrenMs(t);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < pods.length) {
        const i = next++;
        const call: PluginCall = {
          command: op,
          containerId: `bench-${i}`,
          netns: `/run/netns/${pods[i]}`,
          ifname: 'eth0',
          args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${t.podNamespace};K8S_POD_NAME=pod-${i}`,
          path: t.path,
          plugin: t.plugin,
          via: t.via,
          config: t.config,
        };
        const t0 = process.hrtime.bigint();
        const r = await runPlugin(call);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (r.code !== 0) throw new Error(`${t.name} ${op} pod ${i} failed: ${r.stdout} ${r.stderr}`);
      }
    }),
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu1 = cpuSnapshot(t);
  const cpu: Record<string, number> = {};
  for (const [k, v] of Object.entries(cpu1)) cpu[k] = (v - (cpu0[k] ?? 0)) / pods.length;
  const children1 = agentChildrenMs(t);
  const agentChildren =
    children0 === undefined || children1 === undefined ? undefined : (children1 - children0) / pods.length;
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    target: t.name,
    concurrency,
    op,
    n: times.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean,
    wallMs,
    cpu,
    ...(agentChildren !== undefined && { agentChildren }),
  };
}

/** The test peer in its own process, so that this process's plugin starts never delay its answers. */
async function startPeerProcess(token: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const main = join(REPO_ROOT, 'dist/test/support/cni-controller-peer-main.js');
  const child = spawn(process.execPath, [main, '--token', token, '--pool-size', '253'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`the controller test peer exited with ${code}`)));
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop };
}

/**
 * The real controller (own data dir, loopback ports) and a one-node lab registered with it: ovs-vswitchd, the
 * node's sdn-agent and one tenant whose namespace is bound to its network. No lab pods: the bench makes its own.
 */
async function startLab(dir: string): Promise<{
  agentSocket: string;
  nodeNetns: string;
  podNamespace: string;
  processes: Record<string, number>;
  stop: () => Promise<void>;
}> {
  // The lab's switches dial the OpenFlow listener, so it needs a port known before the controller starts.
  mkdirSync(join(dir, 'controller'));
  const ctl = new ControllerProcess(join(dir, 'controller'), {}, `127.0.0.1:${await freeTcpPort()}`);
  await ctl.start();
  let lab: Lab | undefined;
  try {
    lab = await Lab.up(
      { url: ctl.url, tokenFile: ctl.tokenFile, openflowListen: ctl.openflowListen },
      { nodes: 1, pods: 0 },
    );
    const status = await lab.status();
    const node = status.nodes[0];
    if (!node) throw new Error('the lab came up without a node');
    const held = lab;
    const pid = (file: string): number =>
      Number(readFileSync(join(held.dir, node.name, file), 'utf8').trim());
    return {
      processes: {
        agent: pid('agent.pid'),
        controller: ctl.child?.pid ?? 0,
        'ovs-vswitchd': pid('vsw.pid'),
        'ovsdb-server': pid('ovsdb.pid'),
      },
      agentSocket: join(lab.dir, node.name, 'agent.sock'),
      nodeNetns: node.netns,
      podNamespace: 'tenant-1',
      stop: async () => {
        await held.down();
        await ctl.kill('SIGTERM');
      },
    };
  } catch (e) {
    await lab?.down();
    await ctl.kill('SIGTERM');
    throw e;
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  requireRootAndCniTools();
  const prefix = `sdnb-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const namespaces: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const mkns = async (name: string): Promise<string> => {
    namespaces.push(name);
    await addNetns(name);
    return name;
  };

  try {
    const targets: Target[] = [];
    if (o.only !== 'ours') {
      const node = await mkns(`${prefix}-ref`);
      targets.push({
        name: 'reference bridge + host-local',
        plugin: `${REFERENCE_DIR}/bridge`,
        via: ['nsenter', `--net=/run/netns/${node}`],
        path: REFERENCE_DIR,
        podNamespace: 'bench',
        processes: {},
        config: {
          cniVersion: '1.0.0',
          name: 'bench-ref',
          type: 'bridge',
          bridge: 'cnibench0',
          isGateway: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.78.0.0/16' }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: join(dir, 'host-local'),
          },
        },
      });
    }
    if (o.only !== 'reference') {
      let socket = o.agentSocket;
      let via: string[] = [];
      let podNamespace = 'bench';
      let processes: Record<string, number> = {};
      let name = `sdn-cni -> agent ${o.agentSocket}`;
      if (!socket && o.controller === 'lab') {
        const lab = await startLab(dir);
        cleanups.push(lab.stop);
        socket = lab.agentSocket;
        via = ['nsenter', `--net=/run/netns/${lab.nodeNetns}`];
        podNamespace = lab.podNamespace;
        processes = lab.processes;
        name = 'sdn-cni -> sdn-agent -> sdn-controller (lab)';
      } else if (!socket) {
        name = 'sdn-cni -> sdn-agent -> test peer';
        const node = await mkns(`${prefix}-ours`);
        const peer = await startPeerProcess('bench-token');
        cleanups.push(peer.stop);
        socket = join(dir, 'agent.sock');
        writeFileSync(join(dir, 'token'), 'bench-token\n');
        const log = openSync(join(dir, 'agent.log'), 'a');
        const agent: ChildProcess = spawn(
          process.execPath,
          [
            SDN_AGENT,
            '--socket',
            socket,
            '--controller',
            peer.url,
            '--token-file',
            join(dir, 'token'),
            '--node',
            'bench',
            '--host-netns',
            node,
            '--log-level',
            'warn',
          ],
          { stdio: ['ignore', log, log] },
        );
        if (agent.pid !== undefined) processes = { agent: agent.pid };
        cleanups.push(
          () =>
            new Promise<void>((r) =>
              agent.exitCode !== null ? r() : (agent.once('exit', () => r()), agent.kill()),
            ),
        );
        const deadline = Date.now() + 15_000;
        while (
          !(await run('curl', ['-sf', '--unix-socket', socket, 'http://a/healthz']).then(
            () => true,
            () => false,
          ))
        ) {
          if (Date.now() > deadline) throw new Error(`sdn-agent did not start; see ${dir}/agent.log`);
          await new Promise((r) => setTimeout(r, 50));
        }
        via = ['nsenter', `--net=/run/netns/${node}`];
      }
      targets.push({
        name,
        plugin: SDN_CNI,
        via,
        path: '/usr/lib/cni',
        podNamespace,
        processes,
        config: {
          cniVersion: '1.1.0',
          name: 'bench-sdn',
          type: 'sdn-cni',
          agentSocket: socket,
          ...(o.network && { network: o.network }),
        },
      });
    }

    // Each target gets its own pods, and the targets take turns phase by phase, so that load from other
    // processes on the machine falls on both alike.
    const pods = new Map<Target, string[]>();
    for (const [k, t] of targets.entries()) {
      const list: string[] = [];
      for (let i = 0; i < o.pods; i++) list.push(await mkns(`${prefix}-t${k}p${i}`));
      pods.set(t, list);
    }
    const podsOf = (t: Target): string[] => pods.get(t) ?? [];

    for (const t of targets) {
      // One warm-up ADD+DEL (the reference creates its bridge on the first ADD; the agent warms its connection).
      await measure(t, podsOf(t).slice(0, 1), 1, 'ADD');
      await measure(t, podsOf(t).slice(0, 1), 1, 'DEL');
    }
    const loadBefore = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    const rows: Row[] = [];
    for (const c of o.concurrency) {
      for (const op of ['ADD', 'DEL'] as const) {
        for (const t of targets) rows.push(await measure(t, podsOf(t), c, op));
      }
    }

    const f = (x: number): string => x.toFixed(1);
    console.log(
      `CNI ADD/DEL latency, ${o.pods} pods, ${new Date().toISOString()}, ${cpus().length} cores, ` +
        `load average ${loadBefore} before, ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} after`,
    );
    console.log('| target | concurrency | op | n | p50 ms | p99 ms | mean ms | wall ms |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.target} | ${r.concurrency} | ${r.op} | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.mean)} | ${f(r.wallMs)} |`,
      );
    }
    const names = [...new Set(rows.flatMap((r) => Object.keys(r.cpu)))];
    console.log(
      `\nCPU ms per operation (process and its reaped children; plugin = what the runtime starts):`,
    );
    console.log(`| target | concurrency | op | ${names.join(' | ')} | total |`);
    console.log(`|---|---|---|${names.map(() => '---|').join('')}---|`);
    for (const r of rows) {
      const cells = names.map((k) => (r.cpu[k] === undefined ? '' : f(r.cpu[k])));
      const total = Object.values(r.cpu).reduce((a, b) => a + b, 0);
      console.log(`| ${r.target} | ${r.concurrency} | ${r.op} | ${cells.join(' | ')} | ${f(total)} |`);
    }
    const split = rows.filter((r) => r.agentChildren !== undefined);
    if (split.length > 0) {
      console.log(
        `\nOf the agent's CPU per operation, its own (Node) and its children's (ip, sh, nsenter, ethtool):`,
      );
      for (const r of split) {
        const children = r.agentChildren ?? 0;
        const own = (r.cpu.agent ?? 0) - children;
        console.log(`${r.concurrency} ${r.op}: own ${f(own)}, children ${f(children)}`);
      }
    }
    const ref = rows.filter((r) => r.target.startsWith('reference'));
    const ours = rows.filter((r) => !r.target.startsWith('reference'));
    for (const r of ours) {
      const base = ref.find((b) => b.concurrency === r.concurrency && b.op === r.op);
      if (base)
        console.log(
          `ours/reference ${r.op} c=${r.concurrency}: p50 ${(r.p50 / base.p50).toFixed(2)}x, p99 ${(r.p99 / base.p99).toFixed(2)}x`,
        );
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    for (const ns of namespaces) await delNetns(ns);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench/cni: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
