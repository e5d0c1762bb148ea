// Neighbor Advertisements (RFC 4861 4.4, 7.2.4): the controller answers solicitations for addresses it knows.
import { parseIp } from './addresses.js';
import { put16 } from './bytes.js';
import { EtherType, Icmpv6Type, IpProto, IPV6_HEADER_LEN, NdOptionType } from './constants.js';
import { ethernetHeaderLength, macBytes, parseEthernet, writeEthernet, type VlanTag } from './ethernet.js';
import { parseIcmpv6 } from './icmpv6.js';
import { parseIpv6, writeIpv6 } from './ipv6.js';
import { fail, ok, type Result } from './result.js';
import { writeTransportChecksum } from './transport-checksum.js';

/** ND packets are sent and accepted only with hop limit 255, proof that they were not forwarded (RFC 4861 7.1.2). */
export const ND_HOP_LIMIT = 255;
/** type code checksum (4) + flags/reserved (4) + target (16) + target link-layer address option (8). */
const NA_LENGTH = 32;
const ALL_NODES = 'ff02::1';

export interface NeighborAdvertisementFields {
  /** The address being advertised; also the IPv6 source. */
  readonly target: string;
  readonly targetMac: string;
  readonly dstIp: string;
  readonly dstMac: string;
  readonly router?: boolean;
  readonly solicited: boolean;
  readonly override?: boolean;
  readonly vlans?: readonly VlanTag[];
}

function ipv6Bytes(text: string): Result<Uint8Array> {
  const ip = parseIp(text);
  return ip?.version === 6 ? ok(ip.bytes) : fail('build', 0, `not an IPv6 address: ${JSON.stringify(text)}`);
}

/** A whole Ethernet frame with one Neighbor Advertisement carrying the Target Link-Layer Address option. */
export function buildNeighborAdvertisement(f: NeighborAdvertisementFields): Result<Buffer> {
  const target = ipv6Bytes(f.target);
  const dstIp = ipv6Bytes(f.dstIp);
  const mac = macBytes(f.targetMac);
  const dstMac = macBytes(f.dstMac);
  if (!target.ok) return target;
  if (!dstIp.ok) return dstIp;
  if (!mac.ok) return mac;
  if (!dstMac.ok) return dstMac;
  const vlans = f.vlans ?? [];
  const out = Buffer.alloc(ethernetHeaderLength(vlans.length) + IPV6_HEADER_LEN + NA_LENGTH);
  const ipOffset = writeEthernet(out, 0, {
    dst: dstMac.value,
    src: mac.value,
    vlans,
    etherType: EtherType.IPv6,
  });
  const at = writeIpv6(out, ipOffset, {
    src: target.value,
    dst: dstIp.value,
    protocol: IpProto.ICMPv6,
    payloadLength: NA_LENGTH,
    hopLimit: ND_HOP_LIMIT,
  });
  out[at] = Icmpv6Type.NeighborAdvertisement;
  out[at + 4] = (f.router ? 0x80 : 0) | (f.solicited ? 0x40 : 0) | ((f.override ?? true) ? 0x20 : 0);
  out.set(target.value, at + 8);
  out[at + 24] = NdOptionType.TargetLinkLayerAddress;
  out[at + 25] = 1; // in units of 8 bytes
  out.set(mac.value, at + 26);
  put16(out, at + 2, 0);
  writeTransportChecksum(out, { kind: 'ipv6', headerOffset: ipOffset }, IpProto.ICMPv6, at, NA_LENGTH);
  return ok(out);
}

/**
 * The advertisement answering a Neighbor Solicitation frame, as the owner of the target address (`targetMac`)
 * sends it: unicast and solicited to the soliciting node, or, for a duplicate address probe (source ::),
 * unsolicited to all nodes (RFC 4861 7.2.4).
 */
export function buildNeighborAdvertisementReply(
  solicitationFrame: Uint8Array,
  targetMac: string,
  options: { readonly router?: boolean } = {},
): Result<Buffer> {
  const eth = parseEthernet(solicitationFrame);
  if (!eth.ok) return eth;
  if (eth.value.etherType !== EtherType.IPv6) {
    return fail('icmpv6', eth.value.payloadOffset - 2, 'not an IPv6 frame');
  }
  const ip = parseIpv6(solicitationFrame, eth.value.payloadOffset);
  if (!ip.ok) return ip;
  if (ip.value.protocol !== IpProto.ICMPv6) return fail('icmpv6', ip.value.l4Offset, 'not ICMPv6');
  if (ip.value.hopLimit !== ND_HOP_LIMIT) {
    return fail(
      'icmpv6',
      ip.value.headerOffset + 7,
      `hop limit ${ip.value.hopLimit}: ND must arrive with 255`,
    );
  }
  const msg = parseIcmpv6(solicitationFrame, ip.value.l4Offset, ip.value.l4Length);
  if (!msg.ok) return msg;
  const nd = msg.value.nd;
  if (nd?.kind !== 'neighborSolicitation') {
    return fail('icmpv6', msg.value.offset, `ICMPv6 type ${msg.value.type} is not a solicitation`);
  }
  const dad = ip.value.src === '::';
  const sll = nd.options.find((o) => o.kind === 'sourceLinkLayerAddress');
  return buildNeighborAdvertisement({
    target: nd.target,
    targetMac,
    dstIp: dad ? ALL_NODES : ip.value.src,
    dstMac: dad ? '33:33:00:00:00:01' : sll?.kind === 'sourceLinkLayerAddress' ? sll.mac : eth.value.src,
    router: options.router,
    solicited: !dad,
    vlans: eth.value.vlans,
  });
}
