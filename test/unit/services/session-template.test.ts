// The packet-in fast path against the encoder it replaces: for the same decision, a session template's output must
// be the bytes the ordinary encoder makes of forwardFlow, reverseFlow and the PACKET_OUT, for every shape the
// load balancer sends (IPv4/IPv6, TCP/UDP/SCTP, port rewritten or not, pod or external backend, buffered or not).
import { strict as assert } from 'node:assert';
import { cookie, objectIdOf } from '../../../controller/pipeline/cookies.js';
import {
  flowMod,
  forwardFlow,
  reverseFlow,
  type SessionSpec,
} from '../../../controller/services/session-flows.js';
import { SessionTemplate, type ClientFields } from '../../../controller/services/session-template.js';
import { encode, OFP_NO_BUFFER, PortNo, type OfpMessage } from '../../../protocols/openflow13/index.js';
import {
  EtherType,
  formatIpv4,
  formatIpv6,
  formatMac,
  IpProto,
  newPacketTuple,
  parseIp,
  readPacketTuple,
  writeEthernet,
  writeIpv4,
  writeIpv6,
} from '../../../protocols/packets/index.js';

/** A deterministic generator, so that a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

interface Case {
  readonly v: 4 | 6;
  readonly protocol: number;
  readonly client: string;
  readonly clientPort: number;
  readonly clientMac: Uint8Array;
  readonly gatewayMac: Uint8Array;
  readonly vip: string;
  readonly port: number;
}

function frameOf(c: Case): Uint8Array {
  const l4 = c.protocol === IpProto.TCP ? 20 : c.protocol === IpProto.UDP ? 8 : 12;
  const f = new Uint8Array(14 + (c.v === 4 ? 20 : 40) + l4);
  const ip = writeEthernet(f, 0, {
    dst: c.gatewayMac,
    src: c.clientMac,
    etherType: c.v === 4 ? EtherType.IPv4 : EtherType.IPv6,
  });
  const fields = {
    src: (parseIp(c.client) as { bytes: Uint8Array }).bytes,
    dst: (parseIp(c.vip) as { bytes: Uint8Array }).bytes,
    protocol: c.protocol,
    payloadLength: l4,
  };
  const at = c.v === 4 ? writeIpv4(f, ip, fields) : writeIpv6(f, ip, fields);
  f[at] = c.clientPort >>> 8;
  f[at + 1] = c.clientPort & 0xff;
  f[at + 2] = c.port >>> 8;
  f[at + 3] = c.port & 0xff;
  if (c.protocol === IpProto.TCP) f[at + 13] = 0x02;
  return f;
}

function randomCase(r: () => number): Case {
  const v = r() < 0.5 ? 4 : 6;
  const protocol = [IpProto.TCP, IpProto.UDP, IpProto.SCTP][Math.floor(r() * 3)] as number;
  const byte = (): number => Math.floor(r() * 256);
  const mac = (): Uint8Array => Uint8Array.from([byte() & 0xfe, byte(), byte(), byte(), byte(), byte()]);
  const client =
    v === 4
      ? `10.${byte()}.${byte()}.${byte()}`
      : `fd00:${byte().toString(16)}::${byte().toString(16)}:${(byte() * 256 + byte()).toString(16)}`;
  return {
    v,
    protocol,
    client,
    clientPort: 1 + Math.floor(r() * 65535),
    clientMac: mac(),
    gatewayMac: mac(),
    vip: v === 4 ? '10.96.0.10' : 'fd00:96::10',
    port: r() < 0.5 ? 80 : 53,
  };
}

/** The session flows the load balancer would build for a client, for one backend shape. */
function specFor(c: Case, shape: number): (client: ClientFields) => SessionSpec {
  const v = c.v;
  return (client) => ({
    domain: 0x1234,
    ipVersion: v,
    protocol: c.protocol,
    client: { ip: client.ip, port: client.port },
    vip: { ip: c.vip, port: c.port },
    backend: { ip: v === 4 ? '10.1.0.7' : 'fd00:1::7', port: shape & 1 ? c.port : 8080 },
    backendObjectId: 0n,
    ...(shape & 2 ? { backendMac: '0a:58:0a:01:00:07' } : {}),
    ...(shape & 4 && v === 4 ? { snat: { ip: '192.0.2.1', hostMac: '0a:00:00:00:00:01' } } : {}),
    clientL2: { clientMac: client.mac, gatewayMac: client.gatewayMac },
    cookie: cookie('session', objectIdOf('b7')),
    idleTimeout: 60,
  });
}

function encoderBytes(
  spec: SessionSpec,
  xid: number,
  bufferId: number,
  inPort: number,
  data: Uint8Array,
): Buffer {
  const msgs: OfpMessage[] = [
    { ...flowMod(forwardFlow(spec)), xid } as OfpMessage,
    { ...flowMod(reverseFlow(spec)), xid: xid + 1 } as OfpMessage,
    {
      type: 'packetOut',
      xid: xid + 2,
      bufferId,
      inPort,
      actions: [{ type: 'output', port: PortNo.TABLE, maxLen: 0 }],
      data,
    },
  ];
  return Buffer.concat(msgs.map((m) => encode(m)));
}

describe('session templates', () => {
  it('write the bytes the encoder makes, for 3,000 random decisions of every shape', () => {
    const r = rng(9);
    const t = newPacketTuple();
    for (let shape = 0; shape < 8; shape++) {
      const first = randomCase(r);
      const firstFrame = frameOf(first);
      assert.ok(readPacketTuple(firstFrame, t));
      const make = specFor(first, shape);
      const tpl = SessionTemplate.build('b7', make, firstFrame, t);
      assert.ok(tpl, `shape ${shape} is templated`);
      for (let i = 0; i < 375; i++) {
        // Same ClusterIP:port and backend as the template's first packet, any client.
        let c = randomCase(r);
        while (c.v !== first.v) c = randomCase(r);
        const frame = frameOf({ ...c, protocol: first.protocol, vip: first.vip, port: first.port });
        assert.ok(readPacketTuple(frame, t));
        const client: ClientFields = {
          ip: t.ipVersion === 4 ? formatIpv4(frame, t.srcOffset) : formatIpv6(frame, t.srcOffset),
          port: t.srcPort,
          mac: formatMac(frame, 6),
          gatewayMac: formatMac(frame, 0),
        };
        const buffered = i % 5 === 0;
        const bufferId = buffered ? 0x100 + i : OFP_NO_BUFFER;
        const data = buffered ? new Uint8Array(0) : frame;
        const want = encoderBytes(make(client), 1000 + 3 * i, bufferId, 7, data);
        const got = Buffer.alloc(tpl.size(data.length) + 5);
        tpl.write(got, 5, frame, t, [1000 + 3 * i, 1001 + 3 * i, 1002 + 3 * i], bufferId, 7, data);
        assert.deepEqual(got.subarray(5), want, `shape ${shape}, case ${i}: ${JSON.stringify(client)}`);
      }
    }
  });

  it('rebuild the reverse flow of a connection from its client address and port', () => {
    const c = randomCase(rng(3));
    const frame = frameOf(c);
    const t = newPacketTuple();
    assert.ok(readPacketTuple(frame, t));
    const make = specFor(c, 0);
    const tpl = SessionTemplate.build('b7', make, frame, t);
    assert.ok(tpl);
    const rev = tpl.reverseFlowOf('10.9.9.9', 4242);
    const want = reverseFlow(
      make({ ip: '10.9.9.9', port: 4242, mac: '00:00:00:00:00:00', gatewayMac: '00:00:00:00:00:00' }),
    );
    assert.deepEqual(rev.match, want.match);
    assert.equal(rev.cookie, want.cookie);
    assert.equal(rev.priority, want.priority);
  });

  it('are refused when a patched field is not where the template expects it (the caller encodes instead)', () => {
    const c = randomCase(rng(5));
    const frame = frameOf(c);
    const t = newPacketTuple();
    assert.ok(readPacketTuple(frame, t));
    // A flow that depends on the client beyond the patched fields: here the idle timeout follows the port.
    const odd = (client: ClientFields): SessionSpec => ({
      ...specFor(c, 0)(client),
      idleTimeout: client.port & 0xff,
    });
    assert.equal(SessionTemplate.build('b7', odd, frame, t), undefined);
  });

  it('need no MACs to patch when the reverse flow does not rewrite them (no client L2 known)', () => {
    const c = randomCase(rng(5));
    const frame = frameOf(c);
    const t = newPacketTuple();
    assert.ok(readPacketTuple(frame, t));
    const noL2 = (client: ClientFields): SessionSpec => {
      const { clientL2: _, ...rest } = specFor(c, 0)(client);
      return rest;
    };
    // build() itself checks its bytes against the encoder's for this client and another one.
    assert.ok(SessionTemplate.build('b7', noL2, frame, t));
  });
});
