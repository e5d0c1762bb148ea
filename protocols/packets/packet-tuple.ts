// The common packet-in of a load balancer, read by offset: an untagged Ethernet frame, IPv4 without options or
// IPv6 without extension headers, then TCP, UDP or SCTP. Nothing is formatted: addresses stay bytes in the frame
// (the caller copies them into its answers) and an IPv4 address is also one number. Anything else (VLAN tags,
// IPv4 options, IPv6 extensions, fragments, other protocols, cut headers) is left to parseFlowKey: for every
// frame this accepts, parseFlowKey accepts it too, with the same addresses, protocol and ports.
import { EtherType, IpProto } from './constants.js';

const ETH = 14;

/** Filled in place by readPacketTuple: one object per caller, no allocation per packet. */
export interface PacketTuple {
  ipVersion: 4 | 6;
  protocol: number;
  /** Offset of the IP source address in the frame (the destination follows it: 4 or 16 bytes on). */
  srcOffset: number;
  /** The IPv4 addresses as unsigned 32-bit numbers; 0 for IPv6. */
  src4: number;
  dst4: number;
  srcPort: number;
  dstPort: number;
  /** Offset of the L4 header (its source port). */
  l4Offset: number;
}

export function newPacketTuple(): PacketTuple {
  return { ipVersion: 4, protocol: 0, srcOffset: 0, src4: 0, dst4: 0, srcPort: 0, dstPort: 0, l4Offset: 0 };
}

function isPortProtocol(p: number): boolean {
  return p === IpProto.TCP || p === IpProto.UDP || p === IpProto.SCTP;
}

/** Ports read by the key: TCP up to its flags (as parseFlowKey requires), 4 bytes of UDP and SCTP. */
function portBytesNeeded(p: number): number {
  return p === IpProto.TCP ? 14 : 4;
}

/** Fills `t` and returns true for the frames described above; false means "use parseFlowKey". */
export function readPacketTuple(f: Uint8Array, t: PacketTuple): boolean {
  if (f.length < ETH + 20) return false;
  const etherType = (f[12] << 8) | f[13];
  if (etherType === EtherType.IPv4) return readIpv4(f, t);
  if (etherType === EtherType.IPv6) return readIpv6(f, t);
  return false;
}

function readIpv6(f: Uint8Array, t: PacketTuple): boolean {
  const ip = ETH;
  if (f.length < ip + 40 || f[ip] >>> 4 !== 6) return false;
  const protocol = f[ip + 6];
  if (!isPortProtocol(protocol)) return false; // extension headers (or another protocol) go the long way
  const l4 = ip + 40;
  const end = Math.min(f.length, l4 + ((f[ip + 4] << 8) | f[ip + 5]));
  if (end - l4 < portBytesNeeded(protocol)) return false;
  t.ipVersion = 6;
  t.protocol = protocol;
  t.srcOffset = ip + 8;
  t.src4 = 0;
  t.dst4 = 0;
  t.l4Offset = l4;
  t.srcPort = (f[l4] << 8) | f[l4 + 1];
  t.dstPort = (f[l4 + 2] << 8) | f[l4 + 3];
  return true;
}

function readIpv4(f: Uint8Array, t: PacketTuple): boolean {
  const ip = ETH;
  if (f[ip] !== 0x45) return false; // version 4, IHL 5: no options
  const total = (f[ip + 2] << 8) | f[ip + 3];
  if (total < 20 || ((f[ip + 6] << 8) | f[ip + 7]) & 0x1fff) return false; // short, or a later fragment
  const protocol = f[ip + 9];
  if (!isPortProtocol(protocol)) return false;
  const l4 = ip + 20;
  const end = Math.min(f.length, ip + total);
  if (end - l4 < portBytesNeeded(protocol)) return false;
  t.ipVersion = 4;
  t.protocol = protocol;
  t.srcOffset = ip + 12;
  t.src4 = ((f[ip + 12] << 24) | (f[ip + 13] << 16) | (f[ip + 14] << 8) | f[ip + 15]) >>> 0;
  t.dst4 = ((f[ip + 16] << 24) | (f[ip + 17] << 16) | (f[ip + 18] << 8) | f[ip + 19]) >>> 0;
  t.l4Offset = l4;
  t.srcPort = (f[l4] << 8) | f[l4 + 1];
  t.dstPort = (f[l4 + 2] << 8) | f[l4 + 3];
  return true;
}
