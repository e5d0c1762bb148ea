// Security groups, QoS and node health probes (issue 8), end to end: a real controller, a two-node lab, groups and
// policies set through the REST API, real TCP/ICMP packets between pods, over IPv4 and IPv6.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { hostMac } from '../../controller/pipeline/context.js';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { Lab, inNetns, ping, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e: security groups, QoS and health probes in a two-node lab', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;
  const children: ChildProcess[] = [];
  let server: LabPod;
  let client: LabPod;
  let other: LabPod;
  let tenant: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const c = controller as ControllerProcess;
    const r = await request(c.url, c.adminToken(), method, `/api/v1${path}`, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const v4 = (p: LabPod): string => p.ips.find((ip) => !ip.includes(':')) as string;
  const v6 = (p: LabPod): string => p.ips.find((ip) => ip.includes(':')) as string;
  /** Runs a long-lived command in a namespace (killed in after()). */
  const background = (netns: string, cmd: string): ChildProcess => {
    const c = spawn('ip', ['netns', 'exec', netns, 'sh', '-c', cmd], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(c);
    return c;
  };
  const connects = async (from: LabPod | string, ip: string, port: number): Promise<boolean> => {
    const ns = typeof from === 'string' ? from : from.netns;
    return (await inNetns(ns, 'nc', '-z', '-w', '2', ip, String(port))).code === 0;
  };
  const endpointOf = async (p: LabPod): Promise<string> => {
    const list = (await api('GET', '/endpoints?limit=1000')).items as { id: string; ips: string[] }[];
    const e = list.find((x) => x.ips.includes(v4(p)));
    assert.ok(e, `endpoint of ${p.name}`);
    return e.id;
  };
  /** Polls `probe` for up to `ms` (a reconcile is asynchronous to the API call that caused it). */
  const eventually = async (probe: () => Promise<boolean>, ms = 4000): Promise<boolean> => {
    const end = Date.now() + ms;
    for (;;) {
      if (await probe()) return true;
      if (Date.now() > end) return false;
      await sleep(200);
    }
  };

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 2, tenants: 1 });
    status = await lab.status();
    const n1 = status.pods.filter((p) => p.node === status.nodes[0]?.name);
    const n2 = status.pods.filter((p) => p.node === status.nodes[1]?.name);
    server = n1[0] as LabPod;
    other = n1[1] as LabPod;
    client = n2[0] as LabPod;
    tenant = (await api('GET', `/endpoints/${await endpointOf(server)}`)).tenantId as string;
    // Listeners in the server pod: 8080 (allowed), 9090 (remote group only), 7070 (no rule), 5001 (bulk sink).
    for (const port of [8080, 9090, 7070])
      for (const af of ['-4', '-6']) background(server.netns, `nc ${af} -l -k -p ${port} >/dev/null`);
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  let web: string;
  let clients: string;

  it('a group allowing tcp/8080 blocks tcp/7070, with established return traffic (IPv4 and IPv6)', async () => {
    assert.ok(await connects(client, v4(server), 7070), 'before any group, 7070 is open');
    web = (await api('POST', '/security-groups', { tenant, name: 'web' })).id as string;
    for (const ethertype of ['IPv4', 'IPv6'])
      await api('POST', `/security-groups/${web}/rules`, {
        direction: 'ingress',
        ethertype,
        protocol: 'tcp',
        portMin: 8080,
        portMax: 8080,
      });
    await api('PATCH', `/endpoints/${await endpointOf(server)}`, { securityGroups: [web] });
    assert.ok(await eventually(async () => !(await connects(client, v4(server), 7070))), '7070 blocked');
    assert.ok(await connects(client, v4(server), 8080), 'tcp/8080 open, SYN-ACK back');
    assert.ok(await connects(client, v6(server), 8080), 'tcp/8080 open over IPv6');
    assert.equal(await connects(client, v6(server), 7070), false, 'tcp/7070 blocked over IPv6');
    assert.ok(await ping(server.netns, v4(client)), 'the server may still open connections out');
  });

  it('ICMP passes once a rule allows it', async () => {
    assert.equal(await ping(client.netns, v4(server), 1), false);
    for (const [ethertype, protocol] of [
      ['IPv4', 'icmp'],
      ['IPv6', 'icmpv6'],
    ])
      await api('POST', `/security-groups/${web}/rules`, { direction: 'ingress', ethertype, protocol });
    assert.ok(await eventually(() => ping(client.netns, v4(server), 1)), 'ping allowed');
    assert.ok(await eventually(() => ping(client.netns, v6(server), 1)), 'ping6 allowed');
  });

  it('a remote-group rule follows membership changes', async () => {
    clients = (await api('POST', '/security-groups', { tenant, name: 'clients', ingressDefault: 'allow' }))
      .id as string;
    await api('POST', `/security-groups/${web}/rules`, {
      direction: 'ingress',
      protocol: 'tcp',
      portMin: 9090,
      portMax: 9090,
      remoteGroup: clients,
    });
    assert.equal(await connects(client, v4(server), 9090), false, 'not a member yet');
    await api('PATCH', `/endpoints/${await endpointOf(client)}`, { securityGroups: [clients] });
    assert.ok(await eventually(() => connects(client, v4(server), 9090)), 'member: 9090 open');
    assert.equal(await connects(other, v4(server), 9090), false, 'a non-member is still refused');
    await api('PATCH', `/endpoints/${await endpointOf(client)}`, { securityGroups: [] });
    assert.ok(await eventually(async () => !(await connects(client, v4(server), 9090))), 'left: closed');
  });

  it('the node passes a TCP probe to a deny-all pod; the pod cannot open a connection to the node', async () => {
    const node = status.nodes.find((n) => n.name === server.node) as LabStatus['nodes'][number];
    // The node's stack reaches its pods through br-int (OFPP_LOCAL), whose MAC the pipeline addresses.
    await inNetns(
      node.netns,
      'ip',
      'link',
      'set',
      'br-int',
      'address',
      hostMac({ tunnelIp: node.tunnelIp } as never),
    );
    await inNetns(node.netns, 'ip', 'link', 'set', 'br-int', 'up');
    await inNetns(
      node.netns,
      'ip',
      'route',
      'replace',
      `${v4(server)}/32`,
      'dev',
      'br-int',
      'src',
      node.tunnelIp,
    );
    assert.equal(await connects(client, v4(server), 7070), false, 'deny-all for pods');
    assert.ok(await connects(node.netns, v4(server), 7070), 'the node probe passes');
    background(node.netns, `nc -l -k -s ${node.tunnelIp} -p 7171 >/dev/null`);
    await sleep(300);
    assert.equal(await connects(server, node.tunnelIp, 7171), false, 'the pod cannot connect to its node');
  });

  it('over IPv6 too: the node passes a TCP probe to the deny-all pod; the pod cannot open a connection to it', async () => {
    const node = status.nodes.find((n) => n.name === server.node) as LabStatus['nodes'][number];
    // The node's own IPv6 address, outside every pod subnet; it finds the pod by a neighbour solicitation that the
    // switch answers, as it answers the node's ARP.
    const nodeV6 = 'fd00:5dc0::1';
    await inNetns(
      node.netns,
      'ip',
      'link',
      'set',
      'br-int',
      'address',
      hostMac({ tunnelIp: node.tunnelIp } as never),
    );
    // The lab's node namespaces start with IPv6 off (their stacks need none): on for br-int only.
    await inNetns(node.netns, 'sysctl', '-qw', 'net.ipv6.conf.br-int.disable_ipv6=0');
    await inNetns(node.netns, 'ip', 'link', 'set', 'br-int', 'up');
    await inNetns(node.netns, 'ip', '-6', 'addr', 'replace', `${nodeV6}/128`, 'dev', 'br-int', 'nodad');
    await inNetns(
      node.netns,
      'ip',
      '-6',
      'route',
      'replace',
      `${v6(server)}/128`,
      'dev',
      'br-int',
      'src',
      nodeV6,
    );
    assert.equal(await connects(client, v6(server), 7070), false, 'deny-all for pods over IPv6');
    assert.ok(await connects(node.netns, v6(server), 7070), 'the node probe passes over IPv6');
    background(node.netns, `nc -6 -l -k -s ${nodeV6} -p 7172 >/dev/null`);
    await sleep(300);
    assert.equal(await connects(server, nodeV6, 7172), false, 'the pod cannot connect to its node over IPv6');
  });

  it('a UDP broadcast reaches a pod without a group but not a deny-all one (flooding meets ingress security)', async () => {
    const port = 6060;
    const listen = (p: LabPod): Promise<string> => {
      const script = [
        'import socket',
        's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
        's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
        `s.bind(('', ${port}))`,
        's.settimeout(3)',
        'try:',
        "    print('got', s.recvfrom(100)[0].decode(), flush=True)",
        'except socket.timeout:',
        "    print('nothing', flush=True)",
      ].join('\n');
      const c = spawn('ip', ['netns', 'exec', p.netns, 'python3', '-c', script], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      children.push(c);
      let out = '';
      c.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      return new Promise((done) => c.once('exit', () => done(out.trim())));
    };
    const atServer = listen(server);
    const atClient = listen(client);
    await sleep(500);
    const send = [
      'import socket',
      's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
      's.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)',
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'eth0')",
      `for _ in range(3): s.sendto(b'hello', ('255.255.255.255', ${port}))`,
    ].join('\n');
    const r = await inNetns(other.netns, 'python3', '-c', send);
    assert.equal(r.code, 0, r.out);
    assert.equal(
      await atClient,
      'got hello',
      'the pod without a group (other node, through the tunnel) receives it',
    );
    assert.equal(await atServer, 'nothing', 'the deny-all pod on the same node does not');
  });

  it('DSCP is visible in a capture (IPv4 and IPv6)', async () => {
    const q = (await api('POST', '/qos-policies', { tenant, name: 'ef', dscp: 46 })).id as string;
    await api('PATCH', `/endpoints/${await endpointOf(server)}`, { qosPolicy: q });
    await sleep(1000);
    for (const ip of [v4(client), v6(client)]) {
      const cap = background(
        client.netns,
        `timeout 5 tcpdump -l -c 1 -nn -v -i eth0 '${ip.includes(':') ? 'ip6[40] == 128' : 'icmp[0] == 8'}'`,
      );
      const exited = new Promise((r) => cap.once('exit', r));
      let text = '';
      cap.stdout?.on('data', (b: Buffer) => (text += b.toString()));
      await sleep(800);
      await ping(server.netns, ip, 2);
      await exited;
      assert.match(text, ip.includes(':') ? /class 0xb8/ : /tos 0xb8/, text);
    }
    await api('PATCH', `/endpoints/${await endpointOf(server)}`, { qosPolicy: null });
  });

  it("a pod's router solicitation gets its gateway's advertisement (from the gateway's link-local address)", async () => {
    // An RS to ff02::2 from a raw ICMPv6 socket (the kernel fills in the checksum); prints the RA's source and
    // router lifetime.
    const script = [
      'import socket',
      's = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)',
      's.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)',
      's.settimeout(3)',
      "s.sendto(bytes([133, 0, 0, 0, 0, 0, 0, 0]), ('ff02::2', 0, 0, socket.if_nametoindex('eth0')))",
      'while True:',
      '    d, a = s.recvfrom(2000)',
      '    if d[0] == 134:',
      "        print(a[0].split('%')[0], int.from_bytes(d[6:8], 'big'))",
      '        break',
    ].join('\n');
    const r = await inNetns(other.netns, 'python3', '-c', script);
    assert.equal(r.code, 0, `no router advertisement: ${r.out}`);
    assert.match(r.out.trim(), /^fe80::[0-9a-f:]+ 1800$/);
  });

  /** Bulk transfer of `bytes` from `from` to `to`:5001; returns kbit/s seen by the sender. */
  const bulk = async (from: LabPod, to: string, bytes: number): Promise<number> => {
    const t0 = process.hrtime.bigint();
    const r = await inNetns(from.netns, 'sh', '-c', `head -c ${bytes} /dev/zero | nc -N -w 10 ${to} 5001`);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.equal(r.code, 0, 'transfer completed');
    return (bytes * 8) / 1000 / s;
  };

  it('egress and ingress rate limits hold a bulk transfer within 20 % of their settings', async () => {
    const ingress = 20_000;
    const egress = 10_000;
    const q = (
      await api('POST', '/qos-policies', {
        tenant,
        name: 'limits',
        ingressRateKbps: ingress,
        egressRateKbps: egress,
      })
    ).id as string;
    await api('POST', `/security-groups/${web}/rules`, {
      direction: 'ingress',
      protocol: 'tcp',
      portMin: 5001,
      portMax: 5001,
    });
    await api('PATCH', `/endpoints/${await endpointOf(server)}`, { qosPolicy: q });
    await sleep(1000);
    background(server.netns, 'while true; do nc -l -p 5001 >/dev/null; done');
    background(client.netns, 'while true; do nc -l -p 5001 >/dev/null; done');
    await sleep(300);
    const into = await bulk(client, v4(server), (ingress * 1000 * 3) / 8);
    const out = await bulk(server, v4(client), (egress * 1000 * 3) / 8);
    console.log(
      `      measured: into the pod ${into.toFixed(0)} kbit/s (limit ${ingress}), out ${out.toFixed(0)} kbit/s (limit ${egress})`,
    );
    assert.ok(Math.abs(into - ingress) / ingress <= 0.2, `ingress ${into} vs ${ingress}`);
    assert.ok(Math.abs(out - egress) / egress <= 0.2, `egress ${out} vs ${egress}`);
  });
});
