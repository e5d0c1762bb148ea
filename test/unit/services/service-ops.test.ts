// Service operations the load balancer relies on: ClusterIP allocation from the service CIDRs, backends added,
// removed and marked unhealthy one at a time (the balancer's view follows), and the DNS Service in CNI results.
import assert from 'node:assert/strict';
import { SYSTEM } from '../../../controller/ops/actor.js';
import { cniResult } from '../../../controller/ops/cni.js';
import { createEndpoint } from '../../../controller/ops/endpoints.js';
import { createNode } from '../../../controller/ops/nodes.js';
import {
  addBackend,
  createService,
  removeBackend,
  setBackendHealth,
} from '../../../controller/ops/services.js';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy.js';
import { allFamilyServices } from '../../../controller/services/model-view.js';
import { TempModel } from '../../support/model.js';

describe('services: operations', () => {
  let m: TempModel;
  beforeEach(() => {
    m = new TempModel({ serviceCidrs: ['10.96.0.0/30', 'fd00:96::/126'] });
    createTenant(m.ctx, SYSTEM, { name: 'acme' });
    const n = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name: 'web' });
    createSubnet(m.ctx, SYSTEM, { network: n.id, cidr: '10.1.0.0/24', gateway: '10.1.0.1' });
    createNode(m.ctx, SYSTEM, {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
  });
  afterEach(() => m.dispose());

  const svc = (name: string, clusterIps?: string[]) =>
    createService(m.ctx, SYSTEM, {
      network: 'web',
      name,
      ...(clusterIps ? { clusterIps } : {}),
      ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
      backends: [],
    });

  it('allocates the lowest free ClusterIP of each service CIDR, and says when one is full', () => {
    assert.deepEqual(svc('a').clusterIps, ['10.96.0.1', 'fd00:96::1']);
    assert.deepEqual(svc('b', ['10.96.0.2']).clusterIps, ['10.96.0.2']);
    // /30: .1 and .2 taken, .3 is the broadcast address.
    assert.throws(() => svc('c'), /10\.96\.0\.0\/30 has no free address/);
  });

  it('adds, removes and marks backends; the balancer sees only what may take new connections', () => {
    const s = svc('web');
    const e1 = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'n1', name: 'e1' });
    addBackend(m.ctx, SYSTEM, s.id, { endpoint: 'e1' });
    addBackend(m.ctx, SYSTEM, s.id, { address: '192.0.2.50', weight: 3 });
    assert.throws(() => addBackend(m.ctx, SYSTEM, s.id, { endpoint: e1.id }), /already a backend/);
    setBackendHealth(m.ctx, SYSTEM, s.id, 'e1', 'unhealthy');
    const view = allFamilyServices(m.store, () => 'healthy').find((f) => f.family === 4);
    assert.deepEqual(
      view?.lb.backends.map((b) => [b.id, b.health, b.weight]),
      [
        [e1.id, 'unhealthy', 1],
        ['addr:192.0.2.50', 'healthy', 3],
      ],
    );
    assert.ok(view?.external.has('addr:192.0.2.50'));
    const after = removeBackend(m.ctx, SYSTEM, s.id, '192.0.2.50');
    assert.equal(after.backends.length, 1);
    assert.throws(() => removeBackend(m.ctx, SYSTEM, s.id, '192.0.2.50'), /not a backend/);
  });

  it("names the network's kube-dns Service first among the CNI result's nameservers", () => {
    const e = createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'n1', name: 'p' });
    assert.deepEqual(cniResult(m.ctx, e).dns.nameservers ?? [], []);
    const dns = svc('kube-dns', ['10.96.0.2']);
    assert.deepEqual(cniResult(m.ctx, e).dns.nameservers, dns.clusterIps);
  });
});
