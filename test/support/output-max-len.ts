// max_len means something only for an output to CONTROLLER, and ovs-ofctl's text has no place for it elsewhere
// (`output:1`), so it cannot survive print and parse: OVS sends 0xffff where it expands `enqueue`, 0 for a plain
// output. Tests that compare bytes after a text round trip zero it first.
import type { Action } from '../../protocols/openflow13/actions.js';
import type { Instruction } from '../../protocols/openflow13/instructions.js';

const OFPP_CONTROLLER = 0xfffffffd;

export function withoutPortMaxLen(i: Instruction): Instruction {
  const fix = (a: Action): Action =>
    a.type === 'output' && a.port !== OFPP_CONTROLLER ? { ...a, maxLen: 0 } : a;
  return i.type === 'applyActions' || i.type === 'writeActions' ? { ...i, actions: i.actions.map(fix) } : i;
}
