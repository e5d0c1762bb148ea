// VMs join like pods, end to end: a real controller, a two-node lab, and a "VM" (a namespace behind a veth) whose
// port a hypervisor plugs into a node's bridge with external_ids:iface-id = the endpoint's id. The controller never
// creates that port: the endpoint is bound when the port appears and unbound when it goes.
// (The leaf-VTEP half of the issue, with ovs-vtep, is in overlay-vtep.test.ts.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { Lab, inNetns, ping, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

const run = promisify(execFile);

describe('e2e: a VM-kind port reaches pods of its network', function () {
  this.timeout(180_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;
  const vmns = `vm${process.pid % 100000}`;
  const hostEnd = `vmh${process.pid % 100000}`;

  async function api(method: string, path: string, body?: unknown) {
    const c = controller as ControllerProcess;
    return request(c.url, c.adminToken(), method, path, body);
  }
  async function vsctl(node: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('ovs-vsctl', [
      `--db=unix:${lab!.dir}/${node}/db.sock`,
      '--timeout=10',
      ...args,
    ]);
    return stdout;
  }
  async function cleanupVm(): Promise<void> {
    await run('ip', ['netns', 'del', vmns]).catch(() => undefined);
  }

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    await cleanupVm();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 2, tenants: 1 });
    status = await lab.status();
  });
  after(async () => {
    await cleanupVm();
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  it('binds a vm endpoint when its port appears with iface-id, pings pods on both nodes, unbinds when it goes', async () => {
    const pods = status.pods.filter((p) => p.tenant !== null);
    const pod = pods[0] as LabPod;
    const node = status.nodes[0]!;
    // One tenant: every pod is in one network, spread over both nodes.
    assert.equal(new Set(pods.map((p) => p.node)).size, 2);
    const eps = await api('GET', `/api/v1/endpoints?kind=pod`);
    const podEp = (eps.json.items as { networkId: string }[])[0]!;
    const created = await api('POST', '/api/v1/endpoints', {
      network: podEp.networkId,
      kind: 'vm',
      node: node.name,
      name: 'vm1',
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const vm = created.json as { id: string; mac: string; ips: string[] };
    const ip = vm.ips.find((a) => !a.includes(':'))!;
    const subnets = await api('GET', `/api/v1/subnets?network=${podEp.networkId}`);
    const s4 = (subnets.json.items as { cidr: string; gateway?: string }[]).find(
      (s) => !s.cidr.includes(':'),
    )!;

    // The "hypervisor": a namespace with the VM's MAC and address, its port plugged into the node's bridge.
    await run('ip', ['netns', 'add', vmns]);
    await run('ip', [
      'link',
      'add',
      hostEnd,
      'netns',
      node.netns,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      vmns,
    ]);
    await inNetns(vmns, 'ip', 'link', 'set', 'eth0', 'address', vm.mac);
    await inNetns(vmns, 'ip', 'addr', 'add', `${ip}/${s4.cidr.split('/')[1]}`, 'dev', 'eth0');
    await inNetns(vmns, 'ip', 'link', 'set', 'eth0', 'up');
    await inNetns(node.netns, 'ip', 'link', 'set', hostEnd, 'up');
    if (s4.gateway) await inNetns(vmns, 'ip', 'route', 'add', 'default', 'via', s4.gateway);
    // Before the port is plugged nothing answers.
    assert.equal(
      await ping(
        vmns,
        pod.ips.find((a) => !a.includes(':'))!,
        1,
      ),
      false,
    );
    await vsctl(
      node.name,
      'add-port',
      'br-int',
      hostEnd,
      '--',
      'set',
      'interface',
      hostEnd,
      `external_ids:iface-id=${vm.id}`,
    );

    for (const p of pods) {
      const dst = p.ips.find((a) => !a.includes(':'))!;
      let ok = false;
      for (let i = 0; i < 20 && !ok; i++) ok = await ping(vmns, dst, 1);
      assert.ok(ok, `vm1 -> ${p.name} (${dst}) on ${p.node}`);
    }
    assert.ok(await ping(pod.netns, ip), `${pod.name} -> vm1`);
    // The controller did not take the port over: it is still the hypervisor's.
    assert.doesNotMatch(await vsctl(node.name, 'get', 'interface', hostEnd, 'external_ids'), /sdn-managed/);

    await vsctl(node.name, 'del-port', 'br-int', hostEnd);
    let gone = false;
    for (let i = 0; i < 20 && !gone; i++) gone = !(await ping(pod.netns, ip, 1));
    assert.ok(gone, 'vm1 still answers after its port left the bridge');
  });
});
