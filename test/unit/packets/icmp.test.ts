import assert from 'node:assert/strict';
import {
  IcmpType,
  Icmpv6Type,
  decodeFrame,
  parseIcmp,
  parseIcmpv6,
  parseIcmpQuote,
  type Icmpv6Message,
  type Result,
} from '../../../protocols/packets/index.js';
import { captures, hex } from './captures.js';

function value<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`${r.error.layer} at ${r.error.offset}: ${r.error.reason}`);
  return r.value;
}

function icmpv6Of(frame: Buffer): Icmpv6Message {
  const t = value(decodeFrame(frame)).transport;
  assert.equal(t?.kind, 'icmpv6');
  return t as Icmpv6Message;
}

describe('packets: ICMP', () => {
  it('reads an echo request and the port unreachable quoting the UDP datagram', () => {
    const echo = value(parseIcmp(captures.icmpEchoRequest, 34, 64));
    assert.equal(echo.type, IcmpType.EchoRequest);
    assert.equal(echo.identifier, 10205);
    assert.equal(echo.sequence, 1);
    const unreach = value(parseIcmp(captures.icmpPortUnreachable, 34, 42));
    assert.deepEqual([unreach.type, unreach.code, unreach.bodyLength], [3, 3, 34]);
    // The quote starts with the original IPv4 header.
    assert.equal(captures.icmpPortUnreachable[unreach.bodyOffset], 0x45);
  });

  it('refuses fewer than 8 bytes', () => {
    assert.equal(parseIcmp(captures.icmpEchoRequest, 34, 7).ok, false);
  });
});

describe('packets: ICMPv6 and Neighbor Discovery', () => {
  it('reads the kernel router solicitation with its source link-layer address', () => {
    const m = icmpv6Of(captures.routerSolicitation);
    assert.equal(m.type, Icmpv6Type.RouterSolicitation);
    assert.deepEqual(m.nd, {
      kind: 'routerSolicitation',
      options: [{ kind: 'sourceLinkLayerAddress', mac: '02:00:00:00:00:0b' }],
    });
  });

  it('reads the kernel neighbor solicitation and advertisement', () => {
    assert.deepEqual(icmpv6Of(captures.neighborSolicitation).nd, {
      kind: 'neighborSolicitation',
      target: 'fd77::2',
      options: [{ kind: 'sourceLinkLayerAddress', mac: '02:00:00:00:00:0a' }],
    });
    assert.deepEqual(icmpv6Of(captures.neighborAdvertisement).nd, {
      kind: 'neighborAdvertisement',
      router: false,
      solicited: true,
      override: true,
      target: 'fd77::2',
      options: [{ kind: 'targetLinkLayerAddress', mac: '02:00:00:00:00:0b' }],
    });
  });

  it('reads a router advertisement with source link-layer, MTU and prefix information options', () => {
    const ra = hex(`
      86 00 0000  40 c0 0708  00000000  00000000
      01 01 020000000001
      05 01 0000 000005dc
      03 04 40 c0 00278d00 00093a80 00000000 fd770000000000000000000000000000
      fe 01 000000000000`);
    const m = value(parseIcmpv6(ra, 0, ra.length));
    assert.deepEqual(m.nd, {
      kind: 'routerAdvertisement',
      curHopLimit: 64,
      managed: true,
      otherConfig: true,
      routerLifetime: 1800,
      reachableTime: 0,
      retransTimer: 0,
      options: [
        { kind: 'sourceLinkLayerAddress', mac: '02:00:00:00:00:01' },
        { kind: 'mtu', mtu: 1500 },
        {
          kind: 'prefixInformation',
          prefix: 'fd77::',
          prefixLength: 64,
          onLink: true,
          autonomous: true,
          validLifetime: 2592000,
          preferredLifetime: 604800,
        },
        { kind: 'unknown', type: 0xfe, offset: 64, length: 8 },
      ],
    });
  });

  it('refuses a zero-length option, an option past the end, and a short ND body', () => {
    const zero = hex('85000000 00000000 0100020000000001');
    const r1 = parseIcmpv6(zero, 0, zero.length);
    assert.ok(!r1.ok && /length 0/.test(r1.error.reason));
    const past = hex('85000000 00000000 0102020000000001');
    const r2 = parseIcmpv6(past, 0, past.length);
    assert.ok(!r2.ok && /overruns/.test(r2.error.reason));
    const short = hex('87000000 00000000 fd77');
    const r3 = parseIcmpv6(short, 0, short.length);
    assert.ok(!r3.ok && /needs 24 bytes/.test(r3.error.reason));
  });

  it('reads the kernel port unreachable and echo identifiers', () => {
    const m = icmpv6Of(captures.icmpv6PortUnreachable);
    assert.deepEqual([m.type, m.code, m.nd], [Icmpv6Type.DestinationUnreachable, 4, undefined]);
  });
});

describe('packets: the packet quoted in an ICMP error', () => {
  it('finds the UDP datagram the kernel refused, over IPv4 and IPv6', () => {
    for (const frame of [captures.icmpPortUnreachable, captures.icmpv6PortUnreachable]) {
      const msg = value(decodeFrame(frame)).transport;
      assert.ok(msg?.kind === 'icmp' || msg?.kind === 'icmpv6');
      const q = value(parseIcmpQuote(frame, msg));
      assert.equal(q.ip.protocol, 17);
      assert.deepEqual([q.ip.dst, q.dstPort], [q.ip.kind === 'ipv4' ? '10.77.0.2' : 'fd77::2', 9999]);
      assert.equal(q.srcPort, q.ip.kind === 'ipv4' ? 50379 : 37815);
    }
  });

  it('gives no ports when the quote stops before them, and refuses non-errors', () => {
    const cut = captures.icmpPortUnreachable.subarray(0, 14 + 20 + 8 + 20 + 2);
    const msg = value(parseIcmp(cut, 34, cut.length - 34));
    const q = value(parseIcmpQuote(cut, msg));
    assert.equal(q.ip.truncated, true);
    assert.deepEqual([q.srcPort, q.dstPort], [undefined, undefined]);
    const echo = value(parseIcmp(captures.icmpEchoRequest, 34, 64));
    const r = parseIcmpQuote(captures.icmpEchoRequest, echo);
    assert.ok(!r.ok && /not an error/.test(r.error.reason));
  });
});
