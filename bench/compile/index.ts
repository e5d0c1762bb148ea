// Compile benchmark: the full pipeline of one node with 5,000 local pods (target < 500 ms), and one pod added.
// Run: npx tsc -p . && node dist/bench/compile/index.js
import { loadavg as osLoad } from 'node:os';
import type { Endpoint, Network, Node, Subnet } from '../../controller/model/types.js';
import { endpointAdded, compileNode, endpointFlows, nodeContext } from '../../controller/pipeline/compile.js';
import { SnapshotIndex } from '../../controller/pipeline/context.js';
import type { PipelineSnapshot } from '../../controller/pipeline/snapshot.js';

const at = '2026-01-01T00:00:00.000Z';
const LOCAL_PODS = 5000;
const NETWORKS = 10;
const REMOTE_NODES = 10;
const PODS_PER_REMOTE_NODE = 100;

function mac(n: number): string {
  return ['0a', '58', n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}

function node(i: number): Node {
  return {
    id: `node-${String(i).padStart(3, '0')}`,
    name: `n${i}`,
    vswitch: 'ovs',
    overlay: 'host',
    tunnelIp: `10.99.0.${i + 1}`,
    ovsdb: 'tcp:127.0.0.1:6640',
    datapathType: 'netdev',
    vlanRange: { min: 100, max: 4000 },
    connection: 'connected',
    createdAt: at,
  };
}

/** One tenant, one router over NETWORKS /20 subnets; pods spread round-robin over the networks. */
export function bigSnapshot(localPods = LOCAL_PODS): PipelineSnapshot {
  const nodes = [node(0)];
  for (let i = 1; i <= REMOTE_NODES; i++) nodes.push(node(i));
  const networks: Network[] = [];
  const subnets: Subnet[] = [];
  for (let n = 0; n < NETWORKS; n++) {
    networks.push({
      id: `net-${n}`,
      tenantId: 't',
      name: `net${n}`,
      vni: 1000 + n,
      mtu: 1450,
      isDefault: n === 0,
      createdAt: at,
    });
    subnets.push({
      id: `sub-${n}`,
      networkId: `net-${n}`,
      tenantId: 't',
      name: `sub${n}`,
      cidr: `10.${n}.0.0/18`,
      ipVersion: 4,
      gateway: `10.${n}.0.1`,
      pools: [],
      reserved: [],
      createdAt: at,
    });
  }
  const endpoints: Endpoint[] = [];
  const add = (k: number, nodeId: string, ofport: number | undefined) => {
    const n = k % NETWORKS;
    const host = Math.floor(k / NETWORKS) + 10;
    endpoints.push({
      id: `ep-${String(k).padStart(6, '0')}`,
      networkId: `net-${n}`,
      tenantId: 't',
      nodeId,
      kind: 'pod',
      name: `pod-${k}`,
      mac: mac((10 << 24) | (n << 16) | host),
      ips: [`10.${n}.${host >> 8}.${host & 0xff}`],
      portName: `veth${k}`,
      ...(ofport !== undefined ? { ofport } : {}),
      securityGroupIds: [],
      createdAt: at,
    });
  };
  let k = 0;
  for (; k < localPods; k++) add(k, nodes[0]!.id, k + 1);
  for (let r = 1; r <= REMOTE_NODES; r++)
    for (let j = 0; j < PODS_PER_REMOTE_NODE; j++, k++) add(k, nodes[r]!.id, j + 1);
  return {
    nodes,
    tenants: [{ id: 't', name: 't', createdAt: at }],
    networks,
    subnets,
    routers: [{ id: 'r', tenantId: 't', name: 'r', routes: [], createdAt: at }],
    routerInterfaces: subnets.map((s, i) => ({
      id: `if-${i}`,
      routerId: 'r',
      tenantId: 't',
      subnetId: s.id,
      address: s.gateway as string,
      mac: mac((0x0a00 << 16) | i),
      createdAt: at,
    })),
    endpoints,
    vlanBindings: [],
  };
}

// CPU time of this process (user + system), not wall time: the bench machine is shared and often loaded several
// times over, which inflates wall time by whatever else runs. Both are printed for the full compile.
let lastWall = 0;
function time<T>(fn: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = fn();
  lastWall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1000];
}

function stats(xs: number[]): { p50: number; max: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, p50: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

const loadavg = (): string => osLoad()[0]!.toFixed(1);

function main(): void {
  const runs = 9;
  const snap = bigSnapshot();
  const full: number[] = [];
  const fullWall: number[] = [];
  let flows = 0;
  let groups = 0;
  for (let i = 0; i < runs + 2; i++) {
    const [c, ms] = time(() => compileNode(snap, 'n0'));
    if (i >= 2) {
      // the first two runs warm the JIT up
      full.push(ms);
      fullWall.push(lastWall);
    }
    flows = c.flows.length;
    groups = c.groups.length;
  }

  // One pod added: the new snapshot, and (a) everything recompiled, (b) the index and node context rebuilt and the
  // new pod's flows computed, (c) the pod admitted into the
  // context kept from the previous compile, giving its flows and its network's groups.
  const added: Endpoint = {
    ...snap.endpoints[0]!,
    id: 'ep-new',
    name: 'pod-new',
    mac: '0a:58:0a:3f:ff:fe',
    ips: ['10.0.63.254'],
    portName: 'vethnew',
  };
  const { ofport: _drop, ...addedNoPort } = added;
  const snap2: PipelineSnapshot = { ...snap, endpoints: [...snap.endpoints, addedNoPort] };
  const recompile: number[] = [];
  const rebuild: number[] = [];
  const admitted: number[] = [];
  let deltaFlows = 0;
  for (let i = 0; i < runs + 2; i++) {
    const [, a] = time(() => compileNode(snap2, 'n0'));
    const [ctx2, b] = time(() => nodeContext(snap2, 'n0', new SnapshotIndex(snap2)));
    const view = ctx2.localEndpoints.find((e) => e.ep.id === 'ep-new')!;
    const [, b2] = time(() => endpointFlows(ctx2, view));
    // The context the reconciler keeps from the previous compile; the new pod is admitted into it.
    const kept = nodeContext(snap, 'n0');
    const [delta, c] = time(() => endpointAdded(kept, addedNoPort));
    deltaFlows = delta?.flows.length ?? -1;
    if (i >= 2) {
      recompile.push(a);
      rebuild.push(b + b2);
      admitted.push(c);
    }
  }
  const fmt = (x: { p50: number; min: number; max: number }) =>
    `p50 ${x.p50.toFixed(2)} ms (min ${x.min.toFixed(2)}, max ${x.max.toFixed(2)})`;
  console.log(
    `node: ${LOCAL_PODS} local pods, ${NETWORKS} networks on one router, ${REMOTE_NODES * PODS_PER_REMOTE_NODE} remote pods on ${REMOTE_NODES} nodes`,
  );
  console.log(`flows: ${flows}, groups: ${groups}`);
  console.log(`full compile (${runs} runs), CPU time: ${fmt(stats(full))}`);
  console.log(`full compile (${runs} runs), wall time: ${fmt(stats(fullWall))} (load average ${loadavg()})`);
  console.log('one pod added, CPU time:');
  console.log(`one pod added, full recompile: ${fmt(stats(recompile))}`);
  console.log(`one pod added, index + node context rebuilt + its flows: ${fmt(stats(rebuild))}`);
  console.log(
    `one pod added, admitted into the kept node context (its ${deltaFlows} flows + its network's groups): ${fmt(stats(admitted))}`,
  );
}

main();
