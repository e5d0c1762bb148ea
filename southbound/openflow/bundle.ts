// OpenFlow bundles for OpenFlow 1.3: ONF extension 230, the OpenFlow 1.4 bundle messages carried as ONF
// experimenter messages, as Open vSwitch implements them. A bundle applies a set of FLOW_MODs atomically (all or
// none) and in order: a resync after a restart replaces exactly the flows that differ, never a half-state.
import {
  MsgType,
  OFP_VERSION,
  type Experimenter,
  type OfpMessage,
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

/** ofp_header, ONF experimenter id and type, bundle_id, pad, flags: what ofp_bundle_add_msg puts before its message. */
const BUNDLE_ADD_HEADER = 24;

/**
 * Wraps each of the `count` whole messages in `batch` in an ofp_bundle_add_msg of bundle `bundleId`, in one pass
 * and one buffer. The outer xid repeats the inner one (OVS rejects others with OFPBFC_MSG_BAD_XID), so a switch's
 * error about an added message names the xid the sender gave it.
 */
export function wrapInBundle(batch: Buffer, count: number, bundleId: number, flags: number): Buffer {
  const out = Buffer.allocUnsafe(batch.length + count * BUNDLE_ADD_HEADER);
  let q = 0;
  for (let p = 0; p < batch.length;) {
    const len = batch.readUInt16BE(p + 2);
    out[q] = OFP_VERSION;
    out[q + 1] = MsgType.EXPERIMENTER;
    out.writeUInt16BE(BUNDLE_ADD_HEADER + len, q + 2);
    batch.copy(out, q + 4, p + 4, p + 8);
    out.writeUInt32BE(ONF_EXPERIMENTER, q + 8);
    out.writeUInt32BE(ONFT_BUNDLE_ADD, q + 12);
    out.writeUInt32BE(bundleId >>> 0, q + 16);
    out.writeUInt16BE(0, q + 20);
    out.writeUInt16BE(flags, q + 22);
    batch.copy(out, q + BUNDLE_ADD_HEADER, p, p + len);
    p += len;
    q += BUNDLE_ADD_HEADER + len;
  }
  return out.subarray(0, q);
}

/** The control type of a bundle control reply, or undefined when the message is not one. */
export function bundleReplyType(m: OfpMessage): number | undefined {
  if (m.type !== 'experimenter' || m.experimenter !== ONF_EXPERIMENTER || m.expType !== ONFT_BUNDLE_CONTROL)
    return undefined;
  if (m.data.length < 8) return undefined;
  return Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).readUInt16BE(4);
}
