// Spoofing (issue 11): a pod that sends with a forged source MAC or a forged source IP gets nothing through to a
// pod of its own tenant on the other node; the same pod with its real addresses does. What arrives is counted at
// the receiver with tcpdump, so "nothing through" means nothing reached the other pod, not only "no reply".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { ControllerProcess, startLabController } from '../../support/controller-process.js';
import { Lab, inNetns, ping, type LabPod, type LabStatus } from '../../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../../support/ovs.js';

const IFNAME = 'eth0';

/** Packets matching `filter` that reach `netns` while `send` runs. */
async function received(netns: string, filter: string, send: () => Promise<unknown>): Promise<number> {
  const cap = spawn('ip', ['netns', 'exec', netns, 'tcpdump', '-l', '-nn', '-i', IFNAME, filter], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  cap.stdout.on('data', (b: Buffer) => (out += b.toString()));
  cap.stderr.on('data', (b: Buffer) => (err += b.toString()));
  // tcpdump says "listening on" once its filter is in place.
  await new Promise<void>((resolve) => {
    const t = setInterval(() => err.includes('listening on') && (clearInterval(t), resolve()), 20);
  });
  await send();
  await new Promise((r) => setTimeout(r, 300));
  cap.kill('SIGINT');
  await new Promise((r) => cap.once('exit', r));
  return out.split('\n').filter(Boolean).length;
}

describe('e2e faults: spoofed MAC and IP from a pod', function () {
  this.timeout(180_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;
  let a: LabPod;
  let b: LabPod;
  const v4 = (p: LabPod): string => p.ips.find((ip) => !ip.includes(':')) as string;

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 2, tenants: 1 });
    status = await lab.status();
    a = status.pods[0] as LabPod;
    b = status.pods.find((p) => p.tenant === a.tenant && p.node !== a.node) as LabPod;
    assert.ok(b, 'the lab has a tenant on both nodes');
  });
  after(async () => {
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  it('the real addresses get through (the control for the two cases below)', async () => {
    const n = await received(b.netns, `icmp and src host ${v4(a)}`, () => ping(a.netns, v4(b), 3));
    assert.ok(n >= 3, `${n} packets from ${v4(a)} reached ${b.name}`);
  });

  it('a forged source MAC gets nothing through', async () => {
    const forged = '0a:58:de:ad:be:ef';
    await inNetns(a.netns, 'ip', 'link', 'set', IFNAME, 'address', forged);
    // A static neighbour entry, so the pod sends its pings whatever happens to its ARP requests.
    await inNetns(
      a.netns,
      'ip',
      'neigh',
      'replace',
      v4(b),
      'lladdr',
      b.mac,
      'dev',
      IFNAME,
      'nud',
      'permanent',
    );
    try {
      let sent = 0;
      const n = await received(b.netns, `ether src ${forged}`, async () => {
        sent = await received(a.netns, `icmp and ether src ${forged}`, () => ping(a.netns, v4(b), 3));
      });
      assert.ok(sent >= 3, `the pod sent ${sent} forged frames`);
      assert.equal(n, 0, `${n} frames with the forged MAC reached ${b.name}`);
    } finally {
      await inNetns(a.netns, 'ip', 'neigh', 'del', v4(b), 'dev', IFNAME);
      await inNetns(a.netns, 'ip', 'link', 'set', IFNAME, 'address', a.mac);
    }
    assert.ok(await ping(a.netns, v4(b)), 'with its own MAC back the pod talks again');
  });

  it('a forged source IP (another free address of the subnet) gets nothing through', async () => {
    const forged = v4(a).replace(/\.\d+$/, '.213');
    await inNetns(a.netns, 'ip', 'addr', 'add', `${forged}/32`, 'dev', IFNAME);
    try {
      let sent = 0;
      const n = await received(b.netns, `src host ${forged}`, async () => {
        sent = await received(a.netns, `icmp and src host ${forged}`, () =>
          inNetns(a.netns, 'ping', '-4', '-c', '3', '-i', '0.2', '-W', '1', '-I', forged, v4(b)),
        );
      });
      assert.ok(sent >= 3, `the pod sent ${sent} packets from ${forged}`);
      assert.equal(n, 0, `${n} packets from the forged ${forged} reached ${b.name}`);
    } finally {
      await inNetns(a.netns, 'ip', 'addr', 'del', `${forged}/32`, 'dev', IFNAME);
    }
    assert.ok(await ping(a.netns, v4(b)), 'from its own address the pod talks again');
  });
});
