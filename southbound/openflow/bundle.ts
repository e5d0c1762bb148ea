// OpenFlow bundles for OpenFlow 1.3: ONF extension 230, the OpenFlow 1.4 bundle messages carried as ONF
// experimenter messages, as Open vSwitch implements them. A bundle applies a set of FLOW_MODs atomically (all or
// none) and in order: a resync after a restart replaces exactly the flows that differ, never a half-state.
import {
  MsgType,
  OFP_VERSION,
  encodeInto,
  type Experimenter,
  type OfpMessage,
  type Writer,
} from '../../protocols/openflow13/index.js';
import type { Outgoing } from './switch-session.js';

const ONF_EXPERIMENTER = 0x4f4e4600;
/** ONFT_BUNDLE_CONTROL and ONFT_BUNDLE_ADD_MESSAGE (onf_exp_type). */
export const ONFT_BUNDLE_CONTROL = 2300;
export const ONFT_BUNDLE_ADD = 2301;

/** ofp_bundle_ctrl_type. */
export const BundleCtrl = {
  OPEN_REQUEST: 0,
  OPEN_REPLY: 1,
  CLOSE_REQUEST: 2,
  CLOSE_REPLY: 3,
  COMMIT_REQUEST: 4,
  COMMIT_REPLY: 5,
  DISCARD_REQUEST: 6,
  DISCARD_REPLY: 7,
} as const;

/** ofp_bundle_flags. */
export const BundleFlags = { ATOMIC: 1, ORDERED: 2 } as const;

/** ofp_bundle_ctrl_msg: bundle_id, type, flags (no properties). */
export function bundleControl(bundleId: number, type: number, flags: number): Outgoing<Experimenter> {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(bundleId >>> 0, 0);
  data.writeUInt16BE(type, 4);
  data.writeUInt16BE(flags, 6);
  return { type: 'experimenter', experimenter: ONF_EXPERIMENTER, expType: ONFT_BUNDLE_CONTROL, data };
}

/**
 * Appends one ofp_bundle_add_msg (ONF experimenter header, bundle_id, pad, flags, then the whole inner message) to
 * `w`. The inner message's xid must be the outer one's (OVS rejects others with OFPBFC_MSG_BAD_XID). Written in
 * place, with no intermediate message object or copy: a resync of 100,000 flows is 100,000 of these.
 */
export function writeBundleAdd(w: Writer, bundleId: number, flags: number, inner: OfpMessage): void {
  const start = w.offset;
  w.u8(OFP_VERSION).u8(MsgType.EXPERIMENTER).u16(0).u32(inner.xid);
  w.u32(ONF_EXPERIMENTER)
    .u32(ONFT_BUNDLE_ADD)
    .u32(bundleId >>> 0)
    .u16(0)
    .u16(flags);
  encodeInto(w, inner);
  w.patchLength(start + 2, start);
}

/** The control type of a bundle control reply, or undefined when the message is not one. */
export function bundleReplyType(m: OfpMessage): number | undefined {
  if (m.type !== 'experimenter' || m.experimenter !== ONF_EXPERIMENTER || m.expType !== ONFT_BUNDLE_CONTROL)
    return undefined;
  if (m.data.length < 8) return undefined;
  return Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).readUInt16BE(4);
}
