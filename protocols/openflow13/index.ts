// The public surface of the OpenFlow 1.3 codec: message types, constants, decode, encode, framing.
// Pure and synchronous: bytes in, typed values out, and back. No sockets, no timers, no logging.
//
//   const framer = new Framer();                       // per connection
//   const { messages, error } = framer.push(chunk);    // error: a length < 8 or too large; close the session
//   for (const bytes of messages) {
//     const r = decode(bytes);                         // never throws
//     if (!r.ok) { /* r.error: { offset, msgType, xid, reason } */ continue; }
//     if (r.message.type === 'packetIn') ...           // narrow on `type` (and `kind` for multipart)
//   }
//   socket.write(encode({ type: 'barrierRequest', xid: 7 }));
//
// Conventions: 64-bit values (cookies, datapath ids, counters, metadata, tun_id, xreg, ct_label) are bigint;
// MAC and IP addresses are text ("0a:58:0a:f4:01:05", "10.0.0.1", "fd00::1"); vlan_vid includes OFPVID_PRESENT.
// Match fields are named in oxm.ts: OpenFlow names for OXM basic fields (`eth_dst`, `tunnel_id`), OVS names for
// Nicira ones (`reg0`, `tun_id`, `ct_state`), `<name>_nxm` for legacy NXM duplicates of basic fields.
// Byte fields of decoded messages are views into the decoded buffer; encode() returns a view of a shared slab.
// encode() throws EncodeError for values that cannot be put on the wire (bad address text, out-of-range numbers).
export type * from './messages.js';
export type * from './actions.js';
export type * from './instructions.js';
export { NatFlags, CtFlags, LearnFlags } from './actions.js';
export {
  OFP_VERSION,
  OFP_HEADER_LEN,
  OFP_MAX_MSG_LEN,
  OFP_NO_BUFFER,
  NX_VENDOR_ID,
  ONF_VENDOR_ID,
  MsgType,
  MultipartType,
  Port as PortNo,
  Group,
  Table,
  ControllerMaxLen,
  Vid,
  FlowModCommand,
  FlowModFlags,
  GroupModCommand,
  GroupType,
  MeterModCommand,
  MeterFlags,
  MeterBandType,
  Meter,
  PacketInReason,
  FlowRemovedReason,
  PortReason,
  ControllerRole,
  ConfigFlags,
  Capabilities,
  PortConfig,
  PortState,
  MultipartFlags,
  HelloElemType,
  ActionType as OfpActionType,
  InstructionType as OfpInstructionType,
  TableFeaturePropType,
  QueuePropType,
  NxActionSubtype,
  NxController2Prop,
  NxNatRange,
  NxLearnSpec,
  ErrorType,
  HelloFailedCode,
  BadRequestCode,
  BadActionCode,
  BadInstructionCode,
  BadMatchCode,
  FlowModFailedCode,
  GroupModFailedCode,
  PortModFailedCode,
  TableModFailedCode,
  QueueOpFailedCode,
  SwitchConfigFailedCode,
  RoleRequestFailedCode,
  MeterModFailedCode,
  TableFeaturesFailedCode,
  errorName,
} from './constants.js';
export {
  OXM_FIELDS,
  OxmClass,
  checkPrerequisites,
  oxmHeader,
  oxmFieldByNumber,
  fieldOfHeader,
  macToString,
  ipv4ToString,
  ipv6ToString,
} from './oxm.js';
export type {
  OxmField,
  KnownOxmField,
  UnknownOxmField,
  OxmFieldName,
  OxmFieldInfo,
  OxmKind,
  OxmPrereq,
  Match,
  Subfield,
} from './oxm.js';
export { decode, type DecodeResult } from './decode.js';
export type { DecodeError } from './errors.js';
export { encode, encodeInto } from './encode.js';
export { Writer, EncodeError } from './writer.js';
export { flowModOxmSlots, type OxmSlot } from './flow-mod-layout.js';

export {
  FlowIdentity,
  decodeIdentity,
  KEY_HEAD,
  BODY_HEAD,
  FLAGS_KEPT,
  type IdentityParts,
} from './flow-identity.js';
export {
  writeFlowMod,
  writeDeleteStrict,
  setXid,
  makeModifyStrict,
  type FlowModFields,
} from './flow-mod-writer.js';
export { Framer, type FrameBatch, type FramingError, type FramerOptions } from './framer.js';
