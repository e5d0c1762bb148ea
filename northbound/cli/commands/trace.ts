// `sdnctl trace --from ENDPOINT --to IP [--proto P] [--port N]`: where would this packet go? The controller walks the
// compiled pipeline table by table (POST /api/v1/trace, the same as the dashboard's Trace page) and this prints each
// flow it hit, ovn-trace style, then the verdict and the flow that decided it.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ApiClient, problem } from '../lab/api.js';

interface TraceStep {
  node: string;
  phase: string;
  table: number;
  tableName: string;
  depth: number;
  flow?: string;
  note?: string;
}
interface TraceAnswer {
  packet: string;
  steps: TraceStep[];
  verdict: { kind: string; summary: string; decidedBy?: string; decidedByNode?: string };
}

const PROTOCOLS = ['icmp', 'tcp', 'udp', 'sctp'];

/** The trace as text: one line per table lookup, indented by resubmit depth, then the verdict. */
export function formatTrace(t: TraceAnswer): string {
  const lines = [`packet: ${t.packet}`, ''];
  let phase = '';
  for (const s of t.steps) {
    if (`${s.node}/${s.phase}` !== phase) {
      phase = `${s.node}/${s.phase}`;
      lines.push(`${s.node}: ${s.phase === 'arp' ? 'ARP for the next hop' : 'the packet'}`);
    }
    const where = `${'  '.repeat(s.depth + 1)}${s.table}. ${s.tableName}`;
    lines.push(`${where.padEnd(24)} ${s.flow ?? s.note ?? ''}${s.flow && s.note ? ` (${s.note})` : ''}`);
  }
  lines.push('', `verdict: ${t.verdict.kind}: ${t.verdict.summary}`);
  if (t.verdict.decidedBy)
    lines.push(
      `decided by${t.verdict.decidedByNode ? ` (${t.verdict.decidedByNode})` : ''}: ${t.verdict.decidedBy}`,
    );
  return lines.join('\n') + '\n';
}

export function traceCommand(): Command {
  return new Command('trace')
    .description('walk the compiled pipeline for a packet from an endpoint, table by table (like ovn-trace)')
    .requiredOption('--from <endpoint>', 'source endpoint: id or name (e.g. tenant-1/n1-p1)')
    .requiredOption('--to <ip>', 'destination IPv4 or IPv6 address')
    .option(
      '--proto <protocol>',
      `one of ${PROTOCOLS.join(', ')}`,
      (v: string) => {
        if (!PROTOCOLS.includes(v)) throw new InvalidArgumentError(`use one of ${PROTOCOLS.join(', ')}`);
        return v;
      },
      'icmp',
    )
    .option('--port <n>', 'destination port (tcp, udp, sctp)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is 0..65535');
      return n;
    })
    .option('--api <url>', 'controller REST API', 'http://127.0.0.1:8080')
    .option('--token-file <file>', 'a viewer or admin token file', './data/admin.token')
    .option('--json', 'print the controller answer as JSON')
    .action(
      async (o: {
        from: string;
        to: string;
        proto: string;
        port?: number;
        api: string;
        tokenFile: string;
        json?: boolean;
      }) => {
        const token = readFileSync(o.tokenFile, 'utf8').trim();
        const res = await new ApiClient(o.api, token).request('POST', '/api/v1/trace', {
          sourceEndpoint: o.from,
          destination: { ip: o.to, protocol: o.proto, ...(o.port !== undefined ? { port: o.port } : {}) },
        });
        if (res.status !== 200) throw new Error(`trace: ${res.status} ${problem(res.body)}`);
        process.stdout.write(
          o.json ? JSON.stringify(res.body, null, 2) + '\n' : formatTrace(res.body as TraceAnswer),
        );
      },
    );
}
