// The network overlay with a real leaf, end to end: a controller process, `sdnctl lab up --vtep --network-nodes 2`
// (n1, n2 uplinked to ovs-vtep over VLAN trunks, n3 a host-overlay node), two tenants holding the same CIDRs, and
// real packets through Debian's hardware-VTEP emulator.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControllerProcess, request } from '../support/controller-process.js';
import { Lab, ping, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, freeTcpPort, requireRootAndOvs } from '../support/ovs.js';

const run = promisify(execFile);

describe('e2e: network overlay through a leaf VTEP (ovs-vtep)', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;

  async function api(method: string, path: string, body?: unknown) {
    const c = controller as ControllerProcess;
    return request(c.url, c.adminToken(), method, path, body);
  }
  async function vtepCtl(...args: string[]): Promise<string> {
    const { stdout } = await run('vtep-ctl', [`--db=unix:${lab!.dir}/leaf/db.sock`, '--timeout=10', ...args]);
    return stdout;
  }
  const v4 = (p: LabPod): string => p.ips.find((a) => !a.includes(':'))!;
  async function eventually(what: string, probe: () => Promise<boolean>, tries = 30): Promise<void> {
    for (let i = 0; i < tries; i++) {
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.fail(what);
  }
  async function pings(from: LabPod, to: string): Promise<boolean> {
    for (let i = 0; i < 10; i++) if (await ping(from.netns, to, 1)) return true;
    return false;
  }

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await new ControllerProcess(
      mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-ctl-`)),
      {},
      `127.0.0.1:${await freeTcpPort()}`,
    ).start();
    lab = await Lab.up(controller, { nodes: 3, pods: 2, tenants: 2, vtep: { networkNodes: 2 } });
    status = await lab.status();
  });
  after(async () => {
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  it('a pod on a network-overlay node reaches a pod on the other one and one on a host-overlay node', async () => {
    const t1 = status.pods.filter((p) => p.tenant === 'tenant-1');
    const on = (n: string) => t1.find((p) => p.node === n)!;
    console.log(await vtepCtl('show'));
    assert.ok(await pings(on('n1'), v4(on('n2'))), 'n1 -> n2 through the leaf');
    assert.ok(await pings(on('n1'), v4(on('n3'))), 'n1 -> n3 (hybrid)');
    assert.ok(await pings(on('n3'), v4(on('n2'))), 'n3 -> n2 (hybrid)');
  });
});
