import assert from 'node:assert/strict';
import { ServiceTable, type LbService } from '../../../controller/services/index.js';
import { IpProto, parseFlowKey } from '../../../protocols/packets/index.js';
import { captures } from '../packets/captures.js';
import { backend, service } from './fixtures.js';

describe('services: ServiceTable', () => {
  it('finds the service and port of a parsed SYN, and its balancer picks a backend', () => {
    const table = new ServiceTable({ clock: () => 0 });
    const svc: LbService = {
      ...service(
        'round-robin',
        [backend('a'), backend('b'), { ...backend('c'), address: 'fd00:10:244::c' }],
        { kind: 'None' },
        ['10.77.0.2', 'FD77:0::2'],
      ),
      ports: [
        { name: 'web', protocol: 'TCP', port: 81, targetPort: 8081 },
        { name: 'dns', protocol: 'UDP', port: 9999, targetPort: 53 },
      ],
    };
    assert.deepEqual(table.upsert(svc), { ok: true });
    assert.equal(table.size, 4);
    for (const frame of [captures.tcpSyn, captures.tcp6Syn, captures.udp6ToClosedPort]) {
      const key = parseFlowKey(frame);
      assert.ok(key.ok);
      const entry = table.lookup(key.value.dst, key.value.protocol, key.value.dstPort);
      assert.ok(entry, `no entry for ${key.value.dst}`);
      assert.equal(entry.service.id, svc.id);
      assert.equal(entry.port.port, key.value.dstPort);
      const choice = entry.balancer.choose(key.value.src);
      assert.ok(choice.kind === 'backend');
      assert.equal(choice.backend.address.includes(':'), key.value.ipVersion === 6);
    }
    assert.equal(table.lookup('10.77.0.2', IpProto.UDP, 81), undefined);
    assert.equal(table.lookup('10.77.0.2', IpProto.TCP, 82), undefined);
  });

  it('refuses a (ClusterIP, protocol, port) owned by another service, and a bad address', () => {
    const table = new ServiceTable({ clock: () => 0 });
    table.upsert(service('round-robin', [backend('a')]));
    const other = { ...service('round-robin', [backend('b')]), id: 'default/other' };
    const r = table.upsert(other);
    assert.equal(r.ok, false);
    assert.ok(
      !r.ok && r.conflictsWith === 'default/web' && /10\.96\.0\.10 TCP\/80 already belongs/.test(r.reason),
    );
    assert.equal(table.serviceCount, 1);
    const bad = table.upsert({ ...other, vips: ['10.96.0.300'] });
    assert.ok(!bad.ok && /not an IP address/.test(bad.reason));
  });

  it('replaces the keys of an updated service and keeps its balancer state', () => {
    const table = new ServiceTable({ clock: () => 0 });
    table.upsert(service('round-robin', [backend('a'), backend('b')]));
    const lb = table.balancer('default/web');
    assert.ok(lb);
    lb.choose('x'); // a
    table.upsert({ ...service('round-robin', [backend('a'), backend('b')]), vips: ['10.96.0.11'] });
    assert.equal(table.lookup('10.96.0.10', IpProto.TCP, 80), undefined);
    const entry = table.lookup('10.96.0.11', IpProto.TCP, 80);
    assert.equal(entry?.balancer, lb);
    const next = entry?.balancer.choose('x');
    assert.equal(next?.kind === 'backend' && next.backend.id, 'b');
    assert.equal(table.remove('default/web'), true);
    assert.equal(table.size, 0);
    assert.equal(table.remove('default/web'), false);
  });
});
