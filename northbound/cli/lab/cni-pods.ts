// Pods through the real CNI path: the lab makes the pod's namespace (IPv6 on), then runs `sdn-cni ADD` against
// the node's agent exactly as a container runtime would; the controller allocates the addresses and programs the
// switch, and the plugin's result says what the pod got.
import type { ControllerOptions, NodePlan, PodPlan } from './layout';
import { addNamespace } from './namespaces';
import { runCni, summarizeResult } from './cni';
import type { TenantNetwork } from './register';
import type { PodState } from './state';

export const POD_IFNAME = 'eth0';

export function containerIdOf(pod: PodPlan): string {
  return pod.netns;
}

export async function createCniPod(
  ctl: ControllerOptions,
  node: NodePlan,
  pod: PodPlan,
  tenant: TenantNetwork,
): Promise<PodState> {
  await addNamespace(pod.netns, true);
  const result = await runCni({
    plugin: ctl.cniPlugin,
    command: 'ADD',
    containerId: containerIdOf(pod),
    netns: pod.netns,
    ifname: POD_IFNAME,
    podNamespace: tenant.namespace,
    podName: pod.name,
    agentSocket: node.agentSocket,
  });
  const { mac, cidrs, gateways } = summarizeResult(result, POD_IFNAME);
  return {
    name: pod.name,
    netns: pod.netns,
    node: node.name,
    tenant: tenant.tenant,
    network: tenant.network,
    ips: cidrs.map((c) => c.split('/')[0]),
    cidrs,
    mac,
    gateways,
    containerId: containerIdOf(pod),
    ifname: POD_IFNAME,
  };
}

/**
 * CNI DEL of a planned pod (the controller releases its addresses and port). DEL is idempotent, so `down` sends it
 * for every planned pod: an ADD cut short by a crash may have reached the controller without reaching the state.
 */
export async function deleteCniPod(
  ctl: ControllerOptions,
  node: NodePlan,
  pod: PodPlan,
  podNamespace: string,
): Promise<void> {
  await runCni({
    plugin: ctl.cniPlugin,
    command: 'DEL',
    containerId: containerIdOf(pod),
    netns: pod.netns,
    ifname: POD_IFNAME,
    podNamespace,
    podName: pod.name,
    agentSocket: node.agentSocket,
    timeoutMs: 10_000,
  });
}
