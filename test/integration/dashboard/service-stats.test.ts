// The load balancer's live view through the API and the event stream, with the real LoadBalancer over a real store
// (no switch: sessions are opened and health set through its own methods, as packet-ins and probes would): GET
// /services/:ref/stats, the Services summary, serviceStats on the ws stream when a count or a health changes; and
// who may inject a trace probe (admin only, model addresses only, a connected switch).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pino from 'pino';
import WebSocket from 'ws';
import { modelOnlyDataplane } from '../../../controller/dataplane.js';
import { SYSTEM } from '../../../controller/ops/actor.js';
import { bootstrapAdmin, createToken } from '../../../controller/ops/tokens.js';
import { compileNode, snapshotFromModel } from '../../../controller/pipeline/index.js';
import { LoadBalancer } from '../../../controller/services/load-balancer.js';
import { buildApp } from '../../../northbound/api/app.js';
import { TempModel } from '../../support/model.js';

type Json = Record<string, unknown>;
interface Stats {
  serviceId: string;
  sessions?: number;
  backends: { id: string; health: string; sessions?: number }[];
}

describe('service stats: backend health and open sessions, over the API and the event stream', function () {
  this.timeout(20_000);
  let model: TempModel;
  let app: FastifyInstance;
  let lb: LoadBalancer;
  let admin: string;
  let viewer: string;
  let service: string;
  const ep: Record<string, string> = {};

  async function call(
    token: string | undefined,
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
  ) {
    const r = await app.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body as InjectOptions['payload'] } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: r.statusCode, json: (r.body ? JSON.parse(r.body) : {}) as Json };
  }
  async function ok(method: InjectOptions['method'], url: string, body?: unknown): Promise<Json> {
    const r = await call(admin, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  before(async () => {
    model = new TempModel();
    admin = bootstrapAdmin(model.ctx) ?? '';
    viewer = createToken(model.ctx, SYSTEM, { role: 'viewer' }).secret;
    lb = new LoadBalancer({ model: model.store, events: model.store.events, log: pino({ level: 'silent' }) });
    lb.start();
    const store = model.store;
    app = await buildApp({
      ctx: model.ctx,
      dataplane: modelOnlyDataplane,
      services: lb,
      switches: {
        nodeState: () => ({ ovsdb: 'none', openflow: 'none' }),
        compile: (id) => {
          const node = store.get('node', id);
          return node ? compileNode(snapshotFromModel(store), node.name) : undefined;
        },
        flowStats: async () => undefined,
      },
    });
    await ok('POST', '/api/v1/tenants', { name: 'red' });
    const net = String((await ok('POST', '/api/v1/networks', { tenant: 'red', name: 'pods' })).id);
    await ok('POST', '/api/v1/subnets', { network: net, cidr: '10.1.0.0/24' });
    await ok('POST', '/api/v1/nodes', {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'tcp:127.0.0.1:1',
    });
    for (const [name, ip] of [
      ['a', '10.1.0.10'],
      ['b', '10.1.0.11'],
    ] as const)
      ep[name] = String(
        (
          await ok('POST', '/api/v1/endpoints', {
            network: net,
            kind: 'pod',
            node: 'n1',
            name,
            ips: [ip],
            portName: `v-${name}`,
          })
        ).id,
      );
    service = String(
      (
        await ok('POST', '/api/v1/services', {
          network: net,
          name: 'web',
          clusterIps: ['10.96.0.10'],
          ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
          backends: [{ endpoint: 'a' }, { endpoint: 'b' }],
        })
      ).id,
    );
  });
  after(async () => {
    lb.stop();
    await app.close();
    model.dispose();
  });

  it('GET /services/:ref/stats gives each backend its health and open sessions, by id or name', async () => {
    const zero = (await call(viewer, 'GET', `/api/v1/services/${service}/stats`)).json as unknown as Stats;
    assert.deepEqual(zero, {
      serviceId: service,
      sessions: 0,
      backends: [
        { id: ep.a, health: 'healthy', sessions: 0 },
        { id: ep.b, health: 'healthy', sessions: 0 },
      ],
    });
    lb.connections.opened(ep.a as string);
    lb.connections.opened(ep.a as string);
    lb.connections.opened(ep.b as string);
    lb.connections.closed(ep.a as string);
    const r = (await call(viewer, 'GET', '/api/v1/services/web/stats')).json as unknown as Stats;
    assert.equal(r.sessions, 2);
    assert.deepEqual(
      r.backends.map((b) => b.sessions),
      [1, 1],
    );
    assert.equal((await call(undefined, 'GET', '/api/v1/services/web/stats')).status, 401);
    assert.equal((await call(viewer, 'GET', '/api/v1/services/nope/stats')).status, 404);
  });

  it("shows the worse of the stored and the balancer's own health, also in the Services summary", async () => {
    await ok('PUT', `/api/v1/services/web/backends/${ep.b}/health`, { health: 'draining' });
    let r = (await ok('GET', '/api/v1/services/web/stats')) as unknown as Stats;
    assert.deepEqual(
      r.backends.map((b) => b.health),
      ['healthy', 'draining'],
    );
    lb.setHealth(service, ep.a as string, 'unhealthy'); // e.g. failed probes: its sessions are purged
    r = (await ok('GET', '/api/v1/services/web/stats')) as unknown as Stats;
    assert.deepEqual(
      r.backends.map((b) => [b.health, b.sessions]),
      [
        ['unhealthy', 0],
        ['draining', 1],
      ],
    );
    const summary = (await call(viewer, 'GET', '/api/v1/service-summary')).json as {
      items: {
        name: string;
        sessions: number;
        backends: { id: string; health: string; sessions: number }[];
      }[];
    };
    const web = summary.items.find((s) => s.name === 'web');
    assert.deepEqual(
      web?.backends.map((b) => [b.id, b.health, b.sessions]),
      [
        [ep.a, 'unhealthy', 0],
        [ep.b, 'draining', 1],
      ],
    );
    assert.equal(web?.sessions, 1);
    lb.setHealth(service, ep.a as string, 'healthy');
    await ok('PUT', `/api/v1/services/web/backends/${ep.b}/health`, { health: 'healthy' });
  });

  it('pushes serviceStats over the event stream when a session opens or closes', async () => {
    if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/events`;
    const ws = new WebSocket(url, ['sdn.v1', `bearer.${viewer}`]);
    const seen: Stats[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Stats & { type: string };
      if (m.type === 'serviceStats') seen.push(m);
    });
    const until = async (pred: (s: Stats) => boolean): Promise<Stats> => {
      const end = Date.now() + 5000;
      for (;;) {
        const hit = seen.find(pred);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no such serviceStats in ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      const first = await until((s) => s.serviceId === service);
      const a = (s: Stats) => s.backends.find((b) => b.id === ep.a)?.sessions ?? -1;
      const before = a(first);
      lb.connections.opened(ep.a as string);
      const up = await until((s) => s.serviceId === service && a(s) === before + 1);
      assert.equal(up.sessions, (first.sessions ?? 0) + 1);
      lb.connections.closed(ep.a as string);
      await until((s) => s.serviceId === service && a(s) === before && seen.indexOf(s) > seen.indexOf(up));
    } finally {
      ws.close();
    }
  });

  it('injects a trace probe for an admin only, to model addresses only, through a connected switch', async () => {
    const body = (ip: string) => ({ sourceEndpoint: 'a', destination: { ip, protocol: 'icmp' } });
    assert.equal((await call(viewer, 'POST', '/api/v1/trace/probe', body('10.1.0.11'))).status, 403);
    // No switch session in this app: the route says so rather than pretending.
    const none = await call(admin, 'POST', '/api/v1/trace/probe', body('10.1.0.11'));
    assert.equal(none.status, 503, JSON.stringify(none.json));
    assert.match(String(none.json.detail), /no switches to probe/);
  });
});
