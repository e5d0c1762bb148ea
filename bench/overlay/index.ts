// Overlay figures. (1) Time from the first endpoint of a network on a network-overlay node to the leaf's
// (port, VLAN) binding being in place, over 100 networks: the endpoint is created through ops on a real SQLite store,
// the VTEP reconciler (driven by the store's change events) writes a real ovsdb-server serving hardware_vtep, and a
// second OVSDB client (a monitor, as the leaf's own agent would see it) marks the moment the binding appears.
// (2) Flows per node and hardware_vtep rows per leaf as networks grow (1, 100, 1,000): two network-overlay nodes on
// one leaf, two host-overlay nodes, one pod per node per network; each leaf state is applied to the real database
// and its rows counted there.
// (3) The same first-endpoint latency to the binding being in the leaf's data plane: a real ovs-vtep (the lab's
// leaf, `lab up --no-controller --vtep`) reads the binding from hardware_vtep and installs its VLAN flows on the
// physical switch bridge; the clock stops when `ovs-ofctl dump-flows` shows them.
// Run as root: node dist/bench/overlay/index.js
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pino from 'pino';
import { SYSTEM } from '../../controller/ops/actor';
import { createEndpoint } from '../../controller/ops/endpoints';
import { createNode } from '../../controller/ops/nodes';
import { createNetwork, createSubnet, createTenant } from '../../controller/ops/tenancy';
import { createVtep } from '../../controller/ops/vteps';
import { compileNode } from '../../controller/pipeline/compile';
import { snapshotFromModel } from '../../controller/pipeline/snapshot';
import { desiredVtep } from '../../controller/reconcile/vtep-desired';
import { applyVtep, VtepReconciler } from '../../controller/reconcile/vtep-reconciler';
import { HARDWARE_VTEP_TABLES, type HardwareVtepTables } from '../../protocols/ovsdb';
import { HardwareVtepDriver, OvsdbClient } from '../../southbound/ovsdb';
import { TempModel } from '../../test/support/model';
import { OvsSandbox } from '../../test/support/ovs';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labDown } from '../../northbound/cli/lab/down';
import { labUp } from '../../northbound/cli/lab/up';

const run = promisify(execFile);
const log = pino({ level: 'silent' });

async function leafSandbox(): Promise<OvsSandbox> {
  const box = await OvsSandbox.start({ vtep: true, vswitchd: false });
  const ctl = (...a: string[]) => run('vtep-ctl', [`--db=unix:${box.dbSocket}`, '--timeout=10', ...a]);
  await ctl('add-ps', 'leaf1');
  await ctl('set', 'Physical_Switch', 'leaf1', 'tunnel_ips=10.99.0.9');
  await ctl('add-port', 'leaf1', 'p1');
  await ctl('add-port', 'leaf1', 'p2');
  return box;
}

function cluster(m: TempModel, box: OvsSandbox): void {
  const c = m.ctx;
  createTenant(c, SYSTEM, { name: 't' });
  for (const [name, overlay, ip] of [
    ['n1', 'network', '10.99.0.1'],
    ['n2', 'network', '10.99.0.2'],
    ['h1', 'host', '10.99.0.3'],
    ['h2', 'host', '10.99.0.4'],
  ] as const)
    createNode(c, SYSTEM, {
      name,
      vswitch: 'ovs',
      overlay,
      tunnelIp: ip,
      ovsdb: 'unix:/nonexistent',
      uplink: 'eth-up',
      vlanRange: { min: 100, max: 1199 },
    });
  createVtep(c, SYSTEM, {
    name: 'leaf1',
    ovsdb: box.ovsdbTarget,
    tunnelIp: '10.99.0.9',
    uplinks: [
      { node: 'n1', port: 'p1' },
      { node: 'n2', port: 'p2' },
    ],
  });
}

function network(m: TempModel, i: number): string {
  const n = createNetwork(m.ctx, SYSTEM, { tenant: 't', name: `net${i}` });
  createSubnet(m.ctx, SYSTEM, { network: n.id, cidr: '10.1.0.0/24', gateway: '10.1.0.1' });
  return n.id;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

async function bindingLatency(): Promise<void> {
  const box = await leafSandbox();
  const m = new TempModel();
  const watcher = await OvsdbClient.open<HardwareVtepTables>({
    target: box.ovsdbTarget,
    database: 'hardware_vtep',
    tables: HARDWARE_VTEP_TABLES,
    log,
  });
  const rec = new VtepReconciler({ model: m.store, events: m.store.events, log });
  try {
    cluster(m, box);
    rec.start();
    await rec.reconcileAll();
    const nets: string[] = [];
    for (let i = 0; i < 100; i++) nets.push(network(m, i));
    await m.store.durable();
    await rec.reconcileAll();
    const times: number[] = [];
    for (const [i, net] of nets.entries()) {
      const bound = new Promise<void>((resolve) => {
        const check = () => {
          const p = watcher.replica.find('Physical_Port', (x) => x.name === 'p1');
          if (p && p.vlan_bindings.size > i) {
            watcher.off('change', check);
            resolve();
          }
        };
        watcher.on('change', check);
      });
      const t0 = performance.now();
      createEndpoint(m.ctx, SYSTEM, { network: net, kind: 'pod', node: 'n1', name: `e${i}` });
      await bound;
      times.push(performance.now() - t0);
    }
    console.log(
      `binding in place after the first endpoint, 100 networks: p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
    );
  } finally {
    rec.stop();
    watcher.close();
    await m.store.durable();
    m.dispose();
    await box.stop();
  }
}

async function leafDataplaneLatency(networks: number): Promise<void> {
  const dir = mkdtempSync('/tmp/sdnb-ovl-');
  const m = new TempModel();
  let rec: VtepReconciler | undefined;
  try {
    const lab = await labUp(
      {
        dir: join(dir, 'lab'),
        prefix: `bo${process.pid % 100000}`,
        nodes: 1,
        podsPerNode: 0,
        tenants: 1,
        controller: null,
        ovsdbPortBase: 0,
        vtep: { networkNodes: 1 },
      },
      () => undefined,
    );
    const leaf = lab.plan.leaf!;
    createTenant(m.ctx, SYSTEM, { name: 't' });
    createNode(m.ctx, SYSTEM, {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'network',
      tunnelIp: '10.99.0.1',
      ovsdb: 'unix:/nonexistent',
      uplink: 'eth-leaf',
      vlanRange: { min: 100, max: 1199 },
    });
    createVtep(m.ctx, SYSTEM, {
      name: leaf.name,
      ovsdb: `tcp:127.0.0.1:${leaf.ovsdbPort}`,
      tunnelIp: leaf.tunnelIp,
      uplinks: [{ node: 'n1', port: 'up-n1' }],
    });
    rec = new VtepReconciler({ model: m.store, events: m.store.events, log });
    rec.start();
    await rec.reconcileAll();
    const nets: string[] = [];
    for (let i = 0; i < networks; i++) nets.push(network(m, i));
    const mgmt = `unix:${join(leaf.dir, `${leaf.name}.mgmt`)}`;
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    for (const [i, net] of nets.entries()) {
      const t0 = performance.now();
      createEndpoint(m.ctx, SYSTEM, { network: net, kind: 'pod', node: 'n1', name: `e${i}` });
      const vlan = m.store.lookup(
        'vlanBinding',
        'nodeNetwork',
        `${m.store.lookup('node', 'name', 'n1')[0]!.id}/${net}`,
      )[0]!.vlan;
      for (;;) {
        const { stdout } = await run('ovs-ofctl', ['dump-flows', mgmt]);
        if (stdout.includes(`dl_vlan=${vlan} `)) break;
        if (performance.now() - t0 > 60_000)
          throw new Error(`ovs-vtep did not install VLAN ${vlan} within 60 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      times.push(performance.now() - t0);
    }
    // ovs-vtep (Python, one ovs-vsctl/ovs-ofctl process per change, one bridge per logical switch) slows down as
    // logical switches accumulate: show the first and last tenth apart.
    const tenth = Math.max(1, Math.floor(networks / 10));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `  networks 1-${tenth}: mean ${mean(times.slice(0, tenth)).toFixed(0)} ms; networks ${networks - tenth + 1}-${networks}: mean ${mean(times.slice(-tenth)).toFixed(0)} ms`,
    );
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `binding in ovs-vtep's data plane after the first endpoint, ${networks} networks: p50 ${pct(times, 50).toFixed(0)} ms, p99 ${pct(times, 99).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms (this process: reconciler + polling, CPU ${((cpu.user + cpu.system) / 1000 / networks).toFixed(1)} ms per network)`,
    );
  } finally {
    rec?.stop();
    await m.store.durable();
    m.dispose();
    await labDown({ dir: join(dir, 'lab') });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function growth(): Promise<void> {
  console.log(
    '| networks | flows n1 (network overlay) | groups n1 | flows h1 (host overlay) | groups h1 | Logical_Switch | vlan_bindings | Ucast_Macs_Remote | Mcast_Macs_Remote | Physical_Locator | apply, ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const N of [1, 100, 1000]) {
    const box = await leafSandbox();
    const m = new TempModel();
    const client = await OvsdbClient.open<HardwareVtepTables>({
      target: box.ovsdbTarget,
      database: 'hardware_vtep',
      tables: HARDWARE_VTEP_TABLES,
      log,
    });
    try {
      cluster(m, box);
      for (let i = 0; i < N; i++) {
        const net = network(m, i);
        for (const node of ['n1', 'n2', 'h1', 'h2'])
          createEndpoint(m.ctx, SYSTEM, { network: net, kind: 'pod', node, name: `${node}-${i}` });
      }
      const snap = snapshotFromModel(m.store);
      const n1 = compileNode(snap, 'n1');
      const h1 = compileNode(snap, 'h1');
      const d = desiredVtep(snap, m.store.lookup('vtep', 'name', 'leaf1')[0]!);
      const t0 = performance.now();
      await applyVtep(new HardwareVtepDriver(client), d);
      const applyMs = performance.now() - t0;
      const rows = async (table: string) => {
        const { stdout } = await run(
          'vtep-ctl',
          [`--db=unix:${box.dbSocket}`, '--columns=_uuid', 'list', table],
          {
            maxBuffer: 64 << 20,
          },
        );
        return stdout.split('\n').filter((l) => l.startsWith('_uuid')).length;
      };
      const { stdout: b1 } = await run('vtep-ctl', [
        `--db=unix:${box.dbSocket}`,
        'list-bindings',
        'leaf1',
        'p1',
      ]);
      const { stdout: b2 } = await run('vtep-ctl', [
        `--db=unix:${box.dbSocket}`,
        'list-bindings',
        'leaf1',
        'p2',
      ]);
      const bindings = (b1 + b2).split('\n').filter((l) => l.trim()).length;
      console.log(
        `| ${N} | ${n1.flows.length} | ${n1.groups.length} | ${h1.flows.length} | ${h1.groups.length} | ${await rows('Logical_Switch')} | ${bindings} | ${await rows('Ucast_Macs_Remote')} | ${await rows('Mcast_Macs_Remote')} | ${await rows('Physical_Locator')} | ${applyMs.toFixed(0)} |`,
      );
    } finally {
      client.close();
      await m.store.durable();
      m.dispose();
      await box.stop();
    }
  }
}

async function main(): Promise<void> {
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  await bindingLatency();
  await leafDataplaneLatency(30);
  await growth();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
