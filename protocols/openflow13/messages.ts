// Every OpenFlow 1.3 message a controller sends or receives, as one discriminated union on `type`.
// Header fields: `version` is always 4 (OFP_VERSION) and `length` is computed, so only `xid` is carried.
// Multipart messages are discriminated a second time on `kind` (ofp_multipart_type).
// Byte fields (`data`) decoded from a buffer are views into it: copy them if the buffer is reused.
import type { Action } from './actions.js';
import type { Instruction } from './instructions.js';
import type { Match } from './oxm.js';

interface Header {
  /** Transaction id, echoed in the reply. */
  readonly xid: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Symmetric and controller/switch messages

/** One hello element (ofp_hello_elem_header). */
export type HelloElement =
  /** OFPHET_VERSIONBITMAP: bit N of word W set = version 32*W+N supported. */
  | { readonly kind: 'versionBitmap'; readonly bitmaps: readonly number[] }
  | { readonly kind: 'unknown'; readonly elemType: number; readonly data: Uint8Array };

export interface Hello extends Header {
  readonly type: 'hello';
  /** ofp_header.version when it is not 4: a peer's HELLO carries its highest version (version negotiation). */
  readonly version?: number;
  readonly elements: readonly HelloElement[];
}
/**
 * OFPT_ERROR. `errType`/`code` are named in constants.ts (ErrorType, and e.g. BadMatchCode).
 * For OFPET_EXPERIMENTER (0xffff), `code` holds exp_type and `experimenter` is set.
 * `data` is usually the start of the offending request.
 */
export interface ErrorMsg extends Header {
  readonly type: 'error';
  /** ofp_header.version when it is not 4: a peer refusing our version answers in its own (HELLO_FAILED). */
  readonly version?: number;
  readonly errType: number;
  readonly code: number;
  readonly experimenter?: number;
  readonly data: Uint8Array;
}
export interface EchoRequest extends Header {
  readonly type: 'echoRequest';
  readonly data: Uint8Array;
}
export interface EchoReply extends Header {
  readonly type: 'echoReply';
  readonly data: Uint8Array;
}
export interface Experimenter extends Header {
  readonly type: 'experimenter';
  readonly experimenter: number;
  readonly expType: number;
  readonly data: Uint8Array;
}
export interface FeaturesRequest extends Header {
  readonly type: 'featuresRequest';
}
export interface FeaturesReply extends Header {
  readonly type: 'featuresReply';
  readonly datapathId: bigint;
  readonly nBuffers: number;
  readonly nTables: number;
  readonly auxiliaryId: number;
  /** OFPC_* bits. */
  readonly capabilities: number;
  readonly reserved: number;
}
export interface GetConfigRequest extends Header {
  readonly type: 'getConfigRequest';
}
export interface SwitchConfigFields {
  /** OFPC_FRAG_* bits. */
  readonly flags: number;
  /** Bytes of a table-miss packet sent to the controller (0xffff = whole packet, no buffering). */
  readonly missSendLen: number;
}
export interface GetConfigReply extends Header, SwitchConfigFields {
  readonly type: 'getConfigReply';
}
export interface SetConfig extends Header, SwitchConfigFields {
  readonly type: 'setConfig';
}

// ---------------------------------------------------------------------------------------------------------------
// Asynchronous messages

export interface PacketIn extends Header {
  readonly type: 'packetIn';
  /** OFP_NO_BUFFER (0xffffffff) when the whole packet is in `data`. */
  readonly bufferId: number;
  readonly totalLen: number;
  /** OFPR_NO_MATCH 0, OFPR_ACTION 1, OFPR_INVALID_TTL 2. */
  readonly reason: number;
  readonly tableId: number;
  readonly cookie: bigint;
  readonly match: Match;
  readonly data: Uint8Array;
}
export interface FlowRemoved extends Header {
  readonly type: 'flowRemoved';
  readonly cookie: bigint;
  readonly priority: number;
  /** OFPRR_IDLE_TIMEOUT 0, HARD_TIMEOUT 1, DELETE 2, GROUP_DELETE 3. */
  readonly reason: number;
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
}
/** ofp_port: a port's description. */
export interface Port {
  readonly portNo: number;
  readonly hwAddr: string;
  readonly name: string;
  /** OFPPC_* bits. */
  readonly config: number;
  /** OFPPS_* bits. */
  readonly state: number;
  /** OFPPF_* bits. */
  readonly curr: number;
  readonly advertised: number;
  readonly supported: number;
  readonly peer: number;
  /** kbps. */
  readonly currSpeed: number;
  readonly maxSpeed: number;
}
export interface PortStatus extends Header {
  readonly type: 'portStatus';
  /** OFPPR_ADD 0, OFPPR_DELETE 1, OFPPR_MODIFY 2. */
  readonly reason: number;
  readonly port: Port;
}

// ---------------------------------------------------------------------------------------------------------------
// Controller commands

export interface PacketOut extends Header {
  readonly type: 'packetOut';
  readonly bufferId: number;
  readonly inPort: number;
  readonly actions: readonly Action[];
  readonly data: Uint8Array;
}
/** OFPT_FLOW_MOD. `command`: OFPFC_ADD 0, MODIFY 1, MODIFY_STRICT 2, DELETE 3, DELETE_STRICT 4. */
export interface FlowMod extends Header {
  readonly type: 'flowMod';
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  readonly tableId: number;
  readonly command: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly priority: number;
  readonly bufferId: number;
  readonly outPort: number;
  readonly outGroup: number;
  /** OFPFF_* bits. */
  readonly flags: number;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
}
/** ofp_bucket. */
export interface Bucket {
  readonly weight: number;
  readonly watchPort: number;
  readonly watchGroup: number;
  readonly actions: readonly Action[];
}
/** OFPT_GROUP_MOD. `command`: OFPGC_ADD/MODIFY/DELETE; `groupType`: OFPGT_ALL/SELECT/INDIRECT/FF. */
export interface GroupMod extends Header {
  readonly type: 'groupMod';
  readonly command: number;
  readonly groupType: number;
  readonly groupId: number;
  readonly buckets: readonly Bucket[];
}
export interface PortMod extends Header {
  readonly type: 'portMod';
  readonly portNo: number;
  readonly hwAddr: string;
  readonly config: number;
  readonly mask: number;
  readonly advertise: number;
}
export interface TableMod extends Header {
  readonly type: 'tableMod';
  readonly tableId: number;
  readonly config: number;
}
/** ofp_meter_band_*: OFPMBT_DROP, OFPMBT_DSCP_REMARK, OFPMBT_EXPERIMENTER. Rates in kbps or pktps. */
export type MeterBand =
  | { readonly type: 'drop'; readonly rate: number; readonly burstSize: number }
  | {
      readonly type: 'dscpRemark';
      readonly rate: number;
      readonly burstSize: number;
      readonly precLevel: number;
    }
  | {
      readonly type: 'experimenter';
      readonly rate: number;
      readonly burstSize: number;
      readonly experimenter: number;
      readonly data: Uint8Array;
    }
  | {
      readonly type: 'unknown';
      readonly bandType: number;
      readonly rate: number;
      readonly burstSize: number;
      readonly data: Uint8Array;
    };
/** OFPT_METER_MOD. `command`: OFPMC_ADD/MODIFY/DELETE; `flags`: OFPMF_KBPS/PKTPS/BURST/STATS. */
export interface MeterMod extends Header {
  readonly type: 'meterMod';
  readonly command: number;
  readonly flags: number;
  readonly meterId: number;
  readonly bands: readonly MeterBand[];
}
export interface BarrierRequest extends Header {
  readonly type: 'barrierRequest';
}
export interface BarrierReply extends Header {
  readonly type: 'barrierReply';
}
export interface QueueGetConfigRequest extends Header {
  readonly type: 'queueGetConfigRequest';
  readonly port: number;
}
/** ofp_queue_prop_*: rates in 1/10 of a percent; 0xffff = disabled. */
export type QueueProperty =
  | { readonly type: 'minRate'; readonly rate: number }
  | { readonly type: 'maxRate'; readonly rate: number }
  | { readonly type: 'experimenter'; readonly experimenter: number; readonly data: Uint8Array }
  | { readonly type: 'unknown'; readonly property: number; readonly data: Uint8Array };
/** ofp_packet_queue. */
export interface PacketQueue {
  readonly queueId: number;
  readonly port: number;
  readonly properties: readonly QueueProperty[];
}
export interface QueueGetConfigReply extends Header {
  readonly type: 'queueGetConfigReply';
  readonly port: number;
  readonly queues: readonly PacketQueue[];
}
/** OFPCR_ROLE_NOCHANGE 0, EQUAL 1, MASTER 2, SLAVE 3. */
export interface RoleFields {
  readonly role: number;
  readonly generationId: bigint;
}
export interface RoleRequest extends Header, RoleFields {
  readonly type: 'roleRequest';
}
export interface RoleReply extends Header, RoleFields {
  readonly type: 'roleReply';
}
/** ofp_async_config: each pair is [master or equal role, slave role] bitmasks of reasons. */
export interface AsyncConfig {
  readonly packetInMask: readonly [number, number];
  readonly portStatusMask: readonly [number, number];
  readonly flowRemovedMask: readonly [number, number];
}
export interface GetAsyncRequest extends Header {
  readonly type: 'getAsyncRequest';
}
export interface GetAsyncReply extends Header, AsyncConfig {
  readonly type: 'getAsyncReply';
}
export interface SetAsync extends Header, AsyncConfig {
  readonly type: 'setAsync';
}

// ---------------------------------------------------------------------------------------------------------------
// Multipart (ofp_multipart_request / ofp_multipart_reply). `flags`: OFPMPF_REQ_MORE / OFPMPF_REPLY_MORE.

interface Multipart extends Header {
  readonly flags: number;
}

/** Flow and aggregate requests select flows the same way. */
export interface FlowStatsSelector {
  readonly tableId: number;
  readonly outPort: number;
  readonly outGroup: number;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  readonly match: Match;
}

/** ofp_table_features property (OFPTFPT_*). Ids keep their wire form so they re-encode identically. */
export type TableFeatureProperty =
  | {
      /** OFPTFPT_INSTRUCTIONS (0) / INSTRUCTIONS_MISS (1). `body` is any bytes after type/len (experimenter). */
      readonly type: 'instructions' | 'instructionsMiss';
      readonly ids: readonly { readonly type: number; readonly body: Uint8Array }[];
    }
  | { readonly type: 'nextTables' | 'nextTablesMiss'; readonly tableIds: readonly number[] }
  | {
      readonly type: 'writeActions' | 'writeActionsMiss' | 'applyActions' | 'applyActionsMiss';
      readonly ids: readonly { readonly type: number; readonly body: Uint8Array }[];
    }
  | {
      /** OXM ids are 32-bit headers (class, field, hasmask, length); experimenter ids add an experimenter id. */
      readonly type:
        'match' | 'wildcards' | 'writeSetfield' | 'writeSetfieldMiss' | 'applySetfield' | 'applySetfieldMiss';
      readonly oxmIds: readonly { readonly header: number; readonly experimenter?: number }[];
    }
  | {
      readonly type: 'experimenter' | 'experimenterMiss';
      readonly experimenter: number;
      readonly expType: number;
      readonly data: Uint8Array;
    }
  | { readonly type: 'unknown'; readonly property: number; readonly data: Uint8Array };

export interface TableFeatures {
  readonly tableId: number;
  readonly name: string;
  readonly metadataMatch: bigint;
  readonly metadataWrite: bigint;
  readonly config: number;
  readonly maxEntries: number;
  readonly properties: readonly TableFeatureProperty[];
}

export type MultipartRequest = Multipart & { readonly type: 'multipartRequest' } & (
    | { readonly kind: 'desc' }
    | ({ readonly kind: 'flow' } & FlowStatsSelector)
    | ({ readonly kind: 'aggregate' } & FlowStatsSelector)
    | { readonly kind: 'table' }
    | { readonly kind: 'portStats'; readonly portNo: number }
    | { readonly kind: 'queue'; readonly portNo: number; readonly queueId: number }
    | { readonly kind: 'group'; readonly groupId: number }
    | { readonly kind: 'groupDesc' }
    | { readonly kind: 'groupFeatures' }
    | { readonly kind: 'meter'; readonly meterId: number }
    | { readonly kind: 'meterConfig'; readonly meterId: number }
    | { readonly kind: 'meterFeatures' }
    | { readonly kind: 'tableFeatures'; readonly tables: readonly TableFeatures[] }
    | { readonly kind: 'portDesc' }
    | {
        readonly kind: 'experimenter';
        readonly experimenter: number;
        readonly expType: number;
        readonly data: Uint8Array;
      }
    | { readonly kind: 'unknown'; readonly mpType: number; readonly body: Uint8Array }
  );

/** ofp_flow_stats: one flow entry of a FLOW multipart reply. */
export interface FlowStats {
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly flags: number;
  readonly cookie: bigint;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
}
export interface TableStats {
  readonly tableId: number;
  readonly activeCount: number;
  readonly lookupCount: bigint;
  readonly matchedCount: bigint;
}
export interface PortStats {
  readonly portNo: number;
  readonly rxPackets: bigint;
  readonly txPackets: bigint;
  readonly rxBytes: bigint;
  readonly txBytes: bigint;
  readonly rxDropped: bigint;
  readonly txDropped: bigint;
  readonly rxErrors: bigint;
  readonly txErrors: bigint;
  readonly rxFrameErr: bigint;
  readonly rxOverErr: bigint;
  readonly rxCrcErr: bigint;
  readonly collisions: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
}
export interface QueueStats {
  readonly portNo: number;
  readonly queueId: number;
  readonly txBytes: bigint;
  readonly txPackets: bigint;
  readonly txErrors: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
}
export interface GroupStats {
  readonly groupId: number;
  readonly refCount: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly bucketStats: readonly { readonly packetCount: bigint; readonly byteCount: bigint }[];
}
export interface GroupDesc {
  readonly groupType: number;
  readonly groupId: number;
  readonly buckets: readonly Bucket[];
}
export interface GroupFeatures {
  /** Bitmap of 1 << OFPGT_* supported. */
  readonly types: number;
  /** OFPGFC_* bits. */
  readonly capabilities: number;
  /** Max groups per type, indexed by OFPGT_*. */
  readonly maxGroups: readonly [number, number, number, number];
  /** Bitmap of 1 << OFPAT_* supported per type. */
  readonly actions: readonly [number, number, number, number];
}
export interface MeterStats {
  readonly meterId: number;
  readonly flowCount: number;
  readonly packetInCount: bigint;
  readonly byteInCount: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly bandStats: readonly { readonly packetBandCount: bigint; readonly byteBandCount: bigint }[];
}
export interface MeterConfig {
  readonly flags: number;
  readonly meterId: number;
  readonly bands: readonly MeterBand[];
}
export interface MeterFeatures {
  readonly maxMeter: number;
  /** Bitmap of 1 << OFPMBT_*. */
  readonly bandTypes: number;
  /** OFPMF_* bits. */
  readonly capabilities: number;
  readonly maxBands: number;
  readonly maxColor: number;
}
/** ofp_desc: text fields, NUL padding removed. */
export interface Desc {
  readonly mfrDesc: string;
  readonly hwDesc: string;
  readonly swDesc: string;
  readonly serialNum: string;
  readonly dpDesc: string;
}

export type MultipartReply = Multipart & { readonly type: 'multipartReply' } & (
    | ({ readonly kind: 'desc' } & Desc)
    | { readonly kind: 'flow'; readonly stats: readonly FlowStats[] }
    | {
        readonly kind: 'aggregate';
        readonly packetCount: bigint;
        readonly byteCount: bigint;
        readonly flowCount: number;
      }
    | { readonly kind: 'table'; readonly stats: readonly TableStats[] }
    | { readonly kind: 'portStats'; readonly stats: readonly PortStats[] }
    | { readonly kind: 'queue'; readonly stats: readonly QueueStats[] }
    | { readonly kind: 'group'; readonly stats: readonly GroupStats[] }
    | { readonly kind: 'groupDesc'; readonly groups: readonly GroupDesc[] }
    | ({ readonly kind: 'groupFeatures' } & GroupFeatures)
    | { readonly kind: 'meter'; readonly stats: readonly MeterStats[] }
    | { readonly kind: 'meterConfig'; readonly configs: readonly MeterConfig[] }
    | ({ readonly kind: 'meterFeatures' } & MeterFeatures)
    | { readonly kind: 'tableFeatures'; readonly tables: readonly TableFeatures[] }
    | { readonly kind: 'portDesc'; readonly ports: readonly Port[] }
    | {
        readonly kind: 'experimenter';
        readonly experimenter: number;
        readonly expType: number;
        readonly data: Uint8Array;
      }
    | { readonly kind: 'unknown'; readonly mpType: number; readonly body: Uint8Array }
  );
export type MultipartKind = MultipartRequest['kind'];

/** A message type this codec does not know (or a version other than 1.3 handed to the decoder): kept as bytes. */
export interface UnknownMessage extends Header {
  readonly type: 'unknown';
  readonly version: number;
  readonly msgType: number;
  readonly body: Uint8Array;
}

/** Any OpenFlow 1.3 message. */
export type OfpMessage =
  | Hello
  | ErrorMsg
  | EchoRequest
  | EchoReply
  | Experimenter
  | FeaturesRequest
  | FeaturesReply
  | GetConfigRequest
  | GetConfigReply
  | SetConfig
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | GroupMod
  | PortMod
  | TableMod
  | MultipartRequest
  | MultipartReply
  | BarrierRequest
  | BarrierReply
  | QueueGetConfigRequest
  | QueueGetConfigReply
  | RoleRequest
  | RoleReply
  | GetAsyncRequest
  | GetAsyncReply
  | SetAsync
  | MeterMod
  | UnknownMessage;
export type OfpMessageType = OfpMessage['type'];
/** A message of the given type: `MessageOf<'flowMod'>` is `FlowMod`. */
export type MessageOf<T extends OfpMessageType> = Extract<OfpMessage, { type: T }>;
