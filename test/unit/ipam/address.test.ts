import assert from 'node:assert/strict';
import {
  defaultGateway,
  defaultPools,
  formatAddress,
  formatRange,
  isProblem,
  parseAddress,
  parseCidr,
  planSubnet,
  usableRange,
  type SubnetPlan,
} from '../../../controller/ipam/address';
import { deriveMac, macForAddress, normalizeMac } from '../../../controller/ipam/mac';

const fmt = (cidr: string): string | undefined => {
  const c = parseCidr(cidr);
  const r = usableRange(c);
  return r && formatRange(c.version, r);
};

function plan(input: Parameters<typeof planSubnet>[0]): SubnetPlan {
  const p = planSubnet(input);
  if (isProblem(p)) assert.fail(`${p.field}: ${p.reason}`);
  return p;
}

describe('ipam address arithmetic', () => {
  it('parses and formats v4 and v6 addresses', () => {
    assert.equal(parseAddress('10.0.0.1').value, 0x0a000001n);
    assert.equal(formatAddress(4, 0xffffffffn), '255.255.255.255');
    assert.equal(formatAddress(6, parseAddress('2001:DB8:0:0::1').value), '2001:db8::1');
    assert.throws(() => parseAddress('10.0.0'), /not an IPv4 or IPv6/);
    assert.throws(() => parseAddress('010.0.0.1x'), /not an IPv4 or IPv6/);
  });

  it('rejects CIDRs with host bits and bad prefixes, naming the subnet meant', () => {
    assert.throws(() => parseCidr('10.0.0.5/24'), /host bits set; the subnet is 10\.0\.0\.0\/24/);
    assert.throws(() => parseCidr('10.0.0.0/33'), /prefix length "33", expected 0\.\.32/);
    assert.throws(() => parseCidr('2001:db8::/129'), /expected 0\.\.128/);
    assert.throws(() => parseCidr('10.0.0.0'), /not a CIDR/);
  });

  it('v4: network and broadcast are not usable, except on /31 and /32', () => {
    assert.equal(fmt('10.0.0.0/24'), '10.0.0.1-10.0.0.254');
    assert.equal(fmt('10.0.0.0/30'), '10.0.0.1-10.0.0.2');
    assert.equal(fmt('10.0.0.0/31'), '10.0.0.0-10.0.0.1');
    assert.equal(fmt('10.0.0.7/32'), '10.0.0.7-10.0.0.7');
  });

  it('v6: the subnet-router anycast address is not usable, except on /127 and /128', () => {
    assert.equal(fmt('2001:db8::/64'), '2001:db8::1-2001:db8::ffff:ffff:ffff:ffff');
    assert.equal(fmt('2001:db8::/126'), '2001:db8::1-2001:db8::3');
    assert.equal(fmt('2001:db8::/127'), '2001:db8::-2001:db8::1');
    assert.equal(fmt('2001:db8::5/128'), '2001:db8::5-2001:db8::5');
  });

  it('default gateway is the first usable address when there is room for hosts', () => {
    assert.equal(defaultGateway(parseCidr('10.0.0.0/24')), 0x0a000001n);
    assert.equal(defaultGateway(parseCidr('10.0.0.0/30')), 0x0a000001n);
    assert.equal(defaultGateway(parseCidr('10.0.0.0/31')), undefined);
    assert.equal(defaultGateway(parseCidr('10.0.0.0/32')), undefined);
    assert.equal(defaultGateway(parseCidr('2001:db8::/127')), undefined);
    const c = parseCidr('10.0.0.0/29');
    assert.deepEqual(
      defaultPools(c, defaultGateway(c)).map((r) => formatRange(4, r)),
      ['10.0.0.2-10.0.0.6'],
    );
  });

  it('a gateway in the middle splits the default pool', () => {
    const p = plan({ cidr: '10.0.0.0/29', gateway: '10.0.0.4' });
    assert.deepEqual(
      p.pools.map((r) => formatRange(4, r)),
      ['10.0.0.1-10.0.0.3', '10.0.0.5-10.0.0.6'],
    );
  });

  it('pools touching the gateway are fine, pools containing it are not', () => {
    const ok = plan({
      cidr: '10.0.0.0/24',
      gateway: '10.0.0.1',
      pools: [{ start: '10.0.0.2', end: '10.0.0.9' }],
    });
    assert.equal(ok.pools.length, 1);
    const below = plan({
      cidr: '10.0.0.0/24',
      gateway: '10.0.0.10',
      pools: [{ start: '10.0.0.2', end: '10.0.0.9' }],
    });
    assert.equal(below.pools.length, 1);
    const bad = planSubnet({
      cidr: '10.0.0.0/24',
      gateway: '10.0.0.9',
      pools: [{ start: '10.0.0.2', end: '10.0.0.9' }],
    });
    assert.ok(isProblem(bad));
    assert.equal(bad.field, 'pools/0');
    assert.match(bad.reason, /contains the gateway 10\.0\.0\.9/);
  });

  it('names the field at fault: pool outside, broadcast, reversed, overlapping, wrong family', () => {
    const cases: [Parameters<typeof planSubnet>[0], string, RegExp][] = [
      [
        { cidr: '10.0.0.0/24', pools: [{ start: '10.0.1.1', end: '10.0.1.9' }] },
        'pools/0/start',
        /outside 10\.0\.0\.0\/24/,
      ],
      [
        { cidr: '10.0.0.0/24', pools: [{ start: '10.0.0.2', end: '10.0.0.255' }] },
        'pools/0/end',
        /network or broadcast/,
      ],
      [
        { cidr: '10.0.0.0/24', pools: [{ start: '10.0.0.9', end: '10.0.0.2' }] },
        'pools/0',
        /ends before it starts/,
      ],
      [
        {
          cidr: '10.0.0.0/24',
          pools: [
            { start: '10.0.0.2', end: '10.0.0.9' },
            { start: '10.0.0.9', end: '10.0.0.20' },
          ],
        },
        'pools',
        /overlap/,
      ],
      [{ cidr: '10.0.0.0/24', gateway: '2001:db8::1' }, 'gateway', /outside/],
      [{ cidr: '10.0.0.0/24', gateway: '10.0.0.0' }, 'gateway', /network or broadcast/],
      [{ cidr: '2001:db8::/64', gateway: '2001:db8::' }, 'gateway', /anycast/],
      [{ cidr: 'nonsense' }, 'cidr', /not a CIDR/],
      [{ cidr: '10.0.0.0/24', reserved: ['10.0.0.300'] }, 'reserved/0', /not an IPv4/],
    ];
    for (const [input, field, reason] of cases) {
      const p = planSubnet(input);
      assert.ok(isProblem(p), JSON.stringify(input));
      assert.equal(p.field, field);
      assert.match(p.reason, reason);
    }
  });

  it('/31 and /127 subnets have no default gateway and use both addresses', () => {
    assert.deepEqual(
      plan({ cidr: '10.0.0.0/31' }).pools.map((r) => formatRange(4, r)),
      ['10.0.0.0-10.0.0.1'],
    );
    assert.deepEqual(
      plan({ cidr: '2001:db8::/127' }).pools.map((r) => formatRange(6, r)),
      ['2001:db8::-2001:db8::1'],
    );
    assert.deepEqual(
      plan({ cidr: '10.1.1.1/32' }).pools.map((r) => formatRange(4, r)),
      ['10.1.1.1-10.1.1.1'],
    );
    assert.deepEqual(
      plan({ cidr: '2001:db8::9/128' }).pools.map((r) => formatRange(6, r)),
      ['2001:db8::9-2001:db8::9'],
    );
  });
});

describe('ipam MAC derivation', () => {
  it('maps IPv4 one-to-one into a locally administered unicast MAC', () => {
    assert.equal(macForAddress('10.0.0.5'), '0a:58:0a:00:00:05');
    assert.equal(macForAddress('2001:db8::1:2'), '0e:00:00:01:00:02');
  });

  it('falls back to a hashed MAC when the derived one is taken, deterministically', () => {
    const taken = new Set(['0e:00:00:00:00:01']);
    const a = deriveMac('2001:db8:1::1', 'x', (m) => taken.has(m));
    const b = deriveMac('2001:db8:1::1', 'x', (m) => taken.has(m));
    assert.equal(a, b);
    assert.notEqual(a, '0e:00:00:00:00:01');
    assert.equal(parseInt(a.slice(0, 2), 16) & 3, 2, 'locally administered unicast');
  });

  it('normalizes and rejects MACs', () => {
    assert.deepEqual(normalizeMac('0A-58-0A-00-00-05'), { mac: '0a:58:0a:00:00:05' });
    assert.ok('reason' in normalizeMac('01:00:5e:00:00:01'));
    assert.ok('reason' in normalizeMac('00:00:00:00:00:00'));
    assert.ok('reason' in normalizeMac('zz:00:00:00:00:00'));
  });
});
