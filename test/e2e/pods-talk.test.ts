// Pods talk (issue 6), end to end: a real controller process, a two-node lab of userspace Open vSwitch nodes in
// network namespaces, pods created through the real CNI plugin and node agent, real packets.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { Lab, inNetns, ping, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

const run = promisify(execFile);

describe('e2e: pods talk across a two-node lab', function () {
  this.timeout(180_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 2, tenants: 2 });
    status = await lab.status();
  });
  after(async () => {
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  const podsOf = (tenant: string | null): LabPod[] => status.pods.filter((p) => p.tenant === tenant);
  const v4 = (p: LabPod): string => p.ips.find((ip) => !ip.includes(':')) as string;
  const v6 = (p: LabPod): string | undefined => p.ips.find((ip) => ip.includes(':'));
  const tenants = (): string[] =>
    [...new Set(status.pods.map((p) => p.tenant))].filter((t): t is string => t !== null);

  it('creates every pod through the CNI plugin with an address in its tenant network', () => {
    assert.equal(status.pods.length, 4);
    assert.equal(tenants().length, 2);
    for (const p of status.pods) assert.ok(v4(p), `${p.name} has an IPv4 address`);
  });

  it('pods of one tenant ping each other on the same node and across nodes (IPv4)', async () => {
    for (const t of tenants()) {
      const [a, b] = podsOf(t);
      assert.ok(a && b, `tenant ${t} has two pods`);
      assert.notEqual(a.node, b.node, 'the lab spreads a tenant over both nodes');
      assert.ok(await ping(a.netns, v4(b)), `${a.name} -> ${b.name} (${v4(b)}) across nodes`);
      assert.ok(await ping(b.netns, v4(a)), `${b.name} -> ${a.name}`);
    }
  });

  it('pods of one tenant ping each other over IPv6', async () => {
    for (const t of tenants()) {
      const [a, b] = podsOf(t);
      const ip = b && v6(b);
      assert.ok(a && ip, `tenant ${t} pods have IPv6 addresses`);
      assert.ok(await ping(a.netns, ip), `${a.name} -> ${ip}`);
    }
  });

  it('tenants have the same CIDR, and one tenant cannot reach the other', async () => {
    const [t1, t2] = tenants();
    const a = podsOf(t1 as string)[0] as LabPod;
    const others = podsOf(t2 as string);
    const mine = new Set(podsOf(t1 as string).map(v4));
    // Same network prefix in both tenants (overlapping IPs are allowed across networks).
    assert.equal(
      v4(a).split('.').slice(0, 2).join('.'),
      v4(others[0] as LabPod)
        .split('.')
        .slice(0, 2)
        .join('.'),
    );
    for (const o of others) {
      if (mine.has(v4(o))) continue; // the same address exists in a's own tenant: that one answers, legitimately
      assert.equal(
        await ping(a.netns, v4(o), 1),
        false,
        `${a.name} (${t1}) must not reach ${o.name} (${t2})`,
      );
    }
  });

  it('no ARP request from a pod leaves its node (the switch answers; the underlay carries none)', async () => {
    const underlay = `${lab!.prefix}-ul`;
    const capture = spawn(
      'ip',
      ['netns', 'exec', underlay, 'tcpdump', '-l', '-nn', '-i', 'any', 'udp port 4789'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let text = '';
    capture.stdout.on('data', (b: Buffer) => (text += b.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of status.pods) {
      await inNetns(p.netns, 'ip', 'neigh', 'flush', 'all');
      for (const q of podsOf(p.tenant)) if (q !== p) await ping(p.netns, v4(q), 1);
    }
    await new Promise((r) => setTimeout(r, 500));
    capture.kill('SIGINT');
    await new Promise((r) => capture.once('exit', r));
    assert.match(text, /VXLAN/, 'the pods did talk through the tunnel');
    assert.doesNotMatch(text, /ARP, Request/, 'an ARP request crossed the underlay');
  });

  it('node registration shows the node connected in GET /api/v1/nodes/NAME', async () => {
    const c = controller as ControllerProcess;
    const r = await request(c.url, c.adminToken(), 'GET', `/api/v1/nodes/${status.nodes[0]?.name}`);
    assert.equal(r.status, 200);
    assert.ok(r.json.id);
    assert.equal(r.json.connection, 'connected');
  });

  it('leaves the ovs-ofctl view with flows of ours on every node', async () => {
    for (const n of status.nodes) {
      const dir = `${lab!.dir}/${n.name}`;
      const { stdout } = await run('ovs-ofctl', [
        '-O',
        'OpenFlow13',
        'dump-flows',
        `unix:${dir}/br-int.mgmt`,
      ]);
      assert.ok(
        stdout.split('\n').filter((l) => l.includes('cookie=0x5dc0')).length > 10,
        `${n.name} has our flows`,
      );
    }
  });
});
