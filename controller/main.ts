#!/usr/bin/env node
// Composition root of the `sdn-controller` service: options, the logger, and the parts it starts.
import { Command } from 'commander';
import Fastify from 'fastify';
import { createLogger } from './log';

interface ControllerOptions {
  dataDir: string;
  apiListen: string;
}

function parseListen(value: string): { host: string; port: number } {
  const idx = value.lastIndexOf(':');
  const port = Number(value.slice(idx + 1));
  if (idx < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`listen address "${value}" is not HOST:PORT`);
  }
  return { host: value.slice(0, idx).replace(/^\[|\]$/g, ''), port };
}

async function main(): Promise<void> {
  const program = new Command('sdn-controller')
    .description('SDN controller for Kubernetes container networking')
    .option(
      '--data-dir <dir>',
      'where the store and the admin token live',
      process.env.SDN_DATA_DIR ?? './data',
    )
    .option(
      '--api-listen <host:port>',
      'REST API and dashboard',
      process.env.SDN_API_LISTEN ?? '127.0.0.1:8080',
    )
    .parse();
  const opts = program.opts<ControllerOptions>();
  const log = createLogger();
  const app = Fastify({ loggerInstance: log });
  app.get('/healthz', async () => ({ status: 'ok' }));
  const { host, port } = parseListen(opts.apiListen);
  await app.listen({ host, port });
  const stop = async (): Promise<void> => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`sdn-controller: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
