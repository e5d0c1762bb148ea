// Whole flows as ovs-ofctl prints them: a FLOW_MOD as `ovs-ofctl ofp-print` does (lib/ofp-flow.c
// ofputil_flow_mod_format), a flow-stats entry as `dump-flows` does (ofputil_flow_stats_format), a PACKET_IN's
// first line as ofp-print does (lib/ofp-packet.c).
import type { FlowMod, FlowRemoved, FlowStats, OfpMessage, PacketIn } from '../messages.js';
import { formatInstructions } from './action-format.js';
import { formatMatch } from './match-format.js';
import { formatPacket } from './packet-format.js';
import { formatPort32 } from './values.js';

const FLOW_PERMANENT = 0;
const NO_BUFFER = 0xffffffff;
const OFPP_ANY = 0xffffffff;
const ALL_ONES_64 = 0xffffffffffffffffn;

const COMMANDS = ['ADD', 'MOD', 'MOD_STRICT', 'DEL', 'DEL_STRICT'];

/** OFPFF_* flags as words followed by a space (ofputil_flow_mod_flags_format). */
function formatFlowModFlags(flags: number): string {
  const names: [number, string][] = [
    [1, 'send_flow_rem'],
    [2, 'check_overlap'],
    [4, 'reset_counts'],
    [8, 'no_packet_counts'],
    [16, 'no_byte_counts'],
  ];
  return names
    .filter(([bit]) => flags & bit)
    .map(([, n]) => `${n} `)
    .join('');
}

/** A FLOW_MOD body after the message header, e.g. `ADD table:3 priority=100,ip actions=drop`. */
export function formatFlowMod(fm: Omit<FlowMod, 'type' | 'xid'>): string {
  let s = COMMANDS[fm.command] ?? `cmd:${fm.command}`;
  if (fm.tableId !== 0) s += ` table:${fm.tableId}`;
  s += ' ';
  s += formatMatch(fm.match, fm.priority);
  if (!s.endsWith(' ')) s += ' ';
  // Only an ADD sets a cookie in OpenFlow 1.1+; other commands use cookie/cookie_mask to select flows.
  if (fm.command === 0 && fm.cookie !== 0n && fm.cookie !== ALL_ONES_64)
    s += `cookie:0x${fm.cookie.toString(16)} `;
  if (fm.cookieMask !== 0n) s += `cookie:0x${fm.cookie.toString(16)}/0x${fm.cookieMask.toString(16)} `;
  if (fm.idleTimeout !== FLOW_PERMANENT) s += `idle:${fm.idleTimeout} `;
  if (fm.hardTimeout !== FLOW_PERMANENT) s += `hard:${fm.hardTimeout} `;
  if (fm.bufferId !== NO_BUFFER) s += `buf:0x${fm.bufferId.toString(16)} `;
  if (fm.outPort !== OFPP_ANY) s += `out_port:${formatPort32(fm.outPort)} `;
  s += formatFlowModFlags(fm.flags);
  return `${s}actions=${formatInstructions(fm.instructions)}`;
}

/**
 * A FLOW_MOD in the syntax `ovs-ofctl add-flow` reads and `dump-flows --no-stats` writes
 * (`cookie=0x5, table=3, idle_timeout=10, priority=100,tcp actions=...`): parseFlow() reads it back.
 */
export function formatFlow(fm: Omit<FlowMod, 'type' | 'xid'>): string {
  return formatFlowStats(
    {
      tableId: fm.tableId,
      durationSec: 0,
      durationNsec: 0,
      priority: fm.priority,
      idleTimeout: fm.idleTimeout,
      hardTimeout: fm.hardTimeout,
      flags: fm.flags,
      cookie: fm.cookie,
      packetCount: 0n,
      byteCount: 0n,
      match: fm.match,
      instructions: fm.instructions,
    },
    { stats: false },
  );
}

/** ofp_print_duration: seconds, with milliseconds or as many nanosecond digits as needed. */
export function formatDuration(sec: number, nsec: number): string {
  if (nsec === 0) return `${sec}s`;
  if (nsec % 1000000 === 0) return `${sec}.${String(nsec / 1000000).padStart(3, '0')}s`;
  return `${sec}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}s`;
}

export interface FlowStatsFormatOptions {
  /** Print cookie, duration, table, n_packets and n_bytes (dump-flows without --no-stats). Default true. */
  readonly stats?: boolean;
}

/** One line of `ovs-ofctl -O OpenFlow13 dump-flows`, without the leading space. */
export function formatFlowStats(fs: FlowStats, options: FlowStatsFormatOptions = {}): string {
  const stats = options.stats ?? true;
  let s = '';
  if (stats || fs.cookie !== 0n) s += `cookie=0x${fs.cookie.toString(16)}, `;
  if (stats) s += `duration=${formatDuration(fs.durationSec, fs.durationNsec)}, `;
  if (stats || fs.tableId !== 0) s += `table=${fs.tableId}, `;
  if (stats) s += `n_packets=${fs.packetCount}, n_bytes=${fs.byteCount}, `;
  if (fs.idleTimeout !== FLOW_PERMANENT) s += `idle_timeout=${fs.idleTimeout}, `;
  if (fs.hardTimeout !== FLOW_PERMANENT) s += `hard_timeout=${fs.hardTimeout}, `;
  s += formatFlowModFlags(fs.flags);
  const match = formatMatch(fs.match, fs.priority);
  if (match) s += `${match} `;
  return `${s}actions=${formatInstructions(fs.instructions)}`;
}

const PACKET_IN_REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

/** A PACKET_IN as ofp-print's first line: table, cookie, length, metadata match, reason, data length. */
export function formatPacketIn(pi: Omit<PacketIn, 'type' | 'xid'>): string {
  let s = '';
  if (pi.tableId) s += ` table_id=${pi.tableId}`;
  if (pi.cookie !== ALL_ONES_64) s += ` cookie=0x${pi.cookie.toString(16)}`;
  s += ` total_len=${pi.totalLen} `;
  s += formatMatch(pi.match);
  s += ` (via ${PACKET_IN_REASONS[pi.reason] ?? pi.reason})`;
  s += ` data_len=${pi.data.length}`;
  if (pi.bufferId === NO_BUFFER) {
    s += ' (unbuffered)';
    if (pi.totalLen !== pi.data.length) s += ' (***total_len != data_len***)';
  } else {
    s += ` buffer=0x${pi.bufferId.toString(16).padStart(8, '0')}`;
  }
  return s.trimStart();
}

const FLOW_REMOVED_REASONS = ['idle', 'hard', 'delete', 'group_delete', 'meter_delete', 'eviction'];

/** A FLOW_REMOVED body as ofp-print writes it (lib/ofp-monitor.c ofputil_flow_removed_format). */
export function formatFlowRemoved(fr: Omit<FlowRemoved, 'type' | 'xid'>): string {
  let s = formatMatch(fr.match, fr.priority);
  s += ` reason=${FLOW_REMOVED_REASONS[fr.reason] ?? fr.reason}`;
  if (fr.tableId !== 255) s += ` table_id=${fr.tableId}`;
  if (fr.cookie !== 0n) s += ` cookie:0x${fr.cookie.toString(16)}`;
  s += ` duration${formatDuration(fr.durationSec, fr.durationNsec)} idle${fr.idleTimeout}`;
  // OVS shows the hard timeout only when one is set (it came with OpenFlow 1.2).
  if (fr.hardTimeout) s += ` hard${fr.hardTimeout}`;
  return `${s} pkts${fr.packetCount} bytes${fr.byteCount}`;
}

const upperSnake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** A message's name and xid in ofp-print's style: `OFPT_ECHO_REQUEST (OF1.3) (xid=0x5)`, `OFPST_FLOW reply ...`. */
export function messageHeading(m: OfpMessage): string {
  const xid = `(xid=0x${m.xid.toString(16)})`;
  if (m.type === 'multipartRequest' || m.type === 'multipartReply') {
    const dir = m.type === 'multipartRequest' ? 'request' : 'reply';
    return `OFPST_${upperSnake(m.kind)} ${dir} (OF1.3) ${xid}`;
  }
  return `OFPT_${upperSnake(m.type)} (OF1.3) ${xid}`;
}

/**
 * A message as `ovs-ofctl ofp-print` heads it (`OFPT_FLOW_MOD (OF1.3) (xid=0x1): ...`), with the flow text for
 * flow mods, flow-stats replies (one flow a line), flow-removed and packet-ins; undefined for other messages.
 */
export function formatMessage(m: OfpMessage): string | undefined {
  const head = messageHeading(m);
  switch (m.type) {
    case 'flowMod':
      return `${head}: ${formatFlowMod(m)}`;
    case 'flowRemoved':
      return `${head}: ${formatFlowRemoved(m)}`;
    case 'packetIn': {
      const line = `${head}: ${formatPacketIn(m)}`;
      return m.data.length ? `${line}\n${formatPacket(m.data)}` : line;
    }
    case 'multipartReply':
      if (m.kind !== 'flow') return undefined;
      return [
        `${head}:${m.flags & 1 ? ' flags=[more]' : ''}`,
        ...m.stats.map((fs) => ` ${formatFlowStats(fs)}`),
      ].join('\n');
    default:
      return undefined;
  }
}
