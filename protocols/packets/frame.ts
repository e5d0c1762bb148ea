// A whole frame decoded layer by layer: Ethernet, then ARP or IP, then the upper layer.
import { parseArp, type ArpPacket } from './arp.js';
import { EtherType, IpProto } from './constants.js';
import { parseEthernet, type EthernetHeader } from './ethernet.js';
import { parseIcmp, type IcmpMessage } from './icmp.js';
import { parseIcmpv6, type Icmpv6Message } from './icmpv6.js';
import { parseIpv4, type Ipv4Header } from './ipv4.js';
import { parseIpv6, type Ipv6Header } from './ipv6.js';
import { ok, type Result } from './result.js';
import { parseTcp, type TcpHeader } from './tcp.js';
import { parseUdp, type UdpHeader } from './udp.js';

export type NetworkHeader = Ipv4Header | Ipv6Header | ArpPacket;
export type TransportHeader = TcpHeader | UdpHeader | IcmpMessage | Icmpv6Message;

export interface DecodedFrame {
  readonly ethernet: EthernetHeader;
  /** Undefined for EtherTypes other than IPv4, IPv6 and ARP. */
  readonly network: NetworkHeader | undefined;
  /** Undefined for other protocols, and for non-first fragments (which carry no upper-layer header). */
  readonly transport: TransportHeader | undefined;
}

export function isFirstFragment(ip: Ipv4Header | Ipv6Header): boolean {
  return ip.kind === 'ipv4' ? ip.fragmentOffset === 0 : (ip.fragment?.offset ?? 0) === 0;
}

export function parseTransport(
  buf: Uint8Array,
  ip: Ipv4Header | Ipv6Header,
): Result<TransportHeader | undefined> {
  if (!isFirstFragment(ip)) return ok(undefined);
  switch (ip.protocol) {
    case IpProto.TCP:
      return parseTcp(buf, ip.l4Offset, ip.l4Length);
    case IpProto.UDP:
      return parseUdp(buf, ip.l4Offset, ip.l4Length);
    case IpProto.ICMP:
      return ip.kind === 'ipv4' ? parseIcmp(buf, ip.l4Offset, ip.l4Length) : ok(undefined);
    case IpProto.ICMPv6:
      return ip.kind === 'ipv6' ? parseIcmpv6(buf, ip.l4Offset, ip.l4Length) : ok(undefined);
    default:
      return ok(undefined);
  }
}

export function parseNetwork(buf: Uint8Array, eth: EthernetHeader): Result<NetworkHeader | undefined> {
  switch (eth.etherType) {
    case EtherType.IPv4:
      return parseIpv4(buf, eth.payloadOffset);
    case EtherType.IPv6:
      return parseIpv6(buf, eth.payloadOffset);
    case EtherType.ARP:
      return parseArp(buf, eth.payloadOffset);
    default:
      return ok(undefined);
  }
}

export function decodeFrame(buf: Uint8Array): Result<DecodedFrame> {
  const eth = parseEthernet(buf);
  if (!eth.ok) return eth;
  const network = parseNetwork(buf, eth.value);
  if (!network.ok) return network;
  const l3 = network.value;
  if (l3 === undefined || l3.kind === 'arp') {
    return ok({ ethernet: eth.value, network: l3, transport: undefined });
  }
  const transport = parseTransport(buf, l3);
  if (!transport.ok) return transport;
  return ok({ ethernet: eth.value, network: l3, transport: transport.value });
}
