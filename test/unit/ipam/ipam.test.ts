import assert from 'node:assert/strict';
import { SYSTEM } from '../../../controller/ops/actor';
import { createEndpoint, deleteEndpoint } from '../../../controller/ops/endpoints';
import { DomainError } from '../../../controller/ops/errors';
import { createNode } from '../../../controller/ops/nodes';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy';
import { TempModel } from '../../support/model';

describe('ipam: allocation through the model', () => {
  let m: TempModel;
  beforeEach(() => {
    m = new TempModel({ retentionMs: 60_000 });
    createTenant(m.ctx, SYSTEM, { name: 't' });
    createNetwork(m.ctx, SYSTEM, { tenant: 't', name: 'n' });
    createNode(m.ctx, SYSTEM, {
      name: 'h',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
  });
  afterEach(() => m.dispose());

  const ep = (name: string, extra: { ips?: string[]; owner?: { namespace: string; name: string } } = {}) =>
    createEndpoint(m.ctx, SYSTEM, { network: 'n', kind: 'vm', node: 'h', name, ...extra });
  const refused = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof DomainError && re.test(e.message));

  it('claims fixed addresses: outside the pools is fine, the gateway, reserved and foreign addresses are not', () => {
    createSubnet(m.ctx, SYSTEM, {
      network: 'n',
      cidr: '10.0.0.0/24',
      pools: [{ start: '10.0.0.100', end: '10.0.0.110' }],
      reserved: ['10.0.0.105'],
    });
    assert.deepEqual(ep('a', { ips: ['10.0.0.7'] }).ips, ['10.0.0.7']);
    refused(() => ep('b', { ips: ['10.0.0.1'] }), /is the gateway/);
    refused(() => ep('c', { ips: ['10.0.0.105'] }), /is reserved/);
    refused(() => ep('d', { ips: ['10.0.0.255'] }), /in no subnet|not a usable address/);
    refused(() => ep('e', { ips: ['10.0.1.1'] }), /in no subnet/);
    refused(() => ep('f', { ips: ['10.0.0.7'] }), /already in use/);
    assert.deepEqual(ep('g').ips, ['10.0.0.100']);
  });

  it('skips reserved addresses and the gateway when allocating lowest-free', () => {
    createSubnet(m.ctx, SYSTEM, {
      network: 'n',
      cidr: '10.0.0.0/29',
      gateway: '10.0.0.3',
      reserved: ['10.0.0.2'],
    });
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((n) => ep(n).ips[0]),
      ['10.0.0.1', '10.0.0.4', '10.0.0.5', '10.0.0.6'],
    );
    refused(() => ep('e'), /no free IPv4 address/);
  });

  it('uses both addresses of a /127 and the single address of a /128', () => {
    createSubnet(m.ctx, SYSTEM, { network: 'n', cidr: '2001:db8::/127' });
    createSubnet(m.ctx, SYSTEM, { network: 'n', cidr: '2001:db8:1::7/128' });
    assert.deepEqual(
      ['a', 'b', 'c'].map((n) => ep(n).ips[0]),
      ['2001:db8::', '2001:db8::1', '2001:db8:1::7'],
    );
    refused(() => ep('d'), /no free IPv6 address/);
  });

  it('a full subnet takes back the oldest retained address before it refuses', () => {
    createSubnet(m.ctx, SYSTEM, { network: 'n', cidr: '10.0.0.0/30' }); // one host address: .2
    ep('a', { owner: { namespace: 's', name: 'a' } });
    deleteEndpoint(m.ctx, SYSTEM, 'a');
    assert.deepEqual(ep('b').ips, ['10.0.0.2']);
    refused(() => ep('c', { owner: { namespace: 's', name: 'a' } }), /no free IPv4 address/);
  });

  it('gives a stable owner its address back ahead of lower free ones', () => {
    createSubnet(m.ctx, SYSTEM, { network: 'n', cidr: '10.0.0.0/24' });
    ep('a');
    const b = ep('b', { owner: { namespace: 's', name: 'b' } });
    deleteEndpoint(m.ctx, SYSTEM, 'a');
    deleteEndpoint(m.ctx, SYSTEM, 'b');
    const back = ep('b2', { owner: { namespace: 's', name: 'b' } });
    assert.deepEqual(back.ips, b.ips);
    assert.equal(back.mac, b.mac);
    assert.deepEqual(ep('x').ips, ['10.0.0.2']);
  });
});
