// The lab's own long-running Node.js processes (the OpenFlow relay, one sdn-agent per node): started detached,
// PID written at once, and considered up only when their unix socket accepts a connection.
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { sleep, spawnDetached } from './exec';
import { isOurs, writePid } from './processes';

export interface DetachedSpec {
  what: string;
  args: string[];
  pidfile: string;
  logFile: string;
  /** Sockets that must accept before the process counts as started. */
  sockets: string[];
  /** The lab dir: the process's arguments must point inside it (that is how `down` recognises it). */
  dir: string;
}

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

export async function startDetached(spec: DetachedSpec, timeoutMs = 10_000): Promise<number> {
  const pid = spawnDetached(process.execPath, spec.args, spec.logFile);
  writePid(spec.pidfile, pid);
  const deadline = Date.now() + timeoutMs;
  for (const socket of spec.sockets) {
    while (!(existsSync(socket) && (await accepts(socket)))) {
      if (!isOurs(pid, spec.dir)) {
        throw new Error(`${spec.what} exited at start; ${spec.logFile} says:\n${tail(spec.logFile)}`);
      }
      if (Date.now() > deadline)
        throw new Error(`${spec.what} did not listen on ${socket} within ${timeoutMs} ms`);
      await sleep(25);
    }
  }
  return pid;
}
