// From desired state to the codec's messages: the reconciler sends these. OFPFC_ADD by default; deletes are strict,
// by table, priority, match and our cookie.
import type { FlowMod, GroupMod } from '../../protocols/openflow13/messages.js';
import type { GroupSpec } from './feature.js';
import type { FlowSpec } from './flow.js';

const OFP_NO_BUFFER = 0xffffffff;
const OFPP_ANY = 0xffffffff;
const OFPG_ANY = 0xffffffff;
export const FlowCommand = { add: 0, modify: 1, modifyStrict: 2, delete: 3, deleteStrict: 4 } as const;
export const GroupCommand = { add: 0, modify: 1, delete: 2 } as const;

export function flowModOf(f: FlowSpec, command: keyof typeof FlowCommand = 'add', xid = 0): FlowMod {
  const isDelete = command === 'delete' || command === 'deleteStrict';
  return {
    type: 'flowMod',
    xid,
    cookie: f.cookie,
    cookieMask: isDelete ? 0xffffffffffffffffn : 0n,
    tableId: f.table,
    command: FlowCommand[command],
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    priority: f.priority,
    bufferId: OFP_NO_BUFFER,
    outPort: OFPP_ANY,
    outGroup: OFPG_ANY,
    flags: f.flags,
    match: f.match,
    instructions: isDelete ? [] : f.instructions,
  };
}

export function groupModOf(g: GroupSpec, command: keyof typeof GroupCommand = 'add', xid = 0): GroupMod {
  return {
    type: 'groupMod',
    xid,
    command: GroupCommand[command],
    groupType: g.groupType,
    groupId: g.groupId,
    buckets: command === 'delete' ? [] : g.buckets,
  };
}
