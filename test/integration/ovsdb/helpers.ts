// Shared by the OVSDB integration tests: a logger whose lines the test can read, vtep-ctl and ovsdb-tool runners.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { OvsSandbox } from '../../support/ovs';

const run = promisify(execFile);

export interface CapturedLog {
  readonly log: pino.Logger;
  readonly lines: { level: number; msg?: string; reason?: string; [k: string]: unknown }[];
}

/** A pino logger that keeps its records in memory (debug and up). */
export function captureLogger(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

export async function vtepctl(box: OvsSandbox, ...args: string[]): Promise<string> {
  const { stdout } = await run('vtep-ctl', [`--db=unix:${box.dbSocket}`, '--timeout=10', ...args]);
  return stdout;
}

/** The transaction log of the sandbox's Open_vSwitch database, one entry per committed transaction. */
export async function transactionLog(box: OvsSandbox): Promise<string[]> {
  const { stdout } = await run('ovsdb-tool', ['show-log', '-m', join(box.dir, 'conf.db')], {
    maxBuffer: 64 << 20,
  });
  return stdout.split(/\n(?=record \d+:)/);
}

/** ovsdb-tool transact on the database file while no server holds it (changes made "while we were away"). */
export async function offlineTransact(box: OvsSandbox, ops: unknown[]): Promise<string> {
  const { stdout } = await run('ovsdb-tool', [
    'transact',
    join(box.dir, 'conf.db'),
    JSON.stringify(['Open_vSwitch', ...ops]),
  ]);
  return stdout;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
