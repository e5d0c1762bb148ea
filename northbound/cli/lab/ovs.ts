// One node's Open vSwitch: its own ovsdb-server in the root namespace (unix socket in the node dir, TCP on
// loopback for the controller) and its own userspace ovs-vswitchd inside the node's namespace, with the node dir
// as OVS_RUNDIR. Every call addresses this instance by explicit socket paths, never the host's default OVS (G11).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BR_INT, BR_PHY, VXLAN_OFPORT, VXLAN_PORT, type NodePlan, type PodPlan } from './layout';
import { run, sleep } from './exec';

const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export function vsctl(node: NodePlan, ...args: string[]): Promise<string> {
  return run('ovs-vsctl', [`--db=unix:${node.dbSocket}`, '--timeout=10', ...args]);
}

export function appctl(node: NodePlan, ...args: string[]): Promise<string> {
  return run('ovs-appctl', ['-t', join(node.dir, 'vsw.ctl'), ...args]);
}

/** The OpenFlow management socket of a bridge: `ovs-ofctl ... unix:DIR/br-int.mgmt`, never the bare name. */
export function mgmtSocket(node: NodePlan, bridge: string): string {
  return `unix:${join(node.dir, `${bridge}.mgmt`)}`;
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startOvsdb(node: NodePlan): Promise<void> {
  const db = join(node.dir, 'conf.db');
  await run('ovsdb-tool', ['create', db, VSWITCH_SCHEMA]);
  await run('ovsdb-server', [
    db,
    `--remote=punix:${node.dbSocket}`,
    `--remote=ptcp:${node.ovsdbPort}:127.0.0.1`,
    `--pidfile=${join(node.dir, 'ovsdb.pid')}`,
    `--unixctl=${join(node.dir, 'ovsdb.ctl')}`,
    `--log-file=${join(node.dir, 'ovsdb.log')}`,
    '--detach',
  ]);
  await vsctl(
    node,
    '--no-wait',
    'init',
    '--',
    'set',
    'Open_vSwitch',
    '.',
    `external_ids:system-id=${node.name}`,
    `external_ids:hostname=${node.name}`,
  );
  await checkTcpServedByUs(node);
}

/**
 * ovsdb-server keeps running when its TCP port is taken, so ask the port itself: it must answer with the same
 * Open_vSwitch row as our unix socket, or the controller would manage someone else's switch.
 */
async function checkTcpServedByUs(node: NodePlan): Promise<void> {
  const fail = (why: string): Error =>
    new Error(
      `OVSDB TCP port 127.0.0.1:${node.ovsdbPort} of ${node.name} is not served by its ovsdb-server (${why}); ` +
        'pick other ports with --ovsdb-port-base',
    );
  // ovsdb-server binds before it detaches, so its log already tells when the port was taken.
  const log = readFileSync(join(node.dir, 'ovsdb.log'), 'utf8');
  const failed = /ptcp:\d+:127\.0\.0\.1: listen failed: (.*)/.exec(log);
  if (failed) throw fail(failed[1]);
  const ours = (await vsctl(node, 'get', 'Open_vSwitch', '.', '_uuid')).trim();
  const deadline = Date.now() + 3000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await run('ovs-vsctl', [
      `--db=tcp:127.0.0.1:${node.ovsdbPort}`,
      '--timeout=1',
      'get',
      'Open_vSwitch',
      '.',
      '_uuid',
    ]).then(
      (out) => out.trim(),
      () => '',
    );
    if (seen === ours) return;
    await sleep(50);
  }
  throw fail(seen ? 'another OVSDB answers there' : 'no answer');
}

export async function startVswitchd(node: NodePlan): Promise<void> {
  await run(
    'ip',
    [
      'netns',
      'exec',
      node.netns,
      'ovs-vswitchd',
      `unix:${node.dbSocket}`,
      `--pidfile=${join(node.dir, 'vsw.pid')}`,
      `--unixctl=${join(node.dir, 'vsw.ctl')}`,
      `--log-file=${join(node.dir, 'vsw.log')}`,
      '--detach',
    ],
    // vswitchd puts br-*.mgmt and the permitted unix: controller directory in OVS_RUNDIR (OVS-LAB.md, step 3).
    { env: { ...process.env, OVS_RUNDIR: node.dir } },
  );
}

/**
 * br-phy holds the underlay veth; its own MAC keeps the kernel and OVS from both answering underlay frames (G3 of
 * "what did not work"). With bare pods (no controller) the lab also builds br-int the way the controller would:
 * netdev, OpenFlow 1.3, fail_mode=secure, fixed DPID, the flow-based VXLAN port and the pod ports, in one
 * transaction. With a controller, br-int is the controller's job (node registration).
 */
export async function configureBridges(node: NodePlan, barePods: readonly PodPlan[] | null): Promise<void> {
  const args = [
    '--',
    'add-br',
    BR_PHY,
    '--',
    'set',
    'bridge',
    BR_PHY,
    'datapath_type=netdev',
    'fail_mode=standalone',
    `other_config:hwaddr=${node.brPhyMac}`,
    '--',
    'add-port',
    BR_PHY,
    node.uplink,
  ];
  if (barePods) {
    args.push(
      '--',
      'add-br',
      BR_INT,
      '--',
      'set',
      'bridge',
      BR_INT,
      'datapath_type=netdev',
      'protocols=OpenFlow13',
      'fail_mode=secure',
      `other_config:datapath-id=${node.dpid}`,
      'other_config:disable-in-band=true',
      '--',
      'add-port',
      BR_INT,
      VXLAN_PORT,
      '--',
      'set',
      'interface',
      VXLAN_PORT,
      'type=vxlan',
      'options:remote_ip=flow',
      'options:key=flow',
      `ofport_request=${VXLAN_OFPORT}`,
    );
    for (const pod of barePods) {
      args.push(
        '--',
        'add-port',
        BR_INT,
        pod.hostIf,
        '--',
        'set',
        'interface',
        pod.hostIf,
        `ofport_request=${pod.index}`,
      );
    }
  }
  await vsctl(node, ...args);
}

/** Pre-seeds the tunnel neighbour cache for every peer, so no first packet is lost to ARP on the underlay (G4). */
export async function seedTunnelNeighbours(node: NodePlan, peers: readonly NodePlan[]): Promise<void> {
  for (const peer of peers) {
    if (peer.name !== node.name) await appctl(node, 'tnl/arp/set', BR_PHY, peer.tunnelIp, peer.brPhyMac);
  }
}
