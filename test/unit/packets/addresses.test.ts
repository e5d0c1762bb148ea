import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import {
  canonicalIp,
  formatIpv4,
  formatIpv6,
  formatMac,
  parseIp,
  parseMac,
} from '../../../protocols/packets/index.js';
import { mulberry32 } from '../../support/rng.js';

describe('packets: address text', () => {
  it('formats MACs in lower case and parses colon or dash forms', () => {
    const mac = Uint8Array.from([0x02, 0xab, 0, 0x10, 0xff, 1]);
    assert.equal(formatMac(mac, 0), '02:ab:00:10:ff:01');
    assert.deepEqual(parseMac('02:AB:00:10:FF:01'), mac);
    assert.deepEqual(parseMac('02-ab-00-10-ff-01'), mac);
    assert.equal(parseMac('02:ab:00:10:ff'), undefined);
    assert.equal(parseMac('02:ab:00:10:ff:011'), undefined);
  });

  it('formats IPv4 as a dotted quad', () => {
    assert.equal(formatIpv4(Uint8Array.from([10, 96, 0, 255]), 0), '10.96.0.255');
  });

  it('formats IPv6 by RFC 5952 exactly as ipaddr.js does, over edge cases and 20k random addresses', () => {
    const edge = [
      '::',
      '::1',
      '1::',
      '2001:db8::1',
      '2001:db8:0:1:1:1:1:1', // a single zero group is not compressed
      '2001:0:0:1:0:0:0:1', // the longer run wins
      '2001:db8:0:0:1:0:0:1', // on a tie, the first run wins
      'fe80::ff:fe00:b',
      '::ffff:10.1.2.3',
      'ff02::1:ff00:2',
    ];
    const next = mulberry32(7);
    const samples: Uint8Array[] = edge.map((t) => Uint8Array.from(ipaddr.parse(t).toByteArray()));
    for (let i = 0; i < 20000; i++) {
      const b = new Uint8Array(16);
      // Mostly zero groups, so that runs of every length and position occur.
      for (let g = 0; g < 8; g++) {
        if (next() < 0.5) continue;
        b[2 * g] = next() < 0.5 ? 0 : Math.floor(next() * 256);
        b[2 * g + 1] = Math.floor(next() * 256);
      }
      samples.push(b);
    }
    for (const b of samples) {
      const expected = ipaddr.fromByteArray(Array.from(b)).toString();
      assert.equal(formatIpv6(b, 0), expected);
    }
  });

  it('parses only real addresses: dotted quads, IPv6 text', () => {
    assert.deepEqual(parseIp('10.0.0.1'), { version: 4, bytes: Uint8Array.from([10, 0, 0, 1]) });
    assert.equal(parseIp('fd00::1')?.version, 6);
    assert.equal(parseIp('10'), undefined); // inet_aton would take it
    assert.equal(parseIp('0x0a.0.0.1'), undefined);
    assert.equal(parseIp('nonsense'), undefined);
    assert.equal(canonicalIp('2001:DB8:0:0::0:1'), '2001:db8::1');
  });
});
