// Bare-metal endpoints through the API: placed behind a leaf's port on a VLAN by an admin, refused with the field
// to fix when the placement is wrong; the leaf's rows bind them; GET /macs says where every MAC lives; a leaf with
// servers behind it cannot be deleted. (No VTEP reconciler runs here: the leaf's live state reads `unknown`.)
import assert from 'node:assert/strict';
import { TestApi } from '../../support/api';

describe('integration: API bare-metal endpoints and MAC locations', () => {
  let api: TestApi;
  let network: string;
  let other: string;
  let tenant: string;
  beforeEach(async () => {
    api = await new TestApi().start();
    await api.ok('POST', '/api/v1/nodes', {
      name: 'nn1',
      vswitch: 'ovs',
      overlay: 'network',
      tunnelIp: '192.0.2.11',
      ovsdb: 'unix:/x',
      uplink: 'eth-up',
      vlanRange: { min: 10, max: 20 },
    });
    await api.ok('POST', '/api/v1/nodes', {
      name: 'hn1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.12',
      ovsdb: 'unix:/x',
    });
    await api.ok('POST', '/api/v1/vteps', {
      name: 'leaf1',
      ovsdb: 'unix:/y',
      tunnelIp: '192.0.2.9',
      uplinks: [{ node: 'nn1', port: 'p1' }],
    });
    tenant = (await api.ok('POST', '/api/v1/tenants', { name: 't' })).id as string;
    network = (await api.ok('POST', '/api/v1/networks', { tenant, name: 'n', vni: 4242 })).id as string;
    other = (await api.ok('POST', '/api/v1/networks', { tenant, name: 'o', vni: 4343 })).id as string;
    await api.ok('POST', '/api/v1/subnets', { network, cidr: '10.0.0.0/24' });
    await api.ok('POST', '/api/v1/subnets', { network: other, cidr: '10.0.0.0/24' });
  });
  afterEach(() => api.stop());

  it('places a server behind the leaf, binds its (port, VLAN) there and says where each MAC lives', async () => {
    const bm = await api.ok('POST', '/api/v1/endpoints', {
      network,
      kind: 'baremetal',
      vtep: 'leaf1',
      port: 'p7',
      vlan: 30,
      name: 'db1',
      mac: '02:00:00:00:00:50',
    });
    const leaf = await api.ok('GET', '/api/v1/vteps/leaf1');
    assert.deepEqual(bm.physical, { vtepId: leaf.id, port: 'p7', vlan: 30 });
    assert.equal(bm.nodeId, leaf.id);
    const pod = await api.ok('POST', '/api/v1/endpoints', { network, kind: 'pod', node: 'nn1', name: 'a' });
    const vm = await api.ok('POST', '/api/v1/endpoints', { network, kind: 'vm', node: 'hn1', name: 'b' });

    const rows = await api.ok('GET', '/api/v1/vteps/leaf1/rows');
    assert.deepEqual(rows.bindings, [
      { port: 'p1', vlan: 10, logicalSwitch: 'vni-4242' },
      { port: 'p7', vlan: 30, logicalSwitch: 'vni-4242' },
    ]);
    assert.deepEqual(rows.ports, ['p1', 'p7']);

    const macs = (await api.ok('GET', `/api/v1/macs?network=${network}`)).items as Record<string, unknown>[];
    const where = (mac: unknown) => macs.find((m) => m.mac === mac)?.location;
    assert.deepEqual(where(bm.mac), {
      kind: 'leaf',
      name: 'leaf1',
      tunnelIp: '192.0.2.9',
      port: 'p7',
      vlan: 30,
    });
    assert.deepEqual(where(pod.mac), {
      kind: 'node',
      name: 'nn1',
      overlay: 'network',
      tunnelIp: '192.0.2.9',
      port: 'p1',
      vlan: 10,
    });
    assert.deepEqual(where(vm.mac), { kind: 'node', name: 'hn1', tunnelIp: '192.0.2.12', overlay: 'host' });

    const state = await api.ok('GET', '/api/v1/vteps/leaf1/state');
    assert.equal(state.connection, 'unknown');
    assert.equal(state.inSync, false);

    const del = await api.call(api.admin, 'DELETE', '/api/v1/vteps/leaf1');
    assert.equal(del.status, 409);
    assert.match(JSON.stringify(del.body), /bare-metal endpoints sit behind VTEP leaf1/);
    await api.ok('DELETE', `/api/v1/endpoints/${bm.id as string}`, undefined, 204);
    assert.deepEqual((await api.ok('GET', '/api/v1/vteps/leaf1/rows')).ports as string[], ['p1']);
  });

  it('refuses a wrong placement, naming the field', async () => {
    const bad = async (body: Record<string, unknown>, status: number, re: RegExp, token = api.admin) => {
      const r = await api.call(token, 'POST', '/api/v1/endpoints', {
        network,
        kind: 'baremetal',
        name: 'x',
        ...body,
      });
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body), re);
    };
    const at = { vtep: 'leaf1', port: 'p7', vlan: 30 };
    await bad({ ...at, node: 'nn1' }, 400, /body\/node.*vtep, port and vlan/);
    await bad({ port: 'p7', vlan: 30 }, 400, /body\/vtep/);
    await bad({ vtep: 'leaf1', vlan: 30 }, 400, /body\/port/);
    await bad({ vtep: 'leaf1', port: 'p7' }, 400, /body\/vlan/);
    await bad({ ...at, vlan: 4095 }, 400, /vlan/);
    await bad({ ...at, vtep: 'ghost' }, 404, /not found/);
    await bad({ ...at, port: 'p1' }, 409, /uplink of node nn1/);
    await bad(at, 403, /only an admin places bare-metal/, api.token('tenant', tenant));
    await api.ok('POST', '/api/v1/endpoints', { network, kind: 'baremetal', name: 'x', ...at });
    // One (port, VLAN) carries one network; another server in the same network may share it.
    await api.ok('POST', '/api/v1/endpoints', { network, kind: 'baremetal', name: 'y', ...at });
    const r = await api.call(api.admin, 'POST', '/api/v1/endpoints', {
      network: other,
      kind: 'baremetal',
      name: 'z',
      ...at,
    });
    assert.equal(r.status, 409);
    assert.match(JSON.stringify(r.body), /VLAN 30 on leaf1 port p7 already carries another network/);
    // A pod still needs its node.
    const p = await api.call(api.admin, 'POST', '/api/v1/endpoints', { network, kind: 'pod', name: 'p' });
    assert.equal(p.status, 400);
    assert.match(JSON.stringify(p.body), /body\/node/);
  });
});
