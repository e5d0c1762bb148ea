// `sdnctl lab up|down|status`: a multi-node Open vSwitch lab on this machine (docs/operations.md).
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_AGENT_MAIN, DEFAULT_CNI_PLUGIN } from '../lab/agents';
import { labDown } from '../lab/down';
import { labNamespaces } from '../lab/namespaces';
import { healNode, partitionNode } from '../lab/partition';
import { readState } from '../lab/state';
import { formatStatus, labStatus } from '../lab/status';
import { labUp } from '../lab/up';

const DEFAULT_DIR = process.env.SDN_LAB_DIR ?? '/tmp/sdn-lab';
const DEFAULT_PREFIX = 'sdnlab';

function integer(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('not a whole number');
  return n;
}

function hostPort(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:6653');
  return { host: m[1], port: Number(m[2]) };
}

interface UpFlags {
  nodes: number;
  pods: number;
  tenants: number;
  api: string;
  tokenFile: string;
  dir: string;
  prefix: string;
  controller: boolean;
  openflow: { host: string; port: number };
  ovsdbPortBase: number;
  agent: string;
  cniPlugin: string;
  waitConnected: number;
  subnet: string;
  subnet6: string;
  json?: boolean;
  vtep?: boolean;
  networkNodes?: number;
}

const started = Date.now();
/** Progress on stderr (stdout is for the status), with the time since the command started. */
const log = (msg: string): void => {
  process.stderr.write(`lab: [${String(Date.now() - started).padStart(5)} ms] ${msg}\n`);
};

export function labCommand(): Command {
  const lab = new Command('lab').description(
    'a multi-node Open vSwitch lab on this host: one network namespace per node, pods through the CNI plugin',
  );

  lab
    .command('up')
    .description('build N nodes with M pods each and register them with the controller')
    .option('--nodes <n>', 'nodes (each: netns, ovsdb-server, ovs-vswitchd)', integer, 2)
    .option('--pods <m>', 'pods per node', integer, 2)
    .option('--tenants <t>', 'tenants, each with one network; pods are spread over them', integer, 1)
    .option('--api <url>', 'controller REST API', 'http://127.0.0.1:8080')
    .option('--token-file <file>', 'admin token file', './data/admin.token')
    .option('--dir <dir>', 'lab state directory', DEFAULT_DIR)
    .option('--prefix <prefix>', 'namespace name prefix', DEFAULT_PREFIX)
    .option('--no-controller', 'infrastructure and bare pods only (fixed addresses, static br-int)')
    .option(
      '--openflow <host:port>',
      "the controller's OpenFlow listener",
      hostPort,
      hostPort('127.0.0.1:6653'),
    )
    .option(
      '--ovsdb-port-base <port>',
      'node i serves OVSDB on 127.0.0.1:<port+i>; 0 picks free ports',
      integer,
      0,
    )
    .addOption(new Option('--agent <path>', 'sdn-agent entry point').default(DEFAULT_AGENT_MAIN))
    .addOption(new Option('--cni-plugin <path>', 'sdn-cni executable').default(DEFAULT_CNI_PLUGIN))
    .option(
      '--wait-connected <seconds>',
      'before the pods, wait until the controller reports every node connected (0: do not wait)',
      integer,
      0,
    )
    .option('--subnet <cidr>', "IPv4 subnet of every tenant's network", '10.244.0.0/16')
    .option('--subnet6 <cidr>', "IPv6 subnet of every tenant's network", 'fd00:10:244::/64')
    .option(
      '--vtep',
      'add a leaf VTEP (ovs-vtep, hardware_vtep over OVSDB) and register it with the controller',
    )
    .option(
      '--network-nodes <k>',
      'with --vtep: nodes n1..nK are network-overlay nodes uplinked to the leaf',
      integer,
    )
    .option('--json', 'print the status as JSON when up')
    .action(async (f: UpFlags) => {
      if (f.networkNodes !== undefined && !f.vtep)
        throw new InvalidArgumentError('--network-nodes needs --vtep');
      // Ctrl-C or SIGTERM stop the build at the next step and tear down what was built.
      const abort = new AbortController();
      const interrupt = (sig: NodeJS.Signals) => () => abort.abort(new Error(`interrupted by ${sig}`));
      process.once('SIGINT', interrupt('SIGINT'));
      process.once('SIGTERM', interrupt('SIGTERM'));
      await labUp(
        {
          dir: f.dir,
          prefix: f.prefix,
          nodes: f.nodes,
          podsPerNode: f.pods,
          tenants: f.tenants,
          ovsdbPortBase: f.ovsdbPortBase,
          ...(f.vtep ? { vtep: { networkNodes: f.networkNodes ?? 0 } } : {}),
          controller: f.controller
            ? {
                api: f.api,
                tokenFile: resolve(f.tokenFile),
                openflow: f.openflow,
                agentMain: resolve(f.agent),
                cniPlugin: resolve(f.cniPlugin),
                waitConnectedMs: f.waitConnected * 1000,
                subnet4: f.subnet,
                subnet6: f.subnet6,
              }
            : null,
        },
        log,
        abort.signal,
      );
      log(`up in ${Date.now() - started} ms`);
      const status = labStatus(f.dir);
      process.stdout.write(f.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
    });

  lab
    .command('down')
    .description('stop and remove everything the lab made, even after a crash')
    .option('--dir <dir>', 'lab state directory', DEFAULT_DIR)
    .option(
      '--prefix <prefix>',
      'when DIR has no state file: delete the namespaces <prefix>-* too (leftovers)',
    )
    .option('--keep-registrations', 'leave pods and nodes registered in the controller')
    .action(async (f: { dir: string; prefix?: string; keepRegistrations?: boolean }) => {
      const stateless = readState(resolve(f.dir)) === undefined;
      const report = await labDown({ dir: f.dir, prefix: f.prefix, deregister: !f.keepRegistrations });
      for (const w of report.warnings) log(`warning: ${w}`);
      if (stateless && f.prefix === undefined && (await labNamespaces(DEFAULT_PREFIX)).length) {
        log(
          `${f.dir} has no lab; namespaces ${DEFAULT_PREFIX}-* exist: add --prefix ${DEFAULT_PREFIX} to delete them`,
        );
      }
      log(
        `down in ${Date.now() - started} ms: ${report.stopped} processes stopped, ` +
          `${report.namespaces.length} namespaces deleted` +
          (report.killedInNamespaces ? `, ${report.killedInNamespaces} stray processes killed` : ''),
      );
      if (report.warnings.some((w) => /could not|did not exit|left in place/.test(w))) process.exitCode = 1;
    });

  lab
    .command('status')
    .description('the lab as built, with a live check of its processes (exit 1 unless up and healthy)')
    .option('--dir <dir>', 'lab state directory', DEFAULT_DIR)
    .option(
      '--json',
      'machine-readable: {state, nodes: [...], pods: [{name, netns, node, tenant, network, ips, mac}]}',
    )
    .action((f: { dir: string; json?: boolean }) => {
      const status = labStatus(f.dir);
      process.stdout.write(f.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
      if (status.state !== 'up') process.exitCode = 1;
    });

  for (const [verb, what, act] of [
    [
      'partition',
      "cut NODE's OpenFlow and OVSDB paths to the controller (packets dropped, as by a cut link)",
      partitionNode,
    ],
    ['heal', 'give NODE its paths to the controller back', healNode],
  ] as const) {
    lab
      .command(`${verb} <node>`)
      .description(what)
      .option('--dir <dir>', 'lab state directory', DEFAULT_DIR)
      .action(async (node: string, f: { dir: string }) => {
        const state = readState(resolve(f.dir));
        if (!state) throw new Error(`no lab in ${f.dir}`);
        await act(state, node);
        log(`${node}: ${verb === 'partition' ? 'cut off from' : 'reconnected to'} the controller`);
      });
  }

  return lab;
}
