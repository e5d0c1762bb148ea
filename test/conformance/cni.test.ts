// CNI conformance of sdn-cni + sdn-agent: one test per rule of ../shared/CNI-CONTRACT.md §6 (C1-C18) that is
// the plugin's or the agent's job, run like a runtime runs it (env + stdin, stdout parsed) against real
// namespaces and veths. The controller is played by its contract's test peer (test/support/cni-controller-peer.ts).
import assert from 'node:assert/strict';
import {
  CniTestNode,
  delNetns,
  ipIn,
  linksIn,
  runPlugin,
  type PluginCall,
  type PluginRun,
} from '../support/cni-harness.js';
import { hostIfName } from '../../northbound/cni/agent/host-ifname.js';

const K8S_ARGS =
  'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=x;K8S_POD_UID=u';

interface Pod {
  name: string;
  netns: string;
  containerId: string;
}

function assertError(r: PluginRun, code?: number): void {
  assert.notEqual(r.code, 0, `expected failure, got exit 0 and ${r.stdout}`);
  assert.ok(r.json, `error must be JSON on stdout; stderr: ${r.stderr}`);
  assert.equal(typeof r.json.code, 'number');
  assert.equal(typeof r.json.msg, 'string');
  assert.equal(typeof r.json.cniVersion, 'string');
  if (code !== undefined)
    assert.equal(r.json.code, code, `code ${String(r.json.code)}: ${String(r.json.details)}`);
}

function assertOk(r: PluginRun): void {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stdout} ${r.stderr}`);
}

describe('conformance: CNI spec 1.0.0/1.1.0 (sdn-cni + sdn-agent)', function () {
  this.timeout(60_000);
  let node: CniTestNode;
  let n = 0;

  before(async () => {
    node = await CniTestNode.start();
  });
  after(async () => {
    const left = await node?.hostLinks();
    await node?.stop();
    assert.deepEqual(left, [], 'every test DELs what it ADDed: no host end may be left');
  });

  async function pod(): Promise<Pod> {
    const p = await node.newPod();
    return { ...p, containerId: `c${++n}-${process.pid}` };
  }

  function call(p: Pod, command: string, extra: Partial<PluginCall> = {}): Promise<PluginRun> {
    return runPlugin({
      command,
      containerId: p.containerId,
      netns: p.netns,
      ifname: 'eth0',
      args: K8S_ARGS,
      config: node.config(),
      ...extra,
    });
  }

  // The result of the last ADD per container, as libcni caches it for DEL and CHECK.
  const results = new Map<string, Record<string, unknown>>();
  async function add(p: Pod, extra: Partial<PluginCall> = {}): Promise<Record<string, unknown>> {
    const r = await call(p, 'ADD', extra);
    assertOk(r);
    assert.ok(r.json);
    results.set(p.containerId, r.json);
    return r.json;
  }
  function prevOf(p: Pod): Record<string, unknown> {
    const r = results.get(p.containerId);
    if (!r) throw new Error(`no cached result for ${p.containerId}`);
    return r;
  }
  beforeEach(() => {
    node.peer.ready = true;
    node.peer.addDelayMs = 0;
  });

  async function assertNothingLeft(p: Pod, ifname = 'eth0'): Promise<void> {
    const host = hostIfName(p.containerId, ifname);
    assert.ok(!(await node.hostLinks()).includes(host), `host end ${host} left`);
    const podLinks = await linksIn(p.name).catch((): string[] => []);
    assert.ok(!podLinks.includes(ifname), `${ifname} left in ${p.name}`);
    const held = [...node.peer.attachments.values()].filter((a) => a.containerId === p.containerId);
    assert.deepEqual(held, [], 'controller allocation left');
  }

  it('C1 VERSION exits 0 with cniVersion and supportedVersions containing the config version', async () => {
    for (const v of ['0.4.0', '1.0.0', '1.1.0']) {
      const r = await runPlugin({ command: 'VERSION', config: { cniVersion: v } });
      assertOk(r);
      assert.equal(r.json?.cniVersion, v);
      assert.ok((r.json?.supportedVersions as string[]).includes(v));
    }
  });

  it('C2 ADD prints one result: version echoed, sandbox = CNI_NETNS, interface indexes in range, CIDR addresses', async () => {
    for (const v of ['1.0.0', '1.1.0']) {
      const p = await pod();
      const r = await call(p, 'ADD', { config: node.config({ cniVersion: v }) });
      assertOk(r);
      assert.equal(r.stdout.trim().split('\n').length, 1);
      const res = r.json as {
        cniVersion: string;
        interfaces: Array<{ name: string; sandbox?: string }>;
        ips: Array<{ address: string; interface: number }>;
      };
      assert.equal(res.cniVersion, v);
      const podIf = res.interfaces.find((i) => i.name === 'eth0');
      assert.equal(podIf?.sandbox, p.netns);
      assert.ok(
        res.interfaces.some((i) => !i.sandbox),
        'the host end is listed without sandbox',
      );
      for (const ip of res.ips) {
        assert.ok(ip.interface >= 0 && ip.interface < res.interfaces.length);
        assert.match(ip.address, /^[0-9a-f.:]+\/\d+$/);
      }
      assertOk(await call(p, 'DEL'));
    }
  });

  it('C3 after ADD the interface is in the netns, UP, and carries the result addresses', async () => {
    const p = await pod();
    const res = (await add(p)) as { ips: Array<{ address: string }> };
    const [link] = JSON.parse(await ipIn(p.name, ['-j', 'addr', 'show', 'dev', 'eth0'])) as Array<{
      flags: string[];
      addr_info: Array<{ local: string; prefixlen: number }>;
    }>;
    assert.ok(link?.flags.includes('UP'));
    const have = link.addr_info.map((a) => `${a.local}/${a.prefixlen}`);
    for (const ip of res.ips)
      assert.ok(have.includes(ip.address), `${ip.address} missing from ${have.join(' ')}`);
    assertOk(await call(p, 'DEL'));
  });

  it('C4 a second ADD of the same attachment fails and leaks no IP reservation', async () => {
    const p = await pod();
    await add(p);
    const before = node.peer.attachments.size;
    const calls = node.peer.calls.length;
    const r = await call(p, 'ADD');
    assertError(r);
    assert.equal(node.peer.attachments.size, before);
    assert.equal(node.peer.calls.filter((c, i) => i >= calls && c.path === '/cni/v1/add').length, 0);
    assertOk(await call(p, 'CHECK', { config: node.config({ prevResult: prevOf(p) }) }));
    assertOk(await call(p, 'DEL'));
    await assertNothingLeft(p);
  });

  it('C5 CHECK right after ADD, with prevResult, exits 0 and prints nothing', async () => {
    const p = await pod();
    const prev = await add(p);
    const r = await call(p, 'CHECK', { config: node.config({ prevResult: prev }) });
    assertOk(r);
    assert.equal(r.stdout, '');
    assertOk(await call(p, 'DEL'));
  });

  it('C6 CHECK after the address was removed fails with an error JSON', async () => {
    const p = await pod();
    const prev = (await add(p)) as { ips: Array<{ address: string }> };
    await ipIn(p.name, ['addr', 'del', prev.ips[0]?.address ?? '', 'dev', 'eth0']);
    const r = await call(p, 'CHECK', { config: node.config({ prevResult: prev }) });
    assertError(r);
    assert.match(String(r.json?.details), /missing/);
    assertOk(await call(p, 'DEL'));
  });

  it('C7 DEL exits 0 and removes the container interface, the host end and the reservation', async () => {
    const p = await pod();
    await add(p);
    assert.equal((await node.hostLinks()).length, 1);
    const r = await call(p, 'DEL');
    assertOk(r);
    assert.equal(r.stdout, '');
    await assertNothingLeft(p);
  });

  it('C8 DEL repeated, with and without prevResult, exits 0', async () => {
    const p = await pod();
    const prev = await add(p);
    assertOk(await call(p, 'DEL', { config: node.config({ prevResult: prev }) }));
    assertOk(await call(p, 'DEL', { config: node.config({ prevResult: prev }) }));
    assertOk(await call(p, 'DEL'));
    await assertNothingLeft(p);
  });

  it('C9 DEL after the netns was deleted, and with CNI_NETNS unset, exits 0 and releases the reservation', async () => {
    const gone = await pod();
    await add(gone);
    await delNetns(gone.name);
    assertOk(await call(gone, 'DEL'));
    await assertNothingLeft(gone);

    const unset = await pod();
    await add(unset);
    assertOk(await call(unset, 'DEL', { netns: undefined }));
    await assertNothingLeft(unset);
  });

  it('C10 DEL of an attachment that never existed exits 0', async () => {
    const p = await pod();
    assertOk(await call(p, 'DEL'));
    assertOk(await call(p, 'DEL', { netns: '/run/netns/never-made' }));
  });

  it('C11 the same container with a second ifname works, and both DEL cleanly', async () => {
    const p = await pod();
    const a = (await add(p)) as { ips: Array<{ address: string }> };
    const b = (await add(p, { ifname: 'net1' })) as { ips: Array<{ address: string }> };
    assert.notEqual(a.ips[0]?.address, b.ips[0]?.address);
    assert.deepEqual((await linksIn(p.name)).sort(), ['eth0', 'net1']);
    assertOk(await call(p, 'DEL'));
    assertOk(await call(p, 'DEL', { ifname: 'net1' }));
    await assertNothingLeft(p);
    assert.deepEqual(await linksIn(p.name), []);
  });

  describe('C12 errors are JSON on stdout with a non-zero exit and the spec codes', () => {
    let p: Pod;
    before(async () => {
      p = await pod();
    });
    it('bad JSON -> 6 (the plugin then finds the agent at SDN_AGENT_SOCKET or the default path)', async () => {
      const env = { SDN_AGENT_SOCKET: node.socket };
      assertError(await call(p, 'ADD', { config: '{"cniVersion": "1.0.0",', env }), 6);
    });
    it('unsupported version -> 1', async () =>
      assertError(await call(p, 'ADD', { config: node.config({ cniVersion: '2.0.0' }) }), 1));
    it('missing env -> 4', async () => assertError(await call(p, 'ADD', { containerId: undefined }), 4));
    it('missing CNI_COMMAND -> 4', async () =>
      assertError(await runPlugin({ command: '', config: node.config() }), 4));
    it('bad ifname -> error (4)', async () => {
      for (const ifname of ['x'.repeat(16), 'a/b', '..', ' eth0'])
        assertError(await call(p, 'ADD', { ifname }), 4);
    });
    it('unsupported field (ipam) -> 2, naming it', async () => {
      const r = await call(p, 'ADD', { config: node.config({ ipam: { type: 'host-local' } }) });
      assertError(r, 2);
      assert.match(String(r.json?.details), /ipam/);
    });
    it('unknown CNI_ARGS key without IgnoreUnknown -> 4, naming it', async () => {
      const r = await call(p, 'ADD', { args: 'K8S_POD_NAME=x;FOO=bar' });
      assertError(r, 4);
      assert.match(String(r.json?.details), /FOO/);
    });
    it('netns that does not exist -> 3', async () =>
      assertError(await call(p, 'ADD', { netns: '/run/netns/never-made' }), 3));
    it('the error cniVersion is the request version', async () => {
      const r = await call(p, 'ADD', {
        containerId: undefined,
        config: node.config({ cniVersion: '1.0.0' }),
      });
      assert.equal(r.json?.cniVersion, '1.0.0');
    });
    after(async () => {
      await assertNothingLeft(p);
    });
  });

  it('C13 CNI_ARGS with IgnoreUnknown=1 and the K8S_POD_* keys is accepted and reaches the controller', async () => {
    const p = await pod();
    await add(p);
    const a = [...node.peer.attachments.values()].find((x) => x.containerId === p.containerId);
    assert.equal(a?.k8sNamespace, 'default');
    assert.equal(a?.k8sPodName, 'web');
    assertOk(await call(p, 'DEL'));
  });

  it('C14 20 parallel ADDs at concurrency 10 give 20 distinct IPs; parallel DELs leave nothing', async () => {
    const pods = await Promise.all(Array.from({ length: 20 }, () => pod()));
    const ips: string[] = [];
    const runAll = async (fn: (p: Pod) => Promise<void>): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next < pods.length) {
            const p = pods[next++];
            if (p) await fn(p);
          }
        }),
      );
    };
    await runAll(async (p) => {
      const r = (await add(p)) as { ips: Array<{ address: string }> };
      ips.push(r.ips[0]?.address ?? '');
    });
    assert.equal(new Set(ips).size, 20);
    assert.equal((await node.hostLinks()).length, 20);
    await runAll(async (p) => assertOk(await call(p, 'DEL')));
    for (const p of pods) await assertNothingLeft(p);
  });

  describe('C15 STATUS', () => {
    it('exits 0 and prints nothing when the controller is ready', async () => {
      const r = await runPlugin({ command: 'STATUS', config: node.config() });
      assertOk(r);
      assert.equal(r.stdout, '');
    });
    it('returns 50 when the controller is not ready', async () => {
      node.peer.ready = false;
      assertError(await runPlugin({ command: 'STATUS', config: node.config() }), 50);
    });
  });

  it('C16 GC releases attachments not in the valid list (either key) and keeps the listed ones', async () => {
    const keep = await pod();
    const stale = await pod();
    await add(keep);
    await add(stale);
    const valid = [{ containerID: keep.containerId, ifname: 'eth0' }];
    const r = await runPlugin({ command: 'GC', config: node.config({ 'cni.dev/valid-attachments': valid }) });
    assertOk(r);
    assert.equal(r.stdout, '');
    assert.ok([...node.peer.attachments.values()].some((a) => a.containerId === keep.containerId));
    await assertNothingLeft(stale);
    assert.equal((await node.hostLinks()).length, 1);
    assertOk(await call(keep, 'CHECK', { config: node.config({ prevResult: prevOf(keep) }) }));

    assertOk(await runPlugin({ command: 'GC', config: node.config({ 'cni.dev/attachments': [] }) }));
    await assertNothingLeft(keep);
    assertOk(await call(keep, 'DEL'));
  });

  it('C17 only the result or error JSON reaches stdout, on every path', async () => {
    const p = await pod();
    const runs = [
      await call(p, 'ADD', { env: { LOG_LEVEL: 'trace', SDN_CNI_DEBUG: '1' } }),
      await call(p, 'ADD'),
      await call(p, 'DEL'),
      await runPlugin({
        command: 'ADD',
        containerId: 'x',
        netns: p.netns,
        ifname: 'eth0',
        config: node.config({ agentSocket: '/nonexistent/agent.sock' }),
      }),
    ];
    for (const r of runs) {
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      assert.ok(lines.length <= 1, `stdout: ${r.stdout}`);
      if (lines[0]) JSON.parse(lines[0]);
    }
    assert.notEqual(runs[3]?.stderr ?? '', '', "the transport's own message goes to stderr");
  });

  it('C18 a plugin killed mid-ADD, then DEL, leaves nothing behind', async () => {
    const p = await pod();
    node.peer.addDelayMs = 500;
    const arrived = node.peer.nextAdd();
    const killed = call(p, 'ADD', { onSpawn: (proc) => void arrived.then(() => proc.kill('SIGKILL')) });
    const r = await killed.catch((e: unknown) => e);
    assert.ok(!(r instanceof Error), String(r));
    assertOk(await call(p, 'DEL'));
    await assertNothingLeft(p);
  });
});
