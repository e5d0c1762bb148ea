// An API on a temp model, with tokens for every role and a small client over inject().
import type { FastifyInstance, InjectOptions } from 'fastify';
import { modelOnlyDataplane } from '../../controller/dataplane';
import { SYSTEM } from '../../controller/ops/actor';
import { bootstrapAdmin, createToken } from '../../controller/ops/tokens';
import { buildApp } from '../../northbound/api/app';
import { TempModel } from './model';

export interface Reply {
  status: number;
  type: string;
  body: unknown;
  json: Record<string, unknown> & { items?: Record<string, unknown>[] };
}

export class TestApi {
  readonly model = new TempModel();
  app!: FastifyInstance;
  admin = '';

  async start(): Promise<this> {
    this.app = await buildApp({ ctx: this.model.ctx, dataplane: modelOnlyDataplane });
    this.admin = bootstrapAdmin(this.model.ctx) ?? '';
    return this;
  }

  token(role: 'viewer' | 'tenant' | 'cni', ref?: string): string {
    const input = role === 'tenant' ? { role, tenant: ref } : role === 'cni' ? { role, node: ref } : { role };
    return createToken(this.model.ctx, SYSTEM, input).secret;
  }

  async call(
    token: string | undefined,
    method: InjectOptions['method'],
    url: string,
    payload?: unknown,
  ): Promise<Reply> {
    const r = await this.app.inject({
      method,
      url,
      ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    let body: unknown = undefined;
    if (r.body.length > 0)
      body = r.headers['content-type']?.toString().includes('json') ? JSON.parse(r.body) : r.body;
    return {
      status: r.statusCode,
      type: String(r.headers['content-type'] ?? ''),
      body,
      json: (body ?? {}) as Reply['json'],
    };
  }

  /** As admin; fails the test unless the status is the one expected. */
  async ok(
    method: InjectOptions['method'],
    url: string,
    payload?: unknown,
    status = method === 'POST' ? 201 : 200,
  ): Promise<Reply['json']> {
    const r = await this.call(this.admin, method, url, payload);
    if (r.status !== status) throw new Error(`${method} ${url} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.json;
  }

  async stop(): Promise<void> {
    await this.app.close();
    this.model.dispose();
  }
}
