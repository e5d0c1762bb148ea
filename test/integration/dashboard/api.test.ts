// The dashboard's /api/v1 routes and its event stream on a real store, with the real pipeline compiler behind them
// and no switch (so flows are the compiled ones and node sessions are "none"): who may read, what the summaries
// hold, flow filters, trace verdicts (same node, across the tunnel, unresolvable), and the ws stream's auth and events.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, InjectOptions } from 'fastify';
import WebSocket from 'ws';
import { modelOnlyDataplane } from '../../../controller/dataplane.js';
import { SYSTEM } from '../../../controller/ops/actor.js';
import { bootstrapAdmin, createToken } from '../../../controller/ops/tokens.js';
import { compileNode, snapshotFromModel } from '../../../controller/pipeline/index.js';
import type { ModelStore } from '../../../controller/store/store.js';
import { buildApp } from '../../../northbound/api/app.js';
import type { SwitchView } from '../../../northbound/dashboard/switches.js';
import { TempModel } from '../../support/model.js';

/** No switch connected: node state "none", no live flows, the compiled pipeline from the model. */
function compiledOnly(store: ModelStore): SwitchView {
  return {
    nodeState: () => ({ ovsdb: 'none', openflow: 'none' }),
    compile: (id) => {
      const node = store.get('node', id);
      return node ? compileNode(snapshotFromModel(store), node.name) : undefined;
    },
    flowStats: async () => undefined,
  };
}

const run = promisify(execFile);
const SDNCTL = join(__dirname, '..', '..', '..', 'northbound', 'cli', 'sdnctl.js');

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };

describe('dashboard API and event stream', function () {
  this.timeout(20_000);
  let model: TempModel;
  let app: FastifyInstance;
  let admin: string;
  let viewer: string;
  let tenantToken: string;
  const ids: Record<string, string> = {};

  async function call(
    token: string | undefined,
    method: InjectOptions['method'],
    url: string,
    payload?: unknown,
  ) {
    const r = await app.inject({
      method,
      url,
      ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: r.statusCode, json: (r.body ? JSON.parse(r.body) : {}) as Json, headers: r.headers };
  }
  /** The app on a loopback port (once), for clients that need a socket: ws and sdnctl. */
  async function listening(): Promise<string> {
    if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }
  async function ok(method: InjectOptions['method'], url: string, payload?: unknown): Promise<Json> {
    const r = await call(admin, method, url, payload);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  before(async () => {
    model = new TempModel();
    admin = bootstrapAdmin(model.ctx) ?? '';
    app = await buildApp({
      ctx: model.ctx,
      dataplane: modelOnlyDataplane,
      switches: compiledOnly(model.store),
    });
    viewer = createToken(model.ctx, SYSTEM, { role: 'viewer' }).secret;
    for (const t of ['red', 'blue']) {
      ids[t] = String((await ok('POST', '/api/v1/tenants', { name: t })).id);
      ids[`${t}-net`] = String((await ok('POST', '/api/v1/networks', { tenant: t, name: `${t}-pods` })).id);
      await ok('POST', '/api/v1/subnets', { network: ids[`${t}-net`], cidr: '10.1.0.0/24' });
    }
    tenantToken = createToken(model.ctx, SYSTEM, { role: 'tenant', tenant: 'red' }).secret;
    for (const n of [1, 2])
      await ok('POST', '/api/v1/nodes', {
        name: `n${n}`,
        vswitch: 'ovs',
        overlay: 'host',
        tunnelIp: `192.0.2.${n}`,
        ovsdb: `tcp:127.0.0.1:${n}`,
      });
    const ep = async (name: string, tenant: string, node: string, ip: string) =>
      (ids[name] = String(
        (
          await ok('POST', '/api/v1/endpoints', {
            network: ids[`${tenant}-net`],
            kind: 'pod',
            node,
            name,
            ips: [ip],
            portName: `v-${name}`,
          })
        ).id,
      ));
    await ep('a', 'red', 'n1', '10.1.0.10');
    await ep('b', 'red', 'n1', '10.1.0.11');
    await ep('c', 'red', 'n2', '10.1.0.12');
    await ep('d', 'blue', 'n2', '10.1.0.13');
  });
  after(async () => {
    await app.close();
    model.dispose();
  });

  it('answers 401 without a token, 403 to a tenant token, and 200 to a viewer', async () => {
    const routes: [InjectOptions['method'], string, unknown?][] = [
      ['GET', '/api/v1/overview'],
      ['GET', '/api/v1/topology'],
      ['GET', '/api/v1/ipam'],
      ['GET', '/api/v1/service-summary'],
      ['GET', '/api/v1/security-summary'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/pipeline'],
      ['GET', '/api/v1/nodes/n1/flows'],
      ['POST', '/api/v1/trace', { sourceEndpoint: 'a', destination: { ip: '10.1.0.11', protocol: 'icmp' } }],
    ];
    for (const [method, url, body] of routes) {
      assert.equal(
        (await call(undefined, method, url, body)).status,
        401,
        `${method} ${url} without a token`,
      );
      assert.equal((await call(tenantToken, method, url, body)).status, 403, `${method} ${url} as a tenant`);
      assert.equal((await call(viewer, method, url, body)).status, 200, `${method} ${url} as a viewer`);
    }
  });

  it('summarises the model: counts, topology, IPAM utilisation with owners, and an audit log without secrets', async () => {
    const o = (await call(viewer, 'GET', '/api/v1/overview')).json;
    assert.deepEqual((o.counts as Record<string, number>).endpoint, 4);
    assert.deepEqual((o.nodes as { name: string }[]).map((n) => n.name).sort(), ['n1', 'n2']);
    const t = (await call(viewer, 'GET', '/api/v1/topology')).json;
    assert.equal((t.endpoints as unknown[]).length, 4);
    const ipam = (await call(viewer, 'GET', '/api/v1/ipam')).json;
    const red = (
      ipam.subnets as { tenant: string; used: number; allocations: { endpoint: string }[] }[]
    ).find((s) => s.tenant === 'red');
    assert.equal(red?.used, 3);
    assert.deepEqual(red?.allocations.map((a) => a.endpoint).sort(), ['a', 'b', 'c']);
    const audit = await call(viewer, 'GET', '/api/v1/audit?limit=1000');
    assert.ok(audit.json.items?.some((e) => e.action === 'endpoint.create'));
    assert.ok(audit.json.items?.some((e) => e.action === 'token.create'));
    assert.doesNotMatch(JSON.stringify(audit.json), /secretHash/);
  });

  it("lists a node's compiled flows in ovs-ofctl syntax, filtered by table, feature, endpoint and text", async () => {
    const all = (await call(viewer, 'GET', '/api/v1/nodes/n1/flows')).json;
    assert.equal(all.source, 'compiled');
    assert.ok(Number(all.total) > 20);
    const l2 = (await call(viewer, 'GET', '/api/v1/nodes/n1/flows?table=50')).json;
    assert.ok(l2.items!.length > 0 && l2.items!.every((f) => f.table === 50 && f.tableName === 'l2'));
    const sg = (await call(viewer, 'GET', '/api/v1/nodes/n1/flows?feature=spoof')).json;
    assert.ok(sg.items!.length > 0 && sg.items!.every((f) => f.feature === 'spoof'));
    const a = model.store.get('endpoint', ids.a as string);
    const mine = (await call(viewer, 'GET', '/api/v1/nodes/n1/flows?endpoint=a')).json;
    assert.ok(mine.items!.length > 0 && Number(mine.matched) < Number(all.total));
    assert.ok(mine.items!.some((f) => String(f.text).includes(a?.mac as string)));
    const text = (await call(viewer, 'GET', '/api/v1/nodes/n1/flows?q=NW_SRC%3D10.1.0.10')).json;
    assert.ok(
      text.items!.length > 0 && text.items!.every((f) => String(f.text).includes('nw_src=10.1.0.10')),
    );
    assert.equal((await call(viewer, 'GET', '/api/v1/nodes/n9/flows')).status, 404);
  });

  it('traces a packet: delivered on the node, delivered across the tunnel, dropped when no one has the address', async () => {
    const trace = async (src: string, ip: string, protocol = 'icmp', port?: number) =>
      call(viewer, 'POST', '/api/v1/trace', {
        sourceEndpoint: src,
        destination: { ip, protocol, ...(port ? { port } : {}) },
      });
    const local = (await trace('a', '10.1.0.11', 'tcp', 80)).json as {
      verdict: Record<string, string>;
      steps: Record<string, unknown>[];
    };
    assert.equal(local.verdict.kind, 'delivered');
    assert.equal(local.verdict.endpoint, 'b');
    assert.equal(local.verdict.node, 'n1');
    assert.match(local.verdict.decidedBy as string, /^cookie=0x5dc0/);
    assert.deepEqual([...new Set(local.steps.map((s) => s.phase))], ['arp', 'ip']);

    const remote = (await trace('a', '10.1.0.12')).json as {
      verdict: Record<string, string>;
      steps: Record<string, unknown>[];
    };
    assert.equal(remote.verdict.kind, 'delivered');
    assert.equal(remote.verdict.endpoint, 'c');
    assert.equal(remote.verdict.node, 'n2');
    assert.ok(
      remote.steps.some((s) => s.node === 'n1') && remote.steps.some((s) => s.node === 'n2'),
      'both nodes walked',
    );

    // d has 10.1.0.13 in the blue tenant; red's network has no such address, so a's ARP is never answered.
    const other = (await trace('a', '10.1.0.13')).json as { verdict: Record<string, string> };
    assert.equal(other.verdict.kind, 'dropped');
    assert.match(other.verdict.summary as string, /no answer to ARP for 10\.1\.0\.13/);
    assert.match(other.verdict.decidedBy as string, /actions=drop/);

    assert.equal((await trace('nobody', '10.1.0.11')).status, 404);
    const v6 = await trace('a', 'fd00::1');
    assert.equal(v6.status, 400);
    assert.match(String(v6.json.detail), /no IPv6 address/);
  });

  it('serves the built UI: index.html revalidated every time, hashed assets cached for a year', async () => {
    const index = await app.inject({ method: 'GET', url: '/dashboard/' });
    assert.equal(index.statusCode, 200, 'the dashboard is built (npm run build:dashboard)');
    assert.equal(index.headers['cache-control'], 'no-cache');
    const assets = [...index.body.matchAll(/\/dashboard\/(assets\/[^"]+)/g)].map((m) => m[1] as string);
    assert.equal(assets.length, 2, 'one script and one stylesheet');
    for (const a of assets) {
      assert.match(a, /-[A-Z0-9]{8}\.(js|css)$/, 'named by content hash');
      const r = await app.inject({ method: 'GET', url: `/dashboard/${a}` });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    }
    assert.equal((await app.inject({ method: 'GET', url: '/' })).headers.location, '/dashboard/');
  });

  it('sdnctl trace prints the walk and the verdict from the same route', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdnt-trace-'));
    try {
      writeFileSync(join(dir, 'token'), viewer + '\n');
      const { stdout } = await run(process.execPath, [
        SDNCTL,
        'trace',
        '--api',
        await listening(),
        '--token-file',
        join(dir, 'token'),
        '--from',
        'a',
        '--to',
        '10.1.0.12',
        '--proto',
        'tcp',
        '--port',
        '443',
      ]);
      assert.match(stdout, /^packet: .*nw_dst=10\.1\.0\.12.*tp_dst=443/m);
      assert.match(stdout, /^n1: ARP for the next hop$/m);
      assert.match(stdout, /^n2: the packet$/m, 'the walk continues on the node the tunnel leads to');
      assert.match(stdout, /^verdict: delivered: delivered to c on n2/m);
      assert.match(stdout, /^decided by \(n\d\): cookie=0x5dc0/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams change events to a viewer over ws and refuses a missing or tenant token before the handshake', async () => {
    const url = `${(await listening()).replace('http', 'ws')}/api/v1/events`;
    const refused = (protocols: string[]) =>
      new Promise<number>((done) => {
        const ws = new WebSocket(url, protocols);
        ws.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          done(101);
        });
        ws.on('error', () => undefined);
      });
    assert.equal(await refused(['sdn.v1']), 401);
    assert.equal(await refused(['sdn.v1', 'bearer.nope']), 401);
    assert.equal(await refused(['sdn.v1', `bearer.${tenantToken}`]), 403);

    const ws = new WebSocket(url, ['sdn.v1', `bearer.${viewer}`]);
    const messages: { type: string; event?: { action: string; changes: { kind: string }[] } }[] = [];
    const got = (pred: (m: (typeof messages)[number]) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no such message in ${JSON.stringify(messages)}`)),
          5000,
        );
        const check = () => {
          if (messages.some(pred)) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 20);
        };
        check();
      });
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await got((m) => m.type === 'hello');
    assert.equal(ws.protocol, 'sdn.v1');
    await ok('POST', '/api/v1/tenants', { name: 'green' });
    await got((m) => m.type === 'change' && m.event?.action === 'tenant.create');
    ws.close();
  });
});
