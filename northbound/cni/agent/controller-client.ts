// The agent's side of the controller's /cni/v1 API: one keep-alive connection pool, bearer token of role `cni`,
// and every failure turned into the CNI error a runtime can act on (11 = retry, 7 = fix the config, ...).
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { CniCode, isCidr as isCidrText } from '../../../protocols/cni/index.js';
import { CniFailure, messageOf } from './failure.js';

export interface AddRequest {
  readonly containerId: string;
  readonly ifname: string;
  readonly netns: string;
  readonly hostIfName: string;
  readonly k8sNamespace?: string;
  readonly k8sPodName?: string;
  readonly network?: string;
  readonly ips?: readonly string[];
  readonly mac?: string;
}

export interface AttachmentAnswer {
  readonly endpointId: string;
  readonly network: string;
  readonly mac: string;
  readonly mtu: number;
  readonly ips: ReadonlyArray<{ readonly address: string; readonly gateway?: string }>;
  readonly routes: ReadonlyArray<{ readonly dst: string; readonly gw?: string }>;
  readonly dns: { readonly nameservers?: string[]; readonly search?: string[]; readonly options?: string[] };
}

export interface AttachmentRef {
  readonly containerId: string;
  readonly ifname: string;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

export interface ControllerClientOptions {
  readonly url: string;
  readonly token: string;
  /** Sent as the `SDN-Node` header: the controller learns which node the pod is on. */
  readonly node: string;
  /** ADD waits for the controller's barrier; keep it below the runtime's own timeout. */
  readonly timeoutMs?: number;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const isCidr = (v: unknown): boolean => typeof v === 'string' && isCidrText(v);
const isAddress = (v: unknown): boolean => typeof v === 'string' && ipaddr.isValid(v);
class StaleSocket extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class ControllerClient {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly opts: ControllerClientOptions) {
    this.base = new URL(opts.url);
    const keepAlive = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 32 };
    this.agent = this.base.protocol === 'https:' ? new https.Agent(keepAlive) : new http.Agent(keepAlive);
  }

  close(): void {
    this.agent.destroy();
  }

  get url(): string {
    return this.base.origin;
  }

  /**
   * A pooled socket the server closed while idle fails at once with ECONNRESET; that request never reached
   * the controller, so it is sent again on a fresh socket (the pattern Node's http docs give for reusedSocket).
   */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    onSent?: () => void,
  ): Promise<Reply> {
    try {
      return await this.requestOnce(method, path, body, onSent);
    } catch (e) {
      if (!(e instanceof StaleSocket)) throw e;
      return this.requestOnce(method, path, body, onSent);
    }
  }

  private requestOnce(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    onSent?: () => void,
  ): Promise<Reply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const mod = this.base.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        new URL(path, this.base),
        {
          method,
          agent: this.agent,
          timeout: this.opts.timeoutMs ?? 60_000,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            'sdn-node': this.opts.node,
            accept: 'application/json',
            ...(payload !== undefined && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              /* keep the text for the error message */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      if (onSent) req.once('finish', onSent);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.opts.timeoutMs ?? 60_000} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        reject(req.reusedSocket && e.code === 'ECONNRESET' ? new StaleSocket() : this.unreachable(e));
      });
      req.end(payload);
    });
  }

  private unreachable(e: unknown): CniFailure {
    return CniFailure.of(
      CniCode.TryAgainLater,
      `controller ${this.base.origin} unreachable (${messageOf(e)}); it may be restarting: try again later`,
    );
  }

  /** Maps a non-success reply (problem+json {title, detail, status}) to the CNI code a runtime understands. */
  private rejected(what: string, r: Reply): CniFailure {
    const p = isObject(r.body) ? r.body : {};
    const said =
      [p.title, p.detail].filter((s) => typeof s === 'string' && s !== '').join(': ') || String(r.body ?? '');
    const detail = `controller ${what}: HTTP ${r.status}${said ? ` ${said}` : ''}`;
    if (r.status === 401 || r.status === 403) {
      return CniFailure.of(
        CniCode.ControllerRejected,
        `${detail}; check the agent's --token-file (a token of role cni) and restart sdn-agent`,
      );
    }
    if (r.status === 409)
      return CniFailure.of(CniCode.IpUnavailable, `${detail}; free the address or ask for another`);
    if (r.status === 400 || r.status === 404 || r.status === 422) {
      return CniFailure.of(CniCode.InvalidConfig, `${detail}; fix the network config (network, ips, mac)`);
    }
    if (r.status >= 500 || r.status === 429)
      return CniFailure.of(CniCode.TryAgainLater, `${detail}; try again later`);
    return CniFailure.of(CniCode.ControllerRejected, detail);
  }

  /** `onSent` runs once the request is written out: local work can overlap the controller's. */
  async add(req: AddRequest, onSent?: () => void): Promise<AttachmentAnswer> {
    const r = await this.request('POST', '/cni/v1/add', req, onSent);
    if (r.status !== 200) throw this.rejected('refused the attachment', r);
    return parseAnswer(r.body);
  }

  async del(ref: AttachmentRef): Promise<void> {
    const r = await this.request('POST', '/cni/v1/del', ref);
    if (r.status !== 204 && r.status !== 200 && r.status !== 404)
      throw this.rejected('refused the delete', r);
  }

  /** undefined when the controller does not know the attachment (404). */
  async check(ref: AttachmentRef): Promise<AttachmentAnswer | undefined> {
    const r = await this.request('POST', '/cni/v1/check', ref);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw this.rejected('refused the check', r);
    return parseAnswer(r.body);
  }

  async gc(validAttachments: readonly AttachmentRef[]): Promise<unknown[]> {
    const r = await this.request('POST', '/cni/v1/gc', { validAttachments });
    if (r.status !== 200) throw this.rejected('refused the garbage collection', r);
    return isObject(r.body) && Array.isArray(r.body.released) ? r.body.released : [];
  }

  /** Resolves with ready or a reason it is not; never throws. */
  async status(): Promise<{ ready: true } | { ready: false; reason: string }> {
    try {
      const r = await this.request('GET', '/cni/v1/status');
      if (r.status === 200 && isObject(r.body) && r.body.ready === true) return { ready: true };
      const p = isObject(r.body) ? r.body : {};
      const said = [p.title, p.detail].filter((s) => typeof s === 'string').join(': ');
      return {
        ready: false,
        reason: `controller ${this.base.origin} not ready (HTTP ${r.status}${said ? ` ${said}` : ''})`,
      };
    } catch (e) {
      return { ready: false, reason: messageOf(e) };
    }
  }
}

function parseAnswer(body: unknown): AttachmentAnswer {
  const bad = (what: string): CniFailure =>
    CniFailure.of(
      CniCode.Internal,
      `controller answered an attachment without ${what}: ${JSON.stringify(body)}`,
    );
  if (!isObject(body)) throw bad('a JSON body');
  // These values end up in ip(8) command lines: accept only what parses as a MAC, CIDR or address.
  if (typeof body.mac !== 'string' || !MAC.test(body.mac)) throw bad('a valid mac');
  if (typeof body.mtu !== 'number' || !Number.isInteger(body.mtu) || body.mtu < 68) throw bad('a valid mtu');
  if (!Array.isArray(body.ips) || body.ips.length === 0) throw bad('ips');
  for (const ip of body.ips) {
    if (!isObject(ip) || !isCidr(ip.address) || (ip.gateway !== undefined && !isAddress(ip.gateway))) {
      throw bad('ips[] of {address: CIDR, gateway?: address}');
    }
  }
  const routes = Array.isArray(body.routes) ? body.routes : [];
  for (const r of routes) {
    if (!isObject(r) || !isCidr(r.dst) || (r.gw !== undefined && !isAddress(r.gw))) {
      throw bad('routes[] of {dst: CIDR, gw?: address}');
    }
  }
  return {
    endpointId: String(body.endpointId ?? ''),
    network: String(body.network ?? ''),
    mac: body.mac,
    mtu: body.mtu,
    ips: body.ips as AttachmentAnswer['ips'],
    routes: routes as AttachmentAnswer['routes'],
    dns: isObject(body.dns) ? (body.dns as AttachmentAnswer['dns']) : {},
  };
}
