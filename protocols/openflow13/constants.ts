// OpenFlow 1.3.5 wire constants (include/openflow/openflow-1.3.h, openflow-common.h) and the Nicira extension
// numbers (include/openflow/nicira-ext.h, lib/ofp-actions.c). Names are the spec's, without the OFP prefix.

/** ofp_header.version for OpenFlow 1.3. */
export const OFP_VERSION = 0x04;
/** ofp_header: version(1) type(1) length(2) xid(4); `length` includes these 8 bytes. */
export const OFP_HEADER_LEN = 8;
/** Largest message: ofp_header.length is 16 bits. */
export const OFP_MAX_MSG_LEN = 0xffff;
/** OFP_NO_BUFFER: the packet is not buffered on the switch (packet-in / packet-out / flow-mod buffer_id). */
export const OFP_NO_BUFFER = 0xffffffff;
/** Experimenter id of Nicira, i.e. Open vSwitch extensions (NX_VENDOR_ID). */
export const NX_VENDOR_ID = 0x00002320;
/** Experimenter id of the Open Networking Foundation (ONF_VENDOR_ID). */
export const ONF_VENDOR_ID = 0x4f4e4600;

/** ofp_type: ofp_header.type. */
export const MsgType = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  GROUP_MOD: 15,
  PORT_MOD: 16,
  TABLE_MOD: 17,
  MULTIPART_REQUEST: 18,
  MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
  QUEUE_GET_CONFIG_REQUEST: 22,
  QUEUE_GET_CONFIG_REPLY: 23,
  ROLE_REQUEST: 24,
  ROLE_REPLY: 25,
  GET_ASYNC_REQUEST: 26,
  GET_ASYNC_REPLY: 27,
  SET_ASYNC: 28,
  METER_MOD: 29,
} as const;

/** ofp_multipart_type. */
export const MultipartType = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
  EXPERIMENTER: 0xffff,
} as const;

/** ofp_port_no: reserved port numbers. */
export const Port = {
  /** Maximum number of physical and logical switch ports. */
  MAX: 0xffffff00,
  /** Send the packet out the input port (must be explicit to do so). */
  IN_PORT: 0xfffffff8,
  /** Submit the packet to the first flow table (packet-out only). */
  TABLE: 0xfffffff9,
  /** Forward using non-OpenFlow pipeline. */
  NORMAL: 0xfffffffa,
  /** Flood using non-OpenFlow pipeline. */
  FLOOD: 0xfffffffb,
  /** All standard ports except the input port. */
  ALL: 0xfffffffc,
  /** Send to controller. */
  CONTROLLER: 0xfffffffd,
  /** Local OpenFlow "port". */
  LOCAL: 0xfffffffe,
  /** Special value used in some requests when no port is specified (wildcard). */
  ANY: 0xffffffff,
} as const;

/** ofp_group: reserved group numbers. */
export const Group = {
  MAX: 0xffffff00,
  ALL: 0xfffffffc,
  ANY: 0xffffffff,
} as const;

/** ofp_table: reserved table numbers. */
export const Table = {
  MAX: 0xfe,
  ALL: 0xff,
} as const;

/** ofp_controller_max_len: max_len of an output to the controller. */
export const ControllerMaxLen = {
  MAX: 0xffe5,
  /** Send the whole packet, do not buffer it. */
  NO_BUFFER: 0xffff,
} as const;

/** ofp_vlan_id. */
export const Vid = {
  /** Bit set in vlan_vid when a VLAN tag is present. */
  PRESENT: 0x1000,
  NONE: 0x0000,
} as const;

/** ofp_flow_mod_command. */
export const FlowModCommand = {
  ADD: 0,
  MODIFY: 1,
  MODIFY_STRICT: 2,
  DELETE: 3,
  DELETE_STRICT: 4,
} as const;

/** ofp_flow_mod_flags. */
export const FlowModFlags = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
} as const;

/** ofp_group_mod_command and ofp_group_type. */
export const GroupModCommand = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const GroupType = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;

/** ofp_meter_mod_command, ofp_meter_flags, ofp_meter_band_type; ofp_meter: reserved meter ids. */
export const MeterModCommand = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const MeterFlags = { KBPS: 1 << 0, PKTPS: 1 << 1, BURST: 1 << 2, STATS: 1 << 3 } as const;
export const MeterBandType = { DROP: 1, DSCP_REMARK: 2, EXPERIMENTER: 0xffff } as const;
export const Meter = {
  MAX: 0xffff0000,
  SLOWPATH: 0xfffffffd,
  CONTROLLER: 0xfffffffe,
  ALL: 0xffffffff,
} as const;

/** ofp_packet_in_reason, ofp_flow_removed_reason, ofp_port_reason. */
export const PacketInReason = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;
export const FlowRemovedReason = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3 } as const;
export const PortReason = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

/** ofp_controller_role. */
export const ControllerRole = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

/** ofp_config_flags (switch config). */
export const ConfigFlags = { FRAG_NORMAL: 0, FRAG_DROP: 1, FRAG_REASM: 2, FRAG_MASK: 3 } as const;

/** ofp_capabilities (features reply). */
export const Capabilities = {
  FLOW_STATS: 1 << 0,
  TABLE_STATS: 1 << 1,
  PORT_STATS: 1 << 2,
  GROUP_STATS: 1 << 3,
  IP_REASM: 1 << 5,
  QUEUE_STATS: 1 << 6,
  PORT_BLOCKED: 1 << 8,
} as const;

/** ofp_port_config, ofp_port_state. */
export const PortConfig = {
  PORT_DOWN: 1 << 0,
  NO_RECV: 1 << 2,
  NO_FWD: 1 << 5,
  NO_PACKET_IN: 1 << 6,
} as const;
export const PortState = { LINK_DOWN: 1 << 0, BLOCKED: 1 << 1, LIVE: 1 << 2 } as const;

/** ofp_multipart_request_flags / ofp_multipart_reply_flags: more parts follow. */
export const MultipartFlags = { MORE: 1 << 0 } as const;

/** ofp_hello_elem_type. */
export const HelloElemType = { VERSIONBITMAP: 1 } as const;

/** ofp_action_type. */
export const ActionType = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;

/** ofp_instruction_type. */
export const InstructionType = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
  EXPERIMENTER: 0xffff,
} as const;

/** ofp_table_feature_prop_type. */
export const TableFeaturePropType = {
  INSTRUCTIONS: 0,
  INSTRUCTIONS_MISS: 1,
  NEXT_TABLES: 2,
  NEXT_TABLES_MISS: 3,
  WRITE_ACTIONS: 4,
  WRITE_ACTIONS_MISS: 5,
  APPLY_ACTIONS: 6,
  APPLY_ACTIONS_MISS: 7,
  MATCH: 8,
  WILDCARDS: 10,
  WRITE_SETFIELD: 12,
  WRITE_SETFIELD_MISS: 13,
  APPLY_SETFIELD: 14,
  APPLY_SETFIELD_MISS: 15,
  EXPERIMENTER: 0xfffe,
  EXPERIMENTER_MISS: 0xffff,
} as const;

/** ofp_queue_properties. */
export const QueuePropType = { MIN_RATE: 1, MAX_RATE: 2, EXPERIMENTER: 0xffff } as const;

/** Nicira action subtypes (NXAST_*, the `subtype` after the experimenter id). */
export const NxActionSubtype = {
  RESUBMIT: 1,
  SET_TUNNEL: 2,
  POP_QUEUE: 5,
  REG_MOVE: 6,
  REG_LOAD: 7,
  NOTE: 8,
  SET_TUNNEL64: 9,
  MULTIPATH: 10,
  BUNDLE: 12,
  BUNDLE_LOAD: 13,
  RESUBMIT_TABLE: 14,
  OUTPUT_REG: 15,
  LEARN: 16,
  EXIT: 17,
  DEC_TTL: 18,
  FIN_TIMEOUT: 19,
  CONTROLLER: 20,
  DEC_TTL_CNT_IDS: 21,
  WRITE_METADATA: 22,
  STACK_PUSH: 27,
  STACK_POP: 28,
  SAMPLE: 29,
  OUTPUT_REG2: 32,
  REG_LOAD2: 33,
  CONJUNCTION: 34,
  CT: 35,
  NAT: 36,
  CONTROLLER2: 37,
  SAMPLE2: 38,
  OUTPUT_TRUNC: 39,
  SAMPLE3: 41,
  CLONE: 42,
  CT_CLEAR: 43,
  RESUBMIT_TABLE_CT: 44,
  LEARN2: 45,
} as const;

/** NXAST_CONTROLLER2 property types (NXAC2PT_*). */
export const NxController2Prop = {
  MAX_LEN: 0,
  CONTROLLER_ID: 1,
  REASON: 2,
  USERDATA: 3,
  PAUSE: 4,
  METER_ID: 5,
} as const;

/** NXAST_NAT range_present bits (NX_NAT_RANGE_*). */
export const NxNatRange = {
  IPV4_MIN: 1 << 0,
  IPV4_MAX: 1 << 1,
  IPV6_MIN: 1 << 2,
  IPV6_MAX: 1 << 3,
  PROTO_MIN: 1 << 4,
  PROTO_MAX: 1 << 5,
} as const;

/** NXAST_LEARN flow_mod_spec header bits: src type (bit 13), dst type (bits 11-12), n_bits (bits 0-10). */
export const NxLearnSpec = {
  SRC_FIELD: 0 << 13,
  SRC_IMMEDIATE: 1 << 13,
  DST_MATCH: 0 << 11,
  DST_LOAD: 1 << 11,
  DST_OUTPUT: 2 << 11,
  NBITS_MASK: 0x3ff,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Errors: ofp_error_type and the codes of each type (OpenFlow 1.3.5 section 7.4.4).

export const ErrorType = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;

export const HelloFailedCode = { INCOMPATIBLE: 0, EPERM: 1 } as const;
export const BadRequestCode = {
  BAD_VERSION: 0,
  BAD_TYPE: 1,
  BAD_MULTIPART: 2,
  BAD_EXPERIMENTER: 3,
  BAD_EXP_TYPE: 4,
  EPERM: 5,
  BAD_LEN: 6,
  BUFFER_EMPTY: 7,
  BUFFER_UNKNOWN: 8,
  BAD_TABLE_ID: 9,
  IS_SLAVE: 10,
  BAD_PORT: 11,
  BAD_PACKET: 12,
  MULTIPART_BUFFER_OVERFLOW: 13,
} as const;
export const BadActionCode = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_EXPERIMENTER: 2,
  BAD_EXP_TYPE: 3,
  BAD_OUT_PORT: 4,
  BAD_ARGUMENT: 5,
  EPERM: 6,
  TOO_MANY: 7,
  BAD_QUEUE: 8,
  BAD_OUT_GROUP: 9,
  MATCH_INCONSISTENT: 10,
  UNSUPPORTED_ORDER: 11,
  BAD_TAG: 12,
  BAD_SET_TYPE: 13,
  BAD_SET_LEN: 14,
  BAD_SET_ARGUMENT: 15,
} as const;
export const BadInstructionCode = {
  UNKNOWN_INST: 0,
  UNSUP_INST: 1,
  BAD_TABLE_ID: 2,
  UNSUP_METADATA: 3,
  UNSUP_METADATA_MASK: 4,
  BAD_EXPERIMENTER: 5,
  BAD_EXP_TYPE: 6,
  BAD_LEN: 7,
  EPERM: 8,
} as const;
export const BadMatchCode = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_TAG: 2,
  BAD_DL_ADDR_MASK: 3,
  BAD_NW_ADDR_MASK: 4,
  BAD_WILDCARDS: 5,
  BAD_FIELD: 6,
  BAD_VALUE: 7,
  BAD_MASK: 8,
  BAD_PREREQ: 9,
  DUP_FIELD: 10,
  EPERM: 11,
} as const;
export const FlowModFailedCode = {
  UNKNOWN: 0,
  TABLE_FULL: 1,
  BAD_TABLE_ID: 2,
  OVERLAP: 3,
  EPERM: 4,
  BAD_TIMEOUT: 5,
  BAD_COMMAND: 6,
  BAD_FLAGS: 7,
} as const;
export const GroupModFailedCode = {
  GROUP_EXISTS: 0,
  INVALID_GROUP: 1,
  WEIGHT_UNSUPPORTED: 2,
  OUT_OF_GROUPS: 3,
  OUT_OF_BUCKETS: 4,
  CHAINING_UNSUPPORTED: 5,
  WATCH_UNSUPPORTED: 6,
  LOOP: 7,
  UNKNOWN_GROUP: 8,
  CHAINED_GROUP: 9,
  BAD_TYPE: 10,
  BAD_COMMAND: 11,
  BAD_BUCKET: 12,
  BAD_WATCH: 13,
  EPERM: 14,
} as const;
export const PortModFailedCode = {
  BAD_PORT: 0,
  BAD_HW_ADDR: 1,
  BAD_CONFIG: 2,
  BAD_ADVERTISE: 3,
  EPERM: 4,
} as const;
export const TableModFailedCode = { BAD_TABLE: 0, BAD_CONFIG: 1, EPERM: 2 } as const;
export const QueueOpFailedCode = { BAD_PORT: 0, BAD_QUEUE: 1, EPERM: 2 } as const;
export const SwitchConfigFailedCode = { BAD_FLAGS: 0, BAD_LEN: 1, EPERM: 2 } as const;
export const RoleRequestFailedCode = { STALE: 0, UNSUP: 1, BAD_ROLE: 2 } as const;
export const MeterModFailedCode = {
  UNKNOWN: 0,
  METER_EXISTS: 1,
  INVALID_METER: 2,
  UNKNOWN_METER: 3,
  BAD_COMMAND: 4,
  BAD_FLAGS: 5,
  BAD_RATE: 6,
  BAD_BURST: 7,
  BAD_BAND: 8,
  BAD_BAND_VALUE: 9,
  OUT_OF_METERS: 10,
  OUT_OF_BANDS: 11,
} as const;
export const TableFeaturesFailedCode = {
  BAD_TABLE: 0,
  BAD_METADATA: 1,
  BAD_TYPE: 2,
  BAD_LEN: 3,
  BAD_ARGUMENT: 4,
  EPERM: 5,
} as const;

/** The code table of each error type, with the spec's prefix for printing (OFPBMC_BAD_PREREQ). */
const ERROR_CODES: Record<
  number,
  { readonly type: string; readonly prefix: string; readonly codes: Record<string, number> }
> = {
  [ErrorType.HELLO_FAILED]: { type: 'OFPET_HELLO_FAILED', prefix: 'OFPHFC_', codes: HelloFailedCode },
  [ErrorType.BAD_REQUEST]: { type: 'OFPET_BAD_REQUEST', prefix: 'OFPBRC_', codes: BadRequestCode },
  [ErrorType.BAD_ACTION]: { type: 'OFPET_BAD_ACTION', prefix: 'OFPBAC_', codes: BadActionCode },
  [ErrorType.BAD_INSTRUCTION]: {
    type: 'OFPET_BAD_INSTRUCTION',
    prefix: 'OFPBIC_',
    codes: BadInstructionCode,
  },
  [ErrorType.BAD_MATCH]: { type: 'OFPET_BAD_MATCH', prefix: 'OFPBMC_', codes: BadMatchCode },
  [ErrorType.FLOW_MOD_FAILED]: {
    type: 'OFPET_FLOW_MOD_FAILED',
    prefix: 'OFPFMFC_',
    codes: FlowModFailedCode,
  },
  [ErrorType.GROUP_MOD_FAILED]: {
    type: 'OFPET_GROUP_MOD_FAILED',
    prefix: 'OFPGMFC_',
    codes: GroupModFailedCode,
  },
  [ErrorType.PORT_MOD_FAILED]: {
    type: 'OFPET_PORT_MOD_FAILED',
    prefix: 'OFPPMFC_',
    codes: PortModFailedCode,
  },
  [ErrorType.TABLE_MOD_FAILED]: {
    type: 'OFPET_TABLE_MOD_FAILED',
    prefix: 'OFPTMFC_',
    codes: TableModFailedCode,
  },
  [ErrorType.QUEUE_OP_FAILED]: {
    type: 'OFPET_QUEUE_OP_FAILED',
    prefix: 'OFPQOFC_',
    codes: QueueOpFailedCode,
  },
  [ErrorType.SWITCH_CONFIG_FAILED]: {
    type: 'OFPET_SWITCH_CONFIG_FAILED',
    prefix: 'OFPSCFC_',
    codes: SwitchConfigFailedCode,
  },
  [ErrorType.ROLE_REQUEST_FAILED]: {
    type: 'OFPET_ROLE_REQUEST_FAILED',
    prefix: 'OFPRRFC_',
    codes: RoleRequestFailedCode,
  },
  [ErrorType.METER_MOD_FAILED]: {
    type: 'OFPET_METER_MOD_FAILED',
    prefix: 'OFPMMFC_',
    codes: MeterModFailedCode,
  },
  [ErrorType.TABLE_FEATURES_FAILED]: {
    type: 'OFPET_TABLE_FEATURES_FAILED',
    prefix: 'OFPTFFC_',
    codes: TableFeaturesFailedCode,
  },
};

/** Spec names of an error, e.g. `{ type: 'OFPET_BAD_MATCH', code: 'OFPBMC_BAD_PREREQ' }`; numbers when unknown. */
export function errorName(errType: number, code: number): { readonly type: string; readonly code: string } {
  if (errType === ErrorType.EXPERIMENTER) return { type: 'OFPET_EXPERIMENTER', code: `exp_type ${code}` };
  const t = ERROR_CODES[errType];
  if (t === undefined) return { type: `error type ${errType}`, code: `code ${code}` };
  for (const [name, value] of Object.entries(t.codes))
    if (value === code) return { type: t.type, code: t.prefix + name };
  return { type: t.type, code: `code ${code}` };
}
