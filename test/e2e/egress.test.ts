// Routing and egress (issue 6), end to end: a real controller process, a two-node lab of userspace Open vSwitch
// nodes with two tenants holding the same CIDR, pods made through the real CNI plugin, real packets.
// - Routing between two subnets of one tenant: a second network of tenant 1, routed with the first by a router, with
//   a pod on each node; pods of the two subnets ping each other across nodes, both ways (distributed router).
// - Egress: pods reach the lab's external host on the underlay (10.99.0.254) through the switch's SNAT to the
//   node-local transit address and the node's MASQUERADE (sdn-agent's host-egress): ping and TCP, and the external
//   host sees the node's address as the source. Pods of both tenants, same addresses, at once.
// - Isolation: another tenant's subnet is dropped in the switch (foreignSubnetDrops), not sent out through SNAT.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EGRESS_TRANSIT_IP } from '../../controller/pipeline/egress-transit.js';
import { summarizeResult } from '../../northbound/cli/lab/cni.js';
import { addNamespace } from '../../northbound/cli/lab/namespaces.js';
import { runPlugin } from '../support/cni-harness.js';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { hostEgressReady, listening } from '../support/egress.js';
import { Lab, inNetns, ping, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

const EXT = '10.99.0.254';
const ROUTED_CIDR = '10.250.0.0/24';
const ROUTED_NS = 'routed';
/** The address both tenants' twin pods hold (the lab gives both tenants the same subnet, 10.244.0.0/16). */
const TWIN_IP = '10.244.0.200';

/**
 * The external host's TCP server (port 8080): per connection, reads one line and answers `<line> <peer address>`
 * after `delay` seconds (so that connections of several pods overlap), in a thread per connection.
 */
const peerEchoServer = (delay: number): string =>
  `exec python3 -c 'import socket, threading, time
def serve(c, peer):
    line = c.makefile().readline().strip()
    time.sleep(${delay})
    c.sendall((line + " " + peer[0] + "\\n").encode())
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(128)
while True:
    c, peer = s.accept()
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()'`;

describe('e2e: routing between subnets, and egress out of the cluster through SNAT', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;
  const servers: ChildProcess[] = [];
  /** Pods of the routed network, made here: [node 1, node 2]. */
  const routed: LabPod[] = [];
  /** Two pods on node 1, one per tenant, with the same fixed address: [tenant 1, tenant 2]. */
  const twins: LabPod[] = [];
  const made: { node: string; name: string; netns: string; podNamespace: string }[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const c = controller as ControllerProcess;
    const r = await request(c.url, c.adminToken(), method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json as Record<string, unknown>;
  };
  const v4 = (p: LabPod): string => p.ips.find((ip) => !ip.includes(':')) as string;
  const tenants = (): string[] =>
    [...new Set(status.pods.map((p) => p.tenant))].filter((t): t is string => t !== null).sort();
  const podOn = (tenant: string, node: string): LabPod =>
    status.pods.find((p) => p.tenant === tenant && p.node === node) as LabPod;
  const nodeNames = (): string[] => status.nodes.map((n) => n.name);
  const tunnelIpOf = (node: string): string => status.nodes.find((n) => n.name === node)?.tunnelIp as string;
  const nodeNetns = (node: string): string => status.nodes.find((n) => n.name === node)?.netns as string;

  /** One line to the external server and its answer; `sport` pins the client's source port. */
  async function tcpLine(from: LabPod, line: string, sport?: number): Promise<string> {
    const p = sport !== undefined ? `-p ${sport} ` : '';
    const r = await inNetns(from.netns, 'sh', '-c', `echo ${line} | nc -N -w 5 ${p}${EXT} 8080`);
    return r.out.trim();
  }

  /** One table's flows of a node, as ovs-ofctl prints them. */
  async function flows(node: string, table: number): Promise<string[]> {
    const r = await inNetns(
      nodeNetns(node),
      'ovs-ofctl',
      '-O',
      'OpenFlow13',
      'dump-flows',
      `unix:${lab?.dir}/${node}/br-int.mgmt`,
      `table=${table}`,
    );
    return r.out.split('\n').filter((l) => l.includes('table='));
  }

  /** A pod made here through the real CNI plugin, in the network bound to `podNamespace`, at `ip` when given. */
  async function addPod(node: string, name: string, podNamespace: string, ip?: string): Promise<LabPod> {
    const netns = `${lab?.prefix}-${name}`;
    await addNamespace(netns, true);
    made.push({ node, name, netns, podNamespace });
    const r = await runPlugin({
      command: 'ADD',
      containerId: netns,
      netns: `/run/netns/${netns}`,
      ifname: 'eth0',
      args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${podNamespace};K8S_POD_NAME=${name}${ip ? `;IP=${ip}` : ''}`,
      config: cniConfig(node),
    });
    assert.equal(r.code, 0, `CNI ADD of ${name}: ${r.stdout}${r.stderr}`);
    const { mac, cidrs } = summarizeResult(r.json as Record<string, unknown>, 'eth0');
    return {
      name,
      netns,
      node,
      tenant: podNamespace,
      network: null,
      ips: cidrs.map((c) => c.split('/')[0] as string),
      mac,
    };
  }
  const cniConfig = (node: string) => ({
    cniVersion: '1.1.0',
    name: 'sdn',
    type: 'sdn-cni',
    agentSocket: join(lab?.dir as string, node, 'agent.sock'),
  });

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 2, tenants: 2 });
    status = await lab.status();
    const p = spawn('ip', ['netns', 'exec', `${lab.prefix}-ext`, 'sh', '-c', peerEchoServer(1)], {
      detached: true,
      stdio: 'ignore',
    });
    servers.push(p);

    // Tenant 1 gets a second network with its own subnet, and a router on both subnets; a namespace binding sends
    // the pods made below into it.
    type Row = Record<string, unknown>;
    const items = async (path: string): Promise<Row[]> => (await api('GET', path)).items as Row[];
    const tenant = await api('GET', `/api/v1/tenants/${tenants()[0] as string}`);
    const net1 = (await items('/api/v1/networks?limit=1000')).find(
      (n) =>
        n.tenantId === tenant.id &&
        n.name === podOn(tenants()[0] as string, nodeNames()[0] as string).network,
    ) as Row;
    const sub1 = (await items('/api/v1/subnets?limit=1000')).find(
      (s) => s.networkId === net1.id && s.ipVersion === 4,
    ) as Row;
    const net2 = await api('POST', '/api/v1/networks', { tenant: tenant.id, name: 'routed' });
    const sub2 = await api('POST', '/api/v1/subnets', { network: net2.id, cidr: ROUTED_CIDR });
    const router = await api('POST', '/api/v1/routers', { tenant: tenant.id, name: 'r1' });
    await api('POST', `/api/v1/routers/${String(router.id)}/interfaces`, { subnet: sub1.id });
    await api('POST', `/api/v1/routers/${String(router.id)}/interfaces`, { subnet: sub2.id });
    await api('POST', '/api/v1/namespace-bindings', { namespace: ROUTED_NS, network: net2.id });
    for (const [i, node] of nodeNames().entries()) routed.push(await addPod(node, `r${i + 1}`, ROUTED_NS));
    for (const [i, t] of tenants().entries())
      twins.push(await addPod(nodeNames()[0] as string, `o${i + 1}`, t, TWIN_IP));
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
    for (const p of made) {
      await runPlugin({
        command: 'DEL',
        containerId: p.netns,
        netns: `/run/netns/${p.netns}`,
        ifname: 'eth0',
        args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${p.podNamespace};K8S_POD_NAME=${p.name}`,
        config: cniConfig(p.node),
      }).catch(() => undefined);
    }
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  it('the routed network gave its pods addresses in its own subnet, one pod per node', () => {
    assert.equal(routed.length, 2);
    for (const p of routed) assert.match(v4(p), /^10\.250\.0\./, `${p.name} in ${ROUTED_CIDR}`);
    assert.notEqual(routed[0]?.node, routed[1]?.node);
  });

  it('routes between two subnets of one tenant across nodes, both ways, through the distributed router', async () => {
    const t1 = tenants()[0] as string;
    const [n1, n2] = nodeNames() as [string, string];
    const a1 = podOn(t1, n1);
    const a2 = podOn(t1, n2);
    const [r1, r2] = routed as [LabPod, LabPod];
    assert.ok(await ping(a1.netns, v4(r2)), `${a1.name} (${n1}) -> ${r2.name} ${v4(r2)} (${n2})`);
    assert.ok(await ping(r2.netns, v4(a1)), `${r2.name} (${n2}) -> ${a1.name} ${v4(a1)} (${n1})`);
    assert.ok(await ping(a2.netns, v4(r1)), `${a2.name} (${n2}) -> ${r1.name} ${v4(r1)} (${n1})`);
    assert.ok(await ping(r1.netns, v4(a2)), `${r1.name} (${n1}) -> ${a2.name} ${v4(a2)} (${n2})`);
    // Routed, not bridged: the TTL the far pod sees went down by one (dec_ttl on the sending node).
    const r = await inNetns(a1.netns, 'ping', '-4', '-c', '1', '-W', '2', v4(r2));
    assert.match(r.out, /ttl=63/, r.out);
  });

  it('every node has the transit route, its permanent neighbour and MASQUERADE from sdn-agent', async () => {
    for (const node of nodeNames()) {
      const ns = nodeNetns(node);
      const neigh = await inNetns(ns, 'ip', 'neigh', 'show', DEFAULT_EGRESS_TRANSIT_IP, 'dev', 'br-int');
      assert.match(neigh.out, /lladdr 02:5e:a9:fe:00:01 PERMANENT/, neigh.out);
      const fwd = await inNetns(ns, 'sysctl', '-n', 'net.ipv4.ip_forward');
      assert.equal(fwd.out.trim(), '1');
      const nat = await inNetns(ns, 'iptables-save', '-t', 'nat');
      assert.match(nat.out, /-A SDN-EGRESS -s 169\.254\.0\.1\/32 ! -o br-int -j MASQUERADE/);
      // The kernel does not own the transit address: that is why replies come back into the bridge.
      const own = await inNetns(ns, 'ip', '-4', 'addr', 'show');
      assert.doesNotMatch(own.out, /169\.254\.0\.1\//);
    }
  });

  it('a pod pings the external host, from each node and each tenant', async () => {
    for (const p of status.pods) assert.ok(await ping(p.netns, EXT), `${p.name} (${p.tenant}) -> ${EXT}`);
    for (const p of routed) assert.ok(await ping(p.netns, EXT), `${p.name} (routed) -> ${EXT}`);
  });

  it('the external host sees the node address as the source (ICMP, captured on the external host)', async () => {
    const [n1] = nodeNames() as [string];
    const pod = podOn(tenants()[0] as string, n1);
    const capture = spawn(
      'ip',
      ['netns', 'exec', `${lab?.prefix}-ext`, 'tcpdump', '-l', '-nn', '-i', 'eth0', 'icmp'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let text = '';
    capture.stdout.on('data', (b: Buffer) => (text += b.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    const ok = await ping(pod.netns, EXT, 2);
    await new Promise((r) => setTimeout(r, 300));
    capture.kill('SIGINT');
    await new Promise((r) => capture.once('exit', r));
    assert.ok(ok, `${pod.name} -> ${EXT}`);
    assert.match(
      text,
      new RegExp(
        `IP ${tunnelIpOf(n1).replaceAll('.', '\\.')} > ${EXT.replaceAll('.', '\\.')}: ICMP echo request`,
      ),
      text,
    );
    assert.doesNotMatch(text, new RegExp(`IP (${v4(pod).replaceAll('.', '\\.')}|169\\.254\\.0\\.1) >`), text);
  });

  it('TCP to the external host: the server sees the node address as the peer', async () => {
    for (const p of status.pods) {
      assert.equal(await tcpLine(p, p.name), `${p.name} ${tunnelIpOf(p.node)}`, `${p.name} on ${p.node}`);
    }
  });

  it('two tenants with the same CIDR reach outside at once, each getting its own answers', async () => {
    const [o1, o2] = twins as [LabPod, LabPod];
    assert.equal(v4(o1), TWIN_IP);
    assert.equal(v4(o2), TWIN_IP);
    assert.equal(o1.node, o2.node);
    // The twins' connections have the same 5-tuple (same address, same pinned source port): only the routing domain
    // in conntrack tells them apart, and the SNAT gives the second another port. The server answers after a second,
    // so all six connections (the lab's pods too) are open at once.
    const all = [...twins, ...status.pods];
    const answers = await Promise.all(all.map((p) => tcpLine(p, `${p.name}-again`, 41000)));
    all.forEach((p, i) =>
      assert.equal(answers[i], `${p.name}-again ${tunnelIpOf(p.node)}`, `${p.name} (${p.tenant})`),
    );
    const pings = await Promise.all(all.map((p) => ping(p.netns, EXT, 3)));
    assert.deepEqual(
      pings,
      all.map(() => true),
    );
  });

  it("another tenant's subnet is dropped in the switch, never sent out through SNAT", async () => {
    const [, t2] = tenants() as [string, string];
    const [n1] = nodeNames() as [string];
    const b1 = podOn(t2, n1);
    const target = v4(routed[1] as LabPod);
    const drop = async (): Promise<number> => {
      const line = (await flows(n1, 40)).find(
        (l) => l.includes('nw_dst=10.250.0.0/24') && /actions=drop/.test(l),
      );
      assert.ok(line, `node ${n1} has a drop flow for ${ROUTED_CIDR} in tenant 2's domain`);
      return Number(/n_packets=(\d+)/.exec(line)?.[1]);
    };
    const before = await drop();
    assert.equal(await ping(b1.netns, target, 2), false, `${b1.name} (${t2}) must not reach ${target}`);
    assert.ok((await drop()) >= before + 2, 'the pings met the drop flow');
  });
});
