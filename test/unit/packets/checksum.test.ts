import assert from 'node:assert/strict';
import {
  decodeFrame,
  finishChecksum,
  internetChecksum,
  sum16,
  verifyTransportChecksum,
  type Ipv4Header,
  type Ipv6Header,
} from '../../../protocols/packets/index.js';
import { captures, hex } from './captures.js';

function ipOf(frame: Buffer): Ipv4Header | Ipv6Header {
  const d = decodeFrame(frame);
  assert.ok(d.ok, d.ok ? '' : d.error.reason);
  const ip = d.value.network;
  assert.ok(ip && ip.kind !== 'arp');
  return ip;
}

describe('packets: Internet checksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 section 3', () => {
    // 00 01 f2 03 f4 f5 f6 f7: the one's complement sum is ddf2, the checksum its complement.
    const bytes = hex('0001f203f4f5f6f7');
    assert.equal(finishChecksum(sum16(bytes, 0, bytes.length)), ~0xddf2 & 0xffff);
    assert.equal(internetChecksum(bytes), 0x220d);
  });

  it('pads an odd last byte with zero', () => {
    assert.equal(internetChecksum(hex('0001f203f4')), internetChecksum(hex('0001f203f400')));
  });

  it('folds carries more than once (0xffff words)', () => {
    const ones = Buffer.alloc(4000, 0xff);
    assert.equal(internetChecksum(ones), 0); // the sum of any number of 0xffff is 0xffff: complement 0
    assert.equal(internetChecksum(hex('ffff0001')), 0xfffe);
  });

  it('gives the published checksum of a well-known IPv4 header (b861)', () => {
    const header = hex('450000730000400040110000c0a80001c0a800c7');
    assert.equal(internetChecksum(header), 0xb861);
  });

  it('verifies every IPv4 header checksum the kernel wrote', () => {
    for (const name of [
      'tcpSyn',
      'tcpRstAck',
      'udpToClosedPort',
      'icmpPortUnreachable',
      'ipv4MiddleFragment',
    ] as const) {
      const ip = ipOf(captures[name]);
      assert.equal(ip.kind, 'ipv4');
      assert.equal((ip as Ipv4Header).checksumValid, true, name);
    }
  });

  it('verifies the kernel TCP, UDP, ICMP and ICMPv6 checksums over their pseudo-headers', () => {
    const valid = [
      'tcpSyn',
      'tcpRstAck',
      'udpToClosedPort',
      'icmpEchoRequest',
      'icmpPortUnreachable',
      'tcp6Syn',
      'tcp6RstAck',
      'udp6ToClosedPort',
      'icmpv6PortUnreachable',
      'neighborSolicitation',
      'neighborAdvertisement',
      'routerSolicitation',
      'mldReportHopByHop',
    ] as const;
    for (const name of valid) {
      const frame = captures[name];
      assert.equal(verifyTransportChecksum(frame, ipOf(frame)), 'valid', name);
    }
  });

  it('finds a flipped payload bit, and a changed address in the pseudo-header', () => {
    const payload = Buffer.from(captures.udpToClosedPort);
    payload[payload.length - 1] ^= 0x01;
    assert.equal(verifyTransportChecksum(payload, ipOf(payload)), 'invalid');
    const addr = Buffer.from(captures.tcp6Syn);
    addr[14 + 8 + 15] ^= 0x01; // last byte of the IPv6 source
    assert.equal(verifyTransportChecksum(addr, ipOf(addr)), 'invalid');
  });

  it('says unverifiable for a cut packet or a fragment, absent for UDP checksum 0 over IPv4', () => {
    const cut = captures.icmpEchoRequest.subarray(0, 60);
    assert.equal(verifyTransportChecksum(cut, ipOf(cut)), 'unverifiable');
    const frag = captures.ipv4FirstFragment;
    assert.equal(verifyTransportChecksum(frag, ipOf(frag)), 'unverifiable');
    const noSum = Buffer.from(captures.udpToClosedPort);
    noSum.writeUInt16BE(0, 14 + 20 + 6);
    assert.equal(verifyTransportChecksum(noSum, ipOf(noSum)), 'absent');
  });
});
