// The per-pod path of the reconciler (a CNI ADD or DEL changes only that pod's port, flows and flood group, with no
// full compile of the node) against the real controller, agent, plugin and ovs-vswitchd of a one-node lab: after
// pods are added one by one and ten at once, and some deleted, the switch holds exactly the flows a full compile of
// the model gives, and the pods added that way reach each other.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  addNetns,
  cleanupStaleCni,
  CNI_PREFIX,
  delNetns,
  runPlugin,
  SDN_CNI,
  type PluginRun,
} from '../support/cni-harness.js';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { Lab, ping } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

interface FlowRow {
  feature: string;
  text: string;
}

describe('e2e: CNI ADD and DEL take the per-pod path on a one-node lab', function () {
  this.timeout(180_000);
  const PODS = 14;
  const names = Array.from({ length: PODS }, (_, i) => `${CNI_PREFIX}${process.pid}-pp${i}`);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let node = '';
  let nodeNetns = '';
  let socket = '';
  const ipv4 = new Map<number, string>();

  const cni = (command: 'ADD' | 'DEL', i: number): Promise<PluginRun> =>
    runPlugin({
      command,
      containerId: `perpod-${i}`,
      netns: `/run/netns/${names[i]}`,
      ifname: 'eth0',
      args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=tenant-1;K8S_POD_NAME=pod-${i}`,
      path: '/usr/lib/cni',
      plugin: SDN_CNI,
      via: ['nsenter', `--net=/run/netns/${nodeNetns}`],
      config: { cniVersion: '1.1.0', name: 'perpod', type: 'sdn-cni', agentSocket: socket },
    });

  const add = async (i: number): Promise<void> => {
    const r = await cni('ADD', i);
    assert.equal(r.code, 0, `ADD ${i}: ${r.stdout} ${r.stderr}`);
    const ips = (r.json?.ips ?? []) as Array<{ address: string }>;
    const v4 = ips.map((x) => x.address.split('/')[0] ?? '').find((a) => !a.includes(':'));
    assert.ok(v4, `ADD ${i} gave an IPv4 address`);
    ipv4.set(i, v4);
  };

  /** Our flows on the switch, and those a full compile of the model gives, in ovs-ofctl text. */
  const flows = async (source: 'live' | 'compiled'): Promise<string[]> => {
    const r = await request(
      controller!.url,
      controller!.adminToken(),
      'GET',
      `/api/v1/nodes/${node}/flows?source=${source}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // Session flows and the switch's learned probe replies are not the compiler's; foreign ones are not ours.
    return (r.json.items as FlowRow[])
      .filter((f) => !['foreign', 'session', 'health'].includes(f.feature))
      .map((f) => f.text)
      .sort();
  };

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    await cleanupStaleCni();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 1, pods: 0 });
    const n = (await lab.status()).nodes[0];
    assert.ok(n, 'the lab has a node');
    node = n.name;
    nodeNetns = n.netns;
    socket = join(lab.dir, n.name, 'agent.sock');
    for (const name of names) await addNetns(name);
  });
  after(async () => {
    for (let i = 0; i < PODS; i++) await cni('DEL', i).catch(() => undefined);
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
    for (const name of names) await delNetns(name);
  });

  it('adds pods one by one and ten at once: the switch has the flows of a full compile', async () => {
    for (let i = 0; i < 4; i++) await add(i);
    await Promise.all(Array.from({ length: 10 }, (_, k) => add(4 + k)));
    const live = await flows('live');
    assert.ok(live.length > 50, `${live.length} flows`);
    assert.deepEqual(live, await flows('compiled'));
  });

  it('pods added by the per-pod path reach each other', async () => {
    assert.ok(await ping(names[2] as string, ipv4.get(9) as string));
    assert.ok(await ping(names[13] as string, ipv4.get(3) as string));
  });

  it('deletes pods: their flows go, the others stay as a full compile has them', async () => {
    for (const i of [1, 9]) assert.equal((await cni('DEL', i)).code, 0);
    await Promise.all([5, 6, 7].map(async (i) => assert.equal((await cni('DEL', i)).code, 0)));
    assert.deepEqual(await flows('live'), await flows('compiled'));
    assert.ok(await ping(names[2] as string, ipv4.get(13) as string));
    assert.equal(await ping(names[2] as string, ipv4.get(9) as string, 1), false);
  });
});
