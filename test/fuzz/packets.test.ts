// Mutated frames through every packet parser and reply builder: nothing may throw, every refusal says why,
// every accepted header stays inside the buffer, and every frame a builder makes parses back.
import assert from 'node:assert/strict';
import {
  buildArpReply,
  buildDestinationUnreachable,
  buildNeighborAdvertisementReply,
  buildTcpReset,
  decodeFrame,
  parseArp,
  parseEthernet,
  parseFlowKey,
  parseIcmp,
  parseIcmpv6,
  parseIcmpQuote,
  parseIpv4,
  parseIpv6,
  parseTcp,
  parseTcpOptions,
  parseUdp,
  verifyTransportChecksum,
  type Result,
} from '../../protocols/packets/index.js';
import { captures, hex } from '../unit/packets/captures.js';
import { ext, withIpv6Extensions, withVlan } from '../unit/packets/craft.js';

// CI runs 200k frames from a fixed seed; a soak sets PACKETS_FUZZ_FRAMES / PACKETS_FUZZ_SEED for more.
const FRAMES = Number(process.env.PACKETS_FUZZ_FRAMES ?? 200_000);
const SEED = Number(process.env.PACKETS_FUZZ_SEED ?? 0x5eed1);

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const raHeader = hex(
  '86dd 6000000000403aff fe800000000000000000000000000001 ff020000000000000000000000000001',
);
const ra = hex(`
  86 00 0000 40 c0 0708 00000000 00000000
  01 01 020000000001
  05 01 0000 000005dc
  03 04 40 c0 00278d00 00093a80 00000000 fd770000000000000000000000000000`);

const seeds: Buffer[] = [
  ...Object.values(captures),
  withVlan(captures.tcpSyn, 100),
  withVlan(withVlan(captures.tcp6Syn, 10), 20, 0, 0x88a8),
  withIpv6Extensions(captures.tcp6Syn, [
    ext.hopByHop,
    ext.routing,
    ext.fragment(0, true, 1),
    ext.destination,
  ]),
  withIpv6Extensions(captures.udp6ToClosedPort, [ext.fragment(8, false, 2)]),
  Buffer.concat([captures.routerSolicitation.subarray(0, 12), raHeader, ra]),
];

/** Values that sit on the edges of length and type checks. */
const INTERESTING = [
  0, 1, 2, 4, 5, 6, 8, 0x0f, 0x10, 0x3a, 0x40, 0x45, 0x7f, 0x80, 0x81, 0x86, 0xdd, 0xfe, 0xff,
];

function mutate(rand: () => number): Buffer {
  const pick = (n: number) => Math.floor(rand() * n);
  let b = Buffer.from(seeds[pick(seeds.length)]);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(Math.max(b.length, 1));
    switch (pick(7)) {
      case 0: // flip a bit
        if (b.length) b[at] ^= 1 << pick(8);
        break;
      case 1: // an edge value
        if (b.length) b[at] = INTERESTING[pick(INTERESTING.length)];
        break;
      case 2: // a random 16-bit value (lengths, EtherTypes, ports)
        if (b.length > 1) b.writeUInt16BE(pick(0x10000), Math.min(at, b.length - 2));
        break;
      case 3: // cut
        b = b.subarray(0, pick(b.length + 1));
        break;
      case 4: // grow with random bytes
        b = Buffer.concat([b, Buffer.from(Array.from({ length: pick(64) }, () => pick(256)))]);
        break;
      case 5: // delete or duplicate a span
        b =
          rand() < 0.5
            ? Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(8))])
            : Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + pick(8)), b.subarray(at)]);
        break;
      default: // splice the tail of another seed
        b = Buffer.concat([b.subarray(0, at), seeds[pick(seeds.length)].subarray(pick(60))]);
    }
  }
  return b;
}

interface Tally {
  ok: number;
  refused: number;
}

describe('fuzz: packet parsers and builders', function () {
  this.timeout(30_000 + FRAMES / 10);

  it(`survive ${FRAMES} mutated frames (seed ${SEED.toString(16)})`, () => {
    const rand = mulberry32(SEED);
    const tallies = new Map<string, Tally>();
    const reached = new Map<string, number>();
    let current: Buffer = Buffer.alloc(0);

    function run<T>(name: string, f: () => Result<T>): T | undefined {
      let r: Result<T>;
      try {
        r = f();
      } catch (e) {
        assert.fail(`${name} threw on ${current.toString('hex')}: ${(e as Error).stack}`);
      }
      let t = tallies.get(name);
      if (!t) tallies.set(name, (t = { ok: 0, refused: 0 }));
      if (r.ok) {
        t.ok++;
        return r.value;
      }
      t.refused++;
      assert.ok(r.error.reason.length > 0, `${name} refused without a reason`);
      assert.ok(
        r.error.offset >= 0 && r.error.offset <= current.length + 2,
        `${name} error offset ${r.error.offset}`,
      );
      return undefined;
    }

    function reparses(name: string, frame: Buffer | undefined): void {
      if (!frame) return;
      const d = decodeFrame(frame);
      assert.ok(d.ok, `${name} built a frame that does not parse: ${frame.toString('hex')}`);
      const ip = d.value.network;
      if (ip && ip.kind !== 'arp') {
        assert.equal(verifyTransportChecksum(frame, ip), 'valid', `${name} built a bad checksum`);
      }
    }

    for (let i = 0; i < FRAMES; i++) {
      const f = (current = mutate(rand));
      const at = Math.floor(rand() * Math.max(f.length, 1));
      const len = f.length - at;
      const decoded = run('decodeFrame', () => decodeFrame(f));
      run('parseFlowKey', () => parseFlowKey(f));
      run('parseEthernet', () => parseEthernet(f, at));
      run('parseArp', () => parseArp(f, at));
      run('parseIpv4', () => parseIpv4(f, at));
      run('parseIpv6', () => parseIpv6(f, at));
      run('parseIcmp', () => parseIcmp(f, at, len));
      run('parseIcmpv6', () => parseIcmpv6(f, at, len));
      run('parseUdp', () => parseUdp(f, at, len));
      const tcp = run('parseTcp', () => parseTcp(f, at, len));
      if (tcp) run('parseTcpOptions', () => parseTcpOptions(f, tcp));
      if (decoded) {
        const ip = decoded.network;
        if (ip && ip.kind !== 'arp') {
          assert.ok(
            ip.l4Offset + ip.l4Length <= f.length && ip.l4Length >= 0,
            'upper layer outside the buffer',
          );
          assert.doesNotThrow(() => verifyTransportChecksum(f, ip));
        }
        const t = decoded.transport;
        if (t) {
          const key = t.kind === 'icmpv6' && t.nd ? `icmpv6:${t.nd.kind}` : t.kind;
          reached.set(key, (reached.get(key) ?? 0) + 1);
          if (t.kind === 'tcp') run('parseTcpOptions', () => parseTcpOptions(f, t));
          if (t.kind === 'icmp' || t.kind === 'icmpv6') run('parseIcmpQuote', () => parseIcmpQuote(f, t));
        }
      }
      reparses(
        'buildArpReply',
        run('buildArpReply', () => buildArpReply(f, '02:00:00:00:00:01')),
      );
      reparses(
        'buildTcpReset',
        run('buildTcpReset', () => buildTcpReset(f)),
      );
      reparses(
        'buildDestinationUnreachable',
        run('buildDestinationUnreachable', () => buildDestinationUnreachable(f)),
      );
      reparses(
        'buildNeighborAdvertisementReply',
        run('buildNeighborAdvertisementReply', () => buildNeighborAdvertisementReply(f, '02:00:00:00:00:01')),
      );
    }

    // The mutations must reach deep layers, not only be refused at the Ethernet header.
    for (const layer of [
      'tcp',
      'udp',
      'icmp',
      'icmpv6',
      'icmpv6:neighborSolicitation',
      'icmpv6:routerAdvertisement',
    ]) {
      assert.ok((reached.get(layer) ?? 0) > 500, `only ${reached.get(layer) ?? 0} frames reached ${layer}`);
    }
    for (const [name, t] of tallies) {
      assert.ok(t.ok > 0 && t.refused > 0, `${name}: ${t.ok} accepted, ${t.refused} refused`);
    }
  });
});
