#!/usr/bin/env node
// The lab's OpenFlow relay: ovs-vswitchd runs inside its node's namespace and may dial only unix: sockets in its
// own OVS_RUNDIR, while the controller listens on TCP in the root namespace. This process listens on each node's
// socket (DIR/nN/of.sock) and pipes every connection to the controller's TCP address, byte for byte. `--from ADDR`
// after a `--listen` dials the controller from that local address, so that one node's OpenFlow path can be cut
// alone (partition.ts).
//   node of-relay.js --target HOST:PORT --listen PATH [--from ADDR] [--listen PATH [--from ADDR] ...]
import { connect, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

function parseArgs(argv: readonly string[]): {
  host: string;
  port: number;
  listen: string[];
  from: Map<string, string>;
} {
  const listen: string[] = [];
  const from = new Map<string, string>();
  let target = '';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--listen') listen.push(argv[++i] ?? '');
    else if (argv[i] === '--target') target = argv[++i] ?? '';
    else if (argv[i] === '--from' && listen.length > 0) from.set(listen[listen.length - 1], argv[++i] ?? '');
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const m = /^(.+):(\d+)$/.exec(target);
  if (!m || listen.length === 0 || listen.some((p) => !p)) {
    throw new Error('usage: of-relay --target HOST:PORT --listen PATH [--listen PATH ...]');
  }
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]), listen, from };
}

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
}

/**
 * Dials the controller only once the switch has sent its first bytes (its HELLO): a bare connect-and-close, such
 * as the lab's own readiness probe, then never shows up at the controller as a session.
 */
function relay(client: Socket, host: string, port: number, name: string, localAddress?: string): void {
  client.setNoDelay(true);
  client.on('error', (err) => log(`${name}: switch connection: ${err.message}`));
  client.once('data', (first: Buffer) => {
    const upstream = connect({ host, port, noDelay: true, ...(localAddress ? { localAddress } : {}) });
    upstream.on('error', (err) => {
      log(`${name}: controller connection: ${err.message}`);
      client.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.write(first);
    client.pipe(upstream);
    upstream.pipe(client);
  });
}

function main(): void {
  const { host, port, listen, from } = parseArgs(process.argv.slice(2));
  const servers: Server[] = listen.map((path) => {
    rmSync(path, { force: true });
    const server = createServer((client) => relay(client, host, port, path, from.get(path)));
    server.on('error', (err) => {
      log(`${path}: ${err.message}`);
      process.exit(1);
    });
    server.listen(path);
    return server;
  });
  log(`relaying ${listen.join(', ')} -> ${host}:${port}`);
  const stop = (): void => {
    for (const s of servers) s.close();
    for (const path of listen) rmSync(path, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  main();
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
