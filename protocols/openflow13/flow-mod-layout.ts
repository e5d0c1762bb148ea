// Where each OXM value sits in an encoded FLOW_MOD: in the match, and in the set_field actions of its
// apply-actions instructions. A caller that sends many FLOW_MODs differing only in a few field values (the load
// balancer's session flows) encodes one, finds the values here, and patches copies in place.
import { ActionType, InstructionType, MsgType } from './constants.js';
import { OxmClass, oxmFieldByNumber, type OxmFieldName } from './oxm.js';

/** ofp_flow_mod up to its ofp_match: header 8, cookie 8, mask 8, table/command 2, timeouts 4, priority 2,
 * buffer 4, out_port 4, out_group 4, flags 2, pad 2. */
const FLOW_MOD_FIXED = 48;

export interface OxmSlot {
  /** In the match, or as the field of an OFPAT_SET_FIELD action of an OFPIT_APPLY_ACTIONS instruction. */
  readonly where: 'match' | 'setField';
  readonly field: OxmFieldName;
  readonly masked: boolean;
  /** Offset of the value (after the 4-byte OXM header) from the start of the message. */
  readonly valueOffset: number;
  readonly valueLength: number;
}

/**
 * The OXM_OF_* (basic class) fields of one encoded FLOW_MOD, in wire order. Throws on bytes that are not a
 * well-formed FLOW_MOD: it reads the encoder's own output, never a peer's.
 */
export function flowModOxmSlots(b: Uint8Array): OxmSlot[] {
  const u16 = (at: number): number => (b[at] << 8) | b[at + 1];
  const end = u16(2);
  if (b[1] !== MsgType.FLOW_MOD || end > b.length || end < FLOW_MOD_FIXED + 4)
    throw new Error('not an encoded FLOW_MOD');
  const slots: OxmSlot[] = [];
  const readOxms = (from: number, to: number, where: OxmSlot['where']): void => {
    for (let at = from; at + 4 <= to;) {
      const oxmClass = u16(at);
      const len = b[at + 3];
      const field =
        oxmClass === OxmClass.OPENFLOW_BASIC ? oxmFieldByNumber(oxmClass, b[at + 2] >>> 1) : undefined;
      if (field !== undefined)
        slots.push({ where, field, masked: (b[at + 2] & 1) === 1, valueOffset: at + 4, valueLength: len });
      at += 4 + len;
    }
  };
  const matchLen = u16(FLOW_MOD_FIXED + 2);
  readOxms(FLOW_MOD_FIXED + 4, FLOW_MOD_FIXED + matchLen, 'match');
  for (let at = FLOW_MOD_FIXED + Math.ceil(matchLen / 8) * 8; at + 4 <= end;) {
    const type = u16(at);
    const len = u16(at + 2);
    if (len < 8) throw new Error(`instruction of length ${len} at ${at}`);
    if (type === InstructionType.APPLY_ACTIONS) {
      // ofp_instruction_actions: type, len, pad 4, then the actions.
      for (let a = at + 8; a + 4 <= at + len;) {
        const alen = u16(a + 2);
        if (alen < 8) throw new Error(`action of length ${alen} at ${a}`);
        if (u16(a) === ActionType.SET_FIELD) readOxms(a + 4, a + 4 + 4 + b[a + 7], 'setField');
        a += alen;
      }
    }
    at += len;
  }
  return slots;
}
