// FLOW_MODs written straight into a batch buffer, without a message object per flow: the hot path of a flow sync
// that sends 100,000 of them. The bytes are those encode() gives for the same ofp_flow_mod.
import {
  FlowModCommand,
  Group,
  MsgType,
  OFP_MAX_MSG_LEN,
  OFP_NO_BUFFER,
  OFP_VERSION,
  Port,
} from './constants.js';
import { KEY_HEAD } from './flow-identity.js';
import { encodeInstructions } from './instruction-codec.js';
import type { Instruction } from './instructions.js';
import { encodeMatch } from './match.js';
import type { Match } from './oxm.js';
import { EncodeError, type Writer } from './writer.js';

/** What a FLOW_MOD says about its flow. */
export interface FlowModFields {
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
  readonly cookie: bigint;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly flags?: number;
}

const ALL_ONES = 0xffffffffffffffffn;
/** Offsets within an ofp_flow_mod. */
const XID_AT = 4;
const COOKIE_MASK_AT = 16;
const COMMAND_AT = 25;

/**
 * Appends an ofp_flow_mod. A strict modify or delete selects by exact cookie too (never another controller's flow
 * with our match); a delete carries no instructions.
 */
export function writeFlowMod(w: Writer, xid: number, command: number, f: FlowModFields): void {
  const start = w.offset;
  w.u8(OFP_VERSION).u8(MsgType.FLOW_MOD).u16(0).u32(xid);
  w.u64(f.cookie)
    .u64(command === FlowModCommand.ADD ? 0n : ALL_ONES)
    .u8(f.tableId)
    .u8(command)
    .u16(f.idleTimeout ?? 0)
    .u16(f.hardTimeout ?? 0)
    .u16(f.priority);
  w.u32(OFP_NO_BUFFER)
    .u32(Port.ANY)
    .u32(Group.ANY)
    .u16(f.flags ?? 0)
    .zeros(2);
  encodeMatch(w, f.match);
  if (command !== FlowModCommand.DELETE_STRICT && command !== FlowModCommand.DELETE)
    encodeInstructions(w, f.instructions);
  finish(w, start);
}

/** Appends a DELETE_STRICT of the flow that `key` and `body` (see flow-identity.ts) describe. */
export function writeDeleteStrict(w: Writer, xid: number, key: string, body: string): void {
  const start = w.offset;
  const oxm = key.length - KEY_HEAD;
  w.u8(OFP_VERSION).u8(MsgType.FLOW_MOD).u16(0).u32(xid);
  w.latin1(body.slice(0, 8)).u64(ALL_ONES);
  w.u8(key.charCodeAt(0))
    .u8(FlowModCommand.DELETE_STRICT)
    .u32(0)
    .u16((key.charCodeAt(1) << 8) | key.charCodeAt(2));
  w.u32(OFP_NO_BUFFER).u32(Port.ANY).u32(Group.ANY).u32(0);
  const match = w.offset;
  w.u16(1)
    .u16(4 + oxm)
    .latin1(key, KEY_HEAD)
    .pad8(match);
  finish(w, start);
}

/** Sets the xid of the FLOW_MOD at `at` of `b`, which was written with a placeholder. */
export function setXid(b: Buffer, at: number, xid: number): void {
  b.writeUInt32BE(xid >>> 0, at + XID_AT);
}

/** Turns the ADD at `at` of `b` into a MODIFY_STRICT of the same flow (same bytes otherwise). */
export function makeModifyStrict(b: Buffer, at: number): void {
  b[at + COMMAND_AT] = FlowModCommand.MODIFY_STRICT;
  b.fill(0xff, at + COOKIE_MASK_AT, at + COOKIE_MASK_AT + 8);
}

function finish(w: Writer, start: number): void {
  const len = w.offset - start;
  if (len > OFP_MAX_MSG_LEN) throw new EncodeError(`flowMod message of ${len} bytes exceeds 65535`);
  w.patch16(start + 2, len);
}
