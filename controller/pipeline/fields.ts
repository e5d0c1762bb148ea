// Registers, metadata bits and conntrack values the pipeline uses, each named once. docs/pipeline.md lists them and
// test/unit/pipeline/pipeline-doc.test.ts checks that list against FIELDS. A feature that needs a new bit adds it here.
import type { OxmField, Subfield } from '../../protocols/openflow13/oxm.js';
import type { RegLoadAction } from '../../protocols/openflow13/actions.js';

/** The 32-bit NXM registers the pipeline may use. */
export type RegName = 'reg0' | 'reg1' | 'reg2' | 'reg3' | 'reg4' | 'reg5' | 'reg6' | 'reg7';

/** A named bit range of a register: `reg0[0..3]`. */
export interface RegField {
  readonly name: string;
  readonly reg: RegName;
  readonly ofs: number;
  readonly nbits: number;
  readonly doc: string;
  /** Named values, when the field is an enumeration. */
  readonly values?: Readonly<Record<string, number>>;
}

function regField(
  name: string,
  reg: RegName,
  ofs: number,
  nbits: number,
  doc: string,
  values?: Record<string, number>,
): RegField {
  return values === undefined ? { name, reg, ofs, nbits, doc } : { name, reg, ofs, nbits, doc, values };
}

/** Where the packet entered the bridge; set by classify, read by every later table. */
export const SourceKind = { pod: 1, tunnel: 2, host: 3, uplink: 4, egressReturn: 5 } as const;
export type SourceKind = keyof typeof SourceKind;

/** What the output table does with the packet; set by l2 (or l3 for the host), read by output. */
export const OutputKind = { port: 1 } as const;

export const PKT_SOURCE = regField(
  'PKT_SOURCE',
  'reg0',
  0,
  4,
  'source kind of the packet (classify)',
  SourceKind,
);
export const TO_ROUTER = regField(
  'TO_ROUTER',
  'reg0',
  4,
  1,
  '1 when the frame is addressed to a gateway MAC of its network (arp/nd), so l3 routes it',
);
export const SG_CT_OUT = regField(
  'SG_CT_OUT',
  'reg0',
  6,
  1,
  '1 once the egress security table sent the packet through conntrack in its zone (security-groups)',
);
export const SG_CT_IN = regField(
  'SG_CT_IN',
  'reg0',
  7,
  1,
  '1 once the ingress security table sent the packet through conntrack in its zone (security-groups)',
);
export const OUTPUT_KIND = regField(
  'OUTPUT_KIND',
  'reg0',
  8,
  4,
  'what output does: 1 = output to the port in OUT_PORT (l2, l3)',
  OutputKind,
);
export const QOS_MARKED = regField(
  'QOS_MARKED',
  'reg0',
  12,
  1,
  "1 once the pod's DSCP is written, before egress_security looks at the packet again (qos)",
);
export const OUT_PORT = regField(
  'OUT_PORT',
  'reg1',
  0,
  32,
  'the OpenFlow port output sends the packet to (l2, l3)',
);
export const ROUTE_DOMAIN = regField(
  'ROUTE_DOMAIN',
  'reg2',
  0,
  32,
  'routing domain of the source network: a hash of its router id, or of the network id when it has no router (classify)',
);

export const SG_ZONE = regField(
  'SG_ZONE',
  'reg3',
  0,
  16,
  'conntrack zone the security table tracked the packet in; its commits use it (security-groups)',
);

/** Every register field, for the documentation check. */
export const REG_FIELDS: readonly RegField[] = [
  PKT_SOURCE,
  TO_ROUTER,
  SG_CT_OUT,
  SG_CT_IN,
  OUTPUT_KIND,
  QOS_MARKED,
  OUT_PORT,
  ROUTE_DOMAIN,
  SG_ZONE,
];

/** A named range of the 64-bit OpenFlow metadata. */
export interface MetadataField {
  readonly name: string;
  readonly ofs: number;
  readonly nbits: number;
  readonly doc: string;
}
export const NETWORK_VNI: MetadataField = {
  name: 'NETWORK_VNI',
  ofs: 0,
  nbits: 24,
  doc: "the packet's network as its 24-bit VNI (classify; l3 rewrites it when routing)",
};
export const METADATA_FIELDS: readonly MetadataField[] = [NETWORK_VNI];
export const NETWORK_VNI_MASK = (1n << 24n) - 1n;

/** Conntrack zones (16-bit), named once. */
export const CtZone = {
  /** Egress SNAT to the node-local transit address (egress-nat). */
  snat: 0xfff0,
} as const;
export const CT_ZONES: readonly { readonly name: string; readonly zone: number; readonly doc: string }[] = [
  {
    name: 'snat',
    zone: CtZone.snat,
    doc: 'egress to outside the cluster: port alias, SNAT to the transit address (ct_mark = ROUTE_DOMAIN)',
  },
  {
    name: 'sg',
    zone: 1,
    doc: 'security groups: 1 + VNI mod 0xffe0 per network (sgZone), so 1..0xffe0',
  },
];

/**
 * The conntrack zone of a network's security groups: every IP packet to or from a pod with a group goes through the
 * zone of the pod's network (OVS-LAB G6). 1 + VNI mod 0xffe0 stays clear of the named zones above 0xffe0.
 */
export function sgZone(vni: number): number {
  return 1 + (vni % 0xffe0);
}

/** ct_state bits (nicira-ext.h CS_*). */
export const CtState = {
  new: 0x01,
  est: 0x02,
  rel: 0x04,
  rpl: 0x08,
  inv: 0x10,
  trk: 0x20,
  snat: 0x40,
  dnat: 0x80,
} as const;

const mask32 = (nbits: number): number => (nbits >= 32 ? 0xffffffff : (1 << nbits) - 1);

/** Match `f == value`. */
export function matchReg(f: RegField, value: number): OxmField {
  const m = mask32(f.nbits);
  if (value < 0 || value > m) throw new RangeError(`${f.name}: ${value} does not fit in ${f.nbits} bits`);
  if (f.ofs === 0 && f.nbits === 32) return { field: f.reg, value: value >>> 0 };
  return { field: f.reg, value: (value << f.ofs) >>> 0, mask: (m << f.ofs) >>> 0 };
}

/** Match several fields of one register at once (one masked match: a register may appear once in a flow). */
export function matchRegs(pairs: readonly (readonly [RegField, number])[]): OxmField {
  let value = 0;
  let mask = 0;
  const reg = pairs[0]?.[0].reg;
  for (const [f, v] of pairs) {
    if (f.reg !== reg) throw new RangeError(`matchRegs: ${f.name} is in ${f.reg}, not ${reg}`);
    const m = mask32(f.nbits);
    if (v < 0 || v > m) throw new RangeError(`${f.name}: ${v} does not fit in ${f.nbits} bits`);
    value |= v << f.ofs;
    mask |= m << f.ofs;
  }
  if (reg === undefined) throw new RangeError('matchRegs: no field');
  return { field: reg, value: value >>> 0, mask: mask >>> 0 };
}

/** `load:value->NXM_NX_REGn[ofs..ofs+nbits-1]`. */
export function loadReg(f: RegField, value: number): RegLoadAction {
  if (value < 0 || value > mask32(f.nbits))
    throw new RangeError(`${f.name}: ${value} does not fit in ${f.nbits} bits`);
  return { type: 'regLoad', dst: subfield(f), value: BigInt(value) };
}

export function subfield(f: RegField): Subfield {
  return { field: f.reg, ofs: f.ofs, nbits: f.nbits };
}

const networkMatches = new Map<number, OxmField>();
/** Match the packet's network (one shared, immutable match entry per VNI). */
export function matchNetwork(vni: number): OxmField {
  let m = networkMatches.get(vni);
  if (!m) networkMatches.set(vni, (m = { field: 'metadata', value: BigInt(vni), mask: NETWORK_VNI_MASK }));
  return m;
}
