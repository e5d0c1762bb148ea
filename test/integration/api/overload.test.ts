// Load shedding (northbound/api/overload.ts): with the in-flight limit reached, an API request is refused at once
// with 503 and Retry-After; health checks still answer; once requests finish, new ones are admitted again.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Dataplane } from '../../../controller/dataplane';
import { SYSTEM } from '../../../controller/ops/actor';
import { bootstrapAdmin, createToken } from '../../../controller/ops/tokens';
import { buildApp } from '../../../northbound/api/app';
import { TempModel } from '../../support/model';

const LIMIT = 4;

describe('api: load shedding past the in-flight limit', function () {
  this.timeout(30_000);
  const model = new TempModel();
  let app: FastifyInstance;
  let base = '';
  let admin = '';
  let cni = '';
  /** CNI ADDs wait in the dataplane until released: requests that stay in flight as long as the test wants. */
  let release: () => void = () => undefined;
  let held = new Promise<void>((r) => (release = r));
  const dataplane: Dataplane = {
    endpointAttached: () => held,
    endpointDetached: async () => undefined,
    nodeStatus: () => ({ ready: true }),
  };

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const r = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, retryAfter: r.headers.get('retry-after'), json: text ? JSON.parse(text) : {} };
  };

  before(async () => {
    app = await buildApp({ ctx: model.ctx, dataplane, maxInFlight: LIMIT });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    admin = bootstrapAdmin(model.ctx) ?? '';
    const ok = async (path: string, body: unknown) =>
      assert.equal((await call(admin, 'POST', path, body)).status, 201, path);
    await ok('/api/v1/tenants', { name: 't' });
    await ok('/api/v1/networks', { tenant: 't', name: 'pods', isDefault: true });
    await ok('/api/v1/subnets', { network: 'pods', cidr: '10.20.0.0/16' });
    await ok('/api/v1/nodes', {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'network',
      tunnelIp: '192.0.2.1',
      ovsdb: 'tcp:127.0.0.1:1',
    });
    cni = createToken(model.ctx, SYSTEM, { role: 'cni', node: 'n1' }).secret;
  });
  after(async () => {
    release();
    await app?.close();
    model.dispose();
  });

  it('answers 503 with Retry-After at the limit, health still answers, and admits again afterwards', async () => {
    const add = (i: number) =>
      call(cni, 'POST', '/cni/v1/add', {
        containerId: `c${i}`,
        ifname: 'eth0',
        netns: `/var/run/netns/p${i}`,
        hostIfName: `veth${i}`,
      });
    const waiting = Array.from({ length: LIMIT }, (_, i) => add(i));
    // The ADDs are admitted once the store holds their endpoints; then they wait in the dataplane.
    for (let i = 0; i < 100 && model.ctx.store.count('endpoint') < LIMIT; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(model.ctx.store.count('endpoint'), LIMIT, 'every ADD is in flight');

    const refused = await call(admin, 'GET', '/api/v1/tenants');
    assert.equal(refused.status, 503);
    assert.equal(refused.retryAfter, '1');
    assert.match(refused.json.detail as string, /handling 4 requests; try again in 1 s/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'health is never shed');

    release();
    for (const r of await Promise.all(waiting)) assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await call(admin, 'GET', '/api/v1/tenants')).status, 200, 'admitted again');
    held = Promise.resolve();
  });
});
