#!/usr/bin/env node
// Composition root of the `sdn-controller` service: configuration, the store, the operations, the REST API.
// Start order: store, API objects, OpenFlow listener, reconciler (which dials every node's OVSDB), then the API
// listens, so that a CNI ADD arriving first already finds the switches being brought up.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from './api/app';
import { formatListen, parseConfig, type ControllerConfig } from '../controller/config';
import { createLogger, type Logger } from '../controller/log';
import { ControllerMetrics } from '../controller/metrics';
import { OpsContext } from '../controller/ops/context';
import { bootstrapAdmin } from '../controller/ops/tokens';
import { SqliteStore } from '../controller/store/sqlite-store';
import { Reconciler, VtepReconciler } from '../controller/reconcile';
import { SYSTEM } from '../controller/ops/actor';
import { setNodeConnection } from '../controller/ops/nodes';
import { OpenFlowServer, PacketInDispatcher, type SwitchSession } from '../southbound/openflow';
import { LoadBalancer } from '../controller/services/load-balancer';
import { registerPacketInMetrics } from '../controller/services/packet-in-metrics';

export const STORE_FILE = 'model.db';
export const ADMIN_TOKEN_FILE = 'admin.token';

/** Makes the first admin token when the store has none, and leaves it for the operator in a 0600 file. */
function writeAdminToken(ctx: OpsContext, dataDir: string, log: Logger): void {
  const secret = bootstrapAdmin(ctx);
  const path = resolve(join(dataDir, ADMIN_TOKEN_FILE));
  if (secret === undefined) {
    if (existsSync(path)) log.info({ path }, 'admin token file from the first start');
    return;
  }
  writeFileSync(path, secret + '\n', { mode: 0o600 });
  log.info(
    { path },
    'first start: wrote the admin token (mode 0600); use it as "Authorization: Bearer <token>"',
  );
}

export async function startController(config: ControllerConfig, log: Logger): Promise<() => Promise<void>> {
  const store = new SqliteStore(join(config.dataDir, STORE_FILE), { synchronous: config.storeSync });
  log.info({ store: resolve(store.location), schemaVersion: store.schemaVersion }, 'store open');
  const ctx = new OpsContext(store, { serviceCidrs: config.serviceCidrs });
  writeAdminToken(ctx, config.dataDir, log);
  const metrics = new ControllerMetrics({ processMetrics: true });
  metrics.watch(store.events);
  const tls = config.tls && {
    key: readFileSync(config.tls.key),
    cert: readFileSync(config.tls.cert),
    ...(config.tls.ca ? { ca: readFileSync(config.tls.ca), requireClientCert: true } : {}),
  };
  const openflow = new OpenFlowServer({ log, ...(tls ? { tls } : {}) });
  const of = config.openflowListen;
  const ofPort = of.kind === 'unix' ? 0 : await openflow.listen(of.host, of.port);
  if (of.kind === 'unix') await openflow.listenUnix(of.path);
  const reconciler = new Reconciler({
    model: store,
    events: store.events,
    openflow,
    log,
    metrics,
    onConnection: (nodeId, state) => {
      try {
        setNodeConnection(ctx, SYSTEM, nodeId, state);
      } catch (err) {
        log.warn(
          { nodeId, err: err instanceof Error ? err.message : String(err) },
          'could not record node connection',
        );
      }
    },
    ...(config.tls?.ca
      ? { ovsdbTls: { privateKey: config.tls.key, certificate: config.tls.cert, caCert: config.tls.ca } }
      : {}),
    defaultControllerTarget:
      of.kind === 'unix' ? `unix:${of.path}` : `${tls ? 'ssl' : 'tcp'}:${of.host}:${ofPort}`,
    egressTransitIp: config.egressTransitIp,
    serviceMissRate: config.serviceMissRate,
  });
  reconciler.start();
  // ClusterIP load balancing: packet-ins of service_lb, limited per switch (the switch's meter limits them first).
  const packetIns = new PacketInDispatcher({
    ratePerSecond: config.packetInRate,
    burst: config.packetInRate,
  });
  const lb = new LoadBalancer({
    model: store,
    events: store.events,
    log,
    egressTransitIp: config.egressTransitIp,
  });
  lb.start(packetIns);
  registerPacketInMetrics(metrics.registry, packetIns, lb);
  const onSwitch = (s: SwitchSession): void => {
    packetIns.attach(s);
    lb.attach(s);
  };
  openflow.on('switchUp', onSwitch);
  for (const s of openflow.switches.values()) onSwitch(s);
  const vteps = new VtepReconciler({ model: store, events: store.events, log });
  vteps.start();
  const app = await buildApp({
    ctx,
    dataplane: reconciler,
    switches: reconciler,
    services: lb,
    leaves: vteps,
    metrics,
    logger: log,
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
  });
  const api = config.apiListen;
  await app.listen(api.kind === 'unix' ? { path: api.path } : { host: api.host, port: api.port });
  log.info(
    {
      api: formatListen(api),
      openflow: formatListen(config.openflowListen),
      ovsdb: config.ovsdbListen ? formatListen(config.ovsdbListen) : 'off',
      tls: tls ? (tls.ca ? 'mutual for switches' : 'on') : 'off',
    },
    'sdn-controller up',
  );
  return async () => {
    await app.close();
    openflow.off('switchUp', onSwitch);
    lb.stop();
    reconciler.stop();
    vteps.stop();
    await openflow.close();
    store.close();
  };
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv);
  const log = createLogger();
  const stop = await startController(config, log);
  const shutdown = (signal: string): void => {
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
    if (code?.startsWith('commander.')) process.exit(2); // commander has said what was wrong
    process.stderr.write(`sdn-controller: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
