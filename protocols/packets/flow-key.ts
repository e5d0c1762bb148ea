// The fields a load balancer keys a connection on, read straight from a packet-in frame.
import { u16 } from './bytes.js';
import { EtherType, IpProto } from './constants.js';
import { parseEthernet } from './ethernet.js';
import { parseIpv4, type Ipv4Header } from './ipv4.js';
import { parseIpv6, type Ipv6Header } from './ipv6.js';
import { fail, ok, type Result } from './result.js';

export interface FlowKey {
  readonly ethSrc: string;
  readonly ethDst: string;
  /** VID of the outermost VLAN tag, undefined when untagged. */
  readonly vlan: number | undefined;
  readonly ipVersion: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** IP protocol number of the upper layer (after IPv6 extension headers). */
  readonly protocol: number;
  /**
   * TCP, UDP and SCTP ports. For ICMP and ICMPv6 these are the type and code, as in Open vSwitch's
   * tp_src/tp_dst; zero for other protocols.
   */
  readonly srcPort: number;
  readonly dstPort: number;
  /** TCP flags byte; zero for other protocols. */
  readonly tcpFlags: number;
}

/** Bytes of the upper-layer header the key reads: TCP up to the flags, ports elsewhere. */
function neededL4Bytes(protocol: number): number {
  switch (protocol) {
    case IpProto.TCP:
      return 14;
    case IpProto.UDP:
    case IpProto.SCTP:
      return 4;
    case IpProto.ICMP:
    case IpProto.ICMPv6:
      return 2;
    default:
      return 0;
  }
}

/**
 * The 5-tuple, VLAN and MACs of an IPv4 or IPv6 frame. Refuses (as a value) frames that are not IP, whose
 * headers are malformed or cut before the ports, and non-first fragments, which carry no ports.
 */
export function parseFlowKey(frame: Uint8Array): Result<FlowKey> {
  const eth = parseEthernet(frame);
  if (!eth.ok) return eth;
  const { etherType, payloadOffset } = eth.value;
  let ip: Result<Ipv4Header | Ipv6Header>;
  if (etherType === EtherType.IPv4) ip = parseIpv4(frame, payloadOffset);
  else if (etherType === EtherType.IPv6) ip = parseIpv6(frame, payloadOffset);
  else {
    return fail('flow', payloadOffset - 2, `not IP: ethertype 0x${etherType.toString(16).padStart(4, '0')}`);
  }
  if (!ip.ok) return ip;
  const l3 = ip.value;
  const nonFirstFragment = l3.kind === 'ipv4' ? l3.fragmentOffset !== 0 : (l3.fragment?.offset ?? 0) !== 0;
  if (nonFirstFragment) return fail('flow', l3.l4Offset, 'non-first fragment: it carries no ports');
  const protocol = l3.protocol;
  const needed = neededL4Bytes(protocol);
  if (l3.l4Length < needed) {
    return fail(
      'flow',
      l3.l4Offset,
      `protocol ${protocol} header cut at ${l3.l4Length} bytes, ${needed} needed`,
    );
  }
  const at = l3.l4Offset;
  let srcPort = 0;
  let dstPort = 0;
  if (needed === 2) {
    srcPort = frame[at];
    dstPort = frame[at + 1];
  } else if (needed > 0) {
    srcPort = u16(frame, at);
    dstPort = u16(frame, at + 2);
  }
  const vlans = eth.value.vlans;
  return ok({
    ethSrc: eth.value.src,
    ethDst: eth.value.dst,
    vlan: vlans.length > 0 ? vlans[0].vid : undefined,
    ipVersion: l3.kind === 'ipv4' ? 4 : 6,
    src: l3.src,
    dst: l3.dst,
    protocol,
    srcPort,
    dstPort,
    tcpFlags: protocol === IpProto.TCP ? frame[at + 13] : 0,
  });
}
