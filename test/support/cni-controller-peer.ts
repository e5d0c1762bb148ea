// The TEST PEER of the controller's /cni/v1 contract (the CNI agent's brief): a small in-memory HTTP server that
// answers add/del/check/gc/status exactly as the real controller must, so the plugin and agent can be tested for
// real before the controller side exists. Not the controller: no OVSDB, no flows. IPAM is 10.77.0.0/24 (v4) plus
// fd77::/64 (v6), gateway .1 / ::1. With `hostNetns` set it also proves the agent's ordering rule: the host end
// of the veth must exist when add is called.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PeerAttachment {
  containerId: string;
  ifname: string;
  hostIfName: string;
  netns: string;
  network: string;
  host: number;
  mac: string;
  k8sNamespace?: string;
  k8sPodName?: string;
  node?: string;
}

export interface PeerOptions {
  token: string;
  /** Named netns holding the node's host side; add fails with 400 if hostIfName is not there. */
  hostNetns?: string;
  mtu?: number;
  /** Usable host numbers in 10.77.0.0/24 (default 2..254); small values let tests exhaust the pool. */
  poolSize?: number;
}

export class CniControllerPeer {
  readonly attachments = new Map<string, PeerAttachment>();
  readonly calls: Array<{ path: string; body: unknown; node?: string }> = [];
  ready = true;
  /** TCP connections accepted so far (the agent should keep one alive). */
  connections = 0;
  /** Delay before answering add (the real controller waits for a barrier). */
  addDelayMs = 0;
  /** Resolvers called when an add request arrives (before the delay). */
  private addWaiters: Array<() => void> = [];
  private server?: http.Server;
  url = '';

  constructor(private readonly opts: PeerOptions) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves when the next add request arrives. */
  nextAdd(): Promise<void> {
    return new Promise((resolve) => this.addWaiters.push(resolve));
  }

  private key(containerId: string, ifname: string): string {
    return `${containerId}/${ifname}`;
  }

  private answer(a: PeerAttachment): Record<string, unknown> {
    return {
      endpointId: `ep-${a.host}`,
      network: a.network,
      mac: a.mac,
      mtu: this.opts.mtu ?? 1450,
      ips: [
        { address: `10.77.0.${a.host}/24`, gateway: '10.77.0.1' },
        { address: `fd77::${a.host.toString(16)}/64`, gateway: 'fd77::1' },
      ],
      routes: [
        { dst: '0.0.0.0/0', gw: '10.77.0.1' },
        { dst: '::/0', gw: 'fd77::1' },
      ],
      dns: { nameservers: ['10.77.0.2'], search: ['svc.cluster.local'] },
    };
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body?: unknown, type = 'application/json'): void => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const problem = (status: number, title: string, detail: string): void =>
      send(status, { title, detail, status }, 'application/problem+json');
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    const node = req.headers['sdn-node'] as string | undefined;
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return problem(400, 'Bad Request', 'body is not JSON');
    }
    this.calls.push({ path: req.url ?? '', body, node });
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return problem(401, 'Unauthorized', 'a bearer token of role cni is required');
    }
    const path = `${req.method} ${req.url}`;
    if (path === 'GET /cni/v1/status') {
      return this.ready
        ? send(200, { ready: true })
        : problem(503, 'Service Unavailable', 'controller not ready');
    }
    if (!this.ready) return problem(503, 'Service Unavailable', 'controller not ready');
    const containerId = String(body.containerId ?? '');
    const ifname = String(body.ifname ?? '');
    switch (path) {
      case 'POST /cni/v1/add': {
        for (const w of this.addWaiters.splice(0)) w();
        if (this.addDelayMs > 0) await new Promise((r) => setTimeout(r, this.addDelayMs));
        const hostIfName = String(body.hostIfName ?? '');
        if (!containerId || !ifname || !hostIfName || typeof body.netns !== 'string') {
          return problem(400, 'Bad Request', 'containerId, ifname, netns and hostIfName are required');
        }
        if (this.opts.hostNetns) {
          try {
            await run('ip', ['-n', this.opts.hostNetns, 'link', 'show', 'dev', hostIfName]);
          } catch {
            return problem(400, 'Bad Request', `host interface ${hostIfName} does not exist on the node`);
          }
        }
        const k = this.key(containerId, ifname);
        const existing = this.attachments.get(k);
        if (existing) return send(200, this.answer(existing)); // idempotent per (containerId, ifname)
        const used = new Set([...this.attachments.values()].map((a) => a.host));
        let host: number | undefined;
        const wanted = Array.isArray(body.ips)
          ? body.ips.map(String).find((ip) => ip.startsWith('10.77.0.'))
          : undefined;
        if (wanted) {
          host = Number(wanted.split('.')[3]);
          if (used.has(host) || host < 2 || host > 254) {
            return problem(409, 'Conflict', `address ${wanted} is already in use or outside 10.77.0.0/24`);
          }
        } else {
          const last = 1 + (this.opts.poolSize ?? 253);
          for (let h = 2; h <= last && host === undefined; h++) if (!used.has(h)) host = h;
          if (host === undefined) return problem(409, 'Conflict', 'no free address in 10.77.0.0/24');
        }
        const a: PeerAttachment = {
          containerId,
          ifname,
          hostIfName,
          netns: body.netns,
          network: String(body.network ?? 'default'),
          host,
          mac:
            typeof body.mac === 'string' ? body.mac : `0a:58:0a:4d:00:${host.toString(16).padStart(2, '0')}`,
          k8sNamespace: body.k8sNamespace as string | undefined,
          k8sPodName: body.k8sPodName as string | undefined,
          node,
        };
        this.attachments.set(k, a);
        return send(200, this.answer(a));
      }
      case 'POST /cni/v1/del':
        this.attachments.delete(this.key(containerId, ifname));
        return send(204);
      case 'POST /cni/v1/check': {
        const a = this.attachments.get(this.key(containerId, ifname));
        return a
          ? send(200, this.answer(a))
          : problem(404, 'Not Found', `no attachment ${containerId}/${ifname}`);
      }
      case 'POST /cni/v1/gc': {
        const valid = Array.isArray(body.validAttachments) ? (body.validAttachments as PeerAttachment[]) : [];
        const keep = new Set(valid.map((v) => this.key(v.containerId, v.ifname)));
        const released: Array<{ containerId: string; ifname: string }> = [];
        for (const [k, a] of this.attachments) {
          if (keep.has(k)) continue;
          this.attachments.delete(k);
          released.push({ containerId: a.containerId, ifname: a.ifname });
        }
        return send(200, { released });
      }
      default:
        return problem(404, 'Not Found', `no route ${path}`);
    }
  }
}
