// Soak: churns pods (through the lab's real CNI path) and Services against a real controller for a while, then
// checks what must hold however the churn went (issue 11):
//   - addresses: the controller holds exactly the live pods, no address twice, the IPAM's used count equals them;
//   - flows: every switch holds exactly the compiled desired set under our cookies (no stale, none missing);
//   - OVSDB: no port twice on any bridge, the managed ports are exactly the node's live pods, each with an ofport;
//   - pods: every live pod pings a pod on another node;
//   - the store: after a SIGKILL it opens and passes its consistency check, with every endpoint.
//   node dist/bench/soak/index.js [--seconds 60] [--nodes 2] [--max-pods 24] [--workers 4] [--seed 1] [--kill-every S]
// With --kill-every the controller is SIGKILLed every S seconds and started again a second later (same data dir and
// ports) while the churn goes on. An operation cut by a kill is what a runtime sees then: a failed ADD's sandbox is
// given up (the CNI GC at the end must free what it left), a DEL is retried until it succeeds, and a Service change
// may or may not have happened. Operations that fail outside the kill windows still count as failures.
// Needs root and Open vSwitch. Exit status 1 when an operation failed or an invariant does not hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CNI_NETWORK, CNI_VERSION, runCni, summarizeResult } from '../../northbound/cli/lab/cni';
import { run } from '../../northbound/cli/lab/exec';
import type { NodePlan } from '../../northbound/cli/lab/layout';
import { addNamespace, deleteNamespace } from '../../northbound/cli/lab/namespaces';
import { readState, type LabState } from '../../northbound/cli/lab/state';
import { ControllerProcess, request } from '../../test/support/controller-process';
import { Lab, ping } from '../../test/support/lab';
import { mulberry32 } from '../../test/support/rng';
import { cleanupStaleSandboxes, freeTcpPort, requireRootAndOvs } from '../../test/support/ovs';

interface Options {
  seconds: number;
  nodes: number;
  maxPods: number;
  workers: number;
  seed: number;
  /** SIGKILL the controller every this many seconds and start it again a second later; 0: never. */
  killEvery: number;
}

function options(argv: readonly string[]): Options {
  const o: Options = { seconds: 60, nodes: 2, maxPods: 24, workers: 4, seed: 1, killEvery: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const value = Number(argv[i + 1]);
    if (!key || !(key in o) || !Number.isInteger(value) || value < (key === 'killEvery' ? 0 : 1))
      throw new Error(
        `usage: soak [--seconds S] [--nodes N] [--max-pods P] [--workers W] [--seed X] [--kill-every S]; bad ${argv[i]}`,
      );
    o[key as keyof Options] = value;
  }
  return o;
}

interface Pod {
  name: string;
  containerId: string;
  netns: string;
  node: NodePlan;
  ips: string[];
  /** From the lab itself: kept, never deleted by the churn. */
  fixed: boolean;
}

const OPS = ['pod add', 'pod del', 'service add', 'service update', 'service del'] as const;
type Op = (typeof OPS)[number];

class Soak {
  readonly pods = new Map<string, Pod>();
  readonly services = new Map<string, string>(); // name -> id
  readonly done = new Map<Op, number>(OPS.map((o) => [o, 0]));
  readonly failures: string[] = [];
  /** Service changes refused with 404 because a backend pod was deleted meanwhile (the churn racing itself). */
  raced = 0;
  /** Operations cut by a controller kill (--kill-every), and the kill windows: [killed at, up again at]. */
  interrupted = 0;
  readonly windows: [number, number][] = [];
  private seq = 0;
  /** Pods being added or deleted: not picked by another worker meanwhile. */
  private readonly busy = new Set<string>();

  constructor(
    readonly state: LabState,
    /** The controller of the moment: --kill-every replaces it. */
    readonly ctl: { current: ControllerProcess },
    readonly rand: () => number,
    readonly opts: Options,
  ) {}

  private api(method: string, path: string, body?: unknown) {
    return request(this.ctl.current.url, this.ctl.current.adminToken(), method, path, body);
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length ? items[Math.floor(this.rand() * items.length)] : undefined;
  }

  /** CNI GC as the runtime sends it (CNI 1.1), with every live pod of the node as a valid attachment. */
  async gc(node: NodePlan): Promise<void> {
    const plugin = this.state.controller!.cniPlugin;
    await run(plugin, [], {
      env: { ...process.env, CNI_COMMAND: 'GC', CNI_PATH: dirname(plugin) },
      input: JSON.stringify({
        cniVersion: CNI_VERSION,
        name: CNI_NETWORK,
        type: 'sdn-cni',
        agentSocket: node.agentSocket,
        'cni.dev/valid-attachments': [...this.pods.values()]
          .filter((p) => p.node === node)
          .map((p) => ({ containerID: p.containerId, ifname: 'eth0' })),
      }),
      timeoutMs: 60_000,
    });
  }

  private cni(command: 'ADD' | 'DEL', pod: Pod) {
    return runCni({
      plugin: this.state.controller!.cniPlugin,
      command,
      containerId: pod.containerId,
      netns: pod.netns,
      ifname: 'eth0',
      podNamespace: this.state.plan.tenants[0]!.namespace,
      podName: pod.name,
      agentSocket: pod.node.agentSocket,
      timeoutMs: 60_000,
    });
  }

  private free(): Pod[] {
    return [...this.pods.values()].filter((p) => !p.fixed && !this.busy.has(p.name));
  }

  /** One random operation; what is impossible right now (no pod to delete) becomes an add. */
  async step(): Promise<void> {
    const r = this.rand();
    const churnable = this.free();
    let op: Op =
      r < 0.35
        ? 'pod add'
        : r < 0.6
          ? 'pod del'
          : r < 0.75
            ? 'service add'
            : r < 0.9
              ? 'service update'
              : 'service del';
    if (op === 'pod add' && this.pods.size + this.busy.size >= this.opts.maxPods) op = 'pod del';
    if (op === 'pod del' && churnable.length === 0) op = 'pod add';
    if ((op === 'service update' || op === 'service del') && this.services.size === 0) op = 'service add';
    const started = Date.now();
    try {
      await this[op === 'pod add' ? 'addPod' : op === 'pod del' ? 'delPod' : 'service'](op);
      this.done.set(op, (this.done.get(op) ?? 0) + 1);
    } catch (err) {
      if (this.cutByKill(started, Date.now())) this.interrupted++;
      else this.failures.push(`${op}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Whether an operation over [from, to] overlapped a kill window (the restart and 5 s of reconnecting after). */
  private cutByKill(from: number, to: number): boolean {
    return this.windows.some(([down, up]) => from <= (up < 0 ? Infinity : up + 5000) && to >= down);
  }

  async addPod(): Promise<void> {
    const n = ++this.seq;
    const name = `s${n}`;
    const pod: Pod = {
      name,
      containerId: `${this.state.plan.prefix}-${name}`,
      netns: `${this.state.plan.prefix}-${name}`,
      node: this.state.plan.nodes[n % this.state.plan.nodes.length]!,
      ips: [],
      fixed: false,
    };
    this.busy.add(name);
    try {
      await addNamespace(pod.netns, true);
      const result = await this.cni('ADD', pod).catch(async (err: unknown) => {
        await deleteNamespace(pod.netns); // the runtime gives the sandbox up; no DEL reaches the controller
        throw err;
      });
      pod.ips = summarizeResult(result, 'eth0').cidrs.map((c) => c.split('/')[0]!);
      this.pods.set(name, pod);
    } finally {
      this.busy.delete(name);
    }
  }

  async delPod(): Promise<void> {
    const pod = this.pick(this.free());
    if (!pod) return;
    this.busy.add(pod.name);
    this.pods.delete(pod.name);
    const started = Date.now();
    try {
      // A runtime retries a DEL until it succeeds; here only while a controller kill explains the failure.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.cni('DEL', pod);
          break;
        } catch (err) {
          if (attempt >= 30 || !this.cutByKill(started, Date.now())) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      await deleteNamespace(pod.netns);
    } finally {
      this.busy.delete(pod.name);
    }
  }

  /** Backends are endpoints by id: some of them are deleted pods by the time the service changes, on purpose. */
  private async backends(): Promise<{ endpoint: string }[]> {
    const page = await this.api('GET', '/api/v1/endpoints?limit=1000');
    const ids = (page.json.items as { id: string; kind: string }[])
      .filter((e) => e.kind === 'pod')
      .map((e) => e.id);
    const out = new Set<string>();
    for (let i = 0, n = 1 + Math.floor(this.rand() * 3); i < n; i++) {
      const id = this.pick(ids);
      if (id) out.add(id);
    }
    return [...out].map((endpoint) => ({ endpoint }));
  }

  async service(op: Op): Promise<void> {
    const network = this.state.registrations.find((r) => r.kind === 'networks')!.id;
    if (op === 'service add') {
      const name = `svc${++this.seq}`;
      const r = await this.api('POST', '/api/v1/services', {
        network,
        name,
        ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
        backends: await this.backends(),
      });
      if (r.status === 404) {
        this.raced++; // a backend's pod was deleted meanwhile: the API says which, nothing was made
        return;
      }
      if (r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(r.json)}`);
      this.services.set(name, r.json.id as string);
      return;
    }
    const name = this.pick([...this.services.keys()])!;
    const id = this.services.get(name)!;
    if (op === 'service del') this.services.delete(name);
    const r =
      op === 'service del'
        ? await this.api('DELETE', `/api/v1/services/${id}`)
        : await this.api('PATCH', `/api/v1/services/${id}`, { backends: await this.backends() });
    // A backend deleted meanwhile is a 404 the API explains: the churn races itself, and that is not a failure.
    if (op === 'service update' && r.status === 404) this.raced++;
    else if (r.status !== (op === 'service del' ? 204 : 200))
      throw new Error(`${r.status} ${JSON.stringify(r.json)}`);
  }
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  requireRootAndOvs();
  await cleanupStaleSandboxes();
  // Fixed ports, so that a controller started again after a kill is where the lab's agents and relay look.
  const dataDir = mkdtempSync(join(tmpdir(), `sdn-soak-${process.pid}-`));
  const openflow = `127.0.0.1:${await freeTcpPort()}`;
  const apiListen = `127.0.0.1:${await freeTcpPort()}`;
  const ctl = { current: await new ControllerProcess(dataDir, {}, openflow, apiListen).start() };
  let lab: Lab | undefined;
  try {
    lab = await Lab.up(ctl.current, { nodes: opts.nodes, pods: 1, tenants: 1 });
    const state = readState(lab.dir)!;
    const soak = new Soak(state, ctl, mulberry32(opts.seed), opts);
    for (const p of state.pods) {
      soak.pods.set(p.name, {
        name: p.name,
        containerId: p.containerId!,
        netns: p.netns,
        node: state.plan.nodes.find((n) => n.name === p.node)!,
        ips: p.ips,
        fixed: true,
      });
    }
    const reserved =
      (await used(ctl.current)) - (await endpoints(ctl.current)).reduce((n, e) => n + e.ips.length, 0);

    console.log(
      `soak: ${opts.seconds} s, ${opts.nodes} nodes, up to ${opts.maxPods} pods, ${opts.workers} workers, seed ${opts.seed}` +
        (opts.killEvery ? `, controller SIGKILLed every ${opts.killEvery} s` : ''),
    );
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const deadline = t0 + opts.seconds * 1000;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const killer = async (): Promise<void> => {
      if (!opts.killEvery) return;
      for (;;) {
        await sleep(opts.killEvery * 1000);
        if (Date.now() > deadline - 2000) return;
        const window: [number, number] = [Date.now(), -1];
        soak.windows.push(window);
        await ctl.current.kill('SIGKILL');
        await sleep(1000);
        ctl.current = await new ControllerProcess(dataDir, {}, openflow, apiListen).start();
        window[1] = Date.now();
      }
    };
    await Promise.all([
      killer(),
      ...Array.from({ length: opts.workers }, async () => {
        while (Date.now() < deadline) await soak.step();
      }),
    ]);
    const churnMs = Date.now() - t0;
    const ops = [...soak.done.values()].reduce((a, b) => a + b, 0);
    console.log(
      `churn: ${ops} operations in ${(churnMs / 1000).toFixed(1)} s (${[...soak.done].map(([o, n]) => `${o} ${n}`).join(', ')}); ` +
        `${soak.failures.length} failed, ${soak.raced} refused for a backend deleted meanwhile, ` +
        `${soak.interrupted} cut by ${soak.windows.length} controller kills; ${soak.pods.size} pods and ${soak.services.size} services at the end; ` +
        `load ${loadavg()[0]!.toFixed(1)}; soak process CPU ${((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6).toFixed(1)} s`,
    );
    for (const f of soak.failures.slice(0, 10)) console.log(`  failed: ${f}`);

    await sleep(2000); // the last reconciles land
    // What a runtime does after a controller restart: a GC with the live pods frees what cut ADDs left behind.
    for (const node of state.plan.nodes) await soak.gc(node);
    const controller = ctl.current;
    const broken = await invariants(soak, controller, state, reserved);
    // The store, as a crash right now would leave it: SIGKILL, and a new controller on the same data dir runs the
    // open-time check (integrity_check, foreign keys, every address with its allocation) or refuses to start.
    await controller.kill('SIGKILL');
    const again = await new ControllerProcess(controller.dataDir).start().then(
      (c) => c,
      (err: unknown) => {
        broken.push(
          `the store does not open after a SIGKILL: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      },
    );
    if (again) {
      const eps = await endpoints(again);
      if (eps.length !== soak.pods.size)
        broken.push(`after a SIGKILL the store holds ${eps.length} endpoints for ${soak.pods.size} pods`);
      console.log(`store: opens consistent after a SIGKILL, ${eps.length} endpoints`);
      await again.kill('SIGTERM');
    }
    for (const b of broken) console.log(`  BROKEN: ${b}`);
    console.log(broken.length === 0 ? 'invariants: all hold' : `invariants: ${broken.length} broken`);
    if (broken.length > 0 || soak.failures.length > 0) process.exitCode = 1;
  } finally {
    await lab?.down();
    await ctl.current.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function get(controller: ControllerProcess, path: string): Promise<Record<string, unknown>> {
  const r = await request(controller.url, controller.adminToken(), 'GET', path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function endpoints(
  controller: ControllerProcess,
): Promise<{ containerId?: string; nodeId: string; ips: string[]; portName?: string }[]> {
  return (await get(controller, '/api/v1/endpoints?limit=1000')).items as {
    containerId?: string;
    nodeId: string;
    ips: string[];
    portName?: string;
  }[];
}

async function used(controller: ControllerProcess): Promise<number> {
  const items = (await get(controller, '/api/v1/subnets?limit=1000')).items as { stats: { used: number } }[];
  return items.reduce((n, s) => n + s.stats.used, 0);
}

async function invariants(
  soak: Soak,
  controller: ControllerProcess,
  state: LabState,
  reserved: number,
): Promise<string[]> {
  const broken: string[] = [];
  const live = [...soak.pods.values()];

  // Addresses.
  const eps = await endpoints(controller);
  const held = eps.map((e) => e.containerId ?? '').sort();
  const wanted = live.map((p) => p.containerId).sort();
  const extra = held.filter((c) => !wanted.includes(c));
  const missing = wanted.filter((c) => !held.includes(c));
  if (extra.length) broken.push(`endpoints of no live pod (leaked): ${extra.join(', ')}`);
  if (missing.length) broken.push(`live pods without an endpoint: ${missing.join(', ')}`);
  const ips = eps.flatMap((e) => e.ips);
  if (new Set(ips).size !== ips.length) broken.push('an address is held twice');
  const u = await used(controller);
  if (u !== reserved + ips.length)
    broken.push(`IPAM holds ${u} addresses; endpoints and reserved make ${reserved + ips.length}`);
  console.log(
    `addresses: ${eps.length} endpoints for ${live.length} live pods, ${u} addresses used (${reserved} reserved)`,
  );

  // Flows: what each switch holds under our cookies against what the controller compiles for it.
  const nodes = (await get(controller, '/api/v1/nodes?limit=1000')).items as { id: string; name: string }[];
  for (const n of nodes) {
    const flows = async (source: string): Promise<string[]> =>
      (
        (await get(controller, `/api/v1/nodes/${n.id}/flows?source=${source}`)).items as {
          feature: string;
          text: string;
        }[]
      )
        .filter((f) => f.feature !== 'foreign' && f.feature !== 'session')
        .map((f) => f.text)
        .sort();
    const [have, want] = [await flows('live'), await flows('compiled')];
    const stale = have.filter((f) => !want.includes(f));
    const absent = want.filter((f) => !have.includes(f));
    console.log(
      `flows on ${n.name}: ${have.length} on the switch, ${want.length} compiled, ${stale.length} stale, ${absent.length} missing`,
    );
    if (stale.length) broken.push(`${n.name}: ${stale.length} stale flows, e.g. ${stale[0]}`);
    if (absent.length) broken.push(`${n.name}: ${absent.length} missing flows, e.g. ${absent[0]}`);
  }

  // OVSDB ports.
  for (const node of state.plan.nodes) {
    const out = await run('ovs-vsctl', [
      `--db=unix:${node.dbSocket}`,
      '--timeout=10',
      '--format=csv',
      '--no-headings',
      '--columns=name,ofport,external_ids',
      'list',
      'Interface',
    ]);
    const rows = out.split('\n').filter(Boolean);
    const names = rows.map((r) => r.split(',')[0]!);
    if (new Set(names).size !== names.length) broken.push(`${node.name}: an OVSDB interface appears twice`);
    const ports = (
      await run('ovs-vsctl', [`--db=unix:${node.dbSocket}`, '--timeout=10', 'list-ports', 'br-int'])
    )
      .split('\n')
      .filter(Boolean);
    if (new Set(ports).size !== ports.length) broken.push(`${node.name}: a port appears twice on br-int`);
    const managed = rows.filter((r) => r.includes('container-id='));
    const onNode = live.filter((p) => p.node === node);
    if (managed.length !== onNode.length)
      broken.push(`${node.name}: ${managed.length} pod ports in OVSDB for ${onNode.length} live pods`);
    const noPort = managed.filter((r) => !/^[^,]+,[1-9]\d*,/.test(r));
    if (noPort.length) broken.push(`${node.name}: pod ports without an ofport: ${noPort.join(' | ')}`);
    console.log(
      `OVSDB on ${node.name}: ${ports.length} ports on br-int, ${managed.length} pod ports, ${onNode.length} live pods`,
    );
  }

  // Every live pod pings a pod on another node (the lab's own pods stay for this).
  const v4 = (p: Pod) => p.ips.find((ip) => !ip.includes(':'))!;
  const silent: string[] = [];
  const t0 = Date.now();
  for (const p of live) {
    const peer = live.find((q) => q.fixed && q.node !== p.node)!;
    if (!(await ping(p.netns, v4(peer), 2))) silent.push(`${p.name}@${p.node.name} -> ${peer.name}`);
  }
  console.log(
    `pings: ${live.length - silent.length}/${live.length} pods reach another node (${Date.now() - t0} ms)`,
  );
  if (silent.length) broken.push(`pods that reach no other node: ${silent.join(', ')}`);
  return broken;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
