// binary-parser definitions of the fixed-size OpenFlow 1.3 structures (openflow-1.3.h), compiled once at load.
// Each `struct<T>()` wraps a compiled parser with the TypeScript shape it produces; callers check the bounds first.
import { Parser } from 'binary-parser';
import type { Instruction } from './instructions.js';
import type { Match } from './oxm.js';

/** A compiled parser of a fixed-size structure of `size` bytes, read at an offset of a buffer. */
export interface Struct<T> {
  readonly size: number;
  read(b: Buffer, off: number): T;
}

/** What binary-parser's code generator hands back: the function body and the values it refers to. */
interface GeneratedParser {
  readonly code: string;
  readonly imports: unknown[];
}
type CompiledRead = (buffer: Buffer, dataView: DataView, start: number) => unknown;

/**
 * Compile `p` with binary-parser's code generator, adapted for decoding in place: the generated function reads at
 * an offset of the whole message through one shared DataView (instead of a sub-buffer and a new DataView per
 * structure), and it skips binary-parser's `$parent`/`$root` context bookkeeping, whose `delete`s would turn every
 * result into a slow dictionary-mode object. Each rewrite is checked, so a changed generator fails at load time.
 */
function compile(p: Parser): CompiledRead {
  const gen = (p as unknown as { getContext(importPath: string): GeneratedParser }).getContext('imports');
  let code = gen.code;
  const rewrite = (from: string, to: string): void => {
    if (!code.includes(from)) throw new Error(`binary-parser generated code without "${from}"`);
    code = code.replace(from, to);
  };
  rewrite('var dataView = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);', '');
  rewrite('var offset = 0;', 'var offset = start;');
  rewrite('vars.$parent = null;', '');
  rewrite('vars.$root = vars;', '');
  rewrite('delete vars.$parent;', '');
  rewrite('delete vars.$root;', '');
  const factory = new Function(
    'imports',
    'TextDecoder',
    `return function (buffer, dataView, start) { ${code} };`,
  ) as (imports: unknown[], textDecoder: typeof TextDecoder) => CompiledRead;
  return factory(gen.imports, TextDecoder);
}

// One DataView per message buffer, reused by every structure read from it.
let viewOf: Buffer | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

/** The cached DataView of `b` (one per message buffer, shared with the struct readers). */
export function viewFor(b: Buffer): DataView {
  if (b !== viewOf) {
    view = new DataView(b.buffer, b.byteOffset, b.length);
    viewOf = b;
  }
  return view;
}

/**
 * A 64-bit big-endian value as bigint. DataView.getBigUint64 is one JIT intrinsic; Buffer.readBigUInt64BE builds
 * the value from two halves with several intermediate bigints.
 */
export function u64At(b: Buffer, off: number): bigint {
  return viewFor(b).getBigUint64(off);
}

function struct<T>(p: Parser): Struct<T> {
  const size = p.sizeOf();
  const fn = compile(p);
  return {
    size,
    read: (b, off) => fn(b, viewFor(b), off) as T,
  };
}

const macFormatter = (v: unknown): string =>
  Array.from(v as Uint8Array, (x) => x.toString(16).padStart(2, '0')).join(':');

/** ofp_switch_features body (after the header). */
export const featuresReply = struct<{
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  capabilities: number;
  reserved: number;
}>(
  new Parser()
    .uint64be('datapathId')
    .uint32be('nBuffers')
    .uint8('nTables')
    .uint8('auxiliaryId')
    .skip(2)
    .uint32be('capabilities')
    .uint32be('reserved'),
);

/** ofp_packet_in up to the match. */
export const packetIn = struct<{
  bufferId: number;
  totalLen: number;
  reason: number;
  tableId: number;
  cookie: bigint;
}>(
  new Parser().uint32be('bufferId').uint16be('totalLen').uint8('reason').uint8('tableId').uint64be('cookie'),
);

/** ofp_flow_removed up to the match. */
export const flowRemoved = struct<{
  cookie: bigint;
  priority: number;
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
}>(
  new Parser()
    .uint64be('cookie')
    .uint16be('priority')
    .uint8('reason')
    .uint8('tableId')
    .uint32be('durationSec')
    .uint32be('durationNsec')
    .uint16be('idleTimeout')
    .uint16be('hardTimeout')
    .uint64be('packetCount')
    .uint64be('byteCount'),
);

/** ofp_flow_mod up to the match. */
export const flowMod = struct<{
  cookie: bigint;
  cookieMask: bigint;
  tableId: number;
  command: number;
  idleTimeout: number;
  hardTimeout: number;
  priority: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: number;
}>(
  new Parser()
    .uint64be('cookie')
    .uint64be('cookieMask')
    .uint8('tableId')
    .uint8('command')
    .uint16be('idleTimeout')
    .uint16be('hardTimeout')
    .uint16be('priority')
    .uint32be('bufferId')
    .uint32be('outPort')
    .uint32be('outGroup')
    .uint16be('flags')
    .skip(2),
);

/** ofp_port (64 bytes). */
export const port = struct<{
  portNo: number;
  hwAddr: string;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  currSpeed: number;
  maxSpeed: number;
}>(
  new Parser()
    .uint32be('portNo')
    .skip(4)
    .buffer('hwAddr', { length: 6, formatter: macFormatter })
    .skip(2)
    .string('name', { length: 16, stripNull: true })
    .uint32be('config')
    .uint32be('state')
    .uint32be('curr')
    .uint32be('advertised')
    .uint32be('supported')
    .uint32be('peer')
    .uint32be('currSpeed')
    .uint32be('maxSpeed'),
);

/** ofp_port_mod body. */
export const portMod = struct<{
  portNo: number;
  hwAddr: string;
  config: number;
  mask: number;
  advertise: number;
}>(
  new Parser()
    .uint32be('portNo')
    .skip(4)
    .buffer('hwAddr', { length: 6, formatter: macFormatter })
    .skip(2)
    .uint32be('config')
    .uint32be('mask')
    .uint32be('advertise')
    .skip(4),
);

/** ofp_packet_out up to the actions. */
export const packetOut = struct<{ bufferId: number; inPort: number; actionsLen: number }>(
  new Parser().uint32be('bufferId').uint32be('inPort').uint16be('actionsLen').skip(6),
);

/** ofp_role_request / ofp_role_reply body. */
export const role = struct<{ role: number; generationId: bigint }>(
  new Parser().uint32be('role').skip(4).uint64be('generationId'),
);

/** ofp_async_config body. */
export const asyncConfig = struct<{
  pim: number;
  pis: number;
  psm: number;
  pss: number;
  frm: number;
  frs: number;
}>(
  new Parser()
    .uint32be('pim')
    .uint32be('pis')
    .uint32be('psm')
    .uint32be('pss')
    .uint32be('frm')
    .uint32be('frs'),
);

/** ofp_multipart_request / reply header after ofp_header. */
export const multipart = struct<{ mpType: number; flags: number }>(
  new Parser().uint16be('mpType').uint16be('flags').skip(4),
);

/** ofp_flow_stats_request / ofp_aggregate_stats_request up to the match. */
export const flowStatsRequest = struct<{
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
}>(
  new Parser()
    .uint8('tableId')
    .skip(3)
    .uint32be('outPort')
    .uint32be('outGroup')
    .skip(4)
    .uint64be('cookie')
    .uint64be('cookieMask'),
);

/**
 * ofp_flow_stats after its length field, up to the match. The decoder reads `length` itself and then sets `match`
 * and `instructions` on the parsed object, so that each entry of a flow dump is one allocation, not two.
 */
export const flowStats = struct<{
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  instructions: readonly Instruction[];
}>(
  new Parser()
    .skip(2)
    .uint8('tableId')
    .skip(1)
    .uint32be('durationSec')
    .uint32be('durationNsec')
    .uint16be('priority')
    .uint16be('idleTimeout')
    .uint16be('hardTimeout')
    .uint16be('flags')
    .skip(4)
    .uint64be('cookie')
    .uint64be('packetCount')
    .uint64be('byteCount'),
);

/** ofp_aggregate_stats_reply. */
export const aggregateReply = struct<{ packetCount: bigint; byteCount: bigint; flowCount: number }>(
  new Parser().uint64be('packetCount').uint64be('byteCount').uint32be('flowCount').skip(4),
);

/** ofp_desc: five NUL-padded strings. */
export const desc = struct<{
  mfrDesc: string;
  hwDesc: string;
  swDesc: string;
  serialNum: string;
  dpDesc: string;
}>(
  new Parser()
    .string('mfrDesc', { length: 256, stripNull: true })
    .string('hwDesc', { length: 256, stripNull: true })
    .string('swDesc', { length: 256, stripNull: true })
    .string('serialNum', { length: 32, stripNull: true })
    .string('dpDesc', { length: 256, stripNull: true }),
);

/** ofp_table_stats. */
export const tableStats = struct<{
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}>(
  new Parser()
    .uint8('tableId')
    .skip(3)
    .uint32be('activeCount')
    .uint64be('lookupCount')
    .uint64be('matchedCount'),
);

/** ofp_port_stats. */
export const portStats = struct<{
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxFrameErr: bigint;
  rxOverErr: bigint;
  rxCrcErr: bigint;
  collisions: bigint;
  durationSec: number;
  durationNsec: number;
}>(
  new Parser()
    .uint32be('portNo')
    .skip(4)
    .uint64be('rxPackets')
    .uint64be('txPackets')
    .uint64be('rxBytes')
    .uint64be('txBytes')
    .uint64be('rxDropped')
    .uint64be('txDropped')
    .uint64be('rxErrors')
    .uint64be('txErrors')
    .uint64be('rxFrameErr')
    .uint64be('rxOverErr')
    .uint64be('rxCrcErr')
    .uint64be('collisions')
    .uint32be('durationSec')
    .uint32be('durationNsec'),
);

/** ofp_queue_stats. */
export const queueStats = struct<{
  portNo: number;
  queueId: number;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  durationSec: number;
  durationNsec: number;
}>(
  new Parser()
    .uint32be('portNo')
    .uint32be('queueId')
    .uint64be('txBytes')
    .uint64be('txPackets')
    .uint64be('txErrors')
    .uint32be('durationSec')
    .uint32be('durationNsec'),
);

/** ofp_group_stats up to the bucket counters. */
export const groupStats = struct<{
  length: number;
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  durationNsec: number;
}>(
  new Parser()
    .uint16be('length')
    .skip(2)
    .uint32be('groupId')
    .uint32be('refCount')
    .skip(4)
    .uint64be('packetCount')
    .uint64be('byteCount')
    .uint32be('durationSec')
    .uint32be('durationNsec'),
);

/** ofp_group_features. */
export const groupFeatures = struct<{
  types: number;
  capabilities: number;
  maxGroups: number[];
  actions: number[];
}>(
  new Parser()
    .uint32be('types')
    .uint32be('capabilities')
    .array('maxGroups', { type: 'uint32be', length: 4 })
    .array('actions', { type: 'uint32be', length: 4 }),
);

/** ofp_meter_stats up to the band counters. */
export const meterStats = struct<{
  meterId: number;
  len: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
}>(
  new Parser()
    .uint32be('meterId')
    .uint16be('len')
    .skip(6)
    .uint32be('flowCount')
    .uint64be('packetInCount')
    .uint64be('byteInCount')
    .uint32be('durationSec')
    .uint32be('durationNsec'),
);

/** ofp_meter_features. */
export const meterFeatures = struct<{
  maxMeter: number;
  bandTypes: number;
  capabilities: number;
  maxBands: number;
  maxColor: number;
}>(
  new Parser()
    .uint32be('maxMeter')
    .uint32be('bandTypes')
    .uint32be('capabilities')
    .uint8('maxBands')
    .uint8('maxColor')
    .skip(2),
);

/** ofp_table_features up to the properties. */
export const tableFeatures = struct<{
  length: number;
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
}>(
  new Parser()
    .uint16be('length')
    .uint8('tableId')
    .skip(5)
    .string('name', { length: 32, stripNull: true })
    .uint64be('metadataMatch')
    .uint64be('metadataWrite')
    .uint32be('config')
    .uint32be('maxEntries'),
);
