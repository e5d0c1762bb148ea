// sdn-agent's node-local work and its mapping of controller failures to CNI codes, for real: namespaces, veths,
// ip(8) and ethtool, with the controller played by its contract's test peer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hostIfName } from '../../../northbound/cni/agent/host-ifname.js';
import { freeTcpPort } from '../../support/ovs.js';
import {
  CniTestNode,
  ipIn,
  linksIn,
  runPlugin,
  type PluginCall,
  type PluginRun,
} from '../../support/cni-harness.js';

const run = promisify(execFile);
const ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-1';

function codeOf(r: PluginRun): number {
  assert.notEqual(r.code, 0, `expected a failure, got ${r.stdout}`);
  return Number(r.json?.code);
}

describe('integration: sdn-agent node-local work and controller errors', function () {
  this.timeout(60_000);
  let node: CniTestNode;
  let n = 0;

  before(async () => {
    node = await CniTestNode.start({ poolSize: 40 });
  });
  after(async () => {
    await node?.stop();
  });
  beforeEach(() => {
    node.peer.ready = true;
    node.peer.addDelayMs = 0;
  });

  async function pod(): Promise<{ name: string; netns: string; containerId: string }> {
    const p = await node.newPod();
    return { ...p, containerId: `ag${++n}-${process.pid}` };
  }
  function call(p: { netns: string; containerId: string }, command: string, extra: Partial<PluginCall> = {}) {
    return runPlugin({
      command,
      containerId: p.containerId,
      netns: p.netns,
      ifname: 'eth0',
      args: ARGS,
      config: node.config(),
      ...extra,
    });
  }

  it('puts the host end, named sdn+11 hex, in the --host-netns and not in the root netns', async () => {
    const p = await pod();
    const r = await call(p, 'ADD');
    assert.equal(r.code, 0, r.stdout);
    const host = hostIfName(p.containerId, 'eth0');
    assert.deepEqual(await node.hostLinks(), [host]);
    await assert.rejects(run('ip', ['link', 'show', 'dev', host]), 'not in the root netns');
    const ifaces = r.json?.interfaces as Array<{ name: string }>;
    assert.equal(ifaces[0]?.name, host);
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('sends sequential requests over one keep-alive connection with the bearer token', async () => {
    const p = await pod();
    assert.equal((await call(p, 'ADD')).code, 0); // opens (or reuses) the connection
    const before = node.peer.connections;
    const calls = node.peer.calls.length;
    for (let i = 0; i < 3; i++) {
      assert.equal((await call(p, 'DEL')).code, 0);
      assert.equal((await call(p, 'ADD')).code, 0);
    }
    assert.equal((await call(p, 'DEL')).code, 0);
    assert.equal(node.peer.calls.length - calls >= 7, true);
    assert.equal(node.peer.connections - before, 0, 'no new TCP connection for sequential requests');
  });

  it('sets the MTU from the controller on both ends, and the config mtu overrides it', async () => {
    const p = await pod();
    assert.equal((await call(p, 'ADD')).code, 0);
    const host = hostIfName(p.containerId, 'eth0');
    const mtu = async (ns: string, dev: string) =>
      (JSON.parse(await ipIn(ns, ['-j', 'link', 'show', 'dev', dev])) as Array<{ mtu: number }>)[0]?.mtu;
    assert.equal(await mtu(p.name, 'eth0'), 1450);
    assert.equal(await mtu(node.hostNetns, host), 1450);
    assert.equal((await call(p, 'DEL')).code, 0);

    assert.equal((await call(p, 'ADD', { config: node.config({ mtu: 1400 }) })).code, 0);
    assert.equal(await mtu(p.name, 'eth0'), 1400);
    assert.equal(await mtu(node.hostNetns, host), 1400);
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('turns TX checksum offload off in the pod (OVS userspace datapath, OVS-LAB.md G1)', async () => {
    const p = await pod();
    assert.equal((await call(p, 'ADD')).code, 0);
    const { stdout } = await run('ip', ['netns', 'exec', p.name, 'ethtool', '-k', 'eth0']);
    assert.match(stdout, /tx-checksumming: off/);
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('installs the default routes via the subnet gateways from the answer', async () => {
    const p = await pod();
    assert.equal((await call(p, 'ADD')).code, 0);
    assert.match(await ipIn(p.name, ['route', 'show', 'default']), /default via 10\.77\.0\.1 dev eth0/);
    assert.match(await ipIn(p.name, ['-6', 'route', 'show', 'default']), /default via fd77::1 dev eth0/);
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('sends the pod identity, network, node and fixed IP/MAC to the controller', async () => {
    const p = await pod();
    const r = await call(p, 'ADD', {
      args: `${ARGS};IP=10.77.0.200;MAC=0a:58:0a:4d:00:c8`,
      config: node.config({ network: 'blue' }),
    });
    assert.equal(r.code, 0, r.stdout);
    const a = [...node.peer.attachments.values()].find((x) => x.containerId === p.containerId);
    assert.deepEqual(
      { ns: a?.k8sNamespace, pod: a?.k8sPodName, net: a?.network, node: a?.node, mac: a?.mac, host: a?.host },
      { ns: 'shop', pod: 'cart-1', net: 'blue', node: 'node-a', mac: '0a:58:0a:4d:00:c8', host: 200 },
    );
    const [link] = JSON.parse(await ipIn(p.name, ['-j', 'link', 'show', 'dev', 'eth0'])) as Array<{
      address: string;
    }>;
    assert.equal(link?.address, '0a:58:0a:4d:00:c8');
    assert.match(await ipIn(p.name, ['addr', 'show', 'dev', 'eth0']), /10\.77\.0\.200\/24/);

    const q = await pod();
    const taken = await call(q, 'ADD', { args: `${ARGS};IP=10.77.0.200` });
    assert.equal(codeOf(taken), 101, 'an address in use is code 101');
    assert.deepEqual(await linksIn(q.name), [], 'a refused ADD leaves no interface');
    assert.equal((await call(q, 'DEL')).code, 0);
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('an exhausted pool is code 101 and the ADD leaves nothing behind', async () => {
    const pods = await Promise.all(Array.from({ length: 41 }, () => pod()));
    const results = [];
    for (const p of pods) results.push(await call(p, 'ADD'));
    assert.deepEqual(
      results.slice(0, 40).map((r) => r.code),
      Array(40).fill(0),
    );
    assert.equal(codeOf(results[40] as PluginRun), 101);
    assert.equal((await node.hostLinks()).length, 40);
    for (const p of pods) assert.equal((await call(p, 'DEL')).code, 0);
    assert.deepEqual(await node.hostLinks(), []);
  });

  it('an interface of that name that is not ours is code 102 and is left alone, even by DEL', async () => {
    const p = await pod();
    await ipIn(p.name, ['link', 'add', 'eth0', 'type', 'bridge']);
    assert.equal(codeOf(await call(p, 'ADD')), 102);
    assert.equal((await call(p, 'DEL')).code, 0);
    assert.deepEqual(await linksIn(p.name), ['eth0']);
    assert.equal(node.peer.attachments.size, 0);
  });

  it('CNI_NETNS naming the node itself is code 8', async () => {
    const p = await pod();
    assert.equal(codeOf(await call(p, 'ADD', { netns: `/run/netns/${node.hostNetns}` })), 8);
  });

  it('a controller that is not ready gives 11 for ADD (nothing left) and DEL (retried), 50 for STATUS', async () => {
    const p = await pod();
    node.peer.ready = false;
    const r = await call(p, 'ADD');
    assert.equal(codeOf(r), 11);
    assert.match(String(r.json?.details), /try again later/);
    assert.deepEqual(await linksIn(p.name), []);
    assert.deepEqual(await node.hostLinks(), []);
    assert.equal(codeOf(await call(p, 'DEL')), 11);
    assert.equal(codeOf(await runPlugin({ command: 'STATUS', config: node.config() })), 50);
    node.peer.ready = true;
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('CHECK fails when the controller no longer knows the attachment', async () => {
    const p = await pod();
    const added = await call(p, 'ADD');
    node.peer.attachments.clear();
    const r = await call(p, 'CHECK', { config: node.config({ prevResult: added.json }) });
    assert.equal(codeOf(r), 103);
    assert.match(String(r.json?.details), /controller has no such attachment/);
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('an agent killed mid-ADD: after restart, ADD again replaces the half-made veth and succeeds', async () => {
    const p = await pod();
    node.peer.addDelayMs = 2_000;
    const arrived = node.peer.nextAdd();
    const pending = call(p, 'ADD');
    await arrived;
    await node.killAgent();
    const r = await pending;
    assert.equal(codeOf(r), 11, 'the plugin reports the lost agent as try again later');
    assert.deepEqual(await linksIn(p.name), ['eth0'], 'the crash left a half-made interface');
    node.peer.addDelayMs = 0;
    await node.startAgent();
    const again = await call(p, 'ADD');
    assert.equal(again.code, 0, again.stdout);
    assert.equal((await call(p, 'CHECK', { config: node.config({ prevResult: again.json }) })).code, 0);
    assert.equal((await call(p, 'DEL')).code, 0);
    assert.deepEqual(await linksIn(p.name), []);
  });

  it('SIGTERM lets an ADD in flight finish, then the agent exits', async () => {
    const p = await pod();
    node.peer.addDelayMs = 500;
    const arrived = node.peer.nextAdd();
    const pending = call(p, 'ADD');
    await arrived;
    await node.killAgent('SIGTERM');
    const r = await pending;
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(await linksIn(p.name), ['eth0']);
    node.peer.addDelayMs = 0;
    await node.startAgent();
    assert.equal((await call(p, 'DEL')).code, 0);
  });

  it('no agent on the socket: code 11 naming the socket, for ADD, DEL, CHECK, GC and STATUS', async () => {
    const p = await pod();
    const config = node.config({ agentSocket: `${node.dir}/absent.sock` });
    for (const command of ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS']) {
      const r = await call(p, command, { config });
      assert.equal(codeOf(r), 11, command);
      assert.match(String(r.json?.details), /absent\.sock/);
    }
  });

  for (const transport of ['curl', 'nc']) {
    it(`the plugin works over ${transport} (SDN_CNI_TRANSPORT=${transport}), multi-byte config included`, async () => {
      const env = { SDN_CNI_TRANSPORT: transport };
      const p = await pod();
      // Multi-byte text in the config: the nc path computes Content-Length in bytes.
      const config = node.config({ description: 'réseau des pods ✓' });
      const added = await call(p, 'ADD', { env, config });
      assert.equal(added.code, 0, added.stdout);
      assert.equal(added.json?.cniVersion, '1.1.0');
      const check = await call(p, 'CHECK', { env, config: node.config({ prevResult: added.json }) });
      assert.equal(check.code, 0, check.stdout);
      assert.equal(codeOf(await call(p, 'ADD', { env })), 102);
      assert.equal((await call(p, 'DEL', { env })).code, 0);
      assert.equal((await call(p, 'DEL', { env })).code, 0);
      const absent = await call(p, 'ADD', {
        env,
        config: node.config({ agentSocket: `${node.dir}/absent.sock` }),
      });
      assert.equal(codeOf(absent), 11);
      assert.match(String(absent.json?.details), new RegExp(`${transport} exit`));
    });
  }

  it('a wrong token is code 100 and says which file to fix', async () => {
    const bad = await CniTestNode.start({ token: 'another-token' });
    try {
      const p = await bad.newPod();
      const r = await runPlugin({
        command: 'ADD',
        containerId: `tok-${process.pid}`,
        netns: p.netns,
        ifname: 'eth0',
        config: bad.config(),
      });
      assert.equal(codeOf(r), 100);
      assert.match(String(r.json?.details), /token-file/);
      assert.deepEqual(await bad.hostLinks(), []);
    } finally {
      await bad.stop();
    }
  });

  it('an unreachable controller is code 11 for ADD and 50 for STATUS', async () => {
    const down = await CniTestNode.start({}, `http://127.0.0.1:${await freeTcpPort()}`);
    try {
      const p = await down.newPod();
      const r = await runPlugin({
        command: 'ADD',
        containerId: `down-${process.pid}`,
        netns: p.netns,
        ifname: 'eth0',
        config: down.config(),
      });
      assert.equal(codeOf(r), 11);
      assert.match(String(r.json?.details), /unreachable/);
      assert.deepEqual(await linksIn(p.name), []);
      assert.equal(codeOf(await runPlugin({ command: 'STATUS', config: down.config() })), 50);
    } finally {
      await down.stop();
    }
  });
});
