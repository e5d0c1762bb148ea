// Group sync: keeps a switch's OpenFlow 1.3 groups at a desired set, as the flow sync does for flows. The first
// sync of a session reads the switch's groups (GROUP_DESC multipart) and compares them with the desired ones in
// the switch's normal form, so that after a reconnect equal groups cost nothing. `put` (before the flow sync) adds
// and modifies; `prune` (after it) deletes: a group still named by a flow must not go before that flow does.
import {
  GroupModCommand,
  GroupType,
  OXM_FIELDS,
  Writer,
  type Action,
  type Bucket,
  type OxmField,
  type OxmFieldName,
} from '../../protocols/openflow13/index.js';
import { encodeActions } from '../../protocols/openflow13/action-codec.js';
import { IdSync, type IdObjects } from './id-sync.js';
import type { SwitchSession } from './switch-session.js';

/** A group as the controller wants it on a switch. */
export interface GroupEntry {
  readonly groupId: number;
  /** OFPGT_ALL 0, SELECT 1, INDIRECT 2, FF 3. */
  readonly groupType: number;
  readonly buckets: readonly Bucket[];
}

/** Groups: the controller owns the group id space of the bridges it manages, so every group read is ours. */
const GROUPS: IdObjects<GroupEntry> = {
  async read(session) {
    const parts = await session.multipart({ type: 'multipartRequest', kind: 'groupDesc', flags: 0 });
    const have = new Map<number, string>();
    for (const p of parts) {
      if (p.kind !== 'groupDesc') continue;
      for (const g of p.groups) have.set(g.groupId, groupBody(g));
    }
    return have;
  },
  idOf: (g) => g.groupId,
  bodyOf: groupBody,
  write: (g, exists) => ({
    type: 'groupMod',
    command: exists ? GroupModCommand.MODIFY : GroupModCommand.ADD,
    groupType: g.groupType,
    groupId: g.groupId,
    buckets: g.buckets,
  }),
  remove: (groupId) => ({
    type: 'groupMod',
    command: GroupModCommand.DELETE,
    groupType: 0,
    groupId,
    buckets: [],
  }),
};

export class GroupSync extends IdSync<GroupEntry> {
  constructor(session: SwitchSession) {
    super(session, GROUPS);
  }
}

/**
 * A group in the switch's normal form: type, then each bucket's actions as bytes. Weight matters only to SELECT
 * groups and watch port/group only to fast-failover ones; the switch reports its own defaults otherwise, so they
 * are left out. A set_field is written with the header OVS reports for OpenFlow 1.3 (see `reportedField`).
 */
export function groupBody(g: GroupEntry): string {
  return (
    `${g.groupType}|` +
    g.buckets
      .map((b) => {
        const head =
          g.groupType === GroupType.SELECT
            ? `${b.weight}:`
            : g.groupType === GroupType.FF
              ? `${b.watchPort}/${b.watchGroup}:`
              : '';
        scratch.reset();
        encodeActions(scratch, b.actions.map(reported));
        return head + scratch.view().toString('hex');
      })
      .join('|')
  );
}

const scratch = new Writer(1024);

function reported(a: Action): Action {
  if (a.type !== 'setField' || a.field.field === 'unknown') return a;
  const field = reportedField(a.field.field);
  // Aliases carry values of the same kind and width, so only the name changes.
  return field === a.field.field ? a : { ...a, field: { ...a.field, field } as OxmField };
}

/**
 * OVS keeps a set_field as the field it sets, not the header it came in, and writes it back with the header its
 * OpenFlow version prefers: the OXM basic header where OpenFlow 1.3 has one for the same field (`tun_id` comes back
 * as `tunnel_id`, NXM_OF_ETH_DST as `eth_dst`), the Nicira one otherwise. NXM_OF_IN_PORT (16 bits) and
 * NXM_OF_IP_TOS (DSCP in place) are other fields in OVS than OXM in_port (32 bits) and ip_dscp (shifted): they
 * come back as they went.
 */
function reportedField(name: OxmFieldName): OxmFieldName {
  if (name === 'tun_id') return 'tunnel_id';
  if (!name.endsWith('_nxm') || DISTINCT.has(name)) return name;
  const basic = name.slice(0, -'_nxm'.length);
  return basic in OXM_FIELDS ? (basic as OxmFieldName) : name;
}

const DISTINCT: ReadonlySet<string> = new Set(['in_port_nxm', 'ip_dscp_nxm']);
