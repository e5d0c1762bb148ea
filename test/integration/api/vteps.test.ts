// /api/v1/vteps: leaf VTEPs registered, read, changed and removed by an admin; uplinks only from network-overlay
// nodes, one leaf per node; the rows the controller keeps on a leaf, with where each remote MAC lives.
import assert from 'node:assert/strict';
import { TestApi } from '../../support/api';

describe('integration: API /api/v1/vteps', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await new TestApi().start();
    for (const [name, overlay, ip] of [
      ['nn1', 'network', '192.0.2.11'],
      ['hn1', 'host', '192.0.2.12'],
    ] as const)
      await api.ok('POST', '/api/v1/nodes', {
        name,
        vswitch: 'ovs',
        overlay,
        tunnelIp: ip,
        ovsdb: 'unix:/x',
        uplink: 'eth-up',
        vlanRange: { min: 10, max: 20 },
      });
  });
  afterEach(() => api.stop());

  it('creates, lists, reads, patches and deletes a leaf', async () => {
    const v = await api.ok('POST', '/api/v1/vteps', {
      name: 'leaf1',
      ovsdb: 'tcp:192.0.2.9:6640',
      tunnelIp: '192.0.2.9',
      uplinks: [{ node: 'nn1', port: 'p1' }],
    });
    assert.equal(v.physicalSwitch, 'leaf1');
    assert.equal((v.uplinks as { port: string }[])[0]!.port, 'p1');
    const list = await api.ok('GET', '/api/v1/vteps');
    assert.equal((list.items as unknown[]).length, 1);
    assert.equal((await api.ok('GET', '/api/v1/vteps/leaf1')).id, v.id);
    const p = await api.ok('PATCH', '/api/v1/vteps/leaf1', { tunnelIp: '192.0.2.10' });
    assert.equal(p.tunnelIp, '192.0.2.10');
    await api.ok('DELETE', '/api/v1/vteps/leaf1', undefined, 204);
    assert.equal((await api.call(api.admin, 'GET', '/api/v1/vteps/leaf1')).status, 404);
  });

  it('refuses what a network engineer would call wrong, saying which field', async () => {
    const bad = async (body: unknown, status: number, re: RegExp) => {
      const r = await api.call(api.admin, 'POST', '/api/v1/vteps', body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body), re);
    };
    const base = { name: 'l', ovsdb: 'unix:/y', tunnelIp: '192.0.2.9' };
    await bad({ ...base, tunnelIp: 'fd00::9' }, 400, /tunnelIp.*vxlan_over_ipv4/);
    await bad({ ...base, uplinks: [{ node: 'hn1', port: 'p1' }] }, 400, /host-overlay node/);
    await bad({ ...base, uplinks: [{ node: 'ghost', port: 'p1' }] }, 404, /not found/);
    await api.ok('POST', '/api/v1/vteps', { ...base, uplinks: [{ node: 'nn1', port: 'p1' }] });
    await bad(
      { ...base, name: 'l2', uplinks: [{ node: 'nn1', port: 'p2' }] },
      409,
      /already uplinks to VTEP l/,
    );
    const tenant = api.token('viewer');
    assert.equal((await api.call(tenant, 'POST', '/api/v1/vteps', { ...base, name: 'x' })).status, 403);
  });

  it('shows the rows kept on the leaf: a binding per network with an endpoint on an uplinked node, MACs behind hosts', async () => {
    await api.ok('POST', '/api/v1/vteps', {
      name: 'leaf1',
      ovsdb: 'unix:/y',
      tunnelIp: '192.0.2.9',
      uplinks: [{ node: 'nn1', port: 'p1' }],
    });
    const tenant = (await api.ok('POST', '/api/v1/tenants', { name: 't' })).id as string;
    const network = (await api.ok('POST', '/api/v1/networks', { tenant, name: 'n', vni: 4242 })).id as string;
    await api.ok('POST', '/api/v1/subnets', { network, cidr: '10.0.0.0/24' });
    await api.ok('POST', '/api/v1/endpoints', { network, kind: 'pod', node: 'nn1', name: 'a' });
    const h = await api.ok('POST', '/api/v1/endpoints', { network, kind: 'vm', node: 'hn1', name: 'b' });
    const rows = await api.ok('GET', '/api/v1/vteps/leaf1/rows');
    assert.deepEqual(rows.logicalSwitches, [
      { name: 'vni-4242', vni: 4242, description: `sdn-network:${network}` },
    ]);
    assert.deepEqual(rows.bindings, [{ port: 'p1', vlan: 10, logicalSwitch: 'vni-4242' }]);
    assert.deepEqual(rows.ucastRemote, [
      { logicalSwitch: 'vni-4242', mac: h.mac, tunnelIp: '192.0.2.12', ipaddr: (h.ips as string[])[0] },
    ]);
    assert.deepEqual(rows.mcastRemote, [{ logicalSwitch: 'vni-4242', tunnelIps: ['192.0.2.12'] }]);
  });
});
