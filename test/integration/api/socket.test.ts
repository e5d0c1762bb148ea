// The same app over a real TCP socket: keep-alive, content types and auth as a client sees them.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { TestApi } from '../../support/api';
import { request } from '../../support/controller-process';

describe('api: over a real listening socket', () => {
  let api: TestApi;
  let base: string;
  before(async () => {
    api = await new TestApi().start();
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  });
  after(() => api.stop());

  it('creates the contract objects and serves a CNI ADD', async () => {
    const post = async (path: string, body: unknown) =>
      (await request(base, api.admin, 'POST', path, body)).json;
    await post('/api/v1/tenants', { name: 'acme' });
    await post('/api/v1/networks', { tenant: 'acme', name: 'pods', vni: 5000, mtu: 1400 });
    await post('/api/v1/subnets', {
      network: 'pods',
      cidr: '10.1.0.0/24',
      gateway: '10.1.0.254',
      pools: [{ start: '10.1.0.10', end: '10.1.0.20' }],
    });
    await post('/api/v1/nodes', {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'tcp:127.0.0.1:6640',
      controllerTarget: 'tcp:127.0.0.1:6653',
      datapathType: 'netdev',
    });
    await post('/api/v1/namespace-bindings', { namespace: 'default', network: 'pods' });
    const cni = (await post('/api/v1/tokens', { role: 'cni', node: 'n1' })).token as string;
    const r = await request(base, cni, 'POST', '/cni/v1/add', {
      containerId: 'abc',
      ifname: 'eth0',
      netns: '/x',
      hostIfName: 'vethabc',
      k8sNamespace: 'default',
      k8sPodName: 'p',
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.ips, [{ address: '10.1.0.10/24', gateway: '10.1.0.254' }]);
    assert.equal(r.json.mtu, 1400);
    const unauth = await fetch(`${base}/api/v1/networks`);
    assert.equal(unauth.status, 401);
    assert.match(unauth.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(unauth.headers.get('www-authenticate') ?? '', /^Bearer/);
    const bad = await fetch(`${base}/api/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.admin}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', /problem\+json/);
  });
});
