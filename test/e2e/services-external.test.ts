// ClusterIP Services (issue 9), end to end, with a backend outside the cluster (the lab's external host on the
// underlay, 10.99.0.254): the session's forward flow DNATs to it, then egress takes it out (the switch's SNAT to the
// node-local transit address, the node's MASQUERADE to its own address), and the reply comes back through the same
// node into the session's reverse flow. Otherwise as services.test.ts: a real controller process, a two-node lab of
// userspace Open vSwitch nodes, pods made by the real CNI path; the external host serves its name on TCP 8080 and
// client pods on both nodes connect to the ClusterIP with netcat.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { hostEgressReady, listening } from '../support/egress.js';
import { Lab, inNetns, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

const VIP_EXT = '10.96.0.20';

describe('e2e: a ClusterIP Service with a backend outside the cluster', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;
  const servers: ChildProcess[] = [];
  let client: LabPod;
  let client2: LabPod;

  const api = async (method: string, path: string, body?: unknown) => {
    const c = controller as ControllerProcess;
    return request(c.url, c.adminToken(), method, path, body);
  };

  /** A server loop in a namespace; killed by process group in after(). */
  function serve(netns: string, script: string): void {
    const p = spawn('ip', ['netns', 'exec', netns, 'sh', '-c', script], { detached: true, stdio: 'ignore' });
    servers.push(p);
  }

  async function tcp(from: LabPod, ip: string, port = 80): Promise<string> {
    const r = await inNetns(from.netns, 'sh', '-c', `nc -N -w 3 ${ip} ${port} </dev/null`);
    return r.out.trim();
  }

  /**
   * The external host's TCP server (port 8080): writes `name` and the peer address it sees to every connection, then
   * closes it. Not an `nc -l` loop: between two of those the port is closed, and a quick second connection would be
   * refused.
   */
  const nameServer = (name: string): string =>
    `exec python3 -c 'import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(128)
while True:
    c, peer = s.accept()
    c.sendall(("${name} " + peer[0] + "\\n").encode())
    c.close()'`;
  const tunnelIpOf = (node: string): string => status.nodes.find((n) => n.name === node)?.tunnelIp as string;

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 1, tenants: 1 });
    status = await lab.status();
    const byNode = (n: string) => status.pods.filter((p) => p.node === n);
    const [n1, n2] = status.nodes.map((n) => n.name) as [string, string];
    client = byNode(n1)[0] as LabPod;
    client2 = byNode(n2)[0] as LabPod;
    serve(`${lab.prefix}-ext`, nameServer('external'));
    await Promise.all(status.nodes.map((n) => hostEgressReady(n.netns)));
    await listening(`${lab.prefix}-ext`, 8080);
  });

  after(async () => {
    for (const p of servers) {
      try {
        if (p.pid) process.kill(-p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  it('a pod reaches the external host directly (plain egress: the path a ClusterIP to it relies on)', async () => {
    assert.equal(await tcp(client, '10.99.0.254', 8080), `external ${tunnelIpOf(client.node)}`);
  });

  it('an external backend outside the cluster answers through NAT', async () => {
    const r = await api('POST', '/api/v1/services', {
      network: client.network,
      name: 'outside',
      clusterIps: [VIP_EXT],
      ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
      backends: [{ address: '10.99.0.254' }],
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    await new Promise((r2) => setTimeout(r2, 1500));
    const got = await tcp(client, VIP_EXT);
    // The external host sees the client's node: the reply comes back through that node.
    if (got !== `external ${tunnelIpOf(client.node)}`) {
      const dump = await inNetns(
        status.nodes[0]?.netns as string,
        'ovs-ofctl',
        '-O',
        'OpenFlow13',
        'dump-flows',
        `unix:${lab?.dir}/${client.node}/br-int.mgmt`,
      );
      assert.fail(
        `external answer ${JSON.stringify(got)}; flows:\n${dump.out
          .split('\n')
          .filter((l) => /table=(20|40),|ct_mark|in_port=LOCAL/.test(l) || !/table=/.test(l))
          .join('\n')}`,
      );
    }
    assert.equal(await tcp(client2, VIP_EXT), `external ${tunnelIpOf(client2.node)}`);
  });
});
