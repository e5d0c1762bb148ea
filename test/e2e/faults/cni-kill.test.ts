// Kill -9 the controller in the middle of 200 concurrent CNI ADDs in the lab (issue 11), the way a node sees it:
// the real plugin (`sdn-cni`) through each node's agent, a real pod namespace per ADD. The controller is restarted
// on the same data dir and ports a second later, as a supervisor would, while the runtime keeps adding. An ADD that
// failed is what a runtime gives up on: the sandbox goes (its namespace is deleted, no DEL reaches the controller)
// and a new sandbox with a new container id is added again. Afterwards a CNI GC per node with the live container
// list must free every allocation the failed ADDs (and 4 pods the runtime forgot) left behind, and every pod must
// ping.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CNI_NETWORK, CNI_VERSION, runCni, summarizeResult } from '../../../northbound/cli/lab/cni.js';
import { run } from '../../../northbound/cli/lab/exec.js';
import type { NodePlan } from '../../../northbound/cli/lab/layout.js';
import { addNamespace, deleteNamespace } from '../../../northbound/cli/lab/namespaces.js';
import { readState, type LabState } from '../../../northbound/cli/lab/state.js';
import { ControllerProcess, request } from '../../support/controller-process.js';
import { Lab, ping } from '../../support/lab.js';
import { cleanupStaleSandboxes, freeTcpPort, requireRootAndOvs } from '../../support/ovs.js';

const BURST = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pod {
  containerId: string;
  netns: string;
  node: NodePlan;
  ips: string[];
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

describe('e2e faults: kill -9 the controller during 200 concurrent CNI ADDs in the lab', function () {
  this.timeout(300_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let state: LabState;
  let dataDir: string;
  let openflow: string;
  let apiListen: string;

  const admin = () => controller!.adminToken();
  const api = async (path: string) => {
    const r = await request(controller!.url, admin(), 'GET', path);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
    return r.json;
  };
  /** Every endpoint the controller holds, through the paginated list. */
  const endpoints = async (): Promise<{ containerId?: string; nodeId: string; ips: string[] }[]> => {
    const all: { containerId?: string; nodeId: string; ips: string[] }[] = [];
    let cursor = '';
    for (;;) {
      const page = await api(`/api/v1/endpoints?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...(page.items as typeof all));
      if (typeof page.next !== 'string') return all;
      cursor = page.next;
    }
  };
  /** Addresses the IPAM holds as used in the lab tenant's subnets. */
  const used = async (): Promise<number> => {
    const page = await api('/api/v1/subnets?limit=1000');
    return (page.items as { stats: { used: number } }[]).reduce((n, s) => n + s.stats.used, 0);
  };

  const cni = (command: 'ADD', pod: Pod, podName: string) =>
    runCni({
      plugin: state.controller!.cniPlugin,
      command,
      containerId: pod.containerId,
      netns: pod.netns,
      ifname: 'eth0',
      podNamespace: state.plan.tenants[0]!.namespace,
      podName,
      agentSocket: pod.node.agentSocket,
      timeoutMs: 60_000,
    });

  /** CNI GC as the runtime sends it (CNI 1.1): no attachment parameters, the valid attachments in the config. */
  const gc = async (node: NodePlan, valid: readonly Pod[]): Promise<void> => {
    const plugin = state.controller!.cniPlugin;
    await run(plugin, [], {
      env: { ...process.env, CNI_COMMAND: 'GC', CNI_PATH: dirname(plugin) },
      input: JSON.stringify({
        cniVersion: CNI_VERSION,
        name: CNI_NETWORK,
        type: 'sdn-cni',
        agentSocket: node.agentSocket,
        'cni.dev/valid-attachments': valid.map((p) => ({ containerID: p.containerId, ifname: 'eth0' })),
      }),
      timeoutMs: 60_000,
    });
  };

  /** The controller's error lines, shown when the test fails. */
  const errors: string[] = [];
  const keepLog = (c: ControllerProcess): void => {
    c.child?.stdout?.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) if (/"level":(50|60)/.test(line)) errors.push(line);
    });
  };
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && errors.length > 0)
      process.stdout.write(`      controller errors:\n${errors.slice(0, 5).join('\n')}\n`);
  });

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    dataDir = mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-ctl-`));
    openflow = `127.0.0.1:${await freeTcpPort()}`;
    apiListen = `127.0.0.1:${await freeTcpPort()}`;
    controller = await new ControllerProcess(dataDir, {}, openflow, apiListen).start();
    keepLog(controller);
    lab = await Lab.up(controller, { nodes: 2, pods: 1, tenants: 1 });
    state = readState(lab.dir)!;
  });
  after(async () => {
    await lab?.down(); // also deletes the pod namespaces below: they carry the lab's prefix
    await controller?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('no address twice, retried ADDs succeed, GC frees every leaked allocation, every live pod pings', async () => {
    const nodes = state.plan.nodes;
    const labPods: Pod[] = state.pods.map((p) => ({
      containerId: p.containerId!,
      netns: p.netns,
      node: nodes.find((n) => n.name === p.node)!,
      ips: p.ips,
    }));
    // What the IPAM holds besides pod addresses (gateways, reserved), so that "used" can be compared with pods.
    const reserved = (await used()) - (await endpoints()).reduce((n, e) => n + e.ips.length, 0);

    const podOf = (i: number, attempt: string): Pod => ({
      containerId: `${state.plan.prefix}-k${i}${attempt}`,
      netns: `${state.plan.prefix}-k${i}${attempt}`,
      node: nodes[i % nodes.length]!,
      ips: [],
    });
    const live = new Map<string, Pod>();
    const failed: number[] = [];
    let restarted: Promise<void> | undefined;
    const add = async (pod: Pod, i: number): Promise<void> => {
      await addNamespace(pod.netns, true);
      const result = await cni('ADD', pod, `k${i}`);
      pod.ips = summarizeResult(result, 'eth0').cidrs.map((c) => c.split('/')[0]!);
      live.set(pod.containerId, pod);
    };

    await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        await sleep(i * 10); // a kubelet starting 200 pods over ~2 s
        const pod = podOf(i, '');
        try {
          await add(pod, i);
          // Once a tenth is in, the controller dies; a supervisor starts it again a second later.
          if (live.size >= BURST / 10 && !restarted) {
            restarted = (async () => {
              await controller!.kill('SIGKILL');
              await sleep(1000);
              controller = await new ControllerProcess(dataDir, {}, openflow, apiListen).start();
              keepLog(controller);
            })();
          }
        } catch {
          // The runtime gives the sandbox up: no DEL (it would fail too while the controller is down).
          failed.push(i);
          await deleteNamespace(pod.netns);
        }
      }),
    );
    await restarted;
    assert.ok(restarted, 'the controller was killed during the burst');
    process.stdout.write(`      (${live.size} ADDs succeeded, ${failed.length} failed across the kill)\n`);

    // The runtime tries again with a new sandbox; an ADD may still meet a controller that is starting.
    await pool(failed, 16, async (i) => {
      let last: unknown;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const pod = podOf(i, `r${attempt}`);
        try {
          await add(pod, i);
          return;
        } catch (err) {
          last = err;
          await deleteNamespace(pod.netns);
          await sleep(1000);
        }
      }
      throw new Error(`retried ADD of k${i} failed 3 times: ${String(last)}`);
    });
    assert.equal(live.size, BURST, 'every pod of the burst is running');

    // However the kill fell, the runtime also loses track of 4 running pods (a runtime restart that lost its
    // state): their sandboxes go without a DEL. Their attachments are leaks the GC must free too, and their dead
    // ports must not disturb the other pods of their nodes.
    const forgotten = [...live.values()].slice(0, 4);
    for (const p of forgotten) {
      live.delete(p.containerId);
      await deleteNamespace(p.netns);
    }

    const addresses = [...live.values(), ...labPods].flatMap((p) => p.ips);
    assert.equal(new Set(addresses).size, addresses.length, 'no address given twice');

    const leakedBefore = (await endpoints()).filter(
      (e) =>
        e.containerId && !live.has(e.containerId) && !labPods.some((p) => p.containerId === e.containerId),
    ).length;
    for (const node of nodes) {
      await gc(
        node,
        [...live.values(), ...labPods].filter((p) => p.node === node),
      );
    }
    const after = await endpoints();
    const held = after.map((e) => e.containerId ?? '').sort();
    const wanted = [...live.keys(), ...labPods.map((p) => p.containerId)].sort();
    process.stdout.write(
      `      (${leakedBefore} leaked attachments before the GC, ${held.length - wanted.length} after)\n`,
    );
    assert.ok(leakedBefore >= forgotten.length, `${leakedBefore} leaked attachments before the GC`);
    assert.deepEqual(held, wanted, 'the controller holds exactly the live pods');
    assert.equal(
      await used(),
      reserved + addresses.length,
      "the IPAM holds exactly the live pods' addresses",
    );

    // Every pod reaches a pod on the other node; and all pairs of a sample of 6 per node, both ways.
    const v4 = (p: Pod) => p.ips.find((ip) => !ip.includes(':'))!;
    const peerOn = (n: NodePlan) => labPods.find((p) => p.node !== n)!;
    const started = Date.now();
    const silent = (
      await pool([...live.values()], 16, async (p) =>
        (await ping(p.netns, v4(peerOn(p.node)), 2)) ? '' : p.netns,
      )
    ).filter(Boolean);
    const sample = nodes.map((n) => [...live.values()].filter((p) => p.node === n).slice(0, 6));
    const pairs = sample[0]!.flatMap((a) => sample[1]!.flatMap((b) => [[a, b] as const, [b, a] as const]));
    const unreachable = (
      await pool(pairs, 16, async ([a, b]) =>
        (await ping(a.netns, v4(b), 2)) ? '' : `${a.netns}->${b.netns}`,
      )
    ).filter(Boolean);
    process.stdout.write(
      `      (${live.size} pods pinged a peer across nodes, ${pairs.length} sample pairs, in ${Date.now() - started} ms)\n`,
    );
    assert.deepEqual(silent, [], 'pods that could not reach the other node');
    assert.deepEqual(unreachable, [], 'sample pairs that could not reach each other');
  });
});
