// The lab's leaf VTEP (`lab up --vtep`): Debian's hardware-VTEP emulator, ovs-vtep, over its own ovsdb-server
// (Open_vSwitch + hardware_vtep databases; the controller dials the latter over TCP on loopback) and its own
// userspace ovs-vswitchd in the leaf's namespace, as ../shared/OVS-LAB.md (step 6) verified. The leaf sits on the
// underlay like a node (br-phy holds its tunnel address), has one trunk port per network-overlay node (a veth to the
// node's `eth-leaf`, which the controller adds to br-int) and one port, bm0, trunked from a small ToR bridge where
// bare-metal hosts plug in on access VLANs. `down` needs nothing from here: the daemons have pid files in DIR/leaf,
// ovs-vtep runs inside the leaf's namespace and the namespace goes with the lab's prefix.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, ApiError, idOf, isRow, problem } from './api';
import { run, runIn, shIn } from './exec';
import { BR_PHY, type LabPlan, type NodePlan } from './layout';
import type { LeafPlan } from './leaf-layout';
import { addNamespace } from './namespaces';
import { appctl, freeTcpPort } from './ovs';
import { alive } from './processes';
import type { LabState } from './state';

const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const VTEP_SCHEMA = '/usr/share/openvswitch/vtep.ovsschema';
const OVS_VTEP = '/usr/share/openvswitch/scripts/ovs-vtep';

export function leafVsctl(leaf: LeafPlan, ...args: string[]): Promise<string> {
  return run('ovs-vsctl', [`--db=unix:${leaf.dbSocket}`, '--timeout=10', ...args]);
}

export function vtepCtl(leaf: LeafPlan, ...args: string[]): Promise<string> {
  return run('vtep-ctl', [`--db=unix:${leaf.dbSocket}`, '--timeout=10', ...args]);
}

const leafEnv = (leaf: LeafPlan): NodeJS.ProcessEnv => ({ ...process.env, OVS_RUNDIR: leaf.dir });

/** Tools the leaf needs beyond the nodes' (checked before anything is built). */
export async function checkLeafHost(): Promise<void> {
  const missing = await run('sh', [
    '-c',
    `command -v vtep-ctl >/dev/null || echo vtep-ctl; test -x ${OVS_VTEP} || echo ovs-vtep; command -v python3 >/dev/null || echo python3`,
  ]);
  if (missing.trim())
    throw new Error(
      `--vtep needs ${missing.trim().split('\n').join(', ')}: apt-get install openvswitch-vtep python3`,
    );
}

/** Builds the leaf after the nodes exist (their namespaces receive the uplinks' other ends). */
export async function buildLeaf(plan: LabPlan, leaf: LeafPlan, check: () => void): Promise<void> {
  mkdirSync(leaf.dir, { recursive: true });
  if (leaf.ovsdbPort === 0) leaf.ovsdbPort = await freeTcpPort();
  const nodes = new Map(plan.nodes.map((n) => [n.name, n]));
  const steps: (() => Promise<unknown>)[] = [
    () => startLeafOvsdb(leaf),
    () => addNamespace(leaf.netns, false),
    () => wireLeaf(plan, leaf, nodes),
    () =>
      runIn(
        leaf.netns,
        'ovs-vswitchd',
        [
          `unix:${leaf.dbSocket}`,
          `--pidfile=${join(leaf.dir, 'vsw.pid')}`,
          `--unixctl=${join(leaf.dir, 'vsw.ctl')}`,
          `--log-file=${join(leaf.dir, 'vsw.log')}`,
          '--detach',
        ],
        { env: leafEnv(leaf) },
      ),
    () => configureLeafBridges(leaf),
    () =>
      shIn(
        leaf.netns,
        `ip addr add ${leaf.tunnelIp}/${plan.underlay.prefixLength} dev ${BR_PHY} && ip link set ${BR_PHY} up`,
      ),
    () => startOvsVtep(leaf),
    () => seedLeafNeighbours(leaf, plan.nodes),
  ];
  for (const step of steps) {
    check();
    await step();
  }
}

async function startLeafOvsdb(leaf: LeafPlan): Promise<void> {
  const conf = join(leaf.dir, 'conf.db');
  const vtep = join(leaf.dir, 'vtep.db');
  await run('ovsdb-tool', ['create', conf, VSWITCH_SCHEMA]);
  await run('ovsdb-tool', ['create', vtep, VTEP_SCHEMA]);
  await run('ovsdb-server', [
    conf,
    vtep,
    `--remote=punix:${leaf.dbSocket}`,
    `--remote=ptcp:${leaf.ovsdbPort}:127.0.0.1`,
    `--pidfile=${join(leaf.dir, 'ovsdb.pid')}`,
    `--unixctl=${join(leaf.dir, 'ovsdb.ctl')}`,
    `--log-file=${join(leaf.dir, 'ovsdb.log')}`,
    '--detach',
  ]);
  await leafVsctl(leaf, '--no-wait', 'init');
  // ovsdb-server keeps running when its TCP port is taken: the controller must find this leaf's database there.
  // The first vtep-ctl call creates the Global row; compare it as both remotes list it.
  await vtepCtl(leaf, 'get', 'Global', '.', '_uuid');
  const ours = (await vtepCtl(leaf, '--columns=_uuid', 'list', 'Global')).trim();
  const seen = await run('vtep-ctl', [
    `--db=tcp:127.0.0.1:${leaf.ovsdbPort}`,
    '--timeout=3',
    '--columns=_uuid',
    'list',
    'Global',
  ]).then(
    (o) => o.trim(),
    () => '',
  );
  if (seen !== ours)
    throw new Error(
      `OVSDB TCP port 127.0.0.1:${leaf.ovsdbPort} of the leaf is not served by its ovsdb-server; pick other ports with --ovsdb-port-base`,
    );
}

/** Underlay veth, one trunk veth per network-overlay node, and the ToR trunk. MTU 1600 leaves room for the tag. */
async function wireLeaf(plan: LabPlan, leaf: LeafPlan, nodes: Map<string, NodePlan>): Promise<void> {
  const { netns: ul, bridge, mtu } = plan.underlay;
  const veth = (a: string, nsA: string, b: string, nsB: string) =>
    run('ip', ['link', 'add', a, 'netns', nsA, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', b, 'netns', nsB, 'mtu', String(mtu)]); // prettier-ignore
  await veth(leaf.uplink, leaf.netns, leaf.underlayPort, ul);
  await shIn(ul, `ip link set ${leaf.underlayPort} master ${bridge} up`);
  for (const u of leaf.uplinks) {
    const node = nodes.get(u.node);
    if (!node) throw new Error(`leaf uplink for unknown node ${u.node}`);
    await veth(u.nodeIf, node.netns, u.port, leaf.netns);
    await shIn(node.netns, `ip link set ${u.nodeIf} up`);
  }
  await veth(leaf.bareMetalPort, leaf.netns, leaf.torUplink, leaf.netns);
  const up = [leaf.uplink, ...leaf.uplinks.map((u) => u.port), leaf.bareMetalPort, leaf.torUplink];
  await shIn(
    leaf.netns,
    `${up.map((i) => `ip link set ${i} up`).join(' && ')} && sysctl -qw net.ipv4.conf.${leaf.uplink}.arp_ignore=8`,
  );
}

/** br-phy on the underlay, the physical switch bridge with its ports, the ToR bridge; then the hardware_vtep rows. */
async function configureLeafBridges(leaf: LeafPlan): Promise<void> {
  const ports = [...leaf.uplinks.map((u) => u.port), leaf.bareMetalPort];
  await leafVsctl(
    leaf,
    '--', 'add-br', BR_PHY,
    '--', 'set', 'bridge', BR_PHY, 'datapath_type=netdev', 'fail_mode=standalone', `other_config:hwaddr=${leaf.brPhyMac}`,
    '--', 'add-port', BR_PHY, leaf.uplink,
    '--', 'add-br', leaf.name, '--', 'set', 'bridge', leaf.name, 'datapath_type=netdev',
    ...ports.flatMap((p) => ['--', 'add-port', leaf.name, p]),
    '--', 'add-br', leaf.tor, '--', 'set', 'bridge', leaf.tor, 'datapath_type=netdev', 'fail_mode=standalone',
    '--', 'add-port', leaf.tor, leaf.torUplink,
  ); // prettier-ignore
  // The ports are registered here, not left to ovs-vtep's 1 s poll: a binding written before they appear would fail.
  await vtepCtl(
    leaf,
    'add-ps', leaf.name,
    '--', 'set', 'Physical_Switch', leaf.name, `tunnel_ips=${leaf.tunnelIp}`,
    ...ports.flatMap((p) => ['--', 'add-port', leaf.name, p]),
  ); // prettier-ignore
}

async function startOvsVtep(leaf: LeafPlan): Promise<void> {
  await runIn(
    leaf.netns,
    '/usr/bin/python3',
    [
      OVS_VTEP,
      `--log-file=${join(leaf.dir, 'ovs-vtep.log')}`,
      `--pidfile=${join(leaf.dir, 'ovs-vtep.pid')}`,
      '--detach',
      leaf.name,
    ],
    { env: leafEnv(leaf) },
  );
}

/** Both directions, so that no first packet between a node and the leaf is lost to underlay ARP (G4). */
async function seedLeafNeighbours(leaf: LeafPlan, nodes: readonly NodePlan[]): Promise<void> {
  for (const n of nodes) {
    await appctl(n, 'tnl/arp/set', BR_PHY, leaf.tunnelIp, leaf.brPhyMac);
    await run('ovs-appctl', ['-t', join(leaf.dir, 'vsw.ctl'), 'tnl/arp/set', BR_PHY, n.tunnelIp, n.brPhyMac]);
  }
}

/** POST /api/v1/vteps with the network-overlay nodes' uplinks; recorded so that `down` removes it. */
export async function registerLeaf(
  api: ApiClient,
  leaf: LeafPlan,
  state: LabState,
  save: () => void,
): Promise<void> {
  const body = {
    name: leaf.name,
    ovsdb: `tcp:127.0.0.1:${leaf.ovsdbPort}`,
    tunnelIp: leaf.tunnelIp,
    physicalSwitch: leaf.name,
    uplinks: leaf.uplinks.map((u) => ({ node: u.node, port: u.port })),
  };
  const path = '/api/v1/vteps';
  let res = await api.request('POST', path, body);
  if (res.status === 409) {
    // A registration left by an earlier lab names ports and a database that are gone.
    await api.remove(`${path}/${encodeURIComponent(leaf.name)}`);
    res = await api.request('POST', path, body);
  }
  if (res.status < 200 || res.status >= 300 || !isRow(res.body))
    throw new ApiError(
      res.status,
      `POST ${path} ${JSON.stringify(body)}: ${res.status} ${problem(res.body)}`,
    );
  const row = res.body;
  state.registrations.push({ kind: 'vteps', id: idOf(row), name: leaf.name, created: true });
  save();
}

/** A bare-metal host behind the leaf: a namespace whose eth0 plugs into the ToR on an access VLAN (untagged). */
export interface BareMetalHost {
  readonly name: string;
  readonly netns: string;
  readonly vlan: number;
  readonly mac: string;
  /** With prefix length, e.g. 10.244.9.1/16. */
  readonly cidr: string;
  readonly gateway?: string;
}

/** The ToR port of host `name` (in the leaf's namespace). */
export const torPortOf = (name: string): string => `bm-${name}`.slice(0, 15);

export async function plugBareMetal(leaf: LeafPlan, host: BareMetalHost): Promise<void> {
  const port = torPortOf(host.name);
  await addNamespace(host.netns, false);
  await run('ip', ['link', 'add', port, 'netns', leaf.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns]); // prettier-ignore
  await shIn(leaf.netns, `ip link set ${port} up`);
  await shIn(
    host.netns,
    `ip link set eth0 address ${host.mac} && ip addr add ${host.cidr} dev eth0 && ip link set eth0 up` +
      (host.gateway ? ` && ip route add default via ${host.gateway}` : ''),
  );
  // G1: checksums are not offloaded through the userspace datapath.
  await runIn(host.netns, 'ethtool', ['-K', 'eth0', 'tx', 'off']);
  await leafVsctl(leaf, '--', 'add-port', leaf.tor, port, `tag=${host.vlan}`);
}

export async function unplugBareMetal(leaf: LeafPlan, host: BareMetalHost): Promise<void> {
  await leafVsctl(leaf, '--if-exists', 'del-port', leaf.tor, torPortOf(host.name));
  await run('ip', ['netns', 'delete', host.netns]).catch(() => undefined);
}

/** The leaf in `lab status`: where it is, and whether its three daemons run. */
export interface LeafStatus {
  name: string;
  netns: string;
  tunnelIp: string;
  ovsdb: string;
  ovsdbUnix: string;
  uplinks: { node: string; port: string }[];
  bareMetalPort: string;
  processes: { ovsdb: boolean; vswitchd: boolean; ovsVtep: boolean };
}

export function leafStatus(leaf: LeafPlan, labDir: string): LeafStatus {
  return {
    name: leaf.name,
    netns: leaf.netns,
    tunnelIp: leaf.tunnelIp,
    ovsdb: `tcp:127.0.0.1:${leaf.ovsdbPort}`,
    ovsdbUnix: `unix:${leaf.dbSocket}`,
    uplinks: leaf.uplinks.map((u) => ({ node: u.node, port: u.port })),
    bareMetalPort: leaf.bareMetalPort,
    processes: {
      ovsdb: alive(join(leaf.dir, 'ovsdb.pid'), labDir),
      vswitchd: alive(join(leaf.dir, 'vsw.pid'), labDir),
      ovsVtep: alive(join(leaf.dir, 'ovs-vtep.pid'), labDir),
    },
  };
}
