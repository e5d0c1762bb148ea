// ARP for IPv4 over Ethernet (RFC 826), the only kind a container network carries.
import { formatIpv4, formatMac, parseIp } from './addresses.js';
import { put16, u16 } from './bytes.js';
import { ArpOp, EtherType } from './constants.js';
import { ethernetHeaderLength, macBytes, parseEthernet, writeEthernet, type VlanTag } from './ethernet.js';
import { fail, ok, type Result } from './result.js';

/** htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4). */
export const ARP_ETH_IPV4_LEN = 28;
const HTYPE_ETHERNET = 1;

export interface ArpPacket {
  readonly kind: 'arp';
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

export function parseArp(buf: Uint8Array, offset: number): Result<ArpPacket> {
  if (buf.length - offset < ARP_ETH_IPV4_LEN) {
    return fail('arp', offset, `ARP body of ${buf.length - offset} bytes is shorter than 28`);
  }
  const htype = u16(buf, offset);
  const ptype = u16(buf, offset + 2);
  if (
    htype !== HTYPE_ETHERNET ||
    ptype !== EtherType.IPv4 ||
    buf[offset + 4] !== 6 ||
    buf[offset + 5] !== 4
  ) {
    return fail(
      'arp',
      offset,
      `not Ethernet/IPv4 ARP (htype ${htype}, ptype 0x${ptype.toString(16)}, hlen ${buf[offset + 4]}, plen ${buf[offset + 5]})`,
    );
  }
  return ok({
    kind: 'arp',
    op: u16(buf, offset + 6),
    senderMac: formatMac(buf, offset + 8),
    senderIp: formatIpv4(buf, offset + 14),
    targetMac: formatMac(buf, offset + 18),
    targetIp: formatIpv4(buf, offset + 24),
  });
}

export interface ArpFields {
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
  /** Ethernet destination; defaults to the target MAC (a reply is unicast). */
  readonly ethDst?: string;
  readonly vlans?: readonly VlanTag[];
}

function ipv4Bytes(text: string): Result<Uint8Array> {
  const ip = parseIp(text);
  return ip?.version === 4 ? ok(ip.bytes) : fail('build', 0, `not an IPv4 address: ${JSON.stringify(text)}`);
}

/** A whole Ethernet frame carrying one ARP packet. Frames are not padded to 60 bytes: the switch port does that. */
export function buildArp(f: ArpFields): Result<Buffer> {
  const sha = macBytes(f.senderMac);
  const tha = macBytes(f.targetMac);
  const dst = macBytes(f.ethDst ?? f.targetMac);
  const spa = ipv4Bytes(f.senderIp);
  const tpa = ipv4Bytes(f.targetIp);
  if (!sha.ok) return sha;
  if (!tha.ok) return tha;
  if (!dst.ok) return dst;
  if (!spa.ok) return spa;
  if (!tpa.ok) return tpa;
  const vlans = f.vlans ?? [];
  const out = Buffer.alloc(ethernetHeaderLength(vlans.length) + ARP_ETH_IPV4_LEN);
  const at = writeEthernet(out, 0, { dst: dst.value, src: sha.value, vlans, etherType: EtherType.ARP });
  put16(out, at, HTYPE_ETHERNET);
  put16(out, at + 2, EtherType.IPv4);
  out[at + 4] = 6;
  out[at + 5] = 4;
  put16(out, at + 6, f.op);
  out.set(sha.value, at + 8);
  out.set(spa.value, at + 14);
  out.set(tha.value, at + 18);
  out.set(tpa.value, at + 24);
  return ok(out);
}

/**
 * The reply to an ARP request frame, as the owner of the requested address (`answerMac`) would send it:
 * back to the requester, on the same VLAN tags the request arrived with.
 */
export function buildArpReply(requestFrame: Uint8Array, answerMac: string): Result<Buffer> {
  const eth = parseEthernet(requestFrame);
  if (!eth.ok) return eth;
  if (eth.value.etherType !== EtherType.ARP) {
    return fail(
      'arp',
      eth.value.payloadOffset - 2,
      `not an ARP frame (ethertype 0x${eth.value.etherType.toString(16)})`,
    );
  }
  const req = parseArp(requestFrame, eth.value.payloadOffset);
  if (!req.ok) return req;
  if (req.value.op !== ArpOp.Request) {
    return fail('arp', eth.value.payloadOffset + 6, `ARP op ${req.value.op} is not a request`);
  }
  return buildArp({
    op: ArpOp.Reply,
    senderMac: answerMac,
    senderIp: req.value.targetIp,
    targetMac: req.value.senderMac,
    targetIp: req.value.senderIp,
    vlans: eth.value.vlans,
  });
}
