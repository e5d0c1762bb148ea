import assert from 'node:assert/strict';
import {
  CniCode,
  parseNetConf,
  requestVersion,
  type CniCommand,
  type NetConf,
} from '../../../protocols/cni/index.js';

const base = { cniVersion: '1.0.0', name: 'pods', type: 'sdn-cni' };

function conf(obj: unknown, cmd: CniCommand = 'ADD'): NetConf {
  const r = parseNetConf(JSON.stringify(obj), cmd);
  if (!r.ok) assert.fail(`expected ok, got ${r.error.code} ${r.error.details}`);
  return r.value;
}

function code(text: string, cmd: CniCommand = 'ADD'): number {
  const r = parseNetConf(text, cmd);
  return r.ok ? 0 : r.error.code;
}

const prevResult = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'sdn0123456789a', mac: '02:00:00:00:00:01' },
    { name: 'eth0', sandbox: '/run/netns/p' },
  ],
  ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
};

describe('protocols/cni config', () => {
  it('reads the plugin keys and passes unknown keys through', () => {
    const c = conf({ ...base, network: 'blue', mtu: 1400, agentSocket: '/run/sdn/a.sock', somethingElse: 1 });
    assert.equal(c.network, 'blue');
    assert.equal(c.mtu, 1400);
    assert.equal(c.agentSocket, '/run/sdn/a.sock');
  });

  it('bad JSON is code 6', () => {
    assert.equal(code('{"cniVersion":'), CniCode.DecodeFailure);
    assert.equal(code('[1]'), CniCode.DecodeFailure);
  });

  it('an unsupported version is code 1 on every verb, a missing one code 7', () => {
    for (const cmd of ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS'] as const) {
      assert.equal(code(JSON.stringify({ ...base, cniVersion: '9.9.9' }), cmd), CniCode.IncompatibleVersion);
    }
    assert.equal(code(JSON.stringify({ name: 'x', type: 'y' })), CniCode.InvalidConfig);
  });

  it('CHECK needs 0.4.0+ and a prevResult; GC and STATUS need 1.1.0', () => {
    assert.equal(
      code(JSON.stringify({ ...base, cniVersion: '0.3.1', prevResult }), 'CHECK'),
      CniCode.IncompatibleVersion,
    );
    assert.equal(code(JSON.stringify(base), 'CHECK'), CniCode.InvalidConfig);
    assert.equal(conf({ ...base, prevResult }, 'CHECK').prevResult?.ips[0]?.address, '10.0.0.5/24');
    assert.equal(code(JSON.stringify(base), 'GC'), CniCode.IncompatibleVersion);
    assert.equal(code(JSON.stringify({ ...base, cniVersion: '1.1.0' }), 'STATUS'), 0);
  });

  it('refuses ipam with code 2, naming the key', () => {
    const r = parseNetConf(JSON.stringify({ ...base, ipam: { type: 'host-local' } }), 'ADD');
    assert.ok(!r.ok);
    assert.equal(r.error.code, CniCode.UnsupportedField);
    assert.match(r.error.details, /ipam/);
  });

  it('validates name, type, mtu, network and agentSocket', () => {
    assert.equal(code(JSON.stringify({ ...base, name: '' })), CniCode.InvalidConfig);
    assert.equal(code(JSON.stringify({ ...base, type: undefined })), CniCode.InvalidConfig);
    assert.equal(code(JSON.stringify({ ...base, mtu: 20 })), CniCode.InvalidConfig);
    assert.equal(code(JSON.stringify({ ...base, network: 3 })), CniCode.InvalidConfig);
    assert.equal(code(JSON.stringify({ ...base, agentSocket: 'rel.sock' })), CniCode.InvalidConfig);
  });

  it('collects fixed addresses from runtimeConfig.ips (CIDR) and args.cni.ips, and the mac', () => {
    const c = conf({
      ...base,
      runtimeConfig: { ips: ['10.0.0.9/24'], mac: '0A:00:00:00:00:09' },
      args: { cni: { ips: ['10.0.0.9', 'fd00::9'] } },
    });
    assert.deepEqual(c.ips, ['10.0.0.9', 'fd00::9']);
    assert.equal(c.mac, '0a:00:00:00:00:09');
    assert.equal(code(JSON.stringify({ ...base, runtimeConfig: { ips: ['nope'] } })), CniCode.InvalidConfig);
  });

  it('merges runtimeConfig.dns over dns', () => {
    const c = conf({
      ...base,
      dns: { nameservers: ['10.0.0.2'], search: ['a'] },
      runtimeConfig: { dns: { search: ['b'] } },
    });
    assert.deepEqual(c.dns, { nameservers: ['10.0.0.2'], search: ['b'] });
  });

  it('GC reads valid attachments from both cni.dev keys, without duplicates', () => {
    const a = { containerID: 'c1', ifname: 'eth0' };
    const b = { containerID: 'c2', ifname: 'net1' };
    const c = conf(
      { ...base, cniVersion: '1.1.0', 'cni.dev/attachments': [a], 'cni.dev/valid-attachments': [a, b] },
      'GC',
    );
    assert.deepEqual(c.validAttachments, [
      { containerId: 'c1', ifname: 'eth0' },
      { containerId: 'c2', ifname: 'net1' },
    ]);
  });

  it('rejects a prevResult whose interface index is out of range', () => {
    const bad = { ...prevResult, ips: [{ address: '10.0.0.5/24', interface: 5 }] };
    assert.equal(code(JSON.stringify({ ...base, prevResult: bad }), 'CHECK'), CniCode.InvalidConfig);
  });

  it('requestVersion reads only a supported cniVersion', () => {
    assert.equal(requestVersion('{"cniVersion":"0.4.0"}'), '0.4.0');
    assert.equal(requestVersion('{"cniVersion":"7"}'), undefined);
    assert.equal(requestVersion('nope'), undefined);
  });
});
