// bench/service-e2e: in the two-node lab (real controller process, userspace Open vSwitch, pods by CNI), the latency
// of a TCP connection's first packet through a ClusterIP (SYN -> packet-in -> decision -> flows + packet-out ->
// SYN-ACK: connect() time) against connect() straight to the backend pod, and the steady-state round trip of an
// established connection through the ClusterIP (session flows in the switch) against the same to the pod directly.
// The client pod is on one node, the backend on the other (across the tunnel). Measured by a Python client in the
// client pod, so the figures hold no process start.
// Run: node dist/bench/service-e2e/index.js [connections=200] [roundTrips=2000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerProcess, request } from '../../test/support/controller-process';
import { Lab, inNetns, type LabPod } from '../../test/support/lab';
import { cleanupStaleSandboxes, freeTcpPort, requireRootAndOvs } from '../../test/support/ovs';

const VIP = '10.96.0.10';

const ECHO_SERVER = `import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 9090)); s.listen(512)
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(64)
        if not d: break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()`;

const CLIENT = (ip: string, port: number, conns: number, rtts: number): string => `import socket, time, json
def pct(v, p): v = sorted(v); return v[min(len(v) - 1, int(p / 100 * len(v)))] * 1000
conn = []
for i in range(${conns}):
    s = socket.socket(); t = time.perf_counter(); s.connect(("${ip}", ${port})); conn.append(time.perf_counter() - t); s.close()
s = socket.socket(); s.connect(("${ip}", ${port})); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
rtt = []
for i in range(${rtts}):
    t = time.perf_counter(); s.sendall(b"x"); s.recv(8); rtt.append(time.perf_counter() - t)
print(json.dumps({"connect": [pct(conn, 50), pct(conn, 99)], "rtt": [pct(rtt, 50), pct(rtt, 99)]}))`;

async function main(): Promise<void> {
  const conns = Number(process.argv[2] ?? 200);
  const rtts = Number(process.argv[3] ?? 2000);
  requireRootAndOvs();
  await cleanupStaleSandboxes();
  const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-svc-'));
  const controller = await new ControllerProcess(dir, {}, `127.0.0.1:${await freeTcpPort()}`).start();
  let lab: Lab | undefined;
  let server: ReturnType<typeof spawn> | undefined;
  try {
    lab = await Lab.up(controller, { nodes: 2, pods: 1, tenants: 1 });
    const status = await lab.status();
    const [client, backend] = status.pods as [LabPod, LabPod];
    const backendIp = backend.ips.find((ip) => !ip.includes(':')) as string;
    const api = (m: string, p: string, b?: unknown) =>
      request(controller.url, controller.adminToken(), m, p, b);
    const eps = (await api('GET', '/api/v1/endpoints?limit=100')).json as {
      items: { id: string; ips: string[] }[];
    };
    const ep = eps.items.find((e) => e.ips.includes(backendIp));
    const r = await api('POST', '/api/v1/services', {
      network: client.network,
      name: 'echo',
      clusterIps: [VIP],
      ports: [{ protocol: 'tcp', port: 90, targetPort: 9090 }],
      backends: [{ endpoint: ep?.id }],
    });
    if (r.status !== 201) throw new Error(`service: ${JSON.stringify(r.json)}`);
    server = spawn('ip', ['netns', 'exec', backend.netns, 'python3', '-c', ECHO_SERVER], {
      detached: true,
      stdio: 'ignore',
    });
    await new Promise((res) => setTimeout(res, 1500));
    const measure = async (ip: string, port: number) => {
      const out = await inNetns(client.netns, 'python3', '-c', CLIENT(ip, port, conns, rtts));
      if (out.code !== 0) throw new Error(`client failed: ${out.out}`);
      return JSON.parse(out.out) as { connect: [number, number]; rtt: [number, number] };
    };
    await measure(backendIp, 9090); // warm ARP and caches on both paths
    const direct = await measure(backendIp, 9090);
    const viaVip = await measure(VIP, 90);
    const f = (v: number) => v.toFixed(3);
    console.log(`client ${client.name} on ${client.node}, backend ${backend.name} on ${backend.node}`);
    console.log(
      `new connection (connect(), ${conns} each): ClusterIP p50 ${f(viaVip.connect[0])} ms p99 ${f(viaVip.connect[1])} ms; ` +
        `direct p50 ${f(direct.connect[0])} ms p99 ${f(direct.connect[1])} ms`,
    );
    console.log(
      `steady state (1-byte round trip, ${rtts} each): ClusterIP p50 ${f(viaVip.rtt[0])} ms p99 ${f(viaVip.rtt[1])} ms; ` +
        `direct p50 ${f(direct.rtt[0])} ms p99 ${f(direct.rtt[1])} ms`,
    );
  } finally {
    try {
      if (server?.pid) process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await lab?.down();
    await controller.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
