// Running the host tools the lab is built with (ip, ovs-*, ethtool), with errors that name the command and carry
// its stderr, so a failed `lab up` says which step broke and why.
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin. */
  input?: string;
  timeoutMs?: number;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || stdout.trim() || `exit code ${String(code)}`}`);
  }
}

/** Runs `cmd args`, resolves with stdout; rejects with a CommandError on a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : null;
        const detail = err.killed ? `${stderr}\n(killed after ${options.timeoutMs ?? 30_000} ms)` : stderr;
        reject(new CommandError([cmd, ...args].join(' '), code, stdout, detail || err.message));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command inside a network namespace. */
export function runIn(
  netns: string,
  cmd: string,
  args: readonly string[],
  options?: RunOptions,
): Promise<string> {
  return run('ip', ['netns', 'exec', netns, cmd, ...args], options);
}

/** Several commands in one `sh -c` inside a namespace: one fork of `ip netns exec` instead of many. */
export function shIn(netns: string, script: string): Promise<string> {
  return runIn(netns, 'sh', ['-ec', script]);
}

/**
 * Starts a long-running child that outlives this process (own session, output to a log file) and returns its PID.
 * The caller records the PID in a pid file before doing anything else.
 */
export function spawnDetached(
  cmd: string,
  args: readonly string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): number {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log], env: env ?? process.env });
    child.on('error', () => undefined); // a missing executable shows as pid === undefined below
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
