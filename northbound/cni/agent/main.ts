#!/usr/bin/env node
// `sdn-agent`: the per-node CNI agent. Serves sdn-cni on a unix socket, keeps a warm authenticated connection to
// the controller, and does the veth/netns work on this node.
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import pino from 'pino';
import { CniService } from './cni-service.js';
import { ControllerClient } from './controller-client.js';
import { messageOf } from './failure.js';
import { HostEgress } from './host-egress.js';
import { DEFAULT_EGRESS_TRANSIT_IP } from '../../../controller/pipeline/egress-transit.js';
import { NodeNet } from './node-net.js';
import { PluginServer } from './plugin-server.js';
import { SpawnPool } from './spawn-pool.js';

interface Options {
  socket: string;
  controller: string;
  tokenFile: string;
  node: string;
  hostNetns?: string;
  logLevel: string;
  statusInterval: string;
  spawnWorkers: string;
  hostEgress: boolean;
  egressTransit: string;
  bridge: string;
}

const program = new Command('sdn-agent')
  .description('per-node CNI agent: serves the sdn-cni plugin and talks to the SDN controller')
  .option('--socket <path>', 'unix socket the sdn-cni plugin forwards to', '/run/sdn/agent.sock')
  .option('--controller <url>', 'controller base URL', 'http://127.0.0.1:8080')
  .option('--token-file <file>', 'file holding a bearer token of role cni', '/etc/sdn/cni.token')
  .option('--node <name>', 'this node, as registered with the controller', hostname())
  .option('--host-netns <name>', "use this named netns as the node's host side (lab nodes are netns)")
  .option('--spawn-workers <n>', 'worker threads that start ip/nsenter/ethtool off the event loop', '4')
  .option(
    '--bridge <name>',
    "the integration bridge (its kernel interface is the switch's LOCAL port)",
    'br-int',
  )
  .option(
    '--egress-transit <ip>',
    "node-local address the switch SNATs egress to (the controller's --egress-transit)",
    DEFAULT_EGRESS_TRANSIT_IP,
  )
  .option('--no-host-egress', 'leave forwarding, the transit route and MASQUERADE to the operator')
  .option('--log-level <level>', 'pino level', process.env.LOG_LEVEL ?? 'info')
  .option('--status-interval <ms>', 'how often to probe the controller (keeps the connection warm)', '5000')
  .action(async (opts: Options) => {
    const log = pino({ level: opts.logLevel, base: { service: 'sdn-agent', node: opts.node } });
    let token: string;
    try {
      token = readFileSync(opts.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new Error(`cannot read --token-file ${opts.tokenFile}: ${messageOf(e)}`);
    }
    if (token === '')
      throw new Error(`--token-file ${opts.tokenFile} is empty; put a token of role cni in it`);

    if (opts.hostNetns && !existsSync(`/run/netns/${opts.hostNetns}`)) {
      throw new Error(`--host-netns ${opts.hostNetns}: no such network namespace (ip netns list)`);
    }
    const controller = new ControllerClient({ url: opts.controller, token, node: opts.node });
    const spawner = new SpawnPool(Number(opts.spawnWorkers));
    const net = new NodeNet(spawner, opts.hostNetns);
    const service = new CniService(net, controller, log);
    const server = new PluginServer(service, log);
    const egress = opts.hostEgress
      ? new HostEgress(
          spawner,
          {
            transitIp: opts.egressTransit,
            bridge: opts.bridge,
            ...(opts.hostNetns ? { hostNetns: opts.hostNetns } : {}),
          },
          log,
        )
      : undefined;
    await server.listen(opts.socket);
    egress?.start();
    log.info(
      { socket: opts.socket, controller: controller.url, hostNetns: opts.hostNetns },
      'sdn-agent ready',
    );

    // The probe keeps a pooled connection to the controller open and logs when readiness changes.
    let ready: boolean | undefined;
    const probe = async (): Promise<void> => {
      const s = await controller.status();
      if (s.ready !== ready) {
        if (s.ready) log.info('controller ready');
        else log.warn({ reason: s.reason }, 'controller not ready');
      }
      ready = s.ready;
    };
    void probe();
    const timer = setInterval(() => void probe(), Number(opts.statusInterval));

    const stop = (signal: string): void => {
      log.info({ signal }, 'sdn-agent stopping');
      clearInterval(timer);
      egress?.stop();
      controller.close();
      void server
        .close(opts.socket)
        .then(() => net.close())
        .then(() => spawner.close())
        .then(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`sdn-agent: ${messageOf(err)}\n`);
  process.exit(1);
});
