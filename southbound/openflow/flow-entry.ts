// A flow as the flow sync sees it, and its canonical identity. Two flows are the same OpenFlow entry when table,
// priority and match are equal (that is what ADD replaces and *_STRICT selects); they are equal entries when
// cookie, timeouts, flags and instructions are equal too. Both are computed on the FLOW_MOD's bytes in the form
// the switch reports (protocols/openflow13/flow-identity.ts), so a desired flow and a dumped one compare as strings.
import {
  FlowIdentity,
  FlowModCommand,
  KEY_HEAD,
  Writer,
  writeFlowMod,
  type FlowModFields,
  type Match,
} from '../../protocols/openflow13/index.js';

export type FlowEntry = FlowModFields;

const scratch = new Writer(1024);
const identity = new FlowIdentity();

function read(f: FlowEntry): FlowIdentity {
  scratch.reset();
  writeFlowMod(scratch, 0, FlowModCommand.ADD, f);
  identity.readFlowMod(scratch.buffer, 0, scratch.offset);
  return identity;
}

/** Table, priority and canonical match, as bytes (latin1): the entry's identity on the switch. */
export function flowKey(f: FlowEntry): string {
  return read(f).key();
}

/** Cookie, timeouts, flags and canonical instructions, as bytes (latin1): what MODIFY or a re-ADD would change. */
export function flowBody(f: FlowEntry): string {
  return read(f).body();
}

/** The match in the switch's normal form, as bytes (latin1). */
export function canonicalMatch(match: Match): string {
  return flowKey({ tableId: 0, priority: 0, match, instructions: [], cookie: 0n }).slice(KEY_HEAD);
}

/** Cookie ownership: a cookie is ours when (cookie & mask) === value, except the excluded ranges. */
export interface CookieOwnership {
  readonly value: bigint;
  readonly mask: bigint;
  /** Ours but not the reconciler's (e.g. packet-in session flows that expire by themselves). */
  readonly exclude?: readonly { readonly value: bigint; readonly mask: bigint }[];
}

export function isManaged(cookie: bigint, own: CookieOwnership): boolean {
  if ((cookie & own.mask) !== own.value) return false;
  return !(own.exclude ?? []).some((x) => (cookie & x.mask) === x.value);
}
