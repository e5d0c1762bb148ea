// A network partition of one lab node from the controller (`sdnctl lab partition|heal NODE`): both of its paths to
// the controller are dropped in the root namespace's INPUT chain, so they stall like a cut link rather than close.
// - OVSDB: the controller dials the node's ovsdb-server on 127.0.0.1:<ovsdbPort>, a port of this node alone.
// - OpenFlow: vswitchd dials the relay over a unix socket (no packet filter there); the relay dials the controller
//   from a local address of this node alone, 127.0.1.<index> (`--from`, of-relay.ts), which is what is dropped.
// The node keeps forwarding with the flows it has (br-int is fail_mode=secure) and ovs-vswitchd keeps retrying.
import { CommandError, run } from './exec';
import type { NodePlan } from './layout';
import type { LabState } from './state';

/**
 * The local address the relay dials the controller from for this node's switch: 127.0.1.<index> when the
 * controller listens on IPv4 loopback (the whole of 127/8 is local), else none (and no OpenFlow partition).
 */
export function relaySource(node: NodePlan, controllerHost: string): string | undefined {
  return /^127\./.test(controllerHost) && node.index <= 254 ? `127.0.1.${node.index}` : undefined;
}

/** The INPUT rules that cut one node, each tagged with the lab's prefix and the node's name. */
function rules(state: LabState, node: NodePlan): string[][] {
  const ctl = state.controller;
  if (!ctl) throw new Error('this lab has no controller to be cut off from');
  const from = relaySource(node, ctl.openflow.host);
  if (!from) {
    throw new Error(
      `the controller's OpenFlow listener ${ctl.openflow.host} is not on IPv4 loopback: no per-node path to cut`,
    );
  }
  const tag = ['-m', 'comment', '--comment', `sdn-lab:${state.plan.prefix}:${node.name}`, '-j', 'DROP'];
  const of = String(ctl.openflow.port);
  const db = String(node.ovsdbPort);
  return [
    ['-s', from, '-d', ctl.openflow.host, '-p', 'tcp', '--dport', of, ...tag],
    ['-s', ctl.openflow.host, '-d', from, '-p', 'tcp', '--sport', of, ...tag],
    ['-d', '127.0.0.1', '-p', 'tcp', '--dport', db, ...tag],
    ['-s', '127.0.0.1', '-p', 'tcp', '--sport', db, ...tag],
  ];
}

function nodeOf(state: LabState, name: string): NodePlan {
  const node = state.plan.nodes.find((n) => n.name === name);
  if (!node)
    throw new Error(`no node ${name} in this lab (${state.plan.nodes.map((n) => n.name).join(', ')})`);
  return node;
}

/** `-w`: wait for the xtables lock rather than fail while another process edits the tables. */
const iptables = (op: '-C' | '-I' | '-D', rule: readonly string[]): Promise<string> =>
  run('iptables', ['-w', op, 'INPUT', ...rule]);

async function present(rule: readonly string[]): Promise<boolean> {
  try {
    await iptables('-C', rule);
    return true;
  } catch (err) {
    if (err instanceof CommandError) return false;
    throw err;
  }
}

/** Cuts the node off from the controller; cutting it twice is the same as once. */
export async function partitionNode(state: LabState, name: string): Promise<void> {
  for (const rule of rules(state, nodeOf(state, name))) {
    if (!(await present(rule))) await iptables('-I', rule);
  }
}

/** Reconnects the node; nothing to do when it was not cut. */
export async function healNode(state: LabState, name: string): Promise<void> {
  for (const rule of rules(state, nodeOf(state, name))) {
    while (await present(rule)) await iptables('-D', rule);
  }
}

/** Heals every node (for `down`); never throws, returns warnings. */
export async function healAll(state: LabState): Promise<string[]> {
  if (!state.controller || !/^127\./.test(state.controller.openflow.host)) return [];
  const warnings: string[] = [];
  for (const n of state.plan.nodes) {
    await healNode(state, n.name).catch((err: unknown) =>
      warnings.push(`partition rules of ${n.name}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  return warnings;
}

/**
 * Removes partition rules whose lab is gone (a killed test or `up`): rules tagged `sdn-lab:PREFIX:NODE` for a prefix
 * with no namespace left. Returns how many were removed.
 */
export async function removeStaleRules(labAlive: (prefix: string) => Promise<boolean>): Promise<number> {
  const listing = await run('iptables', ['-w', '-S', 'INPUT']);
  let removed = 0;
  for (const line of listing.split('\n')) {
    const tag = /--comment "?sdn-lab:([^:"\s]+):[^"\s]+"?/.exec(line);
    if (!tag || !line.startsWith('-A INPUT ') || (await labAlive(tag[1]))) continue;
    // Our rules hold no spaces inside an argument, so the listing splits back into the rule's arguments.
    const rule = line.slice('-A INPUT '.length).replace(/"/g, '').split(' ');
    await iptables('-D', rule).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}
