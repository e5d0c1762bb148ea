// Instructions on the wire (ofp_instruction_*): decode into `Instruction` values and encode them back.
import { decodeActions, encodeActions } from './action-codec.js';
import { InstructionType } from './constants.js';
import { u64At } from './structs.js';
import { Malformed, need } from './errors.js';
import type { Instruction } from './instructions.js';
import { EncodeError, type Writer } from './writer.js';

function want(type: number, off: number, len: number, n: number): void {
  if (len !== n) throw new Malformed(off + 2, `instruction type ${type} has length ${len}, expected ${n}`);
}

function decodeInstruction(b: Buffer, off: number, len: number): Instruction {
  const type = b.readUInt16BE(off);
  switch (type) {
    case InstructionType.GOTO_TABLE:
      want(type, off, len, 8);
      return { type: 'gotoTable', tableId: b[off + 4] };
    case InstructionType.WRITE_METADATA:
      want(type, off, len, 24);
      return {
        type: 'writeMetadata',
        metadata: u64At(b, off + 8),
        metadataMask: u64At(b, off + 16),
      };
    case InstructionType.WRITE_ACTIONS:
      return { type: 'writeActions', actions: decodeActions(b, off + 8, off + len) };
    case InstructionType.APPLY_ACTIONS:
      return { type: 'applyActions', actions: decodeActions(b, off + 8, off + len) };
    case InstructionType.CLEAR_ACTIONS:
      want(type, off, len, 8);
      return { type: 'clearActions' };
    case InstructionType.METER:
      want(type, off, len, 8);
      return { type: 'meter', meterId: b.readUInt32BE(off + 4) };
    case InstructionType.EXPERIMENTER:
      return {
        type: 'experimenter',
        experimenter: b.readUInt32BE(off + 4),
        data: b.subarray(off + 8, off + len),
      };
    default:
      throw new Malformed(off, `unknown instruction type ${type}`);
  }
}

/** Decode the instruction list in [off, end). */
export function decodeInstructions(b: Buffer, off: number, end: number): Instruction[] {
  const out: Instruction[] = [];
  let p = off;
  while (p < end) {
    need(p, 4, end, 'instruction header');
    const len = b.readUInt16BE(p + 2);
    if (len < 8 || len % 8 !== 0)
      throw new Malformed(p + 2, `instruction length ${len} is not a positive multiple of 8`);
    need(p, len, end, 'instruction');
    out.push(decodeInstruction(b, p, len));
    p += len;
  }
  return out;
}

function encodeInstruction(w: Writer, i: Instruction): void {
  const start = w.offset;
  switch (i.type) {
    case 'gotoTable':
      w.u16(InstructionType.GOTO_TABLE).u16(8).u8(i.tableId).zeros(3);
      return;
    case 'writeMetadata':
      w.u16(InstructionType.WRITE_METADATA).u16(24).zeros(4).u64(i.metadata).u64(i.metadataMask);
      return;
    case 'writeActions':
    case 'applyActions':
      w.u16(i.type === 'writeActions' ? InstructionType.WRITE_ACTIONS : InstructionType.APPLY_ACTIONS)
        .u16(0)
        .zeros(4);
      encodeActions(w, i.actions);
      w.patchLength(start + 2, start);
      return;
    case 'clearActions':
      w.u16(InstructionType.CLEAR_ACTIONS).u16(8).zeros(4);
      return;
    case 'meter':
      w.u16(InstructionType.METER).u16(8).u32(i.meterId);
      return;
    case 'experimenter':
      if ((8 + i.data.length) % 8 !== 0)
        throw new EncodeError('experimenter instruction data must pad it to 8 bytes');
      w.u16(InstructionType.EXPERIMENTER)
        .u16(8 + i.data.length)
        .u32(i.experimenter)
        .bytes(i.data);
      return;
  }
}

export function encodeInstructions(w: Writer, instructions: readonly Instruction[]): void {
  for (const i of instructions) encodeInstruction(w, i);
}
