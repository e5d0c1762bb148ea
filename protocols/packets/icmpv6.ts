// ICMPv6 (RFC 4443) and the Neighbor Discovery messages a controller answers or watches (RFC 4861).
import { formatIpv6, formatMac } from './addresses.js';
import { u16, u32 } from './bytes.js';
import { ICMP_HEADER_LEN, Icmpv6Type, NdOptionType } from './constants.js';
import { fail, ok, type Result } from './result.js';

export type NdOption =
  | { readonly kind: 'sourceLinkLayerAddress'; readonly mac: string }
  | { readonly kind: 'targetLinkLayerAddress'; readonly mac: string }
  | {
      readonly kind: 'prefixInformation';
      readonly prefix: string;
      readonly prefixLength: number;
      readonly onLink: boolean;
      readonly autonomous: boolean;
      /** Seconds; 0xffffffff is infinity. */
      readonly validLifetime: number;
      readonly preferredLifetime: number;
    }
  | { readonly kind: 'mtu'; readonly mtu: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly offset: number; readonly length: number };

export type NdMessage =
  | { readonly kind: 'routerSolicitation'; readonly options: readonly NdOption[] }
  | {
      readonly kind: 'routerAdvertisement';
      readonly curHopLimit: number;
      readonly managed: boolean;
      readonly otherConfig: boolean;
      /** Seconds. */
      readonly routerLifetime: number;
      /** Milliseconds. */
      readonly reachableTime: number;
      readonly retransTimer: number;
      readonly options: readonly NdOption[];
    }
  | { readonly kind: 'neighborSolicitation'; readonly target: string; readonly options: readonly NdOption[] }
  | {
      readonly kind: 'neighborAdvertisement';
      readonly router: boolean;
      readonly solicited: boolean;
      readonly override: boolean;
      readonly target: string;
      readonly options: readonly NdOption[];
    };

export interface Icmpv6Message {
  readonly kind: 'icmpv6';
  readonly offset: number;
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** Echo identifier and sequence number; zero for other types. */
  readonly identifier: number;
  readonly sequence: number;
  /** After the 4-byte type/code/checksum. */
  readonly bodyOffset: number;
  readonly bodyLength: number;
  /** Set for Router/Neighbor Solicitation/Advertisement. */
  readonly nd: NdMessage | undefined;
}

export function isIcmpv6Error(type: number): boolean {
  return type < 128;
}

const MAC_OPTION_LEN = 8;
const PREFIX_OPTION_LEN = 32;
const MTU_OPTION_LEN = 8;

function parseNdOptions(buf: Uint8Array, start: number, end: number): Result<readonly NdOption[]> {
  const options: NdOption[] = [];
  let at = start;
  while (at < end) {
    if (at + 2 > end) return fail('icmpv6', at, 'option header cut');
    const type = buf[at];
    const length = buf[at + 1] * 8;
    // RFC 4861 4.6: a zero length must make the receiver discard the packet (it would loop forever).
    if (length === 0) return fail('icmpv6', at + 1, `option ${type} has length 0`);
    if (at + length > end) {
      return fail('icmpv6', at + 1, `option ${type} of ${length} bytes overruns the message`);
    }
    switch (type) {
      case NdOptionType.SourceLinkLayerAddress:
      case NdOptionType.TargetLinkLayerAddress:
        if (length !== MAC_OPTION_LEN) {
          return fail('icmpv6', at + 1, `link-layer address option of ${length} bytes on Ethernet`);
        }
        options.push({
          kind:
            type === NdOptionType.SourceLinkLayerAddress
              ? 'sourceLinkLayerAddress'
              : 'targetLinkLayerAddress',
          mac: formatMac(buf, at + 2),
        });
        break;
      case NdOptionType.PrefixInformation:
        if (length !== PREFIX_OPTION_LEN) {
          return fail('icmpv6', at + 1, `prefix information option of ${length} bytes`);
        }
        options.push({
          kind: 'prefixInformation',
          prefixLength: buf[at + 2],
          onLink: (buf[at + 3] & 0x80) !== 0,
          autonomous: (buf[at + 3] & 0x40) !== 0,
          validLifetime: u32(buf, at + 4),
          preferredLifetime: u32(buf, at + 8),
          prefix: formatIpv6(buf, at + 16),
        });
        break;
      case NdOptionType.Mtu:
        if (length !== MTU_OPTION_LEN) return fail('icmpv6', at + 1, `MTU option of ${length} bytes`);
        options.push({ kind: 'mtu', mtu: u32(buf, at + 4) });
        break;
      default:
        options.push({ kind: 'unknown', type, offset: at, length });
    }
    at += length;
  }
  return ok(options);
}

/** Fixed part of each ND message after type/code/checksum, before the options. */
const ND_FIXED: Record<number, number> = {
  [Icmpv6Type.RouterSolicitation]: 8,
  [Icmpv6Type.RouterAdvertisement]: 16,
  [Icmpv6Type.NeighborSolicitation]: 24,
  [Icmpv6Type.NeighborAdvertisement]: 24,
};

function parseNd(buf: Uint8Array, offset: number, type: number, end: number): Result<NdMessage | undefined> {
  const fixed = ND_FIXED[type];
  if (fixed === undefined) return ok(undefined);
  if (end - offset < fixed) {
    return fail('icmpv6', offset, `ND message type ${type} needs ${fixed} bytes, has ${end - offset}`);
  }
  const opts = parseNdOptions(buf, offset + fixed, end);
  if (!opts.ok) return opts;
  const options = opts.value;
  switch (type) {
    case Icmpv6Type.RouterSolicitation:
      return ok({ kind: 'routerSolicitation', options });
    case Icmpv6Type.RouterAdvertisement:
      return ok({
        kind: 'routerAdvertisement',
        curHopLimit: buf[offset + 4],
        managed: (buf[offset + 5] & 0x80) !== 0,
        otherConfig: (buf[offset + 5] & 0x40) !== 0,
        routerLifetime: u16(buf, offset + 6),
        reachableTime: u32(buf, offset + 8),
        retransTimer: u32(buf, offset + 12),
        options,
      });
    case Icmpv6Type.NeighborSolicitation:
      return ok({ kind: 'neighborSolicitation', target: formatIpv6(buf, offset + 8), options });
    default:
      return ok({
        kind: 'neighborAdvertisement',
        router: (buf[offset + 4] & 0x80) !== 0,
        solicited: (buf[offset + 4] & 0x40) !== 0,
        override: (buf[offset + 4] & 0x20) !== 0,
        target: formatIpv6(buf, offset + 8),
        options,
      });
  }
}

/** `length` is the number of upper-layer bytes present. */
export function parseIcmpv6(buf: Uint8Array, offset: number, length: number): Result<Icmpv6Message> {
  if (length < 4) return fail('icmpv6', offset, `${length} bytes is shorter than an ICMPv6 header (4)`);
  const type = buf[offset];
  const nd = parseNd(buf, offset, type, offset + length);
  if (!nd.ok) return nd;
  const echo =
    (type === Icmpv6Type.EchoRequest || type === Icmpv6Type.EchoReply) && length >= ICMP_HEADER_LEN;
  return ok({
    kind: 'icmpv6',
    offset,
    type,
    code: buf[offset + 1],
    checksum: u16(buf, offset + 2),
    identifier: echo ? u16(buf, offset + 4) : 0,
    sequence: echo ? u16(buf, offset + 6) : 0,
    bodyOffset: offset + 4,
    bodyLength: length - 4,
    nd: nd.value,
  });
}
