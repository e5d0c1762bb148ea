// readPacketTuple (the load balancer's read-by-offset of a packet-in) against parseFlowKey: every frame it
// accepts, parseFlowKey accepts with the same addresses, protocol and ports; what it leaves (VLAN tags, IPv4
// options, IPv6 extensions, fragments, other protocols, cut headers) falls to parseFlowKey.
import { strict as assert } from 'node:assert';
import {
  EtherType,
  formatIpv4,
  formatIpv6,
  IpProto,
  newPacketTuple,
  parseFlowKey,
  parseIp,
  readPacketTuple,
  writeEthernet,
  writeIpv4,
  writeIpv6,
} from '../../../protocols/packets/index.js';
import { ext, withIpv6Extensions, withVlan } from './craft.js';

function frame(v: 4 | 6, protocol: number, l4 = 20): Buffer {
  const f = Buffer.alloc(14 + (v === 4 ? 20 : 40) + l4);
  const at = writeEthernet(f, 0, {
    dst: Uint8Array.from([0x0a, 0, 0, 0, 1, 1]),
    src: Uint8Array.from([0x0a, 0x58, 10, 1, 0, 0x32]),
    etherType: v === 4 ? EtherType.IPv4 : EtherType.IPv6,
  });
  const ip = (t: string): Uint8Array => (parseIp(t) as { bytes: Uint8Array }).bytes;
  const fields = {
    src: ip(v === 4 ? '10.1.0.50' : 'fd00:1::50'),
    dst: ip(v === 4 ? '10.96.0.10' : 'fd00:96::10'),
    protocol,
    payloadLength: l4,
  };
  const l4At = v === 4 ? writeIpv4(f, at, fields) : writeIpv6(f, at, fields);
  f.writeUInt16BE(40000, l4At);
  f.writeUInt16BE(80, l4At + 2);
  return f;
}

function agrees(f: Uint8Array, seed: string): boolean {
  const t = newPacketTuple();
  const fast = readPacketTuple(f, t);
  const k = parseFlowKey(f);
  if (!fast) return false;
  assert.ok(k.ok, `${seed}: the fast path took a frame parseFlowKey refuses`);
  const v = k.value;
  assert.equal(t.ipVersion, v.ipVersion, seed);
  assert.equal(t.protocol, v.protocol, seed);
  assert.equal(t.srcPort, v.srcPort, seed);
  assert.equal(t.dstPort, v.dstPort, seed);
  const text = t.ipVersion === 4 ? formatIpv4 : formatIpv6;
  assert.equal(text(f, t.srcOffset), v.src, seed);
  assert.equal(text(f, t.srcOffset + (t.ipVersion === 4 ? 4 : 16)), v.dst, seed);
  if (t.ipVersion === 4) {
    assert.equal(
      t.src4,
      v.src.split('.').reduce((n, p) => n * 256 + Number(p), 0),
      seed,
    );
    assert.equal(
      t.dst4,
      v.dst.split('.').reduce((n, p) => n * 256 + Number(p), 0),
      seed,
    );
  }
  return true;
}

describe('packets: readPacketTuple', () => {
  it('reads IPv4 and IPv6 TCP, UDP and SCTP as parseFlowKey does', () => {
    for (const v of [4, 6] as const)
      for (const p of [IpProto.TCP, IpProto.UDP, IpProto.SCTP])
        assert.ok(agrees(frame(v, p), `v${v} proto ${p}`), `v${v} proto ${p} takes the fast path`);
  });

  it('leaves VLAN tags, IPv4 options, IPv6 extensions, fragments, ICMP and cut headers to parseFlowKey', () => {
    const t = newPacketTuple();
    const options = frame(4, IpProto.TCP);
    options[14] = 0x46;
    const later = frame(4, IpProto.UDP);
    later.writeUInt16BE(0x0010, 20);
    const cut = frame(4, IpProto.TCP).subarray(0, 14 + 20 + 10);
    const left = [
      withVlan(frame(4, IpProto.TCP), 10),
      options,
      withIpv6Extensions(frame(6, IpProto.TCP), [ext.hopByHop]),
      later,
      frame(4, IpProto.ICMP, 8),
      cut,
      frame(6, IpProto.UDP).subarray(0, 50),
    ];
    for (const [i, f] of left.entries()) assert.equal(readPacketTuple(f, t), false, `case ${i}`);
  });

  it('never takes a frame parseFlowKey refuses, nor reads it differently (20,000 mutated frames)', () => {
    let s = 17;
    const r = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 0x100000000;
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = frame(
        r() < 0.5 ? 4 : 6,
        [IpProto.TCP, IpProto.UDP, IpProto.SCTP, IpProto.ICMP][i % 4] as number,
      );
      const f = Buffer.from(base.subarray(0, Math.max(0, base.length - Math.floor(r() * 20))));
      for (let k = Math.floor(r() * 4); k > 0; k--)
        f[Math.floor(r() * Math.min(f.length, 60))] = Math.floor(r() * 256);
      if (agrees(f, `mutation ${i}`)) fast++;
    }
    assert.ok(fast > 1000, `${fast} of 20,000 took the fast path`);
  });
});
