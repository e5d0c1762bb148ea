// The network overlay with a real leaf, end to end: a controller process, `sdnctl lab up --vtep --network-nodes 2`
// (n1, n2 uplinked to Debian's ovs-vtep over VLAN trunks, n3 a host-overlay node), two tenants whose networks hold
// the same CIDRs, bare-metal hosts behind the leaf's bm0 port on access VLANs of its ToR bridge, and real packets.
// The leaf's database is read back with vtep-ctl and compared with what the controller says it wants. Bare metal is
// routed by the leaf gateway, n3 (the only host-overlay node): to a VM in another subnet, from a network of bare
// metal only, and between two servers of two subnets behind the one leaf.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { plugBareMetal, unplugBareMetal, type BareMetalHost } from '../../northbound/cli/lab/leaf.js';
import type { LeafPlan } from '../../northbound/cli/lab/leaf-layout.js';
import { readState } from '../../northbound/cli/lab/state.js';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { Lab, inNetns, ping, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

const run = promisify(execFile);
/** The second subnet of tenant 1, routed with its lab subnet (and bm1's) by router r1. */
const ROUTED_CIDR = '10.250.0.0/24';
/** A network of tenant 1 that holds bare metal only, on r1 too. */
const METAL_CIDR = '10.251.0.0/24';

interface Row {
  id: string;
  name: string;
  [k: string]: unknown;
}

describe('e2e: network overlay through a leaf VTEP (ovs-vtep)', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let leaf: LeafPlan;
  let status: LabStatus;
  /** tenant name -> its network's id. */
  const networkOf = new Map<string, string>();
  const hosts: BareMetalHost[] = [];
  /** VMs plugged by the tests: their namespace, and their port in a node's namespace. */
  const vms: { netns: string; nodeNs: string; dev: string }[] = [];

  async function api(method: string, path: string, body?: unknown) {
    const c = controller as ControllerProcess;
    return request(c.url, c.adminToken(), method, path, body);
  }
  async function ok(method: string, path: string, body?: unknown): Promise<Row> {
    const r = await api(method, path, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json as Row;
  }
  async function vtepCtl(...args: string[]): Promise<string> {
    const { stdout } = await run('vtep-ctl', [`--db=unix:${leaf.dbSocket}`, '--timeout=10', ...args]);
    return stdout;
  }
  async function vsctl(node: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('ovs-vsctl', [
      `--db=unix:${lab!.dir}/${node}/db.sock`,
      '--timeout=10',
      ...args,
    ]);
    return stdout;
  }
  const v4 = (ips: readonly string[]): string => ips.find((a) => !a.includes(':'))!;
  const podOf = (tenant: string, node: string): LabPod =>
    status.pods.find((p) => p.tenant === tenant && p.node === node)!;
  async function eventually(what: string, probe: () => Promise<boolean>, tries = 40): Promise<void> {
    for (let i = 0; i < tries; i++) {
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(what);
  }
  /** A few tries: the first packets of a new path may go to ARP, ovs-vtep's 1 s poll or MAC learning. */
  async function reaches(netns: string, ip: string): Promise<boolean> {
    for (let i = 0; i < 8; i++) if (await ping(netns, ip, 1)) return true;
    return false;
  }
  /** The MAC a namespace resolved `ip` to: shows which of two hosts with one address answered. */
  async function neighbourMac(netns: string, ip: string): Promise<string> {
    const { out } = await inNetns(netns, 'ip', 'neigh', 'show', ip);
    return /lladdr ([0-9a-f:]{17})/.exec(out)?.[1] ?? '';
  }
  async function bareMetal(
    tenant: string,
    name: string,
    vlan: number,
    fixed?: { ips: string[]; mac: string },
  ): Promise<BareMetalHost> {
    const ep = await ok('POST', '/api/v1/endpoints', {
      network: networkOf.get(tenant),
      kind: 'baremetal',
      vtep: leaf.name,
      port: leaf.bareMetalPort,
      vlan,
      name,
      ...fixed,
    });
    const host: BareMetalHost = {
      name,
      netns: `${lab!.prefix}-${name}`,
      vlan,
      mac: ep.mac as string,
      cidr: `${v4(ep.ips as string[])}/16`,
    };
    hosts.push(host);
    await plugBareMetal(leaf, host);
    return host;
  }
  /** The leaf's rows as vtep-ctl prints them, in the shape of GET /vteps/NAME/rows. */
  async function leafRows() {
    const lss = (await vtepCtl('list-ls')).split('\n').filter(Boolean).sort();
    const bindings: string[] = [];
    for (const port of (await vtepCtl('list-ports', leaf.name)).split('\n').filter(Boolean)) {
      for (const line of (await vtepCtl('list-bindings', leaf.name, port)).split('\n').filter(Boolean)) {
        const [vlan, ls] = line.trim().split(/\s+/);
        bindings.push(`${port} ${Number(vlan)} ${ls}`);
      }
    }
    const remote: string[] = [];
    for (const ls of lss) {
      for (const line of (await vtepCtl('list-remote-macs', ls)).split('\n')) {
        const m = /^\s+([0-9a-f:]{17}|unknown-dst) -> vxlan_over_ipv4\/(\S+)/.exec(line);
        if (m) remote.push(`${ls} ${m[1]} ${m[2]}`);
      }
    }
    return { lss, bindings: bindings.sort(), remote: remote.sort() };
  }

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 3, pods: 2, tenants: 2, vtep: { networkNodes: 2 } });
    status = await lab.status();
    leaf = readState(lab.dir)!.plan.leaf!;
    const tenants = (await ok('GET', '/api/v1/tenants')).items as Row[];
    for (const n of (await ok('GET', '/api/v1/networks')).items as Row[]) {
      networkOf.set(tenants.find((t) => t.id === n.tenantId)!.name, n.id);
    }
  });
  after(async () => {
    for (const h of hosts) if (leaf) await unplugBareMetal(leaf, h).catch(() => undefined);
    for (const v of vms) {
      await run('ip', ['netns', 'exec', v.nodeNs, 'ip', 'link', 'del', v.dev]).catch(() => undefined);
      await run('ip', ['netns', 'delete', v.netns]).catch(() => undefined);
    }
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  it('a pod on a network-overlay node reaches a pod on the other one, and one on a host-overlay node', async () => {
    const [a1, a2, a3] = ['n1', 'n2', 'n3'].map((n) => podOf('tenant-1', n));
    assert.ok(await reaches(a1.netns, v4(a2.ips)), 'n1 -> n2: VLAN to the leaf, VLAN back');
    assert.ok(await reaches(a1.netns, v4(a3.ips)), 'n1 -> n3: VLAN to the leaf, VXLAN to the node (hybrid)');
    assert.ok(await reaches(a3.netns, v4(a2.ips)), 'n3 -> n2: VXLAN to the leaf, VLAN to the node');
  });

  it('overlapping CIDRs of two tenants stay apart through the leaf', async () => {
    // Both tenants allocate from the same 10.244.0.0/16: the same address answers with each tenant's own MAC.
    for (const [from, to] of [
      ['n1', 'n2'],
      ['n3', 'n1'],
    ] as const) {
      for (const t of ['tenant-1', 'tenant-2']) {
        const src = podOf(t, from);
        const dst = podOf(t, to);
        assert.ok(await reaches(src.netns, v4(dst.ips)), `${t}: ${from} -> ${to}`);
        assert.equal(await neighbourMac(src.netns, v4(dst.ips)), dst.mac, `${t}: its own pod answered`);
      }
    }
    const t1 = new Set(status.pods.filter((p) => p.tenant === 'tenant-1').map((p) => v4(p.ips)));
    assert.ok(
      status.pods.some((p) => p.tenant === 'tenant-2' && t1.has(v4(p.ips))),
      'the tenants hold the same addresses',
    );
  });

  it('a bare-metal host behind the leaf reaches pods on every node; a second tenant reuses its address', async () => {
    const bm1 = await bareMetal('tenant-1', 'bm1', 10);
    const ip = bm1.cidr.split('/')[0]!;
    for (const n of ['n1', 'n2', 'n3']) {
      const pod = podOf('tenant-1', n);
      assert.ok(await reaches(bm1.netns, v4(pod.ips)), `bm1 -> ${pod.name} on ${n}`);
      assert.ok(await reaches(pod.netns, ip), `${pod.name} -> bm1`);
      assert.equal(await neighbourMac(pod.netns, ip), bm1.mac);
    }
    // The same address in tenant 2, on another VLAN of the same port: each tenant reaches its own host.
    const bm2 = await bareMetal('tenant-2', 'bm2', 20, { ips: [ip], mac: '02:00:00:00:b0:02' });
    assert.notEqual(bm2.mac, bm1.mac);
    for (const n of ['n1', 'n3']) {
      const pod = podOf('tenant-2', n);
      assert.ok(await reaches(pod.netns, ip), `${pod.name} -> bm2`);
      assert.equal(await neighbourMac(pod.netns, ip), bm2.mac, `${pod.name} reached its own tenant's host`);
      assert.equal(await neighbourMac(podOf('tenant-1', n).netns, ip), bm1.mac);
    }

    // Where each MAC lives: the leaf learned both hosts on bm0; the API says so.
    const macs = (await ok('GET', `/api/v1/macs?network=${networkOf.get('tenant-1')}`)).items as Row[];
    const at = macs.find((m) => m.mac === bm1.mac)!;
    assert.deepEqual(at.location, {
      kind: 'leaf',
      name: 'leaf1',
      tunnelIp: leaf.tunnelIp,
      port: 'bm0',
      vlan: 10,
    });
    assert.ok(
      (at.learnedBy as string[]).length <= 1,
      'learned by leaf1 at most (ovs-vtep forgets after 15 s idle)',
    );
    const onN1 = macs.find((m) => m.mac === podOf('tenant-1', 'n1').mac)!;
    assert.equal((onN1.location as Row).name, 'n1');
    assert.equal((onN1.location as Row).port, 'up-n1');
    // ovs-vtep publishes what it learned once a second (Ucast_Macs_Local); the API shows it with the endpoint.
    let learned: { mac: string; endpoint?: string }[] = [];
    await eventually('leaf1 learned bm2 on bm0', async () => {
      await ping(podOf('tenant-2', 'n3').netns, ip, 1);
      const state = await ok('GET', '/api/v1/vteps/leaf1/state');
      learned = state.learned as typeof learned;
      return (
        state.connection === 'monitoring' && learned.some((m) => m.mac === bm2.mac && m.endpoint === 'bm2')
      );
    });
  });

  it('bare metal reaches a VM and pods in other subnets through the router (leaf gateway n3), and back', async () => {
    // Tenant 1 gets a router over its lab subnet (bm1's) and a new one, with a VM on n3 there; n3, the only
    // host-overlay node, is the leaf gateway: it answers bm1's ARP for the gateway and routes for it.
    const bm1 = hosts.find((h) => h.name === 'bm1');
    assert.ok(bm1, 'bm1 from the previous test');
    const net1 = networkOf.get('tenant-1')!;
    const sub1 = ((await ok('GET', '/api/v1/subnets?limit=1000')).items as Row[]).find(
      (x) => x.networkId === net1 && x.ipVersion === 4,
    )!;
    const gw1 = sub1.gateway as string;
    assert.ok(gw1, `${String(sub1.cidr)} has a gateway`);
    const tenantId = ((await ok('GET', '/api/v1/tenants')).items as Row[]).find(
      (t) => t.name === 'tenant-1',
    )!.id;
    const net2 = await ok('POST', '/api/v1/networks', { tenant: tenantId, name: 'routed' });
    const sub2 = await ok('POST', '/api/v1/subnets', { network: net2.id, cidr: ROUTED_CIDR });
    const r1 = await ok('POST', '/api/v1/routers', { tenant: tenantId, name: 'r1' });
    await ok('POST', `/api/v1/routers/${r1.id}/interfaces`, { subnet: sub1.id });
    await ok('POST', `/api/v1/routers/${r1.id}/interfaces`, { subnet: sub2.id });
    const vm = await ok('POST', '/api/v1/endpoints', {
      network: net2.id,
      kind: 'vm',
      node: 'n3',
      name: 'vm1',
    });
    const vmIp = v4(vm.ips as string[]);
    const n3 = status.nodes.find((n) => n.name === 'n3')!;
    const vmNs = `${lab!.prefix}-vm1`;
    vms.push({ netns: vmNs, nodeNs: n3.netns, dev: 'vm1' });
    await run('ip', ['netns', 'add', vmNs]);
    await run('ip', ['link', 'add', 'vm1', 'netns', n3.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vmNs]); // prettier-ignore
    await run('ip', ['netns', 'exec', n3.netns, 'ip', 'link', 'set', 'vm1', 'up']);
    const vmSh = `ip link set lo up && ip link set eth0 address ${vm.mac as string} && ip addr add ${vmIp}/24 dev eth0 && ip link set eth0 up && ip route add default via ${sub2.gateway as string} && ethtool -K eth0 tx off >/dev/null`; // prettier-ignore
    await run('ip', ['netns', 'exec', vmNs, 'sh', '-c', vmSh]);
    await vsctl(
      'n3',
      'add-port',
      'br-int',
      'vm1',
      '--',
      'set',
      'interface',
      'vm1',
      `external_ids:iface-id=${vm.id}`,
    );
    await inNetns(bm1.netns, 'ip', 'route', 'add', ROUTED_CIDR, 'via', gw1);

    // The leaf holds the gateway MAC at n3 (the rows check below compares the rest).
    const rows = await ok('GET', '/api/v1/vteps/leaf1/rows');
    const gwRow = (rows.ucastRemote as { mac: string; tunnelIp: string; ipaddr: string }[]).find(
      (m) => m.ipaddr === gw1,
    );
    assert.equal(gwRow?.tunnelIp, n3.tunnelIp, JSON.stringify(rows.ucastRemote));
    await eventually(`leaf1 holds ${gwRow.mac} at n3`, async () =>
      (
        await vtepCtl(
          'list-remote-macs',
          `vni-${(await ok('GET', `/api/v1/networks/${net1}`)).vni as number}`,
        )
      ).includes(gwRow.mac),
    );

    assert.ok(await reaches(bm1.netns, gw1), `bm1 -> its gateway ${gw1} (answered by n3)`);
    assert.equal(await neighbourMac(bm1.netns, gw1), gwRow.mac);
    assert.ok(await reaches(bm1.netns, vmIp), `bm1 -> vm1 ${vmIp} through r1`);
    assert.ok(await reaches(vmNs, v4([bm1.cidr.split('/')[0]!])), `vm1 -> bm1 through r1`);
    // Routed, not bridged: one hop.
    const r = await inNetns(bm1.netns, 'ping', '-4', '-c', '1', '-W', '2', vmIp);
    assert.match(r.out, /ttl=63/, r.out);
    // The VM also reaches a pod of tenant 1 on n3 in the first subnet (routed on n3 itself).
    assert.ok(await reaches(vmNs, v4(podOf('tenant-1', 'n3').ips)), 'vm1 -> the tenant-1 pod on n3');

    // A network of bare metal only (no endpoint of it on any node): n3 accepts it from the leaf all the same.
    const metal = await ok('POST', '/api/v1/networks', { tenant: tenantId, name: 'metal' });
    const sub3 = await ok('POST', '/api/v1/subnets', { network: metal.id, cidr: METAL_CIDR });
    await ok('POST', `/api/v1/routers/${r1.id}/interfaces`, { subnet: sub3.id });
    const ep3 = await ok('POST', '/api/v1/endpoints', {
      network: metal.id,
      kind: 'baremetal',
      vtep: leaf.name,
      port: leaf.bareMetalPort,
      vlan: 30,
      name: 'bm3',
    });
    const bm3: BareMetalHost = {
      name: 'bm3',
      netns: `${lab!.prefix}-bm3`,
      vlan: 30,
      mac: ep3.mac as string,
      cidr: `${v4(ep3.ips as string[])}/24`,
      gateway: sub3.gateway as string,
    };
    hosts.push(bm3);
    await plugBareMetal(leaf, bm3);
    const bm3Ip = v4(ep3.ips as string[]);
    assert.ok(await reaches(bm3.netns, vmIp), `bm3 (bare-metal-only network) -> vm1 ${vmIp}`);
    assert.ok(await reaches(vmNs, bm3Ip), `vm1 -> bm3 ${bm3Ip}`);
    const pod3 = podOf('tenant-1', 'n3');
    assert.ok(await reaches(bm3.netns, v4(pod3.ips)), `bm3 -> ${pod3.name} on n3`);
    assert.ok(await reaches(pod3.netns, bm3Ip), `${pod3.name} -> bm3`);
    // Two servers in two subnets behind one leaf talk through n3 too (in by the tunnel, out by IN_PORT).
    await inNetns(bm1.netns, 'ip', 'route', 'add', METAL_CIDR, 'via', gw1);
    assert.ok(await reaches(bm3.netns, v4([bm1.cidr.split('/')[0]!])), 'bm3 -> bm1 through r1');
    // Gone again, so that the rows test below counts the lab's own networks.
    await unplugBareMetal(leaf, bm3);
    hosts.splice(hosts.indexOf(bm3), 1);
    await ok('DELETE', `/api/v1/endpoints/${ep3.id}`);
    const ifaces = (await ok('GET', `/api/v1/routers/${r1.id}/interfaces`)).items as Row[];
    await ok(
      'DELETE',
      `/api/v1/routers/${r1.id}/interfaces/${ifaces.find((i) => i.subnetId === sub3.id)!.id}`,
    );
    await ok('DELETE', `/api/v1/subnets/${sub3.id}`);
    await ok('DELETE', `/api/v1/networks/${metal.id}`);
  });

  it('VLAN bindings appear on the node and on the leaf with the first endpoint and go with the last', async () => {
    const t = await ok('POST', '/api/v1/tenants', { name: 'late' });
    const net = await ok('POST', '/api/v1/networks', { tenant: t.id, name: 'late' });
    const sub = await ok('POST', '/api/v1/subnets', { network: net.id, cidr: '10.77.0.0/24' });
    const ls = `vni-${net.vni as number}`;
    const boundOnLeaf = async () => (await vtepCtl('list-bindings', leaf.name, 'up-n1')).includes(ls);
    const trunks = async () => (await vsctl('n1', 'get', 'port', 'eth-leaf', 'trunks')).trim();
    assert.equal(await boundOnLeaf(), false);

    const a = await ok('POST', '/api/v1/endpoints', { network: net.id, kind: 'vm', node: 'n1', name: 'a' });
    const b = await ok('POST', '/api/v1/endpoints', { network: net.id, kind: 'vm', node: 'n1', name: 'b' });
    // The hypervisor plugs the VMs' ports (the network is on the node's switch from then on).
    const n1 = status.nodes.find((n) => n.name === 'n1')!;
    for (const [ep, dev] of [
      [a, 'vma'],
      [b, 'vmb'],
    ] as const) {
      await run('ip', [
        'netns',
        'exec',
        n1.netns,
        'ip',
        'link',
        'add',
        dev,
        'type',
        'veth',
        'peer',
        'name',
        `${dev}-peer`,
      ]);
      await run('ip', ['netns', 'exec', n1.netns, 'ip', 'link', 'set', dev, 'up']);
      await vsctl(
        'n1',
        'add-port',
        'br-int',
        dev,
        '--',
        'set',
        'interface',
        dev,
        `external_ids:iface-id=${ep.id}`,
      );
    }
    const bindings = (await ok('GET', '/api/v1/nodes/n1/vlan-bindings')).items as Row[];
    const vlan = bindings.find((x) => x.networkId === net.id)!.vlan as number;
    await eventually(`VLAN ${vlan} -> ${ls} on leaf1 up-n1`, async () =>
      (await vtepCtl('list-bindings', leaf.name, 'up-n1'))
        .split('\n')
        .some((l) => l.trim() === `${String(vlan).padStart(4, '0')} ${ls}`),
    );
    await eventually(`VLAN ${vlan} trunked on n1's uplink: ${await trunks()}`, async () =>
      (await trunks()).includes(String(vlan)),
    );

    await ok('DELETE', `/api/v1/endpoints/${a.id}`);
    assert.equal(await boundOnLeaf(), true, 'one endpoint is left');
    await ok('DELETE', `/api/v1/endpoints/${b.id}`);
    await eventually(`${ls} unbound from leaf1 up-n1`, async () => !(await boundOnLeaf()));
    await eventually(`VLAN ${vlan} off n1's uplink`, async () => !(await trunks()).includes(String(vlan)));
    assert.ok(
      !((await ok('GET', '/api/v1/nodes/n1/vlan-bindings')).items as Row[]).some(
        (x) => x.networkId === net.id,
      ),
    );
    await eventually(`${ls} gone from leaf1`, async () => !(await vtepCtl('list-ls')).includes(ls));
    for (const dev of ['vma', 'vmb']) {
      await vsctl('n1', '--if-exists', 'del-port', 'br-int', dev);
      await run('ip', ['netns', 'exec', n1.netns, 'ip', 'link', 'del', dev]).catch(() => undefined);
    }
    await ok('DELETE', `/api/v1/subnets/${sub.id}`);
    await ok('DELETE', `/api/v1/networks/${net.id}`);
    await ok('DELETE', `/api/v1/tenants/${t.id}`);
  });

  it('vtep-ctl shows exactly the rows the controller intends', async () => {
    const want = await ok('GET', '/api/v1/vteps/leaf1/rows');
    const expected = {
      lss: (want.logicalSwitches as Row[]).map((l) => l.name).sort(),
      bindings: (want.bindings as { port: string; vlan: number; logicalSwitch: string }[])
        .map((b) => `${b.port} ${b.vlan} ${b.logicalSwitch}`)
        .sort(),
      remote: [
        ...(want.ucastRemote as { logicalSwitch: string; mac: string; tunnelIp: string }[]).map(
          (m) => `${m.logicalSwitch} ${m.mac} ${m.tunnelIp}`,
        ),
        ...(want.mcastRemote as { logicalSwitch: string; tunnelIps: string[] }[]).flatMap((m) =>
          m.tunnelIps.map((ip) => `${m.logicalSwitch} unknown-dst ${ip}`),
        ),
      ].sort(),
    };
    // Two tenants on both uplinks and bm0 (VLANs 10, 20); n3's pods are the remote MACs, n3 the BUM target.
    assert.equal(expected.lss.length, 2);
    assert.equal(expected.bindings.length, 6, expected.bindings.join('\n'));
    await eventually('the leaf holds what the controller wants', async () => {
      const got = await leafRows();
      return JSON.stringify(got) === JSON.stringify(expected);
    });
    assert.deepEqual(await leafRows(), expected);
    assert.equal((await ok('GET', '/api/v1/vteps/leaf1/state')).inSync, true);
    for (const l of want.logicalSwitches as { name: string; vni: number; description: string }[]) {
      assert.match(await vtepCtl('get', 'Logical_Switch', l.name, 'replication_mode'), /source_node/);
      assert.equal(Number(await vtepCtl('get', 'Logical_Switch', l.name, 'tunnel_key')), l.vni);
      assert.equal(JSON.parse(await vtepCtl('get', 'Logical_Switch', l.name, 'description')), l.description);
    }
  });
});
