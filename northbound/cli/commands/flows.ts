// `sdnctl flows push|dump --switch TARGET`: a switch's flows under our cookie marker, as engineers write them
// (ovs-ofctl syntax). `push` makes them exactly those of a file through the flow sync, so a second run changes
// nothing; `dump` prints them. TARGET is a switch's passive OpenFlow listener: tcp:HOST:PORT or unix:PATH
// (ovs-vswitchd's `ptcp:` controller target, or its bridge.mgmt socket).
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import pino from 'pino';
import { Group, PortNo, Table } from '../../../protocols/openflow13/index.js';
import { formatFlowStats, parseFlows } from '../../../protocols/openflow13/ofctl/index.js';
import {
  FlowSync,
  OpenFlowServer,
  type FlowEntry,
  type SwitchSession,
} from '../../../southbound/openflow/index.js';
import { featureMask, oursMask } from '../../../controller/pipeline/cookies.js';

const ours = oursMask();
const session = featureMask('session');
/** The flows `push` owns: our marker, except the load balancer's per-connection session flows. */
const OWNERSHIP = {
  value: ours.cookie,
  mask: ours.mask,
  exclude: [{ value: session.cookie, mask: session.mask }],
};

async function withSwitch<T>(target: string, body: (s: SwitchSession) => Promise<T>): Promise<T> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const server = new OpenFlowServer({ log });
  try {
    const s = await server.connect(target);
    return await body(s);
  } finally {
    await server.close();
  }
}

/** The file's flows; a flow without a cookie gets our marker, so that push owns it. */
export function readFlowFile(path: string): FlowEntry[] {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .join('\n');
  return parseFlows(text).map((fm) => ({
    tableId: fm.tableId,
    priority: fm.priority,
    match: fm.match,
    instructions: fm.instructions,
    cookie: fm.cookie === 0n ? ours.cookie : fm.cookie,
    idleTimeout: fm.idleTimeout,
    hardTimeout: fm.hardTimeout,
    flags: fm.flags,
  }));
}

export function flowsCommand(): Command {
  const cmd = new Command('flows').description(
    "a switch's flows under the controller's cookie, in ovs-ofctl syntax",
  );
  cmd
    .command('push')
    .description(
      "make the switch's flows under our cookie exactly those of FILE; prints added/modified/deleted",
    )
    .requiredOption('--switch <target>', 'tcp:HOST:PORT or unix:PATH of the switch')
    .argument('<file>', 'flows in ovs-ofctl syntax, one per line')
    .action(async (file: string, opts: { switch: string }) => {
      const flows = readFlowFile(file);
      for (const f of flows) {
        if ((f.cookie & OWNERSHIP.mask) !== OWNERSHIP.value) {
          throw new Error(
            `a flow in ${file} has cookie 0x${f.cookie.toString(16)}, which is not ours (0x${ours.cookie.toString(16)}/0x${ours.mask.toString(16)})`,
          );
        }
      }
      const r = await withSwitch(opts.switch, (s) =>
        new FlowSync(s, { ownership: OWNERSHIP, log: s.log }).sync(flows),
      );
      process.stdout.write(`added ${r.added}, modified ${r.modified}, deleted ${r.deleted}\n`);
      for (const e of r.errors)
        process.stderr.write(
          `rejected (${e.op}): table=${e.flow.tableId},priority=${e.flow.priority}: ${e.error}\n`,
        );
      if (r.errors.length > 0) process.exitCode = 1;
    });
  cmd
    .command('dump')
    .description('print the switch flows under our cookie (all flows with --all)')
    .requiredOption('--switch <target>', 'tcp:HOST:PORT or unix:PATH of the switch')
    .option('--all', 'every flow, not only ours')
    .option('--no-stats', 'without duration and counters')
    .action(async (opts: { switch: string; all?: boolean; stats: boolean }) => {
      await withSwitch(opts.switch, async (s) => {
        const parts = await s.multipart({
          type: 'multipartRequest',
          kind: 'flow',
          flags: 0,
          tableId: Table.ALL,
          outPort: PortNo.ANY,
          outGroup: Group.ANY,
          cookie: opts.all ? 0n : ours.cookie,
          cookieMask: opts.all ? 0n : ours.mask,
          match: [],
        });
        for (const p of parts) {
          if (p.kind !== 'flow') continue;
          for (const f of p.stats) process.stdout.write(` ${formatFlowStats(f, { stats: opts.stats })}\n`);
        }
      });
    });
  return cmd;
}
