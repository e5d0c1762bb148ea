// Where switches meet the controller: a TCP (or TLS) listener on 6653 for switches told `set-controller`, and an
// active mode that dials a switch's passive `ptcp:`/`punix:` target. One session per datapath id: a switch that
// reconnects replaces its old session.
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { OfConnection } from './connection.js';
import { SwitchSession, type SessionOptions } from './switch-session.js';

export interface TlsFiles {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** CA for client certificates; with `requireClientCert` switches must present one it signed (mutual TLS). */
  readonly ca?: string | Buffer;
  readonly requireClientCert?: boolean;
}

export interface OpenFlowServerOptions extends Omit<SessionOptions, 'log'> {
  readonly log: Logger;
  readonly tls?: TlsFiles;
}

export interface ServerEvents {
  /** A switch finished its handshake. */
  switchUp: [SwitchSession];
  /** A switch's session ended (not emitted for a session replaced by a reconnect of the same datapath). */
  switchDown: [SwitchSession, string];
}

export class OpenFlowServer extends EventEmitter<ServerEvents> {
  /** Live sessions by datapath id (16 hex digits). */
  readonly switches = new Map<string, SwitchSession>();
  private readonly servers: Server[] = [];
  private readonly log: Logger;

  constructor(private readonly options: OpenFlowServerOptions) {
    super();
    this.log = options.log.child({ component: 'openflow' });
  }

  /** Listens for switches; resolves with the bound port (pass 0 for any). */
  async listen(host: string, port: number): Promise<number> {
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    this.log.info({ host, port: bound, tls: !!this.options.tls }, 'OpenFlow listener up');
    return bound;
  }

  /**
   * Listens on a unix socket: a userspace ovs-vswitchd in another network namespace reaches the controller through
   * a `unix:` controller target inside its run directory (the file system is shared across namespaces).
   */
  async listenUnix(path: string): Promise<void> {
    rmSync(path, { force: true });
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.log.info({ path }, 'OpenFlow listener up');
  }

  private createServer(): Server {
    const tls = this.options.tls;
    const peerOf = (s: Socket): string => (s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : 'unix');
    const server = tls
      ? createTlsServer(
          {
            key: tls.key,
            cert: tls.cert,
            ca: tls.ca,
            requestCert: !!tls.requireClientCert,
            rejectUnauthorized: !!tls.requireClientCert,
          },
          (s: TLSSocket) => void this.adopt(s, peerOf(s)),
        )
      : createServer((s: Socket) => void this.adopt(s, peerOf(s)));
    server.on('tlsClientError', (err: Error) =>
      this.log.warn({ err: err.message }, 'TLS handshake with a switch failed'),
    );
    this.servers.push(server);
    return server;
  }

  /** Dials a switch's passive target: `tcp:HOST:PORT`, `ssl:HOST:PORT` or `unix:PATH`. */
  async connect(target: string): Promise<SwitchSession> {
    const socket = await dial(target, this.options.tls);
    const session = await this.adopt(socket, target);
    if (!session) throw new Error(`handshake with ${target} failed`);
    return session;
  }

  async close(): Promise<void> {
    for (const s of this.switches.values()) s.close('controller shutting down');
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers.length = 0;
  }

  private async adopt(socket: Socket | TLSSocket, peer: string): Promise<SwitchSession | undefined> {
    socket.setNoDelay(true);
    const connection = new OfConnection(socket, peer);
    const session = new SwitchSession(connection, { ...this.options, log: this.log });
    connection.once('close', (reason) => session.log.info({ reason }, 'switch connection closed'));
    try {
      await session.handshake();
    } catch (err) {
      session.log.warn(
        { reason: err instanceof Error ? err.message : String(err) },
        'switch handshake failed',
      );
      session.close('handshake failed');
      return undefined;
    }
    const dpid = session.dpid;
    const old = this.switches.get(dpid);
    this.switches.set(dpid, session);
    if (old) old.close('replaced by a new connection of the same datapath');
    session.once('close', (reason) => {
      if (this.switches.get(dpid) === session) {
        this.switches.delete(dpid);
        this.emit('switchDown', session, reason);
      }
    });
    session.log.info({ dpid, ports: session.ports.size }, 'switch connected');
    this.emit('switchUp', session);
    return session;
  }
}

function dial(target: string, tls: TlsFiles | undefined): Promise<Socket> {
  const m = /^(tcp|ssl):(.+):(\d+)$/.exec(target);
  return new Promise((resolve, reject) => {
    let socket: Socket;
    if (target.startsWith('unix:')) socket = createConnection(target.slice(5));
    else if (m && m[1] === 'tcp') socket = createConnection(Number(m[3]), m[2]!.replace(/^\[|\]$/g, ''));
    else if (m && m[1] === 'ssl') {
      if (!tls) return reject(new Error(`${target}: ssl needs TLS key and certificate`));
      socket = tlsConnect({
        host: m[2]!.replace(/^\[|\]$/g, ''),
        port: Number(m[3]),
        key: tls.key,
        cert: tls.cert,
        ca: tls.ca,
        rejectUnauthorized: !!tls.ca,
      });
    } else
      return reject(new Error(`switch target "${target}" is not tcp:HOST:PORT, ssl:HOST:PORT or unix:PATH`));
    const ready = socket instanceof Object && 'encrypted' in socket ? 'secureConnect' : 'connect';
    socket.once(ready, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
