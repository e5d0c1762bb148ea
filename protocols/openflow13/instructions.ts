// Instructions (ofp_instruction_type, OpenFlow 1.3 section 7.2.4): what a flow entry does with a matched packet.
import type { Action } from './actions.js';

export interface GotoTableInstruction {
  readonly type: 'gotoTable';
  readonly tableId: number;
}
/** OFPIT_WRITE_METADATA: metadata = (metadata & ~mask) | (value & mask). */
export interface WriteMetadataInstruction {
  readonly type: 'writeMetadata';
  readonly metadata: bigint;
  readonly metadataMask: bigint;
}
export interface WriteActionsInstruction {
  readonly type: 'writeActions';
  readonly actions: readonly Action[];
}
export interface ApplyActionsInstruction {
  readonly type: 'applyActions';
  readonly actions: readonly Action[];
}
export interface ClearActionsInstruction {
  readonly type: 'clearActions';
}
export interface MeterInstruction {
  readonly type: 'meter';
  readonly meterId: number;
}
/** OFPIT_EXPERIMENTER: `data` is every byte after the 8-byte type/len/experimenter header. */
export interface ExperimenterInstruction {
  readonly type: 'experimenter';
  readonly experimenter: number;
  readonly data: Uint8Array;
}

export type Instruction =
  | GotoTableInstruction
  | WriteMetadataInstruction
  | WriteActionsInstruction
  | ApplyActionsInstruction
  | ClearActionsInstruction
  | MeterInstruction
  | ExperimenterInstruction;
export type InstructionType = Instruction['type'];
