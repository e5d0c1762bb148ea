// Ethernet II with up to two VLAN tags (802.1Q C-tag, 802.1ad S-tag outside it).
import { formatMac, parseMac } from './addresses.js';
import { put16, u16 } from './bytes.js';
import { ETHERNET_HEADER_LEN, EtherType, VLAN_TAG_LEN } from './constants.js';
import { fail, ok, type Result } from './result.js';

export interface VlanTag {
  /** The tag protocol identifier that introduced this tag: 0x8100 or 0x88a8. */
  readonly tpid: number;
  readonly pcp: number;
  readonly dei: boolean;
  readonly vid: number;
}

export interface EthernetHeader {
  readonly kind: 'ethernet';
  readonly dst: string;
  readonly src: string;
  /** Outermost first; empty when untagged. */
  readonly vlans: readonly VlanTag[];
  /** The EtherType after the tags; below 0x0600 it is an 802.3 length (an LLC frame, not ours to parse). */
  readonly etherType: number;
  readonly payloadOffset: number;
}

/** QinQ is two tags; more than this is either a misconfiguration or an attempt to make us loop. */
const MAX_VLAN_TAGS = 2;
const NO_TAGS: readonly VlanTag[] = Object.freeze([]);

function isTagTpid(t: number): boolean {
  return t === EtherType.VLAN || t === EtherType.QinQ;
}

export function parseEthernet(buf: Uint8Array, offset = 0): Result<EthernetHeader> {
  if (buf.length - offset < ETHERNET_HEADER_LEN) {
    return fail(
      'ethernet',
      offset,
      `frame of ${buf.length - offset} bytes is shorter than an Ethernet header (14)`,
    );
  }
  let at = offset + 12;
  let etherType = u16(buf, at);
  let vlans = NO_TAGS;
  if (isTagTpid(etherType)) {
    const tags: VlanTag[] = [];
    while (isTagTpid(etherType)) {
      if (tags.length === MAX_VLAN_TAGS) return fail('ethernet', at, `more than ${MAX_VLAN_TAGS} VLAN tags`);
      if (buf.length < at + 2 + VLAN_TAG_LEN) return fail('ethernet', at, 'VLAN tag truncated');
      const tci = u16(buf, at + 2);
      tags.push({ tpid: etherType, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff });
      at += VLAN_TAG_LEN;
      etherType = u16(buf, at);
    }
    vlans = tags;
  }
  return ok({
    kind: 'ethernet',
    dst: formatMac(buf, offset),
    src: formatMac(buf, offset + 6),
    vlans,
    etherType,
    payloadOffset: at + 2,
  });
}

export interface EthernetFields {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly vlans?: readonly Pick<VlanTag, 'vid' | 'pcp' | 'tpid'>[];
  readonly etherType: number;
}

export function ethernetHeaderLength(vlanCount: number): number {
  return ETHERNET_HEADER_LEN + VLAN_TAG_LEN * vlanCount;
}

/** Writes the header at `offset` and returns the offset of the payload. */
export function writeEthernet(buf: Uint8Array, offset: number, f: EthernetFields): number {
  buf.set(f.dst.subarray(0, 6), offset);
  buf.set(f.src.subarray(0, 6), offset + 6);
  let at = offset + 12;
  for (const tag of f.vlans ?? NO_TAGS) {
    put16(buf, at, tag.tpid);
    put16(buf, at + 2, ((tag.pcp & 7) << 13) | (tag.vid & 0x0fff));
    at += VLAN_TAG_LEN;
  }
  put16(buf, at, f.etherType);
  return at + 2;
}

/** Bytes of a MAC address text; for builders, where a wrong constant is a programming error. */
export function macBytes(text: string): Result<Uint8Array> {
  const mac = parseMac(text);
  return mac ? ok(mac) : fail('build', 0, `not a MAC address: ${JSON.stringify(text)}`);
}
