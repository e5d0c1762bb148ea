// ClusterIP Services (issue 9), end to end: a real controller process, a two-node lab of userspace Open vSwitch nodes,
// pods made by the real CNI path, real TCP and UDP through the packet-in load balancer. Each backend pod serves its
// own name on TCP 8080 (and UDP 5353); the client pods connect to the ClusterIP with netcat.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cookie, objectIdOf } from '../../controller/pipeline/cookies.js';
import { MeterId } from '../../controller/pipeline/meters.js';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { Lab, inNetns, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

const VIP = '10.96.0.10';
const VIP_V6 = 'fd00:96::10';
/** The switch's meter rate for ClusterIP packet-ins in this lab (--service-miss-rate). */
const MISS_RATE = 500;

describe('e2e: ClusterIP Services through OpenFlow packet-in', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;
  const servers: ChildProcess[] = [];
  let client: LabPod;
  let client2: LabPod;
  let backends: LabPod[];
  const endpointIdOf = new Map<string, string>();

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

  async function spread(from: LabPod, n: number, ip = VIP): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const who = (await tcp(from, ip)) || '(nothing)';
      seen.set(who, (seen.get(who) ?? 0) + 1);
    }
    return seen;
  }

  /**
   * A TCP server (IPv4 and IPv6, port 8080) that writes `name` to every connection and closes it. Not an `nc -l`
   * loop: between two of those the port is closed, and a quick second connection would be refused by the pod.
   */
  const nameServer = (name: string): string =>
    `exec python3 -c 'import socket
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 8080))
s.listen(128)
while True:
    c, _ = s.accept()
    c.sendall(b"${name}\\n")
    c.close()'`;

  const v4 = (p: LabPod): string => p.ips.find((ip) => !ip.includes(':')) as string;

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    controller = await startLabController(
      // A meter rate well below what a raw socket sends even on a loaded machine, so the flood test sees drops.
      { SDN_SERVICE_MISS_RATE: String(MISS_RATE) },
    );
    lab = await Lab.up(controller, { nodes: 2, pods: 3, tenants: 1 });
    status = await lab.status();
    const byNode = (n: string) => status.pods.filter((p) => p.node === n);
    const [n1, n2] = status.nodes.map((n) => n.name) as [string, string];
    client = byNode(n1)[0] as LabPod;
    client2 = byNode(n2)[0] as LabPod;
    backends = status.pods.filter((p) => p !== client && p !== client2);
    const eps = await api('GET', '/api/v1/endpoints?limit=1000');
    for (const e of (eps.json as { items: { id: string; ips: string[] }[] }).items)
      for (const ip of e.ips) endpointIdOf.set(ip, e.id);
    for (const b of backends) {
      serve(b.netns, nameServer(b.name));
      serve(b.netns, `while :; do echo ${b.name} | nc -u -l -p 5353 -q 1 -W 1 >/dev/null; done`);
    }
    await new Promise((r) => setTimeout(r, 500));
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

  let serviceId: string;

  it('creates a Service whose backends are pods on both nodes', async () => {
    const r = await api('POST', '/api/v1/services', {
      network: client.network,
      name: 'names',
      clusterIps: [VIP, VIP_V6],
      ports: [
        { protocol: 'tcp', port: 80, targetPort: 8080 },
        { protocol: 'udp', port: 53, targetPort: 5353 },
      ],
      backends: backends.map((b) => ({ endpoint: endpointIdOf.get(v4(b)) })),
      policy: 'round-robin',
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    serviceId = (r.json as { id: string }).id;
    assert.ok(new Set(backends.map((b) => b.node)).size === 2, 'backends on both nodes');
    await new Promise((r2) => setTimeout(r2, 1500)); // the reconciler pushes the miss flows
  });

  it('spreads repeated TCP connections round-robin over every backend, from both nodes', async () => {
    for (const c of [client, client2]) {
      const seen = await spread(c, backends.length * 2);
      assert.deepEqual(
        [...seen.keys()].sort(),
        backends.map((b) => b.name).sort(),
        `${c.name}: ${JSON.stringify([...seen])}`,
      );
      for (const n of seen.values()) assert.equal(n, 2, `${c.name}: ${JSON.stringify([...seen])}`);
    }
  });

  it('UDP to the ClusterIP works through the same path', async () => {
    const r = await inNetns(client.netns, 'sh', '-c', `echo q | nc -u -w 2 ${VIP} 53`);
    assert.ok(
      backends.some((b) => r.out.includes(b.name)),
      `UDP answer: ${JSON.stringify(r.out)}`,
    );
  });

  it('session affinity keeps a client on one backend', async () => {
    const r = await api('PATCH', `/api/v1/services/${serviceId}`, { sessionAffinity: 'client-ip' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const seen = await spread(client, 6);
    assert.equal(seen.size, 1, JSON.stringify([...seen]));
    await api('PATCH', `/api/v1/services/${serviceId}`, { sessionAffinity: 'none' });
  });

  it('removing a backend moves new connections and kills its sessions', async () => {
    const [gone, ...kept] = backends as [LabPod, ...LabPod[]];
    const goneCookie =
      '0x' + cookie('session', objectIdOf(endpointIdOf.get(v4(gone)) as string)).toString(16);
    const sessionsOn = async (c: string): Promise<number> => {
      let n = 0;
      for (const node of status.nodes) {
        const f = await inNetns(
          node.netns,
          'ovs-ofctl',
          '-O',
          'OpenFlow13',
          'dump-flows',
          `unix:${lab?.dir}/${node.name}/br-int.mgmt`,
        );
        n += f.out.split('\n').filter((l) => l.includes(`cookie=${c},`)).length;
      }
      return n;
    };
    assert.ok((await sessionsOn(goneCookie)) > 0, `${gone.name} has sessions before its removal`);
    // A long connection to whichever backend takes it; it must die if its backend is the one removed.
    const r = await api('PATCH', `/api/v1/services/${serviceId}`, {
      backends: kept.map((b) => ({ endpoint: endpointIdOf.get(v4(b)) })),
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await new Promise((r2) => setTimeout(r2, 300));
    // Its session flows (made by the spread tests above) are gone from every switch.
    assert.equal(await sessionsOn(goneCookie), 0, `sessions of ${gone.name} left`);
    const seen = await spread(client, kept.length * 2);
    assert.ok(!seen.has(gone.name), JSON.stringify([...seen]));
    assert.equal(seen.size, kept.length, JSON.stringify([...seen]));
  });

  it('no backends: the connection is refused at once (TCP RST), not left hanging', async () => {
    await api('PATCH', `/api/v1/services/${serviceId}`, { backends: [] });
    await new Promise((r2) => setTimeout(r2, 300));
    const t0 = Date.now();
    const r = await inNetns(client.netns, 'sh', '-c', `nc -N -w 5 ${VIP} 80 </dev/null; echo rc=$?`);
    const took = Date.now() - t0;
    assert.match(r.out, /rc=1/, r.out);
    assert.ok(took < 3000, `refused after ${took} ms (a black hole would wait for the 5 s timeout)`);
    await api('PATCH', `/api/v1/services/${serviceId}`, {
      backends: backends.map((b) => ({ endpoint: endpointIdOf.get(v4(b)) })),
    });
  });

  it('an IPv6 ClusterIP works', async () => {
    const out = await tcp(client, VIP_V6);
    assert.ok(
      backends.some((b) => b.name === out),
      `IPv6 answer: ${JSON.stringify(out)}`,
    );
  });
  it("a SYN flood to the ClusterIP is held by the switch's meter, and the service still answers", async () => {
    const c = controller as ControllerProcess;
    const dir = `${lab?.dir}/${client.node}/br-int.mgmt`;
    /** Packets that met meter 1, and packets its drop band dropped. */
    const meter = async (): Promise<{ seen: number; dropped: number }> => {
      const r = await inNetns(client.netns, 'ovs-ofctl', '-O', 'OpenFlow13', 'meter-stats', `unix:${dir}`);
      const m = new RegExp(
        `meter:${MeterId.serviceMiss} [^\\n]*?packet_in_count:(\\d+)[\\s\\S]*?0: packet_count:(\\d+)`,
      ).exec(r.out);
      assert.ok(m, `the packet-in meter on the switch: ${r.out}`);
      return { seen: Number(m[1]), dropped: Number(m[2]) };
    };
    const before = await meter();
    // 8,000 SYNs from random ports as fast as a raw socket sends them (the kernel adds the IP header).
    const flood = `import socket, struct, random
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
for i in range(8000):
    s.sendto(struct.pack("!HHIIBBHHH", random.randint(1024, 65535), 80, i, 0, 0x50, 0x02, 1024, 0, 0), ("${VIP}", 0))`;
    const t0 = Date.now();
    const r = await inNetns(client.netns, 'python3', '-c', flood);
    assert.equal(r.code, 0, r.out);
    const seconds = (Date.now() - t0) / 1000;
    const after = await meter();
    const seen = after.seen - before.seen;
    const dropped = after.dropped - before.dropped;
    const passed = seen - dropped;
    // The meter lets MISS_RATE/s (+ a burst of a fifth of that) reach the controller; the switch drops the rest.
    const allowed = MISS_RATE / 5 + MISS_RATE * (seconds + 0.5);
    const what = `${seen} SYNs met the meter in ${seconds.toFixed(2)} s, ${dropped} dropped, ${passed} passed`;
    assert.ok(dropped > 0, what);
    assert.ok(passed <= allowed, what);
    // Other switches and the API are not slowed: a connection from the other node, and an API call, still work.
    const who = await tcp(client2, VIP);
    assert.ok(
      backends.some((b) => b.name === who),
      `after the flood: ${JSON.stringify(who)}`,
    );
    assert.equal((await request(c.url, c.adminToken(), 'GET', '/api/v1/services')).status, 200);
  });
});
