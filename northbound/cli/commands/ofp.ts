// `sdnctl ofp ...`: look at OpenFlow 1.3 messages in binary files (captures, test vectors, dumps).
//   sdnctl ofp decode [--roundtrip] FILE...   one JSON object per message; --roundtrip re-encodes and compares
//   sdnctl ofp print FILE...                  each message as `ovs-ofctl ofp-print` shows it: flow mods, flow-stats,
//                                             flow-removed and packet-ins in ovs-ofctl flow syntax
// A file may hold any number of messages back to back; they are split by their header lengths.
import fs from 'node:fs';
import type { Command } from 'commander';
import {
  Framer,
  decode,
  encode,
  type DecodeError,
  type OfpMessage,
} from '../../../protocols/openflow13/index.js';
import { formatMessage, messageHeading } from '../../../protocols/openflow13/ofctl/index.js';

/** One message of a file: where it starts, its bytes, and its decoding. */
export interface FileMessage {
  readonly offset: number;
  readonly bytes: Buffer;
  readonly result:
    { readonly ok: true; readonly message: OfpMessage } | { readonly ok: false; readonly error: DecodeError };
}

/** Split a file into messages and decode each. A framing failure (a length < 8, a truncated tail) ends the list. */
export function readMessages(file: string): { readonly messages: FileMessage[]; readonly trailing?: string } {
  const data = fs.readFileSync(file);
  const framer = new Framer();
  const batch = framer.push(data);
  const messages: FileMessage[] = [];
  let offset = 0;
  for (const bytes of batch.messages) {
    messages.push({ offset, bytes, result: decode(bytes) });
    offset += bytes.length;
  }
  if (batch.error)
    return { messages, trailing: `at offset ${batch.error.streamOffset}: ${batch.error.reason}` };
  if (framer.buffered > 0)
    return {
      messages,
      trailing: `at offset ${offset}: ${framer.buffered} trailing bytes of an incomplete message`,
    };
  return { messages };
}

/** A JSON-ready copy: bigint as decimal text, bytes as hex text. */
export function toJson(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x);
    return out;
  }
  return v;
}

/** First differing byte of two buffers, or -1 when equal. */
function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

interface DecodeOptions {
  readonly roundtrip?: boolean;
}

/** Run `ofp decode`; returns the process exit code. */
export function decodeFiles(
  files: readonly string[],
  opts: DecodeOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  let failed = false;
  for (const file of files) {
    let read: ReturnType<typeof readMessages>;
    try {
      read = readMessages(file);
    } catch (e) {
      err(`${file}: ${e instanceof Error ? e.message : String(e)}`);
      failed = true;
      continue;
    }
    for (const { offset, bytes, result } of read.messages) {
      if (!result.ok) {
        out(JSON.stringify({ file, offset, error: result.error }));
        err(
          `${file}: message at offset ${offset} does not decode: ${result.error.reason} (byte ${offset + result.error.offset})`,
        );
        failed = true;
        continue;
      }
      out(JSON.stringify({ file, offset, message: toJson(result.message) }));
      if (opts.roundtrip) {
        let again: Buffer | undefined;
        try {
          again = encode(result.message);
        } catch (e) {
          err(
            `${file}: ${result.message.type} at offset ${offset} does not re-encode: ${e instanceof Error ? e.message : String(e)}`,
          );
          failed = true;
          continue;
        }
        const at = firstDifference(bytes, again);
        if (at >= 0) {
          err(
            `${file}: ${result.message.type} at offset ${offset} re-encodes differently at byte ${at} of the message ` +
              `(file offset ${offset + at}; ${bytes.length} bytes read, ${again.length} written)`,
          );
          failed = true;
        }
      }
    }
    if (read.trailing !== undefined) {
      err(`${file}: ${read.trailing}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** Run `ofp print` over `files`; returns the process exit code (1 when a file or message could not be read). */
export function printFiles(
  files: readonly string[],
  out: (text: string) => void,
  err: (line: string) => void,
): number {
  let failed = false;
  for (const file of files) {
    let read: ReturnType<typeof readMessages>;
    try {
      read = readMessages(file);
    } catch (e) {
      err(`${file}: ${e instanceof Error ? e.message : String(e)}`);
      failed = true;
      continue;
    }
    for (const { offset, result } of read.messages) {
      if (result.ok) {
        const m = result.message;
        out(
          formatMessage(m) ??
            `${messageHeading(m)}: not a flow message; \`sdnctl ofp decode\` shows its fields`,
        );
      } else {
        err(
          `${file}: message at offset ${offset} does not decode: ${result.error.reason} (byte ${offset + result.error.offset})`,
        );
        failed = true;
      }
    }
    if (read.trailing !== undefined) {
      err(`${file}: ${read.trailing}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** Add the `ofp` command group to the CLI; returns it so that other commands (`ofp print`) can join it. */
export function registerOfpCommands(program: Command): Command {
  const ofp = program.command('ofp').description('OpenFlow 1.3 messages in binary files');
  ofp
    .command('decode')
    .description(
      'print each message of each FILE as one JSON object per line (bigints as strings, bytes as hex)',
    )
    .option('--roundtrip', 're-encode each message and fail, naming file and offset, where a byte differs')
    .argument('<file...>', 'files of back-to-back OpenFlow messages')
    .action((files: string[], opts: DecodeOptions) => {
      const code = decodeFiles(
        files,
        opts,
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`sdnctl ofp decode: ${line}\n`),
      );
      process.exitCode = code;
    });
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
