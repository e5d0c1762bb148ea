// One sdn-agent per node (the CNI plugin's long-running half), and the OpenFlow relay: the lab's own processes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ControllerOptions, LabPlan, NodePlan } from './layout';
import { startDetached } from './detached';
import { relaySource } from './partition';

/** Where the compiled relay lives: next to this file in dist/. */
export const RELAY_MAIN = join(__dirname, 'of-relay.js');

export async function startRelay(plan: LabPlan, ctl: ControllerOptions): Promise<number> {
  const target = `${ctl.openflow.host.includes(':') ? `[${ctl.openflow.host}]` : ctl.openflow.host}:${ctl.openflow.port}`;
  return startDetached({
    what: 'the OpenFlow relay',
    args: [
      RELAY_MAIN,
      '--target',
      target,
      ...plan.nodes.flatMap((n) => {
        const from = relaySource(n, ctl.openflow.host);
        return ['--listen', n.ofSocket, ...(from ? ['--from', from] : [])];
      }),
    ],
    pidfile: join(plan.dir, 'relay.pid'),
    logFile: join(plan.dir, 'relay.log'),
    sockets: plan.nodes.map((n) => n.ofSocket),
    dir: plan.dir,
  });
}

export async function startAgent(
  plan: LabPlan,
  node: NodePlan,
  ctl: ControllerOptions,
  tokenFile: string,
): Promise<number> {
  if (!existsSync(ctl.agentMain)) {
    throw new Error(`sdn-agent not found at ${ctl.agentMain}; build it (npx tsc -p .) or pass --agent PATH`);
  }
  return startDetached({
    what: `sdn-agent of ${node.name}`,
    args: [
      ctl.agentMain,
      '--socket',
      node.agentSocket,
      '--controller',
      ctl.api,
      '--token-file',
      tokenFile,
      '--node',
      node.name,
      '--host-netns',
      node.netns,
    ],
    pidfile: join(node.dir, 'agent.pid'),
    logFile: join(node.dir, 'agent.log'),
    sockets: [node.agentSocket],
    dir: plan.dir,
  });
}

/** Defaults when run from dist/: the compiled agent, and the plugin script in the source tree. */
export const DEFAULT_AGENT_MAIN = join(__dirname, '..', '..', 'cni', 'agent', 'main.js');
export const DEFAULT_CNI_PLUGIN = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'northbound',
  'cni',
  'plugin',
  'sdn-cni',
);
