// Wire numbers, each with the registry it comes from.

/** IEEE 802 EtherTypes (IANA "IEEE 802 Numbers"). */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  /** IEEE 802.1Q customer VLAN tag (C-tag). */
  VLAN: 0x8100,
  IPv6: 0x86dd,
  /** IEEE 802.1ad service VLAN tag (S-tag, the outer tag of QinQ). */
  QinQ: 0x88a8,
} as const;

/** IANA "Assigned Internet Protocol Numbers"; IPv6 extension headers use the same space. */
export const IpProto = {
  HopByHop: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  Routing: 43,
  Fragment: 44,
  ESP: 50,
  AH: 51,
  ICMPv6: 58,
  NoNextHeader: 59,
  DestinationOptions: 60,
  SCTP: 132,
  Mobility: 135,
  Hip: 139,
  Shim6: 140,
} as const;

/** ICMP for IPv4 (RFC 792). */
export const IcmpType = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  TimeExceeded: 11,
  ParameterProblem: 12,
} as const;

/** Codes of ICMP Destination Unreachable (RFC 792, RFC 1812 5.2.7.1). */
export const IcmpUnreachableCode = {
  Net: 0,
  Host: 1,
  Protocol: 2,
  Port: 3,
  FragmentationNeeded: 4,
  AdministrativelyProhibited: 13,
} as const;

/** ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861). */
export const Icmpv6Type = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
} as const;

/** Codes of ICMPv6 Destination Unreachable (RFC 4443 3.1). */
export const Icmpv6UnreachableCode = {
  NoRoute: 0,
  AdministrativelyProhibited: 1,
  BeyondScope: 2,
  Address: 3,
  Port: 4,
} as const;

/** Neighbor Discovery option types (RFC 4861 4.6). */
export const NdOptionType = {
  SourceLinkLayerAddress: 1,
  TargetLinkLayerAddress: 2,
  PrefixInformation: 3,
  RedirectedHeader: 4,
  Mtu: 5,
} as const;

/** ARP operations (RFC 826). */
export const ArpOp = { Request: 1, Reply: 2 } as const;

/** TCP flag bits (RFC 9293 3.1, RFC 3168 for ECE/CWR). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

export const ETHERNET_HEADER_LEN = 14;
export const VLAN_TAG_LEN = 4;
export const IPV4_MIN_HEADER_LEN = 20;
export const IPV6_HEADER_LEN = 40;
export const TCP_MIN_HEADER_LEN = 20;
export const UDP_HEADER_LEN = 8;
export const ICMP_HEADER_LEN = 8;
/** An ICMPv4 error should not make a datagram longer than 576 bytes (RFC 1812 4.3.2.3). */
export const ICMP_ERROR_MAX_DATAGRAM = 576;
/** An ICMPv6 error must not exceed the IPv6 minimum MTU (RFC 4443 2.4(c)). */
export const ICMPV6_ERROR_MAX_PACKET = 1280;
