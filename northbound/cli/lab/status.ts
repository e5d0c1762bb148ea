// `lab status`: the state file plus a live look at the lab's processes. Scripts (the e2e and dashboard tests)
// read `status --json`: {state, nodes: [...], pods: [{name, netns, node, tenant, network, ips, mac, ...}]}.
import { leafStatus, type LeafStatus } from './leaf';
import { join, resolve } from 'node:path';
import { BR_INT, BR_PHY } from './layout';
import { alive } from './processes';
import { builderRunning, readState, type LabPhase, type PodState } from './state';

export interface NodeStatus {
  name: string;
  netns: string;
  tunnelIp: string;
  brPhyMac: string;
  dpid: string;
  /** For the controller (root namespace) and for people: `ovs-vsctl --db=...`. */
  ovsdb: string;
  ovsdbUnix: string;
  controllerTarget: string | null;
  agentSocket: string | null;
  /** `ovs-ofctl -O OpenFlow13 dump-flows <brInt>`; `ovs-appctl -t <vswitchdCtl> ...`. */
  brInt: string;
  brPhy: string;
  vswitchdCtl: string;
  processes: { ovsdb: boolean; vswitchd: boolean; agent: boolean | null };
}

export interface LabStatus {
  /** `degraded`: the state says up but a process of the lab is gone. */
  state: LabPhase | 'down' | 'degraded';
  dir: string;
  prefix: string | null;
  controller: { api: string; openflow: string } | null;
  underlay: { netns: string; bridge: string; cidr: string } | null;
  /** A host outside the cluster on the underlay, for egress (SNAT) tests. */
  external: { netns: string; ip: string } | null;
  relay: { alive: boolean } | null;
  nodes: NodeStatus[];
  pods: PodState[];
  /** `--vtep`: the leaf VTEP. */
  leaf?: LeafStatus;
  error?: string;
}

export function labStatus(dirOption: string): LabStatus {
  const dir = resolve(dirOption);
  const state = readState(dir);
  if (!state) {
    return {
      state: 'down',
      dir,
      prefix: null,
      controller: null,
      underlay: null,
      external: null,
      relay: null,
      nodes: [],
      pods: [],
    };
  }
  const ctl = state.controller;
  const nodes: NodeStatus[] = state.plan.nodes.map((n) => ({
    name: n.name,
    netns: n.netns,
    tunnelIp: n.tunnelIp,
    brPhyMac: n.brPhyMac,
    dpid: n.dpid,
    ovsdb: `tcp:127.0.0.1:${n.ovsdbPort}`,
    ovsdbUnix: `unix:${n.dbSocket}`,
    controllerTarget: ctl ? `unix:${n.ofSocket}` : null,
    agentSocket: ctl ? n.agentSocket : null,
    brInt: `unix:${join(n.dir, `${BR_INT}.mgmt`)}`,
    brPhy: `unix:${join(n.dir, `${BR_PHY}.mgmt`)}`,
    vswitchdCtl: join(n.dir, 'vsw.ctl'),
    processes: {
      ovsdb: alive(join(n.dir, 'ovsdb.pid'), dir),
      vswitchd: alive(join(n.dir, 'vsw.pid'), dir),
      agent: ctl ? alive(join(n.dir, 'agent.pid'), dir) : null,
    },
  }));
  const relay = ctl ? { alive: alive(join(dir, 'relay.pid'), dir) } : null;
  const leaf = state.plan.leaf ? leafStatus(state.plan.leaf, dir) : undefined;
  const healthy =
    (!leaf || Object.values(leaf.processes).every(Boolean)) &&
    nodes.every((n) => n.processes.ovsdb && n.processes.vswitchd && n.processes.agent !== false) &&
    relay?.alive !== false;
  // A `building` lab whose `up` process is gone was killed half-way: say so, and what to do.
  const interrupted = state.phase === 'building' && !builderRunning(state);
  const error = interrupted
    ? `lab up (pid ${state.builder.pid}) was interrupted; \`sdnctl lab down\` or a new \`lab up\` cleans up`
    : state.error;
  return {
    state: interrupted ? 'failed' : state.phase === 'up' && !healthy ? 'degraded' : state.phase,
    dir,
    prefix: state.plan.prefix,
    controller: ctl ? { api: ctl.api, openflow: `${ctl.openflow.host}:${ctl.openflow.port}` } : null,
    underlay: {
      netns: state.plan.underlay.netns,
      bridge: state.plan.underlay.bridge,
      cidr: `10.99.0.0/${state.plan.underlay.prefixLength}`,
    },
    external: { netns: state.plan.external.netns, ip: state.plan.external.ip },
    relay,
    nodes,
    pods: state.pods,
    ...(leaf ? { leaf } : {}),
    ...(error ? { error } : {}),
  };
}

/** A short table for people. */
export function formatStatus(s: LabStatus): string {
  if (s.state === 'down') return `no lab in ${s.dir}\n`;
  const lines = [
    `lab ${s.state} in ${s.dir} (namespaces ${s.prefix}-*)` +
      (s.controller
        ? `, controller ${s.controller.api}, OpenFlow ${s.controller.openflow}`
        : ', no controller'),
  ];
  if (s.error) lines.push(`error: ${s.error}`);
  lines.push('', 'NODE  NETNS                TUNNEL IP    OVSDB                 OVSDB VSWITCHD AGENT');
  for (const n of s.nodes) {
    const p = n.processes;
    const mark = (b: boolean | null): string => (b === null ? '-' : b ? 'up' : 'DOWN');
    lines.push(
      `${n.name.padEnd(5)} ${n.netns.padEnd(20)} ${n.tunnelIp.padEnd(12)} ${n.ovsdb.padEnd(21)} ` +
        `${mark(p.ovsdb).padEnd(5)} ${mark(p.vswitchd).padEnd(8)} ${mark(p.agent)}`,
    );
  }
  if (s.leaf) {
    const l = s.leaf;
    const up = Object.entries(l.processes).map(([k, v]) => `${k} ${v ? 'up' : 'DOWN'}`);
    lines.push('', `leaf ${l.name} ${l.netns} ${l.tunnelIp} ${l.ovsdb}: ${up.join(', ')}`);
  }
  if (s.pods.length) {
    lines.push('', 'POD       NODE  TENANT     MAC                IPS');
    for (const p of s.pods) {
      lines.push(
        `${p.name.padEnd(9)} ${p.node.padEnd(5)} ${(p.tenant ?? '-').padEnd(10)} ${p.mac.padEnd(18)} ${p.ips.join(' ')}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
