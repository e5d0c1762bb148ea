// `lab up`: builds the lab in stages, recording each in DIR/lab.json; any failure tears everything down again.
//   underlay -> per node: ovsdb-server, namespace, uplink, [bare pods], ovs-vswitchd, bridges, br-phy address,
//   tunnel neighbours -> [controller: relay, tenants, nodes + tokens + agents, pods through sdn-cni].
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startAgent, startRelay } from './agents';
import { ApiClient } from './api';
import { createBarePod } from './bare-pods';
import { createCniPod } from './cni-pods';
import { pool } from './concurrency';
import { labDown } from './down';
import { buildLeaf, checkLeafHost, registerLeaf } from './leaf';
import { run } from './exec';
import {
  planLab,
  validateOptions,
  type ControllerOptions,
  type LabOptions,
  type LabPlan,
  type NodePlan,
} from './layout';
import { addNamespace, labNamespaces } from './namespaces';
import { configureBridges, freeTcpPort, seedTunnelNeighbours, startOvsdb, startVswitchd } from './ovs';
import { registerNode, registerTenants, waitConnected } from './register';
import { labStatus } from './status';
import {
  builderRunning,
  processStartTime,
  readState,
  writeState,
  type LabState,
  type PodState,
} from './state';
import { addressBrPhy, connectNode, createExternalHost, createUnderlay } from './underlay';

export type Log = (msg: string) => void;

const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  ethtool: 'ethtool',
  'ovsdb-tool': 'openvswitch-switch',
  'ovsdb-server': 'openvswitch-switch',
  'ovs-vswitchd': 'openvswitch-switch',
  'ovs-vsctl': 'openvswitch-switch',
  'ovs-appctl': 'openvswitch-switch',
};

async function checkHost(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces, ovs-vswitchd)');
  const script = `for t in ${Object.keys(TOOLS).join(' ')}; do command -v $t >/dev/null || echo $t; done`;
  const missing = (await run('sh', ['-c', script])).split('\n').filter(Boolean);
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => TOOLS[t]))].join(' ');
    throw new Error(`missing ${missing.join(', ')}: apt-get install ${pkgs}`);
  }
}

/**
 * A lab directory is a real directory owned by us: root kills the PIDs named in it and writes tokens into it, so a
 * path another user prepared (a symlink, a directory of theirs in /tmp) is refused.
 */
function checkOwnDirectory(dir: string): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory())
    throw new Error(`${dir} is not a directory (a symlink?); pick another --dir`);
  if (st.uid !== process.getuid?.())
    throw new Error(`${dir} belongs to uid ${st.uid}, not to us; pick another --dir`);
}

async function pickPorts(options: LabOptions, plan: LabPlan): Promise<void> {
  if (options.ovsdbPortBase !== 0) return;
  const taken = new Set<number>();
  for (const node of plan.nodes) {
    let port = await freeTcpPort();
    while (taken.has(port)) port = await freeTcpPort();
    taken.add(port);
    node.ovsdbPort = port;
  }
}

/**
 * Builds the lab; `signal` (Ctrl-C, SIGTERM) stops it at the next step boundary, and then, as after any failure,
 * everything built so far is torn down before the error is thrown.
 */
export async function labUp(input: LabOptions, log: Log, signal?: AbortSignal): Promise<LabState> {
  const problem = validateOptions(input);
  if (problem) throw new Error(problem);
  const options = { ...input, dir: resolve(input.dir) };
  await checkHost();
  if (options.vtep) await checkLeafHost();
  const api = options.controller ? await connectController(options.controller) : null;

  const previous = readState(options.dir);
  if (previous && (builderRunning(previous) || labStatus(options.dir).state === 'up')) {
    throw new Error(`a lab is already ${previous.phase} in ${options.dir}; run \`sdnctl lab down\` first`);
  }
  if (existsSync(options.dir)) {
    checkOwnDirectory(options.dir);
    log(`removing leftovers of an earlier lab in ${options.dir}`);
    const report = await labDown({ dir: options.dir });
    if (!report.removedDir && existsSync(options.dir)) throw new Error(report.warnings.join('; '));
  }
  const others = await labNamespaces(options.prefix);
  if (others.length) {
    throw new Error(
      `namespaces ${others.join(', ')} exist but ${options.dir} has no lab: they belong to a lab in another ` +
        `directory (\`sdnctl lab down --dir THAT_DIR\`), or are leftovers (\`sdnctl lab down --dir ${options.dir} --prefix ${options.prefix}\`); ` +
        'or pick another --prefix',
    );
  }

  // The directory holds tokens and the sockets of agents and switches: this user's only.
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  checkOwnDirectory(options.dir);
  const plan = planLab(options);
  const state: LabState = {
    version: 1,
    phase: 'building',
    createdAt: new Date().toISOString(),
    builder: { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
    plan,
    controller: options.controller,
    pods: [],
    registrations: [],
  };
  const save = (): void => writeState(state);
  const check = (): void => signal?.throwIfAborted();
  save();
  try {
    await pickPorts(options, plan);
    save();
    await buildInfrastructure(plan, state, save, log, check);
    if (options.controller && api)
      await attachToController(api, plan, options.controller, state, save, log, check);
    state.phase = 'up';
    save();
    return state;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    state.phase = 'failed';
    state.error = msg;
    save();
    log(`lab up failed: ${msg}`);
    log('tearing down what was built');
    const report = await labDown({ dir: options.dir });
    for (const w of report.warnings) log(`warning: ${w}`);
    throw err;
  }
}

/** Before building anything: the admin token is readable and the controller answers. */
async function connectController(ctl: ControllerOptions): Promise<ApiClient> {
  let token: string;
  try {
    token = readFileSync(ctl.tokenFile, 'utf8').trim();
  } catch {
    throw new Error(
      `cannot read the admin token ${ctl.tokenFile}; pass --token-file (the controller writes DATA_DIR/admin.token), ` +
        'or use --no-controller',
    );
  }
  const api = new ApiClient(ctl.api, token);
  const res = await api.request('GET', '/healthz');
  if (res.status >= 500)
    throw new Error(`controller ${ctl.api} is not healthy: /healthz answered ${res.status}`);
  return api;
}

async function buildInfrastructure(
  plan: LabPlan,
  state: LabState,
  save: () => void,
  log: Log,
  check: () => void,
): Promise<void> {
  const bare = state.controller === null;
  log(
    `underlay ${plan.underlay.netns} (bridge ${plan.underlay.bridge}, MTU ${plan.underlay.mtu}), ` +
      `external host ${plan.external.netns} ${plan.external.ip}`,
  );
  await createUnderlay(plan);
  await createExternalHost(plan);
  await pool(plan.nodes, plan.nodes.length, async (node) => {
    const pods = bare ? plan.pods.filter((p) => p.node === node.name) : null;
    const steps: (() => Promise<unknown>)[] = [
      () => startOvsdb(node),
      () => addNamespace(node.netns, false),
      () => connectNode(plan, node),
      // Bare pods' veths must exist in the node before the bridge transaction names them (G9).
      ...(pods ?? []).map((pod) => async () => {
        state.pods.push(await createBarePod(node, pod));
        save();
      }),
      () => startVswitchd(node),
      () => configureBridges(node, pods),
      () => addressBrPhy(plan, node),
      () => seedTunnelNeighbours(node, plan.nodes),
    ];
    mkdirSync(node.dir, { recursive: true });
    for (const step of steps) {
      check();
      await step();
    }
    log(`node ${node.name}: ${node.netns}, OVSDB tcp:127.0.0.1:${node.ovsdbPort}, tunnel ${node.tunnelIp}`);
  });
  // Keep the state's pod list in plan order whatever order the nodes finished in.
  const order = new Map(plan.pods.map((p, i) => [p.name, i]));
  state.pods.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  save();
  if (plan.leaf) {
    await buildLeaf(plan, plan.leaf, check);
    save();
    log(
      `leaf ${plan.leaf.name}: ovs-vtep in ${plan.leaf.netns}, hardware_vtep tcp:127.0.0.1:${plan.leaf.ovsdbPort}, tunnel ${plan.leaf.tunnelIp}`,
    );
  }
}

async function attachToController(
  api: ApiClient,
  plan: LabPlan,
  ctl: ControllerOptions,
  state: LabState,
  save: () => void,
  log: Log,
  check: () => void,
): Promise<void> {
  await startRelay(plan, ctl);
  log(`OpenFlow relay: DIR/nN/of.sock -> ${ctl.openflow.host}:${ctl.openflow.port}`);
  const tenants = await registerTenants(api, plan, ctl, state, save);
  log(
    `tenants ${[...tenants.keys()].join(', ')}: network ${plan.tenants[0]?.network}, ${ctl.subnet4} + ${ctl.subnet6}`,
  );
  const nodes = new Map<string, NodePlan>(plan.nodes.map((n) => [n.name, n]));
  const tokenFiles = new Map<string, string>();
  for (const node of plan.nodes) {
    check();
    tokenFiles.set(node.name, await registerNode(api, node, state, save));
    log(`node ${node.name} registered`);
  }
  if (plan.leaf) await registerLeaf(api, plan.leaf, state, save);
  // Each agent is a Node.js start (a few hundred ms on a busy host): start them side by side.
  await pool(plan.nodes, plan.nodes.length, async (node) => {
    check();
    await startAgent(plan, node, ctl, tokenFiles.get(node.name) ?? '');
    log(`node ${node.name}: sdn-agent on ${node.agentSocket}`);
  });
  if (ctl.waitConnectedMs > 0) {
    await waitConnected(api, plan.nodes, ctl.waitConnectedMs);
    log('every node is connected to the controller');
  }
  const started = Date.now();
  const pods: PodState[] = await pool(plan.pods, 4, async (pod) => {
    const tenant = tenants.get(pod.tenant ?? '');
    const node = nodes.get(pod.node);
    if (!tenant || !node) throw new Error(`pod ${pod.name}: no tenant or node in the plan`);
    check();
    const made = await createCniPod(ctl, node, pod, tenant);
    state.pods.push(made);
    save();
    return made;
  });
  state.pods = pods;
  save();
  if (pods.length) log(`${pods.length} pods through sdn-cni in ${Date.now() - started} ms`);
}
