import assert from 'node:assert/strict';
import { cniError, CniCode, errorJson, resultJson, type CniResult } from '../../../protocols/cni/index.js';

const r: CniResult = {
  interfaces: [
    { name: 'sdn0123456789a', mac: '02:00:00:00:00:01', mtu: 1450 },
    { name: 'eth0', mac: '0a:58:0a:00:00:05', sandbox: '/run/netns/p', mtu: 1450 },
  ],
  ips: [
    { address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 },
    { address: 'fd00::5/64', gateway: 'fd00::1', interface: 1 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1', mtu: 1450 }],
  dns: { nameservers: ['10.0.0.2'], search: [] },
};

describe('protocols/cni result', () => {
  it('1.0.0: no ips[].version, no mtu fields, cniVersion echoed', () => {
    const j = resultJson('1.0.0', r);
    assert.equal(j.cniVersion, '1.0.0');
    assert.deepEqual(j.ips, [
      { address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 },
      { address: 'fd00::5/64', gateway: 'fd00::1', interface: 1 },
    ]);
    assert.deepEqual(j.interfaces, [
      { name: 'sdn0123456789a', mac: '02:00:00:00:00:01' },
      { name: 'eth0', mac: '0a:58:0a:00:00:05', sandbox: '/run/netns/p' },
    ]);
    assert.deepEqual(j.routes, [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }]);
    assert.deepEqual(j.dns, { nameservers: ['10.0.0.2'] });
  });

  it('1.1.0 adds interface and route mtu', () => {
    const j = resultJson('1.1.0', r) as {
      interfaces: Array<{ mtu?: number }>;
      routes: Array<{ mtu?: number }>;
    };
    assert.equal(j.interfaces[1]?.mtu, 1450);
    assert.equal(j.routes[0]?.mtu, 1450);
  });

  it('0.x results carry ips[].version by family', () => {
    const j = resultJson('0.4.0', r) as { ips: Array<{ version?: string }> };
    assert.deepEqual(
      j.ips.map((i) => i.version),
      ['4', '6'],
    );
  });

  it('error JSON has cniVersion, code, msg and details', () => {
    const e = JSON.parse(errorJson('1.1.0', cniError(CniCode.TryAgainLater, 'controller down')));
    assert.deepEqual(e, {
      cniVersion: '1.1.0',
      code: 11,
      msg: 'Try again later',
      details: 'controller down',
    });
  });
});
