// The agent's unix-socket HTTP endpoint for the sdn-cni forwarder: POST /v1/cni with the CNI_* variables as
// headers and the request config as body. 200 + result (or empty) is success; any other status carries the
// CNI error JSON that the plugin prints as is.
import { chmod, mkdir, unlink } from 'node:fs/promises';
import http from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import {
  cniError,
  CniCode,
  errorJson,
  NEWEST_VERSION,
  parseCniEnv,
  parseNetConf,
  requestVersion,
  type CniError,
  type CniVersion,
  type EnvSource,
} from '../../../protocols/cni/index.js';
import type { CniService } from './cni-service.js';
import { CniFailure, messageOf } from './failure.js';

const ENV_HEADERS = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'];
const MAX_BODY = 1 << 20;

interface Answer {
  readonly status: number;
  readonly body: string;
}

function httpStatusFor(e: CniError): number {
  if (
    e.code === CniCode.TryAgainLater ||
    e.code === CniCode.NotAvailable ||
    e.code === CniCode.LimitedConnectivity
  ) {
    return 503;
  }
  return e.code < 100 ? 400 : 500;
}

/** Runs one CNI request: the same validation order as skel (env, then config), then the verb. */
export async function handleCni(service: CniService, env: EnvSource, body: string): Promise<Answer> {
  const version: CniVersion = requestVersion(body) ?? NEWEST_VERSION;
  const failWith = (e: CniError): Answer => ({ status: httpStatusFor(e), body: errorJson(version, e) });
  const parsedEnv = parseCniEnv(env);
  if (!parsedEnv.ok) return failWith(parsedEnv.error);
  const e = parsedEnv.value;
  if (e.command === 'VERSION') return { status: 200, body: JSON.stringify(service.version(version)) };
  const conf = parseNetConf(body, e.command);
  if (!conf.ok) return failWith(conf.error);
  try {
    switch (e.command) {
      case 'ADD':
        return { status: 200, body: JSON.stringify(await service.add(e, conf.value)) };
      case 'DEL':
        await service.del(e);
        break;
      case 'CHECK':
        await service.check(e, conf.value);
        break;
      case 'GC':
        await service.gc(conf.value);
        break;
      case 'STATUS':
        await service.status();
        break;
    }
    return { status: 200, body: '' };
  } catch (err) {
    return failWith(err instanceof CniFailure ? err.error : cniError(CniCode.Internal, messageOf(err)));
  }
}

function envFromHeaders(req: http.IncomingMessage): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of ENV_HEADERS) {
    const v = req.headers[name.toLowerCase()];
    env[name] = Array.isArray(v) ? v[0] : v;
  }
  return env;
}

export class PluginServer {
  private readonly server: http.Server;

  constructor(
    private readonly service: CniService,
    private readonly log: Logger,
  ) {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (req.method === 'GET' && req.url === '/healthz') return reply(200, '{"ok":true}');
    if (req.method !== 'POST' || req.url !== '/v1/cni') return reply(404, '{"error":"POST /v1/cni"}');
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of req as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > MAX_BODY) throw new Error(`request config over ${MAX_BODY} bytes`);
        chunks.push(c);
      }
    } catch (e) {
      const err = cniError(CniCode.IoFailure, `reading the request config: ${messageOf(e)}`);
      return reply(400, errorJson(NEWEST_VERSION, err));
    }
    const env = envFromHeaders(req);
    const started = process.hrtime.bigint();
    const answer = await handleCni(this.service, env, Buffer.concat(chunks).toString('utf8'));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const fields = { cmd: env.CNI_COMMAND, containerId: env.CNI_CONTAINERID, ifname: env.CNI_IFNAME, ms };
    if (answer.status === 200) this.log.debug(fields, 'cni ok');
    else this.log.warn({ ...fields, error: answer.body }, 'cni failed');
    reply(answer.status, answer.body);
  }

  /** Listens on `path`, replacing a stale socket file but never one another agent still answers on. */
  async listen(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    if (await answers(path)) throw new Error(`another sdn-agent is already serving ${path}`);
    await unlink(path).catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => resolve());
    });
    await chmod(path, 0o660);
  }

  /** Stops accepting and lets requests in flight finish (an ADD cut in half is what DEL must clean up). */
  async close(path: string, graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    await unlink(path).catch(() => undefined);
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
