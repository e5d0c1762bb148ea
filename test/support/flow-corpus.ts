// A reproducible set of n distinct flows under one cookie marker, for the flow-sync tests and the flowsync bench:
// L2 entries by (network, destination MAC) in table 50, IPv4 host routes in table 40, and a table-0 miss flow.
// `ofctlText` writes the same flows in ovs-ofctl syntax so that ovs-ofctl can be timed on identical input.
import type { Instruction, Match } from '../../protocols/openflow13/index.js';
import type { FlowEntry } from '../../southbound/openflow/index.js';

export const CORPUS_OWNERSHIP = { value: 0x5d0e_0000_0000_0000n, mask: 0xffff_0000_0000_0000n };

export function corpusCookie(feature: number, object: number): bigint {
  return CORPUS_OWNERSHIP.value | (BigInt(feature) << 40n) | BigInt(object);
}

function mac(i: number): string {
  return ['02', '00', i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}

function ipv4(i: number): string {
  return `10.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`;
}

export function flowCorpus(n: number): FlowEntry[] {
  const flows: FlowEntry[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      const match: Match = [
        { field: 'metadata', value: BigInt(100 + (i % 7)) },
        { field: 'eth_dst', value: mac(i) },
      ];
      const instructions: Instruction[] = [
        { type: 'applyActions', actions: [{ type: 'output', port: 1 + (i % 4), maxLen: 0 }] },
      ];
      flows.push({ tableId: 50, priority: 100, match, instructions, cookie: corpusCookie(50, i) });
    } else {
      const match: Match = [
        { field: 'eth_type', value: 0x0800 },
        { field: 'ipv4_dst', value: ipv4(i) },
      ];
      const instructions: Instruction[] = [
        { type: 'applyActions', actions: [{ type: 'decNwTtl' }] },
        { type: 'gotoTable', tableId: 50 },
      ];
      flows.push({ tableId: 40, priority: 100, match, instructions, cookie: corpusCookie(40, i) });
    }
  }
  flows.push({
    tableId: 0,
    priority: 0,
    match: [],
    instructions: [{ type: 'gotoTable', tableId: 40 }],
    cookie: corpusCookie(1, 0),
  });
  return flows;
}

/** The same corpus, one flow per line, as `ovs-ofctl add-flows` reads it. */
export function ofctlText(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const cookie = `0x${corpusCookie(i % 2 === 0 ? 50 : 40, i).toString(16)}`;
    lines.push(
      i % 2 === 0
        ? `cookie=${cookie},table=50,priority=100,metadata=${100 + (i % 7)},dl_dst=${mac(i)},actions=output:${1 + (i % 4)}`
        : `cookie=${cookie},table=40,priority=100,ip,nw_dst=${ipv4(i)},actions=dec_ttl,goto_table:50`,
    );
  }
  lines.push(`cookie=0x${corpusCookie(1, 0).toString(16)},table=0,priority=0,actions=goto_table:40`);
  return lines.join('\n') + '\n';
}
