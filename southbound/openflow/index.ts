// The OpenFlow southbound: switch sessions, the listener, flow sync and packet-in dispatch.
export { OfConnection } from './connection.js';
export {
  SwitchSession,
  OpenFlowRequestError,
  type SessionOptions,
  type SwitchError,
  type Outgoing,
} from './switch-session.js';
export { OpenFlowServer, type OpenFlowServerOptions, type TlsFiles } from './listener.js';
export {
  FlowSync,
  flowMod,
  type FlowError,
  type SyncResult,
  type FlowSyncOptions,
  type FlowOp,
  type TrackedFlow,
} from './flow-sync.js';
export { GroupSync, groupBody, type GroupEntry } from './group-sync.js';
export { IdSync, type IdObjects } from './id-sync.js';
export { diffFlows, indexFlows, type FlowDiff, type KeyedFlow } from './flow-diff.js';
export {
  flowKey,
  flowBody,
  canonicalMatch,
  isManaged,
  type FlowEntry,
  type CookieOwnership,
} from './flow-entry.js';
export {
  PacketInDispatcher,
  type PacketInFilter,
  type PacketInHandler,
  type PacketInCounters,
  type RateLimit,
} from './packet-in-dispatch.js';
