// A network partition of one lab node from the controller (issue 11): both of n1's paths to the controller
// (OpenFlow through the relay, OVSDB) are dropped with iptables (`sdnctl lab partition`). n1 must keep forwarding
// with the flows it has (fail_mode=secure): a continuous ping between its pod and n2's loses nothing. A pod added
// on n2 during the partition must reach n1 once the partition heals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { runCni, summarizeResult } from '../../../northbound/cli/lab/cni.js';
import { run } from '../../../northbound/cli/lab/exec.js';
import { addNamespace, labNamespaces } from '../../../northbound/cli/lab/namespaces.js';
import { healNode, partitionNode, removeStaleRules } from '../../../northbound/cli/lab/partition.js';
import { readState, type LabState } from '../../../northbound/cli/lab/state.js';
import { ControllerProcess, startLabController } from '../../support/controller-process.js';
import { Lab, ping, type LabPod } from '../../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../../support/ovs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** A ping at 10/s that runs until stopped: how many were sent and how many came back. */
function continuousPing(
  netns: string,
  ip: string,
): { stop: () => Promise<{ sent: number; received: number }> } {
  const p = spawn('ip', ['netns', 'exec', netns, 'ping', '-4', '-n', '-i', '0.1', '-W', '2', ip], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<{ sent: number; received: number }>((resolve) =>
    p.once('exit', () => {
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      resolve({ sent: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0) });
    }),
  );
  return {
    stop: async () => {
      await sleep(2500); // the replies to the last requests
      p.kill('SIGINT'); // ping prints its summary on SIGINT
      return done;
    },
  };
}

describe('e2e faults: one node partitioned from the controller', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let state: LabState;
  let pods: LabPod[];
  const v4 = (ips: readonly string[]): string => ips.find((ip) => !ip.includes(':')) as string;

  /** Whether n's ovs-vswitchd says it is connected to its controller. */
  const connected = async (name: string): Promise<boolean> => {
    const node = state.plan.nodes.find((n) => n.name === name)!;
    const out = await run('ovs-vsctl', [
      `--db=unix:${node.dbSocket}`,
      '--timeout=5',
      '--format=csv',
      '--no-headings',
      '--columns=is_connected',
      'list',
      'Controller',
    ]);
    return out.trim() === 'true';
  };

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    await removeStaleRules(async (prefix) => (await labNamespaces(prefix)).length > 0);
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 1, tenants: 1 });
    state = readState(lab.dir)!;
    pods = (await lab.status()).pods;
  });
  after(async () => {
    if (state) await healNode(state, 'n1').catch(() => undefined);
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  it('keeps forwarding with its last flows while cut off, and takes a change made meanwhile when it returns', async () => {
    const a = pods.find((p) => p.node === 'n1')!;
    const b = pods.find((p) => p.node === 'n2')!;
    // vswitchd writes its controller's status to OVSDB every few seconds.
    await waitFor('n1 reports its controller connected', 20_000, () => connected('n1'));
    assert.ok(await ping(a.netns, v4(b.ips)), 'the pods ping before the partition');

    const pinging = continuousPing(a.netns, v4(b.ips));
    await sleep(1000);
    await partitionNode(state, 'n1');
    // ovs-vswitchd gives its controller up after two silent inactivity probes (5 s each): from then on only its
    // fail_mode decides, and `secure` keeps the flows.
    const lostAfter = await waitFor(
      'n1 notices it lost the controller',
      30_000,
      async () => !(await connected('n1')),
    );
    assert.ok(await connected('n2'), 'n2 is not affected');

    // A change during the partition: a new pod on n2.
    const netns = `${state.plan.prefix}-x1`;
    await addNamespace(netns, true);
    const added = await runCni({
      plugin: state.controller!.cniPlugin,
      command: 'ADD',
      containerId: netns,
      netns,
      ifname: 'eth0',
      podNamespace: state.plan.tenants[0]!.namespace,
      podName: 'x1',
      agentSocket: state.plan.nodes[1]!.agentSocket,
    });
    const newIp = v4(summarizeResult(added, 'eth0').cidrs.map((c) => c.split('/')[0]!));
    assert.ok(await ping(b.netns, newIp), 'the new pod works on its own node');
    assert.ok(!(await ping(a.netns, newIp, 1)), 'n1 cannot know the new pod while cut off');
    await sleep(3000); // n1 stays cut off a while longer with the ping running

    await healNode(state, 'n1');
    const back = await waitFor('the new pod reachable from n1 after the partition', 60_000, () =>
      ping(a.netns, newIp, 1),
    );
    await waitFor('n1 reports its controller connected again', 20_000, () => connected('n1'));
    const result = await pinging.stop();
    process.stdout.write(
      `      (n1 lost the controller ${lostAfter} ms after the cut; the new pod reachable ${back} ms after healing; ` +
        `continuous ping: ${result.sent - result.received}/${result.sent} lost)\n`,
    );
    assert.ok(result.sent > 100, `the continuous ping ran (${result.sent} sent)`);
    assert.equal(result.received, result.sent, 'no packet lost between n1 and n2 across the partition');
  });
});
