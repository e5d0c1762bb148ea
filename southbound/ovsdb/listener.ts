// The other way of meeting a node: the node dials us (`ovs-vsctl set-manager tcp:CONTROLLER:6640`) and we run a
// client on the accepted connection. There is no reconnect from our side: the node's ovsdb-server redials, and each
// new connection is a new session with a fresh replica. Nodes are named by Open_vSwitch external_ids:system-id.
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { OPEN_VSWITCH_TABLES, type OpenVswitchTables } from '../../protocols/ovsdb';
import { OvsdbClient } from './client';
import { formatTarget, parseTarget, type Target, type TlsFiles, tlsOptions } from './target';

export interface OvsdbListenerOptions {
  /** ptcp:PORT[:HOST] (default ptcp:6640), pssl:PORT[:HOST] or punix:PATH. */
  readonly target?: string;
  readonly log: Logger;
  readonly tls?: TlsFiles;
  readonly probeIntervalMs?: number;
  readonly maxMessageBytes?: number;
}

export interface PassiveNode {
  /** external_ids:system-id of the node, or its peer address when the node has none. */
  readonly systemId: string;
  readonly peer: string;
  readonly client: OvsdbClient<OpenVswitchTables>;
}

export interface OvsdbListenerEvents {
  node: [node: PassiveNode];
  nodeLost: [node: PassiveNode, reason: string];
}

export class OvsdbListener extends EventEmitter<OvsdbListenerEvents> {
  private server: Server | undefined;
  private readonly nodes = new Set<PassiveNode>();
  readonly target: Target;

  constructor(private readonly options: OvsdbListenerOptions) {
    super();
    this.target = parseTarget(options.target ?? 'ptcp:6640');
    if (this.target.kind !== 'ptcp' && this.target.kind !== 'pssl' && this.target.kind !== 'punix') {
      throw new Error(`${options.target} is not a passive target (ptcp:, pssl:, punix:)`);
    }
  }

  /** Listens; resolves with the bound port (0 for punix). */
  listen(): Promise<number> {
    const t = this.target;
    const onSocket = (socket: Socket) => void this.accept(socket);
    this.server =
      t.kind === 'pssl'
        ? createTlsServer({ ...this.serverTls(), requestCert: true, rejectUnauthorized: true }, onSocket)
        : createServer(onSocket);
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        const a = server.address();
        this.options.log.info({ listen: formatTarget(t) }, 'listening for OVSDB managers');
        resolve(typeof a === 'object' && a ? a.port : 0);
      };
      if (t.kind === 'punix') server.listen(t.path, done);
      else if (t.kind === 'ptcp' || t.kind === 'pssl') server.listen(t.port, t.host, done);
    });
  }

  private serverTls(): { key: Buffer; cert: Buffer; ca: Buffer } {
    if (!this.options.tls) throw new Error('pssl: needs TLS files (private key, certificate, CA)');
    const { key, cert, ca } = tlsOptions(this.options.tls);
    return { key: key as Buffer, cert: cert as Buffer, ca: ca as Buffer };
  }

  get connectedNodes(): readonly PassiveNode[] {
    return [...this.nodes];
  }

  private async accept(socket: Socket): Promise<void> {
    const peer = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'unix';
    socket.setNoDelay(true);
    const client = new OvsdbClient({
      target: `passive:${peer}`,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log: this.options.log,
      connect: () => Promise.resolve(socket),
      reconnect: false,
      probeIntervalMs: this.options.probeIntervalMs ?? 0,
      maxMessageBytes: this.options.maxMessageBytes,
    });
    client.start();
    try {
      await client.ready(10_000);
    } catch (err) {
      this.options.log.warn(
        { peer, err: (err as Error).message },
        'manager connection failed before monitoring',
      );
      client.close();
      return;
    }
    const root = client.replica.rows('Open_vSwitch').next().value as
      { external_ids: ReadonlyMap<string, string> } | undefined;
    const node: PassiveNode = { systemId: root?.external_ids.get('system-id') ?? peer, peer, client };
    this.nodes.add(node);
    client.once('disconnected', (reason) => {
      this.nodes.delete(node);
      this.emit('nodeLost', node, reason);
    });
    this.emit('node', node);
  }

  async close(): Promise<void> {
    for (const n of this.nodes) n.client.close();
    this.nodes.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
