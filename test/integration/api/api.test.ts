import assert from 'node:assert/strict';
import { TestApi } from '../../support/api';
import { nodeOnce, world, type World } from './fixture';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

describe('api: REST over inject', function () {
  let api: TestApi;
  let a: World;
  beforeEach(async () => {
    api = await new TestApi().start();
    a = await world(api, 'acme');
  });
  afterEach(() => api.stop());

  it('answers the contract creates with an id, and addresses objects by id or by name', async () => {
    for (const id of Object.values(a)) assert.match(id, /^[0-9a-f-]{36}$/);
    const byName = await api.ok('GET', '/api/v1/networks/acme-net');
    assert.equal(byName.id, a.network);
    const sub = await api.ok(
      'GET',
      `/api/v1/subnets/${encodeURIComponent('10.0.0.0/24')}?network=acme-net`.replace(
        '?network=acme-net',
        '',
      ),
    );
    assert.equal(sub.id, a.subnet);
    assert.deepEqual(sub.stats, { size: '253', free: '252', used: 1, retained: 0 });
    const ep = await api.ok('GET', `/api/v1/endpoints/${a.endpoint}`);
    assert.deepEqual(ep.ips, ['10.0.0.2']);
    assert.deepEqual(ep.securityGroupIds, [a.securityGroup]);
  });

  it('rejects unknown fields, naming them, as RFC 7807 problems', async () => {
    const r = await api.call(api.admin, 'POST', '/api/v1/networks', { tenant: 'acme', name: 'x', vnii: 5 });
    assert.equal(r.status, 400);
    assert.match(r.type, /^application\/problem\+json/);
    assert.deepEqual(r.json.errors, [{ field: 'body/vnii', reason: 'is not a known field' }]);
    assert.equal(r.json.title, 'Invalid request');
  });

  it('answers 409 naming what holds an object on delete', async () => {
    const r = await api.call(api.admin, 'DELETE', `/api/v1/subnets/${a.subnet}`);
    assert.equal(r.status, 409);
    const holders = r.json.holders as { kind: string; id: string }[];
    assert.deepEqual(holders.map((h) => h.kind).sort(), ['endpoint', 'routerInterface']);
    assert.match(r.json.detail as string, /acme-vm/);
  });

  it('lists with filters and cursor pagination', async () => {
    for (const n of ['n1', 'n2', 'n3', 'n4'])
      await api.ok('POST', '/api/v1/networks', { tenant: 'acme', name: n });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.ok(
        'GET',
        `/api/v1/networks?tenant=acme&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...(page.items ?? []).map((n) => n.name as string));
      cursor = page.next as string | undefined;
    } while (cursor);
    assert.deepEqual(seen, ['acme-net', 'n1', 'n2', 'n3', 'n4']);
    const pods = await api.ok('GET', '/api/v1/endpoints?kind=pod');
    assert.deepEqual(pods.items, []);
    const byNode = await api.ok('GET', '/api/v1/endpoints?node=node1&network=acme-net');
    assert.equal(byNode.items?.length, 1);
  });

  it('updates objects', async () => {
    assert.equal((await api.ok('PATCH', '/api/v1/networks/acme-net', { mtu: 1400 })).mtu, 1400);
    assert.equal(
      (await api.ok('PATCH', `/api/v1/endpoints/${a.endpoint}`, { qosPolicy: null })).qosPolicyId,
      undefined,
    );
    assert.deepEqual(
      (
        await api.ok('PATCH', `/api/v1/routers/${a.router}`, {
          routes: [{ destination: '0.0.0.0/0', nexthop: '10.0.0.254' }],
        })
      ).routes,
      [{ destination: '0.0.0.0/0', nexthop: '10.0.0.254' }],
    );
    assert.equal(
      (await api.ok('PATCH', `/api/v1/nodes/node1`, { datapathId: '00:00:00:00:00:00:00:2a' })).datapathId,
      '000000000000002a',
    );
    const svc = await api.ok('PATCH', `/api/v1/services/${a.service}`, {
      backends: [{ address: '192.0.2.10', weight: 3 }],
    });
    assert.deepEqual(svc.backends, [{ kind: 'address', address: '192.0.2.10', weight: 3 }]);
  });

  it('deletes an endpoint and removes it from service backends', async () => {
    await api.ok('DELETE', `/api/v1/endpoints/${a.endpoint}`, undefined, 204);
    const svc = await api.ok('GET', `/api/v1/services/${a.service}`);
    assert.deepEqual(svc.backends, []);
    assert.equal((await api.call(api.admin, 'GET', `/api/v1/endpoints/${a.endpoint}`)).status, 404);
  });

  it('authenticates: 401 without or with a wrong token, 403 for the wrong role', async () => {
    const none = await api.call(undefined, 'GET', '/api/v1/networks');
    assert.equal(none.status, 401);
    assert.match(none.type, /problem\+json/);
    assert.equal((await api.call('sdn_wrong', 'GET', '/api/v1/networks')).status, 401);
    const viewer = api.token('viewer');
    assert.equal((await api.call(viewer, 'GET', '/api/v1/networks')).status, 200);
    assert.equal((await api.call(viewer, 'POST', '/api/v1/tenants', { name: 'x' })).status, 403);
    assert.equal((await api.call(viewer, 'GET', '/api/v1/tokens')).status, 403);
    const cni = api.token('cni', 'node1');
    assert.equal((await api.call(cni, 'GET', '/api/v1/networks')).status, 403);
    assert.equal(
      (await api.call(api.admin, 'POST', '/cni/v1/check', { containerId: 'c', ifname: 'eth0' })).status,
      403,
    );
    const tenant = api.token('tenant', 'acme');
    assert.equal((await api.call(tenant, 'POST', '/api/v1/tenants', { name: 'x' })).status, 403);
    assert.equal((await api.call(tenant, 'PATCH', '/api/v1/tenants/acme', { name: 'x' })).status, 403);
    assert.equal((await api.call(tenant, 'DELETE', '/api/v1/tenants/acme')).status, 403);
    assert.equal((await api.call(tenant, 'GET', '/api/v1/tenants/acme')).status, 200);
    assert.equal((await api.call(tenant, 'GET', '/api/v1/nodes')).status, 403);
    assert.equal((await api.call(tenant, 'POST', '/api/v1/tokens', { role: 'viewer' })).status, 403);
    assert.equal((await api.call(undefined, 'GET', '/healthz')).status, 200);
  });

  it('shows a token secret once and stores only its hash', async () => {
    const t = await api.ok('POST', '/api/v1/tokens', { role: 'tenant', tenant: 'acme' });
    assert.match(t.token as string, /^sdn_/);
    const again = await api.ok('GET', `/api/v1/tokens/${t.id}`);
    assert.equal(again.token, undefined);
    assert.equal(again.secretHash, undefined);
    assert.equal((await api.call(t.token as string, 'GET', '/api/v1/networks')).status, 200);
    await api.ok('DELETE', `/api/v1/tokens/${t.id}`, undefined, 204);
    assert.equal((await api.call(t.token as string, 'GET', '/api/v1/networks')).status, 401);
  });

  it('serves CNI add/check/del/gc/status for the token’s node', async () => {
    await api.ok('POST', '/api/v1/subnets', { network: a.network, cidr: 'fd00:10::/64' });
    const cni = api.token('cni', 'node1');
    const add = {
      containerId: 'c1',
      ifname: 'eth0',
      netns: '/var/run/netns/x',
      hostIfName: 'veth0c1',
      k8sNamespace: 'acme-ns',
      k8sPodName: 'web-0',
    };
    const r = await api.call(cni, 'POST', '/cni/v1/add', add);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.json.ips, [
      { address: '10.0.0.3/24', gateway: '10.0.0.1' },
      { address: 'fd00:10::2/64', gateway: 'fd00:10::1' },
    ]);
    assert.deepEqual(r.json.routes, [
      { dst: '0.0.0.0/0', gw: '10.0.0.1' },
      { dst: '::/0', gw: 'fd00:10::1' },
    ]);
    assert.equal(r.json.mtu, 1450);
    assert.equal(r.json.network, a.network);
    assert.deepEqual((await api.call(cni, 'POST', '/cni/v1/add', add)).json, r.json);
    assert.deepEqual(
      (await api.call(cni, 'POST', '/cni/v1/check', { containerId: 'c1', ifname: 'eth0' })).json,
      r.json,
    );
    assert.equal((await api.call(cni, 'GET', '/cni/v1/status')).status, 200);
    const gc = await api.call(cni, 'POST', '/cni/v1/gc', { validAttachments: [] });
    assert.deepEqual(gc.json.released, [
      { containerId: 'c1', ifname: 'eth0', endpointId: r.json.endpointId },
    ]);
    assert.equal(
      (await api.call(cni, 'POST', '/cni/v1/del', { containerId: 'c1', ifname: 'eth0' })).status,
      204,
    );
    assert.equal(
      (await api.call(cni, 'POST', '/cni/v1/check', { containerId: 'c1', ifname: 'eth0' })).status,
      404,
    );
    // The StatefulSet pod comes back within the retention window: same addresses, same MAC.
    const back = await api.call(cni, 'POST', '/cni/v1/add', { ...add, containerId: 'c2' });
    assert.deepEqual(back.json.ips, r.json.ips);
    assert.equal(back.json.mac, r.json.mac);
  });

  it('says what to configure when CNI has no network', async () => {
    const cni = api.token('cni', 'node1');
    const r = await api.call(cni, 'POST', '/cni/v1/add', {
      containerId: 'c9',
      ifname: 'eth0',
      netns: '/x',
      hostIfName: 'v9',
      k8sNamespace: 'unbound',
    });
    assert.equal(r.status, 400);
    assert.match(
      r.json.detail as string,
      /no network for namespace unbound: pass "network", bind the namespace/,
    );
    await api.ok('PATCH', '/api/v1/networks/acme-net', { isDefault: true });
    assert.equal(
      (
        await api.call(cni, 'POST', '/cni/v1/add', {
          containerId: 'c9',
          ifname: 'eth0',
          netns: '/x',
          hostIfName: 'v9',
        })
      ).status,
      200,
    );
  });

  it('publishes OpenAPI 3 at /docs/json with every route, and the browsable UI at /docs', async () => {
    const doc = (await api.call(undefined, 'GET', '/docs/json')).json as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    assert.match(doc.openapi, /^3\./);
    for (const p of [
      '/api/v1/tenants',
      '/api/v1/endpoints/{ref}',
      '/api/v1/routers/{ref}/interfaces',
      '/cni/v1/add',
      '/api/v1/tokens',
    ]) {
      assert.ok(doc.paths[p], `${p} missing from OpenAPI`);
    }
    assert.equal((await api.call(undefined, 'GET', '/docs/')).status, 200);
  });

  it('reports readiness and metrics', async () => {
    assert.deepEqual((await api.call(undefined, 'GET', '/readyz')).json, { ready: true, failing: [] });
    const m = (await api.call(undefined, 'GET', '/metrics')).body as string;
    assert.match(m, /sdn_ipam_allocations_total 1/);
    assert.match(
      m,
      /sdn_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/v1\/endpoints",status="201"\}/,
    );
    assert.match(m, /sdn_switch_sessions 0/);
    assert.match(m, /sdn_flow_mods_sent_total/);
    api.model.store.close();
    const r = await api.call(undefined, 'GET', '/readyz');
    assert.equal(r.status, 503);
    assert.deepEqual(r.json.failing, ['store: closed']);
    api.model.reopen();
  });

  describe('every route rejects bad input', () => {
    // [method, url, payload, status, field or detail pattern]
    const cases = (w: World): [Method, string, unknown, number, string | RegExp][] => [
      ['POST', '/api/v1/tenants', { name: '' }, 400, 'body/name'],
      ['GET', '/api/v1/tenants?limit=0', undefined, 400, 'querystring/limit'],
      ['GET', '/api/v1/tenants/nope', undefined, 404, /tenant "nope" not found/],
      ['PATCH', '/api/v1/tenants/acme', { name: 'a b' }, 400, 'body/name'],
      ['DELETE', '/api/v1/tenants/acme', undefined, 409, /tenant acme is still used by network acme-net/],
      ['POST', '/api/v1/networks', { tenant: 'acme', name: 'n', vni: 16777216 }, 400, 'body/vni'],
      ['GET', '/api/v1/networks?tenant=ghost', undefined, 404, 'querystring/tenant'],
      ['GET', '/api/v1/networks/ghost', undefined, 404, /network "ghost" not found/],
      ['PATCH', '/api/v1/networks/acme-net', { mtu: 100 }, 400, 'body/mtu'],
      ['DELETE', '/api/v1/networks/ghost', undefined, 404, /not found/],
      [
        'POST',
        '/api/v1/subnets',
        { network: w.network, cidr: '10.1.0.0/24', pools: [{ start: '10.2.0.1', end: '10.2.0.9' }] },
        400,
        'body/pools/0/start',
      ],
      ['GET', '/api/v1/subnets?network=ghost', undefined, 404, 'querystring/network'],
      ['GET', '/api/v1/subnets/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/subnets/' + w.subnet, { cidr: '10.9.0.0/24' }, 400, 'body/cidr'],
      ['DELETE', '/api/v1/subnets/ghost', undefined, 404, /not found/],
      [
        'POST',
        '/api/v1/routers',
        { tenant: 'acme', name: 'r2', routes: [{ destination: '10.0.0.1/8', nexthop: '10.0.0.1' }] },
        400,
        'body/routes/0/destination',
      ],
      ['GET', '/api/v1/routers?bogus=1', undefined, 400, 'querystring/bogus'],
      ['GET', '/api/v1/routers/ghost', undefined, 404, /not found/],
      [
        'PATCH',
        '/api/v1/routers/' + w.router,
        { routes: [{ destination: '::/0', nexthop: '10.0.0.1' }] },
        400,
        'body/routes/0/nexthop',
      ],
      [
        'DELETE',
        '/api/v1/routers/' + w.router,
        undefined,
        409,
        /router acme-r is still used by routerInterface/,
      ],
      ['GET', '/api/v1/routers/ghost/interfaces', undefined, 404, /not found/],
      ['POST', `/api/v1/routers/${w.router}/interfaces`, { subnet: w.subnet }, 409, 'body/subnet'],
      ['DELETE', `/api/v1/routers/${w.router}/interfaces/${w.subnet}`, undefined, 404, /routerInterface/],
      [
        'POST',
        '/api/v1/nodes',
        { name: 'n2', vswitch: 'vpp', overlay: 'host', tunnelIp: '192.0.2.2', ovsdb: 'unix:/x' },
        400,
        'body/vswitch',
      ],
      ['GET', '/api/v1/nodes?overlay=host&limit=abc', undefined, 400, 'querystring/limit'],
      ['GET', '/api/v1/nodes/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/nodes/node1', { tunnelIp: '192.0.2' }, 400, 'body/tunnelIp'],
      ['DELETE', '/api/v1/nodes/node1', undefined, 409, /node node1 is still used by endpoint acme-vm/],
      ['GET', '/api/v1/nodes/ghost/vlan-bindings', undefined, 404, /not found/],
      ['POST', '/api/v1/vteps', { name: 'l1', ovsdb: 'unix:/y', tunnelIp: 'fd00::9' }, 400, 'body/tunnelIp'],
      ['GET', '/api/v1/vteps?limit=abc', undefined, 400, 'querystring/limit'],
      ['GET', '/api/v1/vteps/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/vteps/ghost', { tunnelIp: '192.0.2.9' }, 404, /not found/],
      ['DELETE', '/api/v1/vteps/ghost', undefined, 404, /not found/],
      ['GET', '/api/v1/vteps/ghost/rows', undefined, 404, /not found/],
      ['GET', '/api/v1/vteps/ghost/state', undefined, 404, /not found/],
      ['GET', '/api/v1/macs?network=ghost', undefined, 404, 'querystring/network'],
      [
        'POST',
        '/api/v1/endpoints',
        { network: w.network, kind: 'vm', node: 'node1', name: 'e2', ips: ['10.5.0.1'] },
        400,
        'body/ips/0',
      ],
      ['GET', '/api/v1/endpoints?kind=pod&node=ghost', undefined, 404, 'querystring/node'],
      ['GET', '/api/v1/endpoints/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/endpoints/' + w.endpoint, { ips: ['10.0.0.9'] }, 400, 'body/ips'],
      ['DELETE', '/api/v1/endpoints/ghost', undefined, 404, /not found/],
      ['POST', '/api/v1/security-groups', { tenant: 'acme' }, 400, 'body/name'],
      ['GET', '/api/v1/security-groups?cursor=1&limit=1001', undefined, 400, 'querystring/limit'],
      ['GET', '/api/v1/security-groups/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/security-groups/' + w.securityGroup, { tenant: 'other' }, 400, 'body/tenant'],
      [
        'DELETE',
        '/api/v1/security-groups/' + w.securityGroup,
        undefined,
        409,
        /still used by endpoint acme-vm/,
      ],
      ['GET', '/api/v1/security-groups/ghost/rules', undefined, 404, /not found/],
      [
        'POST',
        `/api/v1/security-groups/${w.securityGroup}/rules`,
        { direction: 'ingress', protocol: 'icmp', portMin: 22 },
        400,
        'body/portMin',
      ],
      [
        'DELETE',
        `/api/v1/security-groups/${w.securityGroup}/rules/${w.endpoint}`,
        undefined,
        404,
        /securityGroupRule/,
      ],
      [
        'POST',
        '/api/v1/qos-policies',
        { tenant: 'acme', name: 'q2', egressBurstKb: 10 },
        400,
        'body/egressBurstKb',
      ],
      ['GET', '/api/v1/qos-policies?tenant=ghost', undefined, 404, 'querystring/tenant'],
      ['GET', '/api/v1/qos-policies/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/qos-policies/' + w.qos, { dscp: 64 }, 400, 'body/dscp'],
      ['DELETE', '/api/v1/qos-policies/' + w.qos, undefined, 409, /still used by endpoint acme-vm/],
      [
        'POST',
        '/api/v1/services',
        {
          network: w.network,
          name: 's2',
          clusterIps: ['10.96.0.10'],
          ports: [{ protocol: 'tcp', port: 1, targetPort: 1 }],
          backends: [],
        },
        409,
        'body/clusterIps/0',
      ],
      ['GET', '/api/v1/services?network=ghost', undefined, 404, 'querystring/network'],
      ['GET', '/api/v1/services/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/services/' + w.service, { ports: [] }, 400, 'body/ports'],
      ['DELETE', '/api/v1/services/ghost', undefined, 404, /not found/],
      ['POST', `/api/v1/services/${w.service}/backends`, { address: 'not-an-ip' }, 400, 'body/address'],
      ['DELETE', `/api/v1/services/${w.service}/backends/ghost`, undefined, 400, 'params/backend'],
      ['PUT', `/api/v1/services/${w.service}/backends/ghost/health`, { health: 'sick' }, 400, 'body/health'],
      ['GET', '/api/v1/services/ghost/stats', undefined, 404, /not found/],
      [
        'POST',
        '/api/v1/namespace-bindings',
        { namespace: 'Bad_NS', network: w.network },
        400,
        'body/namespace',
      ],
      ['GET', '/api/v1/namespace-bindings?network=ghost', undefined, 404, 'querystring/network'],
      ['GET', '/api/v1/namespace-bindings/ghost', undefined, 404, /not found/],
      ['PATCH', '/api/v1/namespace-bindings/acme-ns', { network: 'ghost' }, 404, 'body/network'],
      ['DELETE', '/api/v1/namespace-bindings/ghost', undefined, 404, /not found/],
      ['POST', '/api/v1/tokens', { role: 'cni' }, 400, 'body/node'],
      ['GET', '/api/v1/tokens?limit=-1', undefined, 400, 'querystring/limit'],
      ['GET', '/api/v1/tokens/ghost', undefined, 404, /not found/],
      ['DELETE', '/api/v1/tokens/ghost', undefined, 404, /not found/],
      ['GET', '/api/v1/overview?recent=-1', undefined, 400, 'querystring/recent'],
      ['GET', '/api/v1/topology?tenant=acme', undefined, 400, 'querystring/tenant'],
      ['GET', '/api/v1/ipam?subnet=x', undefined, 400, 'querystring/subnet'],
      ['GET', '/api/v1/service-summary?x=1', undefined, 400, 'querystring/x'],
      ['GET', '/api/v1/security-summary?x=1', undefined, 400, 'querystring/x'],
      ['GET', '/api/v1/pipeline?x=1', undefined, 400, 'querystring/x'],
      ['GET', '/api/v1/audit?limit=0', undefined, 400, 'querystring/limit'],
      ['GET', '/api/v1/nodes/ghost/flows', undefined, 404, /node "ghost" not found/],
      [
        'POST',
        '/api/v1/trace',
        { sourceEndpoint: 'ghost', destination: { ip: '10.0.0.1', protocol: 'gre' } },
        400,
        'body/destination/protocol',
      ],
      [
        'POST',
        '/api/v1/trace/probe',
        { sourceEndpoint: 'ghost', destination: { ip: '10.0.0.1', protocol: 'gre' } },
        400,
        'body/destination/protocol',
      ],
    ];

    it('with a 4xx problem that names the field or the reason', async () => {
      const doc = (await api.call(undefined, 'GET', '/docs/json')).json as {
        paths: Record<string, Record<string, unknown>>;
      };
      const covered = new Set<string>();
      for (const [method, url, payload, status, expect] of cases(a)) {
        const r = await api.call(api.admin, method, url, payload);
        const where = `${method} ${url}: ${JSON.stringify(r.body)}`;
        assert.equal(r.status, status, where);
        assert.match(r.type, /problem\+json/, where);
        if (typeof expect === 'string') {
          assert.ok(
            (r.json.errors as { field: string }[] | undefined)?.some((e) => e.field === expect),
            where,
          );
        } else assert.match(r.json.detail as string, expect, where);
        const template = Object.keys(doc.paths).find((p) =>
          new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(url.split('?')[0]),
        );
        covered.add(`${method} ${template}`);
      }
      const missing: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        if (!path.startsWith('/api/v1')) continue;
        for (const m of Object.keys(ops))
          if (!covered.has(`${m.toUpperCase()} ${path}`)) missing.push(`${m.toUpperCase()} ${path}`);
      }
      assert.deepEqual(missing, [], 'routes without a bad-input case');
    });

    it('on the CNI routes too', async () => {
      const cni = api.token('cni', 'node1');
      const bad: [Method, string, unknown, number, string][] = [
        ['POST', '/cni/v1/add', { ifname: 'eth0', netns: '/x', hostIfName: 'v' }, 400, 'body/containerId'],
        [
          'POST',
          '/cni/v1/add',
          {
            containerId: 'c',
            ifname: 'eth0',
            netns: '/x',
            hostIfName: 'v',
            network: 'acme-net',
            ips: ['10.0.0.2'],
          },
          409,
          'body/ips/0',
        ],
        ['POST', '/cni/v1/del', { containerId: 'c', ifname: 'a/b' }, 400, 'body/ifname'],
        ['POST', '/cni/v1/check', { containerId: '-c', ifname: 'eth0' }, 400, 'body/containerId'],
        [
          'POST',
          '/cni/v1/gc',
          { validAttachments: [{ containerId: 'c' }] },
          400,
          'body/validAttachments/0/ifname',
        ],
      ];
      for (const [method, url, payload, status, field] of bad) {
        const r = await api.call(cni, method, url, payload);
        assert.equal(r.status, status, `${url} ${JSON.stringify(r.body)}`);
        assert.ok(
          (r.json.errors as { field: string }[]).some((e) => e.field === field),
          `${url} ${JSON.stringify(r.body)}`,
        );
      }
      assert.equal((await api.call(undefined, 'GET', '/cni/v1/status')).status, 401);
    });
  });

  describe('tenant isolation', () => {
    it('another tenant’s objects are 404 on every route, and absent from every list', async () => {
      const b = await world(api, 'globex', '10.0.0.0/24'); // same CIDR: overlap across tenants is fine
      await nodeOnce(api);
      const tok = api.token('tenant', 'acme');
      const urls: [Method, string, unknown?][] = [
        ['GET', `/api/v1/tenants/${b.tenant}`],
        ['GET', `/api/v1/tenants/globex`],
        ['PATCH', `/api/v1/tenants/${b.tenant}`, { name: 'x' }],
        ['DELETE', `/api/v1/tenants/${b.tenant}`],
        ['GET', `/api/v1/networks/${b.network}`],
        ['GET', `/api/v1/networks/globex-net`],
        ['PATCH', `/api/v1/networks/${b.network}`, { mtu: 1400 }],
        ['DELETE', `/api/v1/networks/${b.network}`],
        ['GET', `/api/v1/subnets/${b.subnet}`],
        ['PATCH', `/api/v1/subnets/${b.subnet}`, { name: 'x' }],
        ['DELETE', `/api/v1/subnets/${b.subnet}`],
        ['GET', `/api/v1/routers/${b.router}`],
        ['PATCH', `/api/v1/routers/${b.router}`, { name: 'x' }],
        ['DELETE', `/api/v1/routers/${b.router}`],
        ['GET', `/api/v1/routers/${b.router}/interfaces`],
        ['POST', `/api/v1/routers/${b.router}/interfaces`, { subnet: a.subnet }],
        ['DELETE', `/api/v1/routers/${b.router}/interfaces/${b.routerInterface}`],
        ['GET', `/api/v1/endpoints/${b.endpoint}`],
        ['PATCH', `/api/v1/endpoints/${b.endpoint}`, { name: 'x' }],
        ['DELETE', `/api/v1/endpoints/${b.endpoint}`],
        ['GET', `/api/v1/security-groups/${b.securityGroup}`],
        ['PATCH', `/api/v1/security-groups/${b.securityGroup}`, { name: 'x' }],
        ['DELETE', `/api/v1/security-groups/${b.securityGroup}`],
        ['GET', `/api/v1/security-groups/${b.securityGroup}/rules`],
        ['POST', `/api/v1/security-groups/${b.securityGroup}/rules`, { direction: 'egress' }],
        ['DELETE', `/api/v1/security-groups/${b.securityGroup}/rules/${b.rule}`],
        ['GET', `/api/v1/qos-policies/${b.qos}`],
        ['PATCH', `/api/v1/qos-policies/${b.qos}`, { dscp: 1 }],
        ['DELETE', `/api/v1/qos-policies/${b.qos}`],
        ['GET', `/api/v1/services/${b.service}`],
        ['PATCH', `/api/v1/services/${b.service}`, { policy: 'random' }],
        ['DELETE', `/api/v1/services/${b.service}`],
        ['GET', `/api/v1/namespace-bindings/${b.binding}`],
        ['GET', `/api/v1/namespace-bindings/globex-ns`],
        ['PATCH', `/api/v1/namespace-bindings/${b.binding}`, { network: a.network }],
        ['DELETE', `/api/v1/namespace-bindings/${b.binding}`],
        // Creating inside the other tenant, or referring to its objects from one's own.
        ['POST', '/api/v1/networks', { tenant: b.tenant, name: 'sneaky' }],
        ['POST', '/api/v1/subnets', { network: b.network, cidr: '10.9.0.0/24' }],
        ['POST', '/api/v1/routers', { tenant: 'globex', name: 'sneaky' }],
        ['POST', '/api/v1/endpoints', { network: b.network, kind: 'vm', node: 'node1', name: 'sneaky' }],
        [
          'POST',
          '/api/v1/endpoints',
          {
            network: a.network,
            kind: 'vm',
            node: 'node1',
            name: 'sneaky',
            securityGroups: [b.securityGroup],
          },
        ],
        [
          'POST',
          '/api/v1/endpoints',
          { network: a.network, kind: 'vm', node: 'node1', name: 'sneaky', qosPolicy: b.qos },
        ],
        ['POST', '/api/v1/security-groups', { tenant: b.tenant, name: 'sneaky' }],
        [
          'POST',
          `/api/v1/security-groups/${a.securityGroup}/rules`,
          { direction: 'ingress', remoteGroup: b.securityGroup },
        ],
        ['POST', '/api/v1/qos-policies', { tenant: b.tenant, name: 'sneaky' }],
        [
          'POST',
          '/api/v1/services',
          {
            network: b.network,
            name: 's',
            clusterIps: ['10.96.1.1'],
            ports: [{ protocol: 'tcp', port: 1, targetPort: 1 }],
            backends: [],
          },
        ],
        [
          'POST',
          '/api/v1/services',
          {
            network: a.network,
            name: 's',
            clusterIps: ['10.96.1.1'],
            ports: [{ protocol: 'tcp', port: 1, targetPort: 1 }],
            backends: [{ endpoint: b.endpoint }],
          },
        ],
        ['POST', '/api/v1/namespace-bindings', { namespace: 'sneaky', network: b.network }],
        ['GET', `/api/v1/networks?tenant=${b.tenant}`],
        ['GET', `/api/v1/endpoints?network=${b.network}`],
      ];
      for (const [method, url, payload] of urls) {
        const r = await api.call(tok, method, url, payload);
        assert.equal(r.status, 404, `${method} ${url} -> ${r.status} ${JSON.stringify(r.body)}`);
      }
      for (const list of [
        'tenants',
        'networks',
        'subnets',
        'routers',
        'endpoints',
        'security-groups',
        'qos-policies',
        'services',
        'namespace-bindings',
      ]) {
        const r = await api.call(tok, 'GET', `/api/v1/${list}`);
        assert.equal(r.status, 200);
        const items = r.json.items ?? [];
        assert.ok(items.length > 0, `${list}: acme's own objects are listed`);
        for (const o of items)
          assert.ok(o.tenantId === a.tenant || o.id === a.tenant, `${list} leaks ${JSON.stringify(o)}`);
      }
      // And the other tenant's objects are all still there.
      for (const [kind, id] of Object.entries(b)) {
        if (kind === 'routerInterface' || kind === 'rule') continue;
        assert.ok(
          api.model.store.get(
            kind === 'qos' ? 'qosPolicy' : kind === 'binding' ? 'namespaceBinding' : (kind as 'tenant'),
            id,
          ),
          kind,
        );
      }
    });
  });
});
