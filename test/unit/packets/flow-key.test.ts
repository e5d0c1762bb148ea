import assert from 'node:assert/strict';
import {
  IpProto,
  buildTcpReset,
  parseFlowKey,
  type FlowKey,
  type Result,
} from '../../../protocols/packets/index.js';
import { captures } from './captures.js';
import { ext, withIpv6Extensions, withVlan } from './craft.js';

function value<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`${r.error.layer} at ${r.error.offset}: ${r.error.reason}`);
  return r.value;
}

function refusal(r: Result<FlowKey>): string {
  assert.equal(r.ok, false);
  return r.ok ? '' : r.error.reason;
}

describe('packets: parseFlowKey', () => {
  it('extracts the 5-tuple, MACs and flags of an IPv4 SYN', () => {
    assert.deepEqual(value(parseFlowKey(captures.tcpSyn)), {
      ethSrc: '02:00:00:00:00:0a',
      ethDst: '02:00:00:00:00:0b',
      vlan: undefined,
      ipVersion: 4,
      src: '10.77.0.1',
      dst: '10.77.0.2',
      protocol: IpProto.TCP,
      srcPort: 36664,
      dstPort: 81,
      tcpFlags: 0x02,
    });
  });

  it('extracts an IPv6 SYN behind extension headers and a VLAN tag', () => {
    const frame = withVlan(withIpv6Extensions(captures.tcp6Syn, [ext.hopByHop, ext.destination]), 42);
    const key = value(parseFlowKey(frame));
    assert.equal(key.vlan, 42);
    assert.equal(key.ipVersion, 6);
    assert.equal(key.src, 'fd77::1');
    assert.equal(key.dst, 'fd77::2');
    assert.deepEqual([key.protocol, key.srcPort, key.dstPort], [IpProto.TCP, 48932, 81]);
  });

  it('takes UDP ports, and ICMP type/code as tp_src/tp_dst', () => {
    const udp = value(parseFlowKey(captures.udp6ToClosedPort));
    assert.deepEqual([udp.protocol, udp.srcPort, udp.dstPort, udp.tcpFlags], [IpProto.UDP, 37815, 9999, 0]);
    const icmp = value(parseFlowKey(captures.icmpEchoRequest));
    assert.deepEqual([icmp.protocol, icmp.srcPort, icmp.dstPort], [IpProto.ICMP, 8, 0]);
    assert.equal(value(parseFlowKey(captures.ipv4FirstFragment)).srcPort, 8);
  });

  it('refuses non-IP frames, non-first fragments and headers cut before the ports', () => {
    assert.match(refusal(parseFlowKey(captures.arpRequest)), /not IP: ethertype 0x0806/);
    assert.match(refusal(parseFlowKey(captures.ipv4MiddleFragment)), /non-first fragment/);
    assert.match(
      refusal(parseFlowKey(withIpv6Extensions(captures.tcp6Syn, [ext.fragment(8, false, 1)]))),
      /non-first/,
    );
    assert.match(refusal(parseFlowKey(captures.tcpSyn.subarray(0, 34 + 13))), /cut at 13 bytes, 14 needed/);
    assert.match(refusal(parseFlowKey(captures.tcpSyn.subarray(0, 30))), /shorter than an IPv4 header/);
  });

  it('keys a packet-in cut at 128 bytes (the default miss_send_len) like the whole frame', () => {
    const big = captures.ipv4FirstFragment;
    assert.deepEqual(value(parseFlowKey(big.subarray(0, 128))), value(parseFlowKey(big)));
  });
});

describe('packets: frames as views', () => {
  it('parses a frame that is a view into a larger buffer (packet-in data), or a plain Uint8Array', () => {
    const frame = captures.tcp6Syn;
    const pool = Buffer.alloc(frame.length + 100, 0xee);
    frame.copy(pool, 37);
    const view = pool.subarray(37, 37 + frame.length);
    const expected = value(parseFlowKey(frame));
    assert.deepEqual(value(parseFlowKey(view)), expected);
    assert.deepEqual(value(parseFlowKey(new Uint8Array(frame))), expected);
    assert.equal(value(buildTcpReset(view)).toString('hex'), value(buildTcpReset(frame)).toString('hex'));
  });
});
