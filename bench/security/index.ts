// bench/security: (1) flows per node for 1,000 pods x 50 remote-group rules (compile only); (2) the time to apply a
// rule change, and a membership change, to those 1,000 pods against a real ovs-vswitchd, from the model change to the
// last barrier reply (compile + diff + FLOW_MODs); (3) with `--lab`, the throughput of a bulk TCP transfer between two
// pods of a two-node lab without and with a security group (the cost of conntrack), in the same run.
// Run as root: node dist/bench/security/index.js [pods] [rules] [--lab]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { Endpoint, SecurityGroup, SecurityGroupRule } from '../../controller/model/types.js';
import { compileNode } from '../../controller/pipeline/compile.js';
import { featureMask, oursMask } from '../../controller/pipeline/cookies.js';
import type { PipelineSnapshot } from '../../controller/pipeline/snapshot.js';
import { MeterSync } from '../../controller/reconcile/meter-sync.js';
import { toFlowEntry } from '../../controller/reconcile/reconciler.js';
import { FlowSync, OpenFlowServer } from '../../southbound/openflow/index.js';
import { ControllerProcess, request } from '../../test/support/controller-process.js';
import { Lab, inNetns, type LabPod } from '../../test/support/lab.js';
import { OvsSandbox, cleanupStaleSandboxes, freeTcpPort } from '../../test/support/ovs.js';

const run = promisify(execFile);
const at = '2026-01-01T00:00:00.000Z';

function ep(id: string, nodeId: string, ofport: number, i: number, groups: string[]): Endpoint {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const side = nodeId === 'N1' ? 0 : 100;
  return {
    id,
    networkId: 'A1',
    tenantId: 'TA',
    nodeId,
    kind: 'pod',
    name: id,
    mac: `0a:58:${hex(side)}:00:${hex(i >> 8)}:${hex(i & 255)}`,
    ips: [`10.${1 + (side >> 6)}.${i >> 8}.${i & 255}`],
    portName: `veth-${id}`,
    ofport,
    securityGroupIds: groups,
    createdAt: at,
  };
}

/** `pods` servers on n1 in group "server", whose `rules` rules each allow a TCP port from group "client" (on n2). */
export function scaled(pods: number, rules: number, clients = pods): PipelineSnapshot {
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < pods; i++) endpoints.push(ep(`s${i}`, 'N1', i + 1, i, ['server']));
  for (let i = 0; i < clients; i++) endpoints.push(ep(`c${i}`, 'N2', i + 1, i, ['client']));
  const group = (id: string): SecurityGroup => ({
    id,
    tenantId: 'TA',
    name: id,
    description: '',
    createdAt: at,
  });
  const ruleList: SecurityGroupRule[] = [];
  for (let j = 0; j < rules; j++)
    ruleList.push({
      id: `r${String(j).padStart(3, '0')}`,
      securityGroupId: 'server',
      tenantId: 'TA',
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      portMin: 1000 + j,
      portMax: 1000 + j,
      remoteGroupId: 'client',
      createdAt: at,
    });
  const node = (id: string, name: string, tunnelIp: string) => ({
    id,
    name,
    vswitch: 'ovs' as const,
    overlay: 'host' as const,
    tunnelIp,
    ovsdb: 'tcp:127.0.0.1:6640',
    datapathType: 'netdev' as const,
    vlanRange: { min: 100, max: 4000 },
    connection: 'connected' as const,
    createdAt: at,
  });
  return {
    nodes: [node('N1', 'n1', '10.99.0.1'), node('N2', 'n2', '10.99.0.2')],
    tenants: [{ id: 'TA', name: 'a', createdAt: at }],
    networks: [
      { id: 'A1', tenantId: 'TA', name: 'a1', vni: 100, mtu: 1450, isDefault: false, createdAt: at },
    ],
    subnets: [],
    routers: [],
    routerInterfaces: [],
    endpoints,
    vlanBindings: [],
    securityGroups: [group('server'), group('client')],
    securityGroupRules: ruleList,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function compileFigures(pods: number, rules: number): Promise<void> {
  const snap = scaled(pods, rules);
  const times: number[] = [];
  let compiled = compileNode(snap, 'n1');
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    compiled = compileNode(snap, 'n1');
    times.push(performance.now() - t0);
  }
  const sg = compiled.flows.filter((f) => f.table === 30 || f.table === 60).length;
  console.log(
    `compile n1, ${pods} pods x ${rules} remote-group rules: ${compiled.flows.length} flows in all, ` +
      `${sg} in the security tables (N x M would be ${pods * rules}); compile median ${median(times).toFixed(0)} ms`,
  );
}

async function applyFigures(pods: number, rules: number): Promise<void> {
  await cleanupStaleSandboxes();
  const box = await OvsSandbox.start();
  const log = pino({ level: 'warn' });
  const server = new OpenFlowServer({ log });
  try {
    await box.addBridge('br-int', 'other_config:datapath-id=00000000000000bf');
    const session = await server.connect(box.mgmt('br-int'));
    const ours = oursMask();
    const learned = featureMask('health');
    const sync = new FlowSync(session, {
      ownership: {
        value: ours.cookie,
        mask: ours.mask,
        exclude: [{ value: learned.cookie, mask: learned.mask }],
      },
      log,
    });
    const meters = new MeterSync(session);
    const base = scaled(pods, rules);
    let t0 = performance.now();
    const full = compileNode(base, 'n1');
    for (const g of full.groups)
      session.send({
        type: 'groupMod',
        command: 0,
        groupType: g.groupType,
        groupId: g.groupId,
        buckets: g.buckets,
      });
    await meters.put(full.meters);
    const r0 = await sync.sync(full.flows.map(toFlowEntry));
    if (r0.errors.length > 0) throw new Error(`${r0.errors.length} flows rejected`);
    console.log(`initial push of ${full.flows.length} flows: ${(performance.now() - t0).toFixed(0)} ms`);

    const step = async (label: string, snap: PipelineSnapshot): Promise<void> => {
      const times: number[] = [];
      const compileTimes: number[] = [];
      let last = { added: 0, modified: 0, deleted: 0 };
      // Alternate between the changed and the base model, so every measured run applies a real change.
      for (let i = 0; i < 6; i++) {
        const target = i % 2 === 0 ? snap : base;
        t0 = performance.now();
        const c = compileNode(target, 'n1');
        const compiledMs = performance.now() - t0;
        const r = await sync.sync(c.flows.map(toFlowEntry));
        const ms = performance.now() - t0;
        if (r.errors.length > 0) throw new Error(`${r.errors.length} flows rejected`);
        if (i % 2 === 0) {
          times.push(ms);
          compileTimes.push(compiledMs);
          last = r;
        }
      }
      console.log(
        `${label}: median ${median(times).toFixed(0)} ms (of ${times.map((t) => t.toFixed(0)).join(', ')}; ` +
          `compile ${median(compileTimes).toFixed(0)} ms of it), ` +
          `flow mods +${last.added} ~${last.modified} -${last.deleted}`,
      );
    };
    const rulesOf = base.securityGroupRules ?? [];
    await step(`rule change (tcp/1000 -> tcp/2000) for ${pods} pods`, {
      ...base,
      securityGroupRules: rulesOf.map((r) => (r.id === 'r000' ? { ...r, portMin: 2000, portMax: 2000 } : r)),
    });
    await step(`rule added for ${pods} pods`, {
      ...base,
      securityGroupRules: [
        ...rulesOf,
        { ...(rulesOf[0] as SecurityGroupRule), id: 'r999', portMin: 3000, portMax: 3000 },
      ],
    });
    await step(`remote group gains a member (${pods} pods see it)`, scaled(pods, rules, pods + 1));
  } finally {
    await server.close();
    await box.stop();
  }
}

async function labFigures(): Promise<void> {
  await cleanupStaleSandboxes();
  const controller = await new ControllerProcess(
    mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-ctl-`)),
    {},
    `127.0.0.1:${await freeTcpPort()}`,
  ).start();
  let lab: Lab | undefined;
  const children: ReturnType<typeof execFile>[] = [];
  try {
    lab = await Lab.up(controller, { nodes: 2, pods: 1, tenants: 1 });
    const status = await lab.status();
    const [a, b] = status.pods as [LabPod, LabPod];
    const ipB = b.ips.find((ip) => !ip.includes(':')) as string;
    const api = async (method: string, path: string, body?: unknown) =>
      (await request(controller.url, controller.adminToken(), method, `/api/v1${path}`, body)).json;
    children.push(
      execFile('ip', ['netns', 'exec', b.netns, 'sh', '-c', 'while true; do nc -l -p 5001 >/dev/null; done']),
    );
    await new Promise((r) => setTimeout(r, 300));
    const bytes = 200 * 1024 * 1024;
    const bulk = async (): Promise<number> => {
      const t = performance.now();
      const r = await inNetns(a.netns, 'sh', '-c', `head -c ${bytes} /dev/zero | nc -N -w 10 ${ipB} 5001`);
      if (r.code !== 0) throw new Error('bulk transfer failed');
      return (bytes * 8) / ((performance.now() - t) / 1000) / 1e6;
    };
    const plain: number[] = [];
    const secured: number[] = [];
    for (let i = 0; i < 3; i++) plain.push(await bulk());
    const items = (await api('GET', '/endpoints?limit=100')).items as {
      id: string;
      ips: string[];
      tenantId: string;
    }[];
    const epB = items.find((e) => e.ips.includes(ipB)) as { id: string; tenantId: string };
    const g = (await api('POST', '/security-groups', { tenant: epB.tenantId, name: 'bench' })).id as string;
    await api('POST', `/security-groups/${g}/rules`, {
      direction: 'ingress',
      protocol: 'tcp',
      portMin: 5001,
      portMax: 5001,
    });
    await api('PATCH', `/endpoints/${epB.id}`, { securityGroups: [g] });
    const itemsA = items.find((e) => e.ips.includes(a.ips.find((ip) => !ip.includes(':')) as string)) as {
      id: string;
    };
    await api('PATCH', `/endpoints/${itemsA.id}`, { securityGroups: [g] });
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 3; i++) secured.push(await bulk());
    console.log(
      `lab bulk TCP ${bytes / 1048576} MiB across nodes: without a group ${plain.map((x) => x.toFixed(0)).join(', ')} Mbit/s ` +
        `(median ${median(plain).toFixed(0)}); with groups on both pods (conntrack both ends) ` +
        `${secured.map((x) => x.toFixed(0)).join(', ')} Mbit/s (median ${median(secured).toFixed(0)})`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await lab?.down();
    await controller.kill('SIGTERM');
    rmSync(controller.dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const pods = Number(args[0] ?? 1000);
  const rules = Number(args[1] ?? 50);
  await compileFigures(pods, rules);
  await applyFigures(pods, rules);
  if (process.argv.includes('--lab')) await labFigures();
  void run;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
