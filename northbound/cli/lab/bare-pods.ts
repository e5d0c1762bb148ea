// Pods without a controller: a namespace with a veth into the node, fixed MAC and addresses (OVS-LAB.md), the
// host end attached to br-int at ofport = pod index. Tests of the lab and of static flows use them.
import { BARE_POD_PREFIX4, BARE_POD_PREFIX6, type NodePlan, type PodPlan } from './layout';
import { run, shIn } from './exec';
import { addNamespace } from './namespaces';
import type { PodState } from './state';

/** Creates the pod's namespace and veth; the host end is attached by the node's bridge transaction. */
export async function createBarePod(node: NodePlan, pod: PodPlan): Promise<PodState> {
  await addNamespace(pod.netns, true);
  await run('ip', [
    'link',
    'add',
    pod.hostIf,
    'netns',
    node.netns,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    pod.netns,
  ]);
  await shIn(node.netns, `ip link set ${pod.hostIf} up`);
  // tx off: partial checksums from veth offloads are dropped by the userspace datapath (G1); nodad: the address is
  // usable at once.
  await shIn(
    pod.netns,
    [
      `ip link set eth0 address ${pod.mac}`,
      `ip addr add ${pod.ipv4}/${BARE_POD_PREFIX4} dev eth0`,
      `ip -6 addr add ${pod.ipv6}/${BARE_POD_PREFIX6} dev eth0 nodad`,
      'ip link set eth0 up',
      'ethtool -K eth0 tx off >/dev/null',
    ].join(' && '),
  );
  return {
    name: pod.name,
    netns: pod.netns,
    node: node.name,
    tenant: null,
    network: null,
    ips: [pod.ipv4, pod.ipv6],
    cidrs: [`${pod.ipv4}/${BARE_POD_PREFIX4}`, `${pod.ipv6}/${BARE_POD_PREFIX6}`],
    mac: pod.mac,
    gateways: [],
    containerId: null,
    ifname: 'eth0',
  };
}
