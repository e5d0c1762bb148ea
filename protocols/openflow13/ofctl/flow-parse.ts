// Parses a flow in ovs-ofctl syntax (`table=3,priority=100,cookie=0x5,tcp,tp_dst=80 actions=output:2`) into the
// codec's FLOW_MOD fields, encoded the way `ovs-ofctl -O OpenFlow13 add-flow` encodes the same text.
import type { FlowMod } from '../messages.js';
import { FlowMatch, type FlowKey, toMatch } from './flow-match.js';
import { parseInstructions } from './action-parse.js';
import { applyMatchItem } from './match-parse.js';
import { fail } from './errors.js';
import { splitPair, splitTop } from './tokens.js';
import { parseInteger, parseNumber, parsePort32 } from './values.js';

const FLAGS: Record<string, number> = {
  send_flow_rem: 1,
  check_overlap: 2,
  reset_counts: 4,
  no_packet_counts: 8,
  no_byte_counts: 16,
};

const OFPP_ANY = 0xffffffff;
const OFPG_ANY = 0xffffffff;
const NO_BUFFER = 0xffffffff;

export interface ParseFlowOptions {
  /** FLOW_MOD command (OFPFC_ADD 0 by default). */
  readonly command?: number;
  readonly xid?: number;
  /**
   * Reject fields whose prerequisites the match lacks (`tp_dst=80` without `tcp`). By default they are left out,
   * as ovs-ofctl does.
   */
  readonly strict?: boolean;
}

/** The `actions=` position: the first `actions=` that is not inside parentheses. */
function splitActions(text: string): { readonly match: string; readonly actions: string | undefined } {
  for (let i = text.indexOf('actions='); i >= 0; i = text.indexOf('actions=', i + 1)) {
    const before = text.slice(0, i);
    const atItemStart = i === 0 || /[\s,]/.test(text[i - 1]);
    if (atItemStart && depthOf(before) === 0)
      return { match: before, actions: text.slice(i + 'actions='.length) };
  }
  return { match: text, actions: undefined };
}

function depthOf(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return depth;
}

/** Parses one flow. Throws OfctlSyntaxError naming what is wrong. */
export function parseFlow(text: string, options: ParseFlowOptions = {}): FlowMod {
  const command = options.command ?? 0;
  const { match: matchText, actions } = splitActions(text.trim());
  if (actions === undefined && (command === 0 || command === 1 || command === 2)) {
    fail(`"${text}": must specify an action (actions=...)`);
  }
  const fm = new FlowMatch();
  const flow = {
    tableId: 0,
    priority: 0x8000,
    idleTimeout: 0,
    hardTimeout: 0,
    cookie: 0n,
    cookieMask: 0n,
    outPort: OFPP_ANY,
    outGroup: OFPG_ANY,
    flags: 0,
  };
  for (const item of splitTop(matchText, ', \t')) {
    const { key, value } = splitPair(item, '=');
    if (value === undefined && FLAGS[key] !== undefined) {
      flow.flags |= FLAGS[key];
      continue;
    }
    switch (key) {
      case 'table':
        flow.tableId = parseNumber(value ?? '', 255);
        continue;
      case 'priority':
        flow.priority = parseNumber(value ?? '', 0xffff);
        continue;
      case 'idle_timeout':
        flow.idleTimeout = parseNumber(value ?? '', 0xffff);
        continue;
      case 'hard_timeout':
        flow.hardTimeout = parseNumber(value ?? '', 0xffff);
        continue;
      case 'cookie': {
        const [v, m] = (value ?? '').split('/');
        flow.cookie = parseInteger(v);
        if (m !== undefined) flow.cookieMask = parseInteger(m);
        continue;
      }
      case 'out_port':
        flow.outPort = parsePort32(value ?? '');
        continue;
      case 'out_group':
        flow.outGroup = parseNumber(value ?? '');
        continue;
      case 'duration':
      case 'n_packets':
      case 'n_bytes':
      case 'idle_age':
      case 'hard_age':
        // Statistics columns: ignored, so that `dump-flows` output reads back as flows (as ovs-ofctl allows).
        continue;
    }
    if (!applyMatchItem(fm, key, value)) fail(`unknown keyword "${key}"`);
  }
  if (command === 0 && flow.cookieMask !== 0n)
    fail('cookie masks are only allowed when modifying or deleting flows');
  const dropped: FlowKey[] = [];
  const match = toMatch(fm, dropped);
  if (options.strict && dropped.length) {
    fail(
      `${dropped.join(', ')}: the match lacks the protocol these fields need (e.g. tcp for tp_dst, arp for arp_op)`,
    );
  }
  return {
    type: 'flowMod',
    xid: options.xid ?? 0,
    command,
    bufferId: NO_BUFFER,
    ...flow,
    match,
    instructions: actions === undefined ? [] : parseInstructions(actions, fm),
  };
}

/** Parses a flow file: one flow a line; blank lines and `#` comments are skipped. */
export function parseFlows(text: string, options: ParseFlowOptions = {}): FlowMod[] {
  const out: FlowMod[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    try {
      out.push(parseFlow(t, options));
    } catch (err) {
      fail(`line ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return out;
}
