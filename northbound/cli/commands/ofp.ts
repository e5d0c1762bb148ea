// `sdnctl ofp ...`: look at OpenFlow 1.3 messages in binary files (captures, test vectors, dumps).
//   sdnctl ofp print FILE...   each message as `ovs-ofctl ofp-print` shows it: flow mods, flow-stats replies and
//                              packet-ins in ovs-ofctl flow syntax, other messages by type and xid
// A file may hold any number of messages back to back; they are split by their header lengths.
import fs from 'node:fs';
import type { Command } from 'commander';
import { Framer, decode } from '../../../protocols/openflow13/index.js';
import { formatMessage } from '../../../protocols/openflow13/ofctl/index.js';

/** Run `ofp print` over `files`; returns the process exit code (1 when a file or message could not be read). */
export function printFiles(
  files: readonly string[],
  out: (text: string) => void,
  err: (line: string) => void,
): number {
  let failed = false;
  for (const file of files) {
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (e) {
      err(`${file}: ${e instanceof Error ? e.message : String(e)}`);
      failed = true;
      continue;
    }
    const framer = new Framer();
    const batch = framer.push(data);
    let offset = 0;
    for (const bytes of batch.messages) {
      const d = decode(bytes);
      if (d.ok) {
        const m = d.message;
        out(formatMessage(m) ?? `${m.type} (OF1.3) (xid=0x${m.xid.toString(16)}): see \`sdnctl ofp decode\``);
      } else {
        err(
          `${file}: message at offset ${offset} does not decode: ${d.error.reason} (byte ${offset + d.error.offset})`,
        );
        failed = true;
      }
      offset += bytes.length;
    }
    if (batch.error) {
      err(`${file}: at offset ${batch.error.streamOffset}: ${batch.error.reason}`);
      failed = true;
    } else if (framer.buffered > 0) {
      err(`${file}: at offset ${offset}: ${framer.buffered} trailing bytes of an incomplete message`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** Add the `ofp` command group to the CLI; returns it so that other `ofp` commands can join it. */
export function registerOfpCommands(program: Command): Command {
  const ofp = program.command('ofp').description('OpenFlow 1.3 messages in binary files');
  ofp
    .command('print')
    .description('print each message of each FILE as ovs-ofctl ofp-print does (flows in ovs-ofctl syntax)')
    .argument('<file...>', 'files of back-to-back OpenFlow messages')
    .action((files: string[]) => {
      process.exitCode = printFiles(
        files,
        (text) => process.stdout.write(`${text}\n`),
        (line) => process.stderr.write(`sdnctl ofp print: ${line}\n`),
      );
    });
  return ofp;
}
