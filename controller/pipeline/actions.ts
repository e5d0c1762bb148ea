// Small builders for the actions features use, so that flows read like ovs-ofctl: output(port), setField(...), ...
import type { Action, CtAction, OutputAction, RegMoveAction } from '../../protocols/openflow13/actions.js';
import type { OxmField, OxmFieldName } from '../../protocols/openflow13/oxm.js';
import { OXM_FIELDS } from '../../protocols/openflow13/oxm.js';

export function output(port: number): OutputAction {
  return { type: 'output', port, maxLen: 0 };
}

export function setField(field: OxmField): Action {
  return { type: 'setField', field };
}

/** move:src[]->dst[] of two whole fields of the same width. */
export function move(src: OxmFieldName, dst: OxmFieldName): RegMoveAction {
  const a = OXM_FIELDS[src];
  const b = OXM_FIELDS[dst];
  const bits = 'bits' in a && a.bits !== undefined ? a.bits : a.bytes * 8;
  const bitsB = 'bits' in b && b.bits !== undefined ? b.bits : b.bytes * 8;
  if (bits !== bitsB) throw new RangeError(`move ${src} -> ${dst}: ${bits} bits into ${bitsB}`);
  return {
    type: 'regMove',
    src: { field: src, ofs: 0, nbits: bits },
    dst: { field: dst, ofs: 0, nbits: bits },
  };
}

export function group(groupId: number): Action {
  return { type: 'group', groupId };
}

export function decTtl(): Action {
  // The standard OFPAT_DEC_NW_TTL: Open vSwitch refuses Nicira's dec_ttl (NXAST_DEC_TTL) in OpenFlow 1.3.
  return { type: 'decNwTtl' };
}

/** ct(commit, zone, nat(src=ip), exec(set_field:mark->ct_mark)), no recirculation. */
export function ctCommitSnat(zone: number, ip: string, mark: number): CtAction {
  return {
    type: 'ct',
    flags: 1,
    zone: { imm: zone },
    recircTable: 255,
    alg: 0,
    actions: [
      { type: 'nat', flags: 1, ipMin: ip },
      { type: 'setField', field: { field: 'ct_mark', value: mark >>> 0 } },
    ],
  };
}

/** ct(zone, nat, table=T): un-NAT a reply and recirculate into table T. */
export function ctNatRecirc(zone: number, recircTable: number): CtAction {
  return {
    type: 'ct',
    flags: 0,
    zone: { imm: zone },
    recircTable,
    alg: 0,
    actions: [{ type: 'nat', flags: 0 }],
  };
}

/** Bytes of the packet a controller-bound output sends: OFPCML_NO_BUFFER, the whole packet, unbuffered. */
export const CONTROLLER_MAX_LEN = 0xffff;

/** output:CONTROLLER with `maxLen` bytes of the packet. */
export function controllerOutput(maxLen: number): OutputAction {
  return { type: 'output', port: 0xfffffffd, maxLen };
}
