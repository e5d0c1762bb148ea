// Actions: the OpenFlow 1.3 standard set (ofp_action_type) and the Nicira experimenter actions Open vSwitch
// implements (NXAST_*, include/openflow/nicira-ext.h and lib/ofp-actions.c). One discriminated union; every
// variant is a plain readonly value. Unknown experimenter actions keep their bytes and re-encode identically.
import type { OxmField, OxmFieldName, Subfield } from './oxm.js';

// ---------------------------------------------------------------------------------------------------------------
// Standard actions (OpenFlow 1.3 section 7.2.5)

/** OFPAT_OUTPUT. `maxLen` is the number of bytes sent to the controller when `port` is OFPP_CONTROLLER. */
export interface OutputAction {
  readonly type: 'output';
  readonly port: number;
  readonly maxLen: number;
}
export interface CopyTtlOutAction {
  readonly type: 'copyTtlOut';
}
export interface CopyTtlInAction {
  readonly type: 'copyTtlIn';
}
export interface SetMplsTtlAction {
  readonly type: 'setMplsTtl';
  readonly ttl: number;
}
export interface DecMplsTtlAction {
  readonly type: 'decMplsTtl';
}
/** OFPAT_PUSH_VLAN: `ethertype` is 0x8100 or 0x88a8. */
export interface PushVlanAction {
  readonly type: 'pushVlan';
  readonly ethertype: number;
}
export interface PopVlanAction {
  readonly type: 'popVlan';
}
/** OFPAT_PUSH_MPLS: `ethertype` is 0x8847 or 0x8848. */
export interface PushMplsAction {
  readonly type: 'pushMpls';
  readonly ethertype: number;
}
/** OFPAT_POP_MPLS: `ethertype` is the payload's ethertype after the pop. */
export interface PopMplsAction {
  readonly type: 'popMpls';
  readonly ethertype: number;
}
export interface SetQueueAction {
  readonly type: 'setQueue';
  readonly queueId: number;
}
export interface GroupAction {
  readonly type: 'group';
  readonly groupId: number;
}
export interface SetNwTtlAction {
  readonly type: 'setNwTtl';
  readonly ttl: number;
}
export interface DecNwTtlAction {
  readonly type: 'decNwTtl';
}
/** OFPAT_SET_FIELD: one OXM TLV, without mask (masked loads use `regLoad2`). */
export interface SetFieldAction {
  readonly type: 'setField';
  readonly field: OxmField;
}
/** OFPAT_PUSH_PBB: `ethertype` is 0x88e7. */
export interface PushPbbAction {
  readonly type: 'pushPbb';
  readonly ethertype: number;
}
export interface PopPbbAction {
  readonly type: 'popPbb';
}
/**
 * OFPAT_EXPERIMENTER the codec does not know (any experimenter, or a Nicira subtype it does not decode).
 * `data` is every byte after the 8-byte type/len/experimenter header, padding included, so that the action
 * re-encodes byte-identically.
 */
export interface ExperimenterAction {
  readonly type: 'experimenter';
  readonly experimenter: number;
  readonly data: Uint8Array;
}

// ---------------------------------------------------------------------------------------------------------------
// Nicira extension actions (experimenter 0x00002320)

/**
 * NXAST_RESUBMIT / NXAST_RESUBMIT_TABLE / NXAST_RESUBMIT_TABLE_CT: re-search the flow table(s).
 * `inPort` OFPP_IN_PORT (0xfff8) keeps the packet's port; `table` 255 means the current table.
 * `ct` (resubmit(,T,ct)) looks up with the conntrack original-direction tuple.
 */
export interface ResubmitAction {
  readonly type: 'resubmit';
  readonly inPort: number;
  readonly table: number;
  readonly ct: boolean;
}
/** NXAST_REG_MOVE: copy `src` bits to `dst` bits (equal `nbits`). */
export interface RegMoveAction {
  readonly type: 'regMove';
  readonly src: Subfield;
  readonly dst: Subfield;
}
/** NXAST_REG_LOAD: load an immediate into a subfield (value right-aligned, up to 64 bits). */
export interface RegLoadAction {
  readonly type: 'regLoad';
  readonly dst: Subfield;
  readonly value: bigint;
}
/** NXAST_REG_LOAD2: set_field with an optional mask, for any field (`load:` and `set_field:V/M->F` in OVS). */
export interface RegLoad2Action {
  readonly type: 'regLoad2';
  readonly field: OxmField;
}
/** NXAST_NAT flags (nicira-ext.h nx_nat_flags). */
export const NatFlags = {
  SRC: 1 << 0,
  DST: 1 << 1,
  PERSISTENT: 1 << 2,
  PROTO_HASH: 1 << 3,
  PROTO_RANDOM: 1 << 4,
} as const;
/**
 * NXAST_NAT, only meaningful inside `ct`. Addresses are dotted quads or IPv6 text; absent fields are not sent.
 * `flags` combines NatFlags (SRC or DST picks snat or dnat).
 */
export interface NatAction {
  readonly type: 'nat';
  readonly flags: number;
  readonly ipMin?: string;
  readonly ipMax?: string;
  readonly protoMin?: number;
  readonly protoMax?: number;
}
/** NXAST_CT flags (nicira-ext.h nx_conntrack_flags). */
export const CtFlags = {
  COMMIT: 1 << 0,
  FORCE: 1 << 1,
} as const;
/** The zone of a `ct` action: an immediate 16-bit value, or taken from bits of a field (`zone=NXM_NX_REG0[0..15]`). */
export type CtZone = { readonly imm: number } | { readonly field: Subfield };
/**
 * NXAST_CT: send the packet through the connection tracker. `recircTable` 255 means no recirculation.
 * `alg` is the L7 helper port (21 ftp, 69 tftp, 0 none). `actions` are the nested actions run on commit
 * (nat, set_field/regLoad2 of ct_mark/ct_label).
 */
export interface CtAction {
  readonly type: 'ct';
  readonly flags: number;
  readonly zone: CtZone;
  readonly recircTable: number;
  readonly alg: number;
  readonly actions: readonly Action[];
}
/** NXAST_CT_CLEAR: forget the packet's conntrack state. */
export interface CtClearAction {
  readonly type: 'ctClear';
}

/** Where a learn spec takes its bits: a subfield at an offset (width from the spec) or an immediate. */
export type LearnSource = { readonly field: OxmFieldName; readonly ofs: number } | { readonly value: bigint };
/**
 * One flow_mod_spec of NXAST_LEARN: `match` adds a match on `dst` (equal to `src`), `load` adds a load of `src`
 * into `dst`, `output` adds output to the port in `src`. Widths are `nbits`.
 */
export type LearnSpec =
  | {
      readonly kind: 'match';
      readonly nbits: number;
      readonly src: LearnSource;
      readonly dst: { readonly field: OxmFieldName; readonly ofs: number };
    }
  | {
      readonly kind: 'load';
      readonly nbits: number;
      readonly src: LearnSource;
      readonly dst: { readonly field: OxmFieldName; readonly ofs: number };
    }
  | { readonly kind: 'output'; readonly nbits: number; readonly src: LearnSource };
/** NXAST_LEARN flags (nx_learn_flags). */
export const LearnFlags = {
  SEND_FLOW_REM: 1 << 0,
  DELETE_LEARNED: 1 << 1,
  WRITE_RESULT: 1 << 2,
} as const;
/** NXAST_LEARN: add or modify a flow built from the current packet. */
export interface LearnAction {
  readonly type: 'learn';
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly priority: number;
  readonly cookie: bigint;
  readonly flags: number;
  readonly tableId: number;
  readonly finIdleTimeout: number;
  readonly finHardTimeout: number;
  readonly specs: readonly LearnSpec[];
}
/** NXAST_CONJUNCTION: clause `clause` (0-based) of `nClauses` of conjunctive flow `id`. */
export interface ConjunctionAction {
  readonly type: 'conjunction';
  readonly id: number;
  readonly clause: number;
  readonly nClauses: number;
}
/** NXAST_DEC_TTL: decrement TTL, packet-in to controller id 0 when it reaches zero. */
export interface DecTtlAction {
  readonly type: 'decTtl';
}
/** NXAST_DEC_TTL_CNT_IDS: dec_ttl sending the TTL-exceeded packet-in to these controller ids. */
export interface DecTtlCntIdsAction {
  readonly type: 'decTtlCntIds';
  readonly controllerIds: readonly number[];
}
/** NXAST_NOTE: opaque bytes kept in the flow (padding included, so the action re-encodes identically). */
export interface NoteAction {
  readonly type: 'note';
  readonly note: Uint8Array;
}
/** NXAST_OUTPUT_REG (and NXAST_OUTPUT_REG2 when `src` needs an experimenter header): output to the port in `src`. */
export interface OutputRegAction {
  readonly type: 'outputReg';
  readonly src: Subfield;
  readonly maxLen: number;
  /** Sent as NXAST_OUTPUT_REG2 (OVS's choice for experimenter-class sources); kept so bytes round-trip. */
  readonly reg2?: boolean;
}
/** NXAST_OUTPUT_TRUNC: output to `port`, truncating the packet to `maxLen` bytes. */
export interface OutputTruncAction {
  readonly type: 'outputTrunc';
  readonly port: number;
  readonly maxLen: number;
}
/** NXAST_CONTROLLER: packet-in with a reason and controller id. */
export interface ControllerAction {
  readonly type: 'controller';
  readonly maxLen: number;
  readonly controllerId: number;
  readonly reason: number;
}
/** NXAST_CONTROLLER2: controller with properties; only the properties present on the wire are set. */
export interface Controller2Action {
  readonly type: 'controller2';
  readonly maxLen?: number;
  readonly controllerId?: number;
  readonly reason?: number;
  readonly userdata?: Uint8Array;
  readonly pause?: boolean;
  readonly meterId?: number;
}
/** NXAST_FIN_TIMEOUT: shorten the flow's timeouts once a TCP FIN or RST is seen. */
export interface FinTimeoutAction {
  readonly type: 'finTimeout';
  readonly finIdleTimeout: number;
  readonly finHardTimeout: number;
}
/**
 * NXAST_SAMPLE / SAMPLE2 / SAMPLE3: IPFIX sampling. `samplingPort` present means SAMPLE2 or SAMPLE3;
 * `direction` present (0 default, 1 ingress, 2 egress) means SAMPLE3.
 */
export interface SampleAction {
  readonly type: 'sample';
  readonly probability: number;
  readonly collectorSetId: number;
  readonly obsDomainId: number;
  readonly obsPointId: number;
  readonly samplingPort?: number;
  readonly direction?: number;
}
/** NXAST_MULTIPATH: hash `fields` and pick a link with `algorithm`, write it to `dst`. */
export interface MultipathAction {
  readonly type: 'multipath';
  readonly fields: number;
  readonly basis: number;
  readonly algorithm: number;
  readonly maxLink: number;
  readonly arg: number;
  readonly dst: Subfield;
}
/** NXAST_BUNDLE (`dst` absent: output) / NXAST_BUNDLE_LOAD (`dst` present: write the chosen member). */
export interface BundleAction {
  readonly type: 'bundle';
  readonly algorithm: number;
  readonly fields: number;
  readonly basis: number;
  readonly memberType: number;
  readonly members: readonly number[];
  readonly dst?: Subfield;
}
/** NXAST_STACK_PUSH / NXAST_STACK_POP: push a subfield onto, or pop into a subfield from, the action stack. */
export interface StackAction {
  readonly type: 'stackPush' | 'stackPop';
  readonly field: Subfield;
}
/** NXAST_SET_TUNNEL (32-bit) / NXAST_SET_TUNNEL64: set the tunnel id. */
export interface SetTunnelAction {
  readonly type: 'setTunnel';
  readonly tunId: bigint;
  readonly wide: boolean;
}
/** NXAST_POP_QUEUE: restore the queue from before set_queue. */
export interface PopQueueAction {
  readonly type: 'popQueue';
}
/** NXAST_EXIT: stop processing actions. */
export interface ExitAction {
  readonly type: 'exit';
}

export type StandardAction =
  | OutputAction
  | CopyTtlOutAction
  | CopyTtlInAction
  | SetMplsTtlAction
  | DecMplsTtlAction
  | PushVlanAction
  | PopVlanAction
  | PushMplsAction
  | PopMplsAction
  | SetQueueAction
  | GroupAction
  | SetNwTtlAction
  | DecNwTtlAction
  | SetFieldAction
  | PushPbbAction
  | PopPbbAction
  | ExperimenterAction;

export type NiciraAction =
  | ResubmitAction
  | RegMoveAction
  | RegLoadAction
  | RegLoad2Action
  | NatAction
  | CtAction
  | CtClearAction
  | LearnAction
  | ConjunctionAction
  | DecTtlAction
  | DecTtlCntIdsAction
  | NoteAction
  | OutputRegAction
  | OutputTruncAction
  | ControllerAction
  | Controller2Action
  | FinTimeoutAction
  | SampleAction
  | MultipathAction
  | BundleAction
  | StackAction
  | SetTunnelAction
  | PopQueueAction
  | ExitAction;

/** Any action of an OpenFlow 1.3 action list. */
export type Action = StandardAction | NiciraAction;
export type ActionType = Action['type'];
