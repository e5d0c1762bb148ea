// Router Advertisements (RFC 4861 4.2): the distributed router announces itself and the on-link prefixes
// a pod configures its addresses from (SLAAC, RFC 4862).
import { parseIp } from './addresses.js';
import { put16, put32 } from './bytes.js';
import { EtherType, Icmpv6Type, IpProto, IPV6_HEADER_LEN, NdOptionType } from './constants.js';
import { ethernetHeaderLength, macBytes, writeEthernet, type VlanTag } from './ethernet.js';
import { writeIpv6 } from './ipv6.js';
import { ND_HOP_LIMIT } from './neighbor-advertisement.js';
import { fail, ok, type Result } from './result.js';
import { writeTransportChecksum } from './transport-checksum.js';

export interface RaPrefix {
  readonly prefix: string;
  readonly prefixLength: number;
  readonly onLink?: boolean;
  readonly autonomous?: boolean;
  /** Seconds; 0xffffffff is infinity. Defaults: 30 days valid, 7 days preferred (RFC 4861 6.2.1). */
  readonly validLifetime?: number;
  readonly preferredLifetime?: number;
}

export interface RouterAdvertisementFields {
  /** The router's link-local address (RFC 4861 6.1.2: an RA from any other source is ignored). */
  readonly srcIp: string;
  readonly srcMac: string;
  /** ff02::1 for periodic and most solicited advertisements. */
  readonly dstIp: string;
  readonly dstMac: string;
  readonly curHopLimit?: number;
  readonly managed?: boolean;
  readonly otherConfig?: boolean;
  /** Seconds this router is a default router; 0: not one. Default 1800. */
  readonly routerLifetime?: number;
  readonly reachableTime?: number;
  readonly retransTimer?: number;
  readonly prefixes?: readonly RaPrefix[];
  readonly mtu?: number;
  readonly vlans?: readonly VlanTag[];
}

const RA_FIXED = 16;
const SLLA_LEN = 8;
const MTU_LEN = 8;
const PREFIX_LEN = 32;

function ipv6(text: string): Result<Uint8Array> {
  const ip = parseIp(text);
  return ip?.version === 6 ? ok(ip.bytes) : fail('build', 0, `not an IPv6 address: ${JSON.stringify(text)}`);
}

/** A whole Ethernet frame with one Router Advertisement: source link-layer address, MTU, prefix options. */
export function buildRouterAdvertisement(f: RouterAdvertisementFields): Result<Buffer> {
  const src = ipv6(f.srcIp);
  const dst = ipv6(f.dstIp);
  const srcMac = macBytes(f.srcMac);
  const dstMac = macBytes(f.dstMac);
  if (!src.ok) return src;
  if (!dst.ok) return dst;
  if (!srcMac.ok) return srcMac;
  if (!dstMac.ok) return dstMac;
  const prefixes: { bytes: Uint8Array; p: RaPrefix }[] = [];
  for (const p of f.prefixes ?? []) {
    const bytes = ipv6(p.prefix);
    if (!bytes.ok) return bytes;
    if (!(p.prefixLength >= 0 && p.prefixLength <= 128)) {
      return fail('build', 0, `prefix length ${p.prefixLength}`);
    }
    prefixes.push({ bytes: bytes.value, p });
  }
  const length = RA_FIXED + SLLA_LEN + (f.mtu === undefined ? 0 : MTU_LEN) + PREFIX_LEN * prefixes.length;
  const vlans = f.vlans ?? [];
  const out = Buffer.alloc(ethernetHeaderLength(vlans.length) + IPV6_HEADER_LEN + length);
  const ipOffset = writeEthernet(out, 0, {
    dst: dstMac.value,
    src: srcMac.value,
    vlans,
    etherType: EtherType.IPv6,
  });
  const at = writeIpv6(out, ipOffset, {
    src: src.value,
    dst: dst.value,
    protocol: IpProto.ICMPv6,
    payloadLength: length,
    hopLimit: ND_HOP_LIMIT,
  });
  out[at] = Icmpv6Type.RouterAdvertisement;
  out[at + 4] = f.curHopLimit ?? 64;
  out[at + 5] = (f.managed ? 0x80 : 0) | (f.otherConfig ? 0x40 : 0);
  put16(out, at + 6, f.routerLifetime ?? 1800);
  put32(out, at + 8, f.reachableTime ?? 0);
  put32(out, at + 12, f.retransTimer ?? 0);
  let o = at + RA_FIXED;
  out[o] = NdOptionType.SourceLinkLayerAddress;
  out[o + 1] = 1;
  out.set(srcMac.value, o + 2);
  o += SLLA_LEN;
  if (f.mtu !== undefined) {
    out[o] = NdOptionType.Mtu;
    out[o + 1] = 1;
    put32(out, o + 4, f.mtu);
    o += MTU_LEN;
  }
  for (const { bytes, p } of prefixes) {
    out[o] = NdOptionType.PrefixInformation;
    out[o + 1] = 4;
    out[o + 2] = p.prefixLength;
    out[o + 3] = ((p.onLink ?? true) ? 0x80 : 0) | ((p.autonomous ?? true) ? 0x40 : 0);
    put32(out, o + 4, p.validLifetime ?? 2592000);
    put32(out, o + 8, p.preferredLifetime ?? 604800);
    // Bits past the prefix length must be zero (RFC 4861 4.6.2).
    for (let bit = 0; bit < 128; bit += 8) {
      const keep = Math.max(0, Math.min(8, p.prefixLength - bit));
      out[o + 16 + bit / 8] = bytes[bit / 8] & ((0xff << (8 - keep)) & 0xff);
    }
    o += PREFIX_LEN;
  }
  writeTransportChecksum(out, { kind: 'ipv6', headerOffset: ipOffset }, IpProto.ICMPv6, at, length);
  return ok(out);
}
