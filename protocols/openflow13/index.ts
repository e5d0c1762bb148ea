// The public surface of the OpenFlow 1.3 codec: types, constants, decode, encode, framing.
export type * from './messages.js';
export type * from './actions.js';
export type * from './instructions.js';
export { NatFlags, CtFlags, LearnFlags } from './actions.js';
export { OXM_FIELDS, OxmClass } from './oxm.js';
export type {
  OxmField,
  KnownOxmField,
  UnknownOxmField,
  OxmFieldName,
  OxmFieldInfo,
  OxmKind,
  Match,
  Subfield,
} from './oxm.js';
