// The underlay: one namespace holding a Linux bridge (MTU 1600, G10), and per node a veth from that bridge into
// the node's namespace, where OVS's br-phy takes it and the node's tunnel address sits on the br-phy tap.
import { BR_PHY, type LabPlan, type NodePlan } from './layout';
import { run, shIn } from './exec';
import { addNamespace } from './namespaces';

export async function createUnderlay(plan: LabPlan): Promise<void> {
  const { netns, bridge, mtu } = plan.underlay;
  await addNamespace(netns, false);
  await shIn(netns, `ip link add ${bridge} type bridge && ip link set ${bridge} mtu ${mtu} up`);
}

/** The node's uplink veth, created directly with one end in each namespace. */
export async function connectNode(plan: LabPlan, node: NodePlan): Promise<void> {
  const { netns, bridge, mtu } = plan.underlay;
  await run('ip', [
    'link', 'add', node.uplink, 'netns', node.netns, 'mtu', String(mtu), 'type', 'veth',
    'peer', 'name', node.underlayPort, 'netns', netns, 'mtu', String(mtu),
  ]); // prettier-ignore
  await shIn(netns, `ip link set ${node.underlayPort} master ${bridge} up`);
  // arp_ignore=8: the kernel sees the uplink's frames too (AF_PACKET does not steal them) and must not answer
  // them for the br-phy address, or every underlay packet comes back twice.
  await shIn(
    node.netns,
    `ip link set ${node.uplink} up && sysctl -qw net.ipv4.conf.${node.uplink}.arp_ignore=8`,
  );
}

/** The tunnel address goes on the br-phy tap in the kernel: OVS learns its tunnel route from there. */
export async function addressBrPhy(plan: LabPlan, node: NodePlan): Promise<void> {
  await shIn(
    node.netns,
    `ip addr add ${node.tunnelIp}/${plan.underlay.prefixLength} dev ${BR_PHY} && ip link set ${BR_PHY} up`,
  );
}

/** The external host: a namespace on the underlay bridge with an address above every node's. */
export async function createExternalHost(plan: LabPlan): Promise<void> {
  const { netns, bridge, mtu, prefixLength } = plan.underlay;
  const ext = plan.external;
  await addNamespace(ext.netns, false);
  await run('ip', [
    'link', 'add', 'eth0', 'netns', ext.netns, 'mtu', String(mtu), 'type', 'veth',
    'peer', 'name', ext.underlayPort, 'netns', netns, 'mtu', String(mtu),
  ]); // prettier-ignore
  await shIn(netns, `ip link set ${ext.underlayPort} master ${bridge} up`);
  // tx off (G1): what it sends crosses a node's userspace datapath (AF_PACKET on the uplink) into the node's kernel,
  // which drops TCP with the partial checksum a veth leaves to offload (pods reaching it through SNAT).
  await shIn(
    ext.netns,
    `ip addr add ${ext.ip}/${prefixLength} dev eth0 && ip link set eth0 up && ethtool -K eth0 tx off >/dev/null`,
  );
}
