// OXM (OpenFlow Extensible Match) fields: the standard OpenFlow 1.3 basic class, the packet-register class, and
// the Nicira NXM classes Open vSwitch accepts inside an OpenFlow 1.3 match (include/openvswitch/meta-flow.h).
//
// A field is named once here. Names follow Ryu/OpenFlow spelling for OXM basic fields (`eth_dst`, `tunnel_id`),
// OVS spelling for Nicira fields (`reg0`, `tun_id`, `ct_state`), and `<name>_nxm` for the legacy NXM headers that
// duplicate an OXM basic field (NXM_OF_ETH_DST is `eth_dst_nxm`), so that every header has exactly one name and a
// decoded match re-encodes to the same bytes.

/** OXM classes (ofp_oxm_class, openflow-1.3.h; NXM classes from nicira-ext.h). */
export const OxmClass = {
  /** Backward compatibility with NXM: the NXM_OF_* fields. */
  NXM_0: 0x0000,
  /** Backward compatibility with NXM: the NXM_NX_* fields. */
  NXM_1: 0x0001,
  /** Basic class for OpenFlow (OFPXMC_OPENFLOW_BASIC). */
  OPENFLOW_BASIC: 0x8000,
  /** 64-bit packet registers (OFPXMC_PACKET_REGS, OF1.5, accepted by OVS in OF1.3): xreg0-15. */
  PACKET_REGS: 0x8001,
  /** Experimenter class: a 32-bit experimenter id follows the header. */
  EXPERIMENTER: 0xffff,
} as const;

/** How a field's value is carried in TypeScript. */
export type OxmKind = 'uint' | 'u64' | 'u128' | 'mac' | 'ipv4' | 'ipv6';

/**
 * When a field may appear in a match (OpenFlow 1.3 section 7.2.3.6 and OVS's meta-flow prerequisites).
 * `ip` means eth_type is IPv4 or IPv6; `tcp` means `ip` and ip_proto 6; `nd_sll`/`nd_tll` need an ICMPv6 neighbor
 * solicitation (135) or advertisement (136).
 */
export type OxmPrereq =
  | 'none'
  | 'vlan'
  | 'ip'
  | 'ipv4'
  | 'ipv6'
  | 'arp'
  | 'tcp'
  | 'udp'
  | 'sctp'
  | 'icmpv4'
  | 'icmpv6'
  | 'nd'
  | 'nd_sll'
  | 'nd_tll'
  | 'mpls'
  | 'pbb'
  | 'ct';

/** Static description of one field: class, field number, payload size (without mask), value kind, maskable. */
export interface OxmFieldInfo {
  readonly oxmClass: number;
  readonly oxmField: number;
  readonly bytes: number;
  readonly kind: OxmKind;
  readonly maskable: boolean;
  readonly prereq: OxmPrereq;
  /** Width in bits when narrower than `bytes * 8` (vlan_vid 13 with the present bit, mpls_label 20, ...). */
  readonly bits?: number;
}

const f = <K extends OxmKind>(
  oxmClass: number,
  oxmField: number,
  bytes: number,
  kind: K,
  maskable: boolean,
  prereq: OxmPrereq = 'none',
  bits?: number,
): OxmFieldInfo & { readonly kind: K } =>
  bits === undefined
    ? { oxmClass, oxmField, bytes, kind, maskable, prereq }
    : { oxmClass, oxmField, bytes, kind, maskable, prereq, bits };

const B = OxmClass.OPENFLOW_BASIC;
const N0 = OxmClass.NXM_0;
const N1 = OxmClass.NXM_1;
const PR = OxmClass.PACKET_REGS;

/** Every field the codec names, with its wire header. Anything else decodes to an `UnknownOxmField`. */
export const OXM_FIELDS = {
  // --- OpenFlow 1.3 basic class (ofp_oxm_ofb_match_fields) ---
  in_port: f(B, 0, 4, 'uint', false),
  in_phy_port: f(B, 1, 4, 'uint', false),
  metadata: f(B, 2, 8, 'u64', true),
  eth_dst: f(B, 3, 6, 'mac', true),
  eth_src: f(B, 4, 6, 'mac', true),
  eth_type: f(B, 5, 2, 'uint', false),
  /** VLAN id with OFPVID_PRESENT (0x1000) set when a tag is present; 13 bits. */
  vlan_vid: f(B, 6, 2, 'uint', true, 'none', 13),
  vlan_pcp: f(B, 7, 1, 'uint', false, 'vlan', 3),
  ip_dscp: f(B, 8, 1, 'uint', false, 'ip', 6),
  ip_ecn: f(B, 9, 1, 'uint', false, 'ip', 2),
  ip_proto: f(B, 10, 1, 'uint', false, 'ip'),
  ipv4_src: f(B, 11, 4, 'ipv4', true, 'ipv4'),
  ipv4_dst: f(B, 12, 4, 'ipv4', true, 'ipv4'),
  tcp_src: f(B, 13, 2, 'uint', true, 'tcp'),
  tcp_dst: f(B, 14, 2, 'uint', true, 'tcp'),
  udp_src: f(B, 15, 2, 'uint', true, 'udp'),
  udp_dst: f(B, 16, 2, 'uint', true, 'udp'),
  sctp_src: f(B, 17, 2, 'uint', true, 'sctp'),
  sctp_dst: f(B, 18, 2, 'uint', true, 'sctp'),
  icmpv4_type: f(B, 19, 1, 'uint', false, 'icmpv4'),
  icmpv4_code: f(B, 20, 1, 'uint', false, 'icmpv4'),
  arp_op: f(B, 21, 2, 'uint', false, 'arp'),
  arp_spa: f(B, 22, 4, 'ipv4', true, 'arp'),
  arp_tpa: f(B, 23, 4, 'ipv4', true, 'arp'),
  arp_sha: f(B, 24, 6, 'mac', true, 'arp'),
  arp_tha: f(B, 25, 6, 'mac', true, 'arp'),
  ipv6_src: f(B, 26, 16, 'ipv6', true, 'ipv6'),
  ipv6_dst: f(B, 27, 16, 'ipv6', true, 'ipv6'),
  ipv6_flabel: f(B, 28, 4, 'uint', true, 'ipv6', 20),
  icmpv6_type: f(B, 29, 1, 'uint', false, 'icmpv6'),
  icmpv6_code: f(B, 30, 1, 'uint', false, 'icmpv6'),
  ipv6_nd_target: f(B, 31, 16, 'ipv6', false, 'nd'),
  ipv6_nd_sll: f(B, 32, 6, 'mac', false, 'nd_sll'),
  ipv6_nd_tll: f(B, 33, 6, 'mac', false, 'nd_tll'),
  mpls_label: f(B, 34, 4, 'uint', false, 'mpls', 20),
  mpls_tc: f(B, 35, 1, 'uint', false, 'mpls', 3),
  mpls_bos: f(B, 36, 1, 'uint', false, 'mpls', 1),
  pbb_isid: f(B, 37, 3, 'uint', true, 'pbb', 24),
  tunnel_id: f(B, 38, 8, 'u64', true),
  ipv6_exthdr: f(B, 39, 2, 'uint', true, 'ipv6', 9),

  // --- 64-bit packet registers (OXM_OF_PKT_REG0..7) ---
  xreg0: f(PR, 0, 8, 'u64', true),
  xreg1: f(PR, 1, 8, 'u64', true),
  xreg2: f(PR, 2, 8, 'u64', true),
  xreg3: f(PR, 3, 8, 'u64', true),
  xreg4: f(PR, 4, 8, 'u64', true),
  xreg5: f(PR, 5, 8, 'u64', true),
  xreg6: f(PR, 6, 8, 'u64', true),
  xreg7: f(PR, 7, 8, 'u64', true),

  // --- NXM_OF_* (class 0x0000): legacy headers of OpenFlow 1.0 fields ---
  /** NXM_OF_IN_PORT: a 16-bit port number. */
  in_port_nxm: f(N0, 0, 2, 'uint', false),
  eth_dst_nxm: f(N0, 1, 6, 'mac', true),
  eth_src_nxm: f(N0, 2, 6, 'mac', true),
  eth_type_nxm: f(N0, 3, 2, 'uint', false),
  /** NXM_OF_VLAN_TCI: the whole 802.1Q TCI, CFI bit set when a tag is present. */
  vlan_tci: f(N0, 4, 2, 'uint', true),
  /** NXM_OF_IP_TOS: the DSCP bits in place (low two bits zero). */
  ip_dscp_nxm: f(N0, 5, 1, 'uint', false, 'ip'),
  ip_proto_nxm: f(N0, 6, 1, 'uint', false, 'ip'),
  ipv4_src_nxm: f(N0, 7, 4, 'ipv4', true, 'ipv4'),
  ipv4_dst_nxm: f(N0, 8, 4, 'ipv4', true, 'ipv4'),
  tcp_src_nxm: f(N0, 9, 2, 'uint', true, 'tcp'),
  tcp_dst_nxm: f(N0, 10, 2, 'uint', true, 'tcp'),
  udp_src_nxm: f(N0, 11, 2, 'uint', true, 'udp'),
  udp_dst_nxm: f(N0, 12, 2, 'uint', true, 'udp'),
  icmpv4_type_nxm: f(N0, 13, 1, 'uint', false, 'icmpv4'),
  icmpv4_code_nxm: f(N0, 14, 1, 'uint', false, 'icmpv4'),
  arp_op_nxm: f(N0, 15, 2, 'uint', false, 'arp'),
  arp_spa_nxm: f(N0, 16, 4, 'ipv4', true, 'arp'),
  arp_tpa_nxm: f(N0, 17, 4, 'ipv4', true, 'arp'),

  // --- NXM_NX_* (class 0x0001): Open vSwitch fields ---
  reg0: f(N1, 0, 4, 'uint', true),
  reg1: f(N1, 1, 4, 'uint', true),
  reg2: f(N1, 2, 4, 'uint', true),
  reg3: f(N1, 3, 4, 'uint', true),
  reg4: f(N1, 4, 4, 'uint', true),
  reg5: f(N1, 5, 4, 'uint', true),
  reg6: f(N1, 6, 4, 'uint', true),
  reg7: f(N1, 7, 4, 'uint', true),
  reg8: f(N1, 8, 4, 'uint', true),
  reg9: f(N1, 9, 4, 'uint', true),
  reg10: f(N1, 10, 4, 'uint', true),
  reg11: f(N1, 11, 4, 'uint', true),
  reg12: f(N1, 12, 4, 'uint', true),
  reg13: f(N1, 13, 4, 'uint', true),
  reg14: f(N1, 14, 4, 'uint', true),
  reg15: f(N1, 15, 4, 'uint', true),
  /** NXM_NX_TUN_ID: the tunnel key (VXLAN VNI in the low 24 bits). */
  tun_id: f(N1, 16, 8, 'u64', true),
  arp_sha_nxm: f(N1, 17, 6, 'mac', true, 'arp'),
  arp_tha_nxm: f(N1, 18, 6, 'mac', true, 'arp'),
  ipv6_src_nxm: f(N1, 19, 16, 'ipv6', true, 'ipv6'),
  ipv6_dst_nxm: f(N1, 20, 16, 'ipv6', true, 'ipv6'),
  icmpv6_type_nxm: f(N1, 21, 1, 'uint', false, 'icmpv6'),
  icmpv6_code_nxm: f(N1, 22, 1, 'uint', false, 'icmpv6'),
  ipv6_nd_target_nxm: f(N1, 23, 16, 'ipv6', true, 'nd'),
  ipv6_nd_sll_nxm: f(N1, 24, 6, 'mac', true, 'nd_sll'),
  ipv6_nd_tll_nxm: f(N1, 25, 6, 'mac', true, 'nd_tll'),
  /** NXM_NX_IP_FRAG: bit 0 = fragment, bit 1 = later fragment. */
  ip_frag: f(N1, 26, 1, 'uint', true, 'ip', 2),
  ipv6_flabel_nxm: f(N1, 27, 4, 'uint', true, 'ipv6', 20),
  ip_ecn_nxm: f(N1, 28, 1, 'uint', false, 'ip', 2),
  ip_ttl: f(N1, 29, 1, 'uint', false, 'ip'),
  mpls_ttl: f(N1, 30, 1, 'uint', false, 'mpls'),
  tun_ipv4_src: f(N1, 31, 4, 'ipv4', true),
  tun_ipv4_dst: f(N1, 32, 4, 'ipv4', true),
  pkt_mark: f(N1, 33, 4, 'uint', true),
  tcp_flags: f(N1, 34, 2, 'uint', true, 'tcp', 12),
  dp_hash: f(N1, 35, 4, 'uint', true),
  recirc_id: f(N1, 36, 4, 'uint', false),
  conj_id: f(N1, 37, 4, 'uint', false),
  tun_gbp_id: f(N1, 38, 2, 'uint', true),
  tun_gbp_flags: f(N1, 39, 1, 'uint', true),
  tun_flags: f(N1, 104, 2, 'uint', true),
  /** NXM_NX_CT_STATE: CS_NEW 0x01, CS_ESTABLISHED 0x02, CS_RELATED 0x04, CS_REPLY_DIR 0x08, CS_INVALID 0x10, CS_TRACKED 0x20, CS_SRC_NAT 0x40, CS_DST_NAT 0x80. */
  ct_state: f(N1, 105, 4, 'uint', true),
  ct_zone: f(N1, 106, 2, 'uint', false),
  ct_mark: f(N1, 107, 4, 'uint', true),
  ct_label: f(N1, 108, 16, 'u128', true),
  tun_ipv6_src: f(N1, 109, 16, 'ipv6', true),
  tun_ipv6_dst: f(N1, 110, 16, 'ipv6', true),
  xxreg0: f(N1, 111, 16, 'u128', true),
  xxreg1: f(N1, 112, 16, 'u128', true),
  xxreg2: f(N1, 113, 16, 'u128', true),
  xxreg3: f(N1, 114, 16, 'u128', true),
  ct_nw_proto: f(N1, 119, 1, 'uint', false, 'ct'),
  ct_nw_src: f(N1, 120, 4, 'ipv4', true, 'ct'),
  ct_nw_dst: f(N1, 121, 4, 'ipv4', true, 'ct'),
  ct_ipv6_src: f(N1, 122, 16, 'ipv6', true, 'ct'),
  ct_ipv6_dst: f(N1, 123, 16, 'ipv6', true, 'ct'),
  ct_tp_src: f(N1, 124, 2, 'uint', true, 'ct'),
  ct_tp_dst: f(N1, 125, 2, 'uint', true, 'ct'),
} as const;

export type OxmFieldName = keyof typeof OXM_FIELDS;

/** The TypeScript type of a value of the given kind: numbers up to 32 bits, bigint above, text for addresses. */
export type OxmValueOf<K extends OxmKind> = K extends 'u64' | 'u128'
  ? bigint
  : K extends 'mac' | 'ipv4' | 'ipv6'
    ? string
    : number;

/**
 * One match or set-field entry. Discriminated by `field`; `value` and `mask` have the field's type:
 * number (<= 32 bits), bigint (metadata, tun_id, xreg, ct_label), or text ("aa:bb:cc:dd:ee:ff", "10.0.0.1",
 * "fe80::1"). `mask` is absent when the TLV has no mask.
 */
export type KnownOxmField = {
  readonly [N in OxmFieldName]: {
    readonly field: N;
    readonly value: OxmValueOf<(typeof OXM_FIELDS)[N]['kind']>;
    readonly mask?: OxmValueOf<(typeof OXM_FIELDS)[N]['kind']>;
  };
}[OxmFieldName];

/**
 * A TLV whose header the codec does not name (another experimenter's OXM, a future field). Kept as bytes so that
 * it re-encodes identically. For the experimenter class, `experimenter` holds the id that follows the header and
 * `value`/`mask` the bytes after it.
 */
export interface UnknownOxmField {
  readonly field: 'unknown';
  readonly oxmClass: number;
  readonly oxmField: number;
  readonly experimenter?: number;
  readonly value: Uint8Array;
  readonly mask?: Uint8Array;
}

export type OxmField = KnownOxmField | UnknownOxmField;

/** An OpenFlow 1.3 match (ofp_match, OFPMT_OXM): an ordered list of OXM TLVs. */
export type Match = readonly OxmField[];

/** A reference to bits [ofs, ofs + nbits) of a named field, as NXM actions carry them (`NXM_NX_REG0[8..15]`). */
export interface Subfield {
  readonly field: OxmFieldName;
  readonly ofs: number;
  readonly nbits: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Header lookup and value conversion

/** 32-bit OXM header: class(16) | field(7) | hasmask(1) | length(8). */
export function oxmHeader(info: OxmFieldInfo, hasMask: boolean): number {
  return (
    ((info.oxmClass << 16) |
      (info.oxmField << 9) |
      (hasMask ? 0x100 : 0) |
      (hasMask ? info.bytes * 2 : info.bytes)) >>>
    0
  );
}

/** A field's name with its description, as the decoder looks it up by (class, field). */
export interface OxmEntry {
  readonly name: OxmFieldName;
  readonly info: OxmFieldInfo;
}

// A dense table indexed by class slot * 128 + field number: the decoder's hot lookup, no hashing.
const CLASS_SLOTS = [OxmClass.NXM_0, OxmClass.NXM_1, OxmClass.OPENFLOW_BASIC, OxmClass.PACKET_REGS];
const byNumber: (OxmEntry | undefined)[] = new Array<OxmEntry | undefined>(CLASS_SLOTS.length * 128).fill(
  undefined,
);
for (const name of Object.keys(OXM_FIELDS) as OxmFieldName[]) {
  const info: OxmFieldInfo = OXM_FIELDS[name];
  byNumber[CLASS_SLOTS.indexOf(info.oxmClass as (typeof CLASS_SLOTS)[number]) * 128 + info.oxmField] = {
    name,
    info,
  };
}

function slotOf(oxmClass: number): number {
  switch (oxmClass) {
    case OxmClass.OPENFLOW_BASIC:
      return 2 * 128;
    case OxmClass.NXM_1:
      return 128;
    case OxmClass.NXM_0:
      return 0;
    case OxmClass.PACKET_REGS:
      return 3 * 128;
    default:
      return -1;
  }
}

/** The field the codec names for a class and field number (0-127), if any. */
export function oxmEntry(oxmClass: number, oxmField: number): OxmEntry | undefined {
  const slot = slotOf(oxmClass);
  return slot < 0 ? undefined : byNumber[slot + oxmField];
}

/** The named field for a class and field number, if the codec knows it. */
export function oxmFieldByNumber(oxmClass: number, oxmField: number): OxmFieldName | undefined {
  return oxmEntry(oxmClass, oxmField)?.name;
}

/** The named field of a 32-bit NXM/OXM header as NXM actions carry it (no mask, payload size of the field). */
export function fieldOfHeader(header: number): OxmFieldName | undefined {
  const e = oxmEntry(header >>> 16, (header >>> 9) & 0x7f);
  if (e === undefined || (header & 0x100) !== 0) return undefined;
  return (header & 0xff) === e.info.bytes ? e.name : undefined;
}

/** Width in bits of a field (for subfield bounds). */
export function fieldBits(name: OxmFieldName): number {
  const info: OxmFieldInfo = OXM_FIELDS[name];
  return info.bytes * 8;
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const hi = (x: number): number => HEX_CODES[x >>> 4];
const lo = (x: number): number => HEX_CODES[x & 15];

/** "aa:bb:cc:dd:ee:ff". Built from char codes in one call: a template literal makes a tree of string pieces. */
export function macToString(b: Uint8Array, off: number): string {
  const o0 = b[off];
  const o1 = b[off + 1];
  const o2 = b[off + 2];
  const o3 = b[off + 3];
  const o4 = b[off + 4];
  const o5 = b[off + 5];
  return String.fromCharCode(
    hi(o0),
    lo(o0),
    58,
    hi(o1),
    lo(o1),
    58,
    hi(o2),
    lo(o2),
    58,
    hi(o3),
    lo(o3),
    58,
    hi(o4),
    lo(o4),
    58,
    hi(o5),
    lo(o5),
  );
}

export function ipv4ToString(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text: lower-case hex, leading zeros dropped, the longest run (>= 2) of zero groups as "::". */
export function ipv6ToString(b: Uint8Array, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/** Parse "aa:bb:cc:dd:ee:ff" into `out` at `off`; false when malformed. Hand-rolled: this is the flow-mod hot path. */
export function writeMac(text: string, out: Uint8Array, off: number): boolean {
  if (text.length !== 17) return false;
  for (let i = 0; i < 6; i++) {
    const hi = hexDigit(text.charCodeAt(i * 3));
    const lo = hexDigit(text.charCodeAt(i * 3 + 1));
    if (hi < 0 || lo < 0 || (i < 5 && text.charCodeAt(i * 3 + 2) !== 58)) return false;
    out[off + i] = (hi << 4) | lo;
  }
  return true;
}

/** Parse a dotted quad into `out` at `off`; false when malformed (no leading "+", at most 3 digits, <= 255). */
export function writeIpv4(text: string, out: Uint8Array, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || value > 255 || part > 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + (c - 48);
      digits++;
    } else {
      return false;
    }
  }
  return part === 4;
}

export function writeIpv6(text: string, out: Uint8Array, off: number): boolean {
  let s = text;
  // An embedded dotted quad ("::ffff:10.0.0.1") becomes two hex groups.
  const dot = s.lastIndexOf('.');
  if (dot >= 0) {
    const colon = s.lastIndexOf(':');
    const quad = new Uint8Array(4);
    if (colon < 0 || !writeIpv4(s.slice(colon + 1), quad, 0)) return false;
    s = `${s.slice(0, colon + 1)}${((quad[0] << 8) | quad[1]).toString(16)}:${((quad[2] << 8) | quad[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return false;
  const groups = [...head, ...new Array<string>(fill).fill('0'), ...tail];
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) return false;
    const v = parseInt(groups[i], 16);
    out[off + 2 * i] = v >>> 8;
    out[off + 2 * i + 1] = v & 0xff;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Prerequisites (OpenFlow 1.3 table 11 and OVS meta-flow): a field may only be matched when these hold.

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_ARP = 0x0806;
const ETH_RARP = 0x8035;

function exact(match: Match, names: readonly OxmFieldName[]): number | bigint | string | undefined {
  for (const e of match) {
    if (e.field !== 'unknown' && names.includes(e.field) && e.mask === undefined) return e.value;
  }
  return undefined;
}

/**
 * Check every field's prerequisites against the other entries of the match.
 * Returns a message naming the first field whose prerequisite is missing, or undefined when all hold.
 */
export function checkPrerequisites(match: Match): string | undefined {
  const ethType = exact(match, ['eth_type', 'eth_type_nxm']);
  const ipProto = exact(match, ['ip_proto', 'ip_proto_nxm']);
  const icmp6 = exact(match, ['icmpv6_type', 'icmpv6_type_nxm']);
  const isIp = ethType === ETH_IPV4 || ethType === ETH_IPV6;
  const holds = (p: OxmPrereq): boolean => {
    switch (p) {
      case 'none':
        return true;
      case 'vlan': {
        const vid = exact(match, ['vlan_vid']);
        const tci = exact(match, ['vlan_tci']);
        return (
          (typeof vid === 'number' && (vid & 0x1000) !== 0) ||
          (typeof tci === 'number' && (tci & 0x1000) !== 0) ||
          match.some((e) => e.field === 'vlan_vid' && e.mask !== undefined && (e.value & 0x1000) !== 0)
        );
      }
      case 'ip':
        return isIp;
      case 'ipv4':
        return ethType === ETH_IPV4;
      case 'ipv6':
        return ethType === ETH_IPV6;
      case 'arp':
        return ethType === ETH_ARP || ethType === ETH_RARP;
      case 'tcp':
        return isIp && ipProto === 6;
      case 'udp':
        return isIp && ipProto === 17;
      case 'sctp':
        return isIp && ipProto === 132;
      case 'icmpv4':
        return ethType === ETH_IPV4 && ipProto === 1;
      case 'icmpv6':
        return ethType === ETH_IPV6 && ipProto === 58;
      case 'nd':
        return ethType === ETH_IPV6 && ipProto === 58 && (icmp6 === 135 || icmp6 === 136);
      case 'nd_sll':
        return ethType === ETH_IPV6 && ipProto === 58 && icmp6 === 135;
      case 'nd_tll':
        return ethType === ETH_IPV6 && ipProto === 58 && icmp6 === 136;
      case 'mpls':
        return ethType === 0x8847 || ethType === 0x8848;
      case 'pbb':
        return ethType === 0x88e7;
      case 'ct': {
        // ct_nw_*/ct_tp_* need a tracked connection: ct_state with +trk (0x20) set.
        return match.some(
          (e) =>
            e.field === 'ct_state' &&
            (e.value & 0x20) !== 0 &&
            (e.mask === undefined || (e.mask & 0x20) !== 0),
        );
      }
    }
  };
  for (const e of match) {
    if (e.field === 'unknown') continue;
    const info: OxmFieldInfo = OXM_FIELDS[e.field];
    if (!holds(info.prereq)) return `${e.field} requires ${PREREQ_TEXT[info.prereq]}`;
    if (e.mask !== undefined && !info.maskable) return `${e.field} cannot be masked`;
  }
  return undefined;
}

const PREREQ_TEXT: Record<OxmPrereq, string> = {
  none: 'nothing',
  vlan: 'a VLAN tag (vlan_vid with OFPVID_PRESENT)',
  ip: 'eth_type 0x0800 or 0x86dd',
  ipv4: 'eth_type 0x0800',
  ipv6: 'eth_type 0x86dd',
  arp: 'eth_type 0x0806 or 0x8035',
  tcp: 'eth_type IPv4/IPv6 and ip_proto 6',
  udp: 'eth_type IPv4/IPv6 and ip_proto 17',
  sctp: 'eth_type IPv4/IPv6 and ip_proto 132',
  icmpv4: 'eth_type 0x0800 and ip_proto 1',
  icmpv6: 'eth_type 0x86dd and ip_proto 58',
  nd: 'icmpv6_type 135 or 136',
  nd_sll: 'icmpv6_type 135 (neighbor solicitation)',
  nd_tll: 'icmpv6_type 136 (neighbor advertisement)',
  mpls: 'eth_type 0x8847 or 0x8848',
  pbb: 'eth_type 0x88e7',
  ct: 'ct_state +trk',
};
