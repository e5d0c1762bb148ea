import assert from 'node:assert/strict';
import { parseConfig, parseListen } from '../../../controller/config';

const argv = (...a: string[]) => ['node', 'sdn-controller', ...a];

describe('controller config', () => {
  it('has the documented defaults', () => {
    const c = parseConfig(argv(), {});
    assert.equal(c.dataDir, './data');
    assert.deepEqual(c.apiListen, { kind: 'tcp', host: '127.0.0.1', port: 8080 });
    assert.deepEqual(c.openflowListen, { kind: 'tcp', host: '127.0.0.1', port: 6653 });
    assert.equal(c.ovsdbListen, undefined);
    assert.equal(c.storeSync, 'OFFLOADED');
  });

  it('takes environment variables, and flags over them', () => {
    const env = {
      SDN_DATA_DIR: '/var/lib/sdn',
      SDN_API_LISTEN: '[::1]:9000',
      SDN_OPENFLOW_LISTEN: ':6633',
      SDN_OVSDB_LISTEN: 'unix:/run/sdn/ovsdb.sock',
      SDN_STORE_SYNC: 'full',
    };
    const c = parseConfig(argv(), env);
    assert.equal(c.dataDir, '/var/lib/sdn');
    assert.deepEqual(c.apiListen, { kind: 'tcp', host: '::1', port: 9000 });
    assert.deepEqual(c.openflowListen, { kind: 'tcp', host: '0.0.0.0', port: 6633 });
    assert.deepEqual(c.ovsdbListen, { kind: 'unix', path: '/run/sdn/ovsdb.sock' });
    assert.equal(c.storeSync, 'FULL');
    const f = parseConfig(argv('--data-dir', '/tmp/x', '--ovsdb-listen', '10.0.0.1:6640'), env);
    assert.equal(f.dataDir, '/tmp/x');
    assert.deepEqual(f.ovsdbListen, { kind: 'tcp', host: '10.0.0.1', port: 6640 });
  });

  it('takes the packet-in limits from flags or the environment, and refuses what is not a positive integer', () => {
    const d = parseConfig(argv(), {});
    assert.equal(d.packetInRate, 10000);
    assert.equal(d.serviceMissRate, 5000);
    const e = parseConfig(argv(), { SDN_SERVICE_MISS_RATE: '500', SDN_PACKET_IN_RATE: '2000' });
    assert.equal(e.serviceMissRate, 500);
    assert.equal(e.packetInRate, 2000);
    assert.equal(
      parseConfig(argv('--service-miss-rate', '300'), { SDN_SERVICE_MISS_RATE: '500' }).serviceMissRate,
      300,
    );
    assert.throws(
      () => parseConfig(argv(), { SDN_SERVICE_MISS_RATE: 'lots' }),
      /SDN_SERVICE_MISS_RATE: "lots" is not a positive integer/,
    );
    assert.throws(() => parseConfig(argv('--service-miss-rate', '0'), {}), /"0" is not a positive integer/);
  });

  it('says what is wrong with a listen address', () => {
    assert.throws(() => parseListen('localhost'), /is not HOST:PORT/);
    assert.throws(() => parseListen('h:99999'), /is not HOST:PORT/);
    assert.throws(
      () => parseConfig(argv(), { SDN_STORE_SYNC: 'sometimes' }),
      /expected OFFLOADED, FULL or NORMAL/,
    );
  });
});
