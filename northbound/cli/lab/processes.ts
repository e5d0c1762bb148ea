// The lab's daemons, found by their pid files and checked against /proc before any signal: PIDs are reused fast on
// a busy host, so a PID counts as ours only while its command line still names the lab directory.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sleep } from './exec';

export function readPid(pidfile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidfile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writePid(pidfile: string, pid: number): void {
  writeFileSync(pidfile, `${pid}\n`);
}

function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** A zombie waiting for a late reaper has exited as far as we are concerned (OVS-LAB.md, step 7). */
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** True while PID runs, is not a zombie, and has an argument inside `dir`. */
export function isOurs(pid: number, dir: string): boolean {
  const args = cmdline(pid);
  if (!args || isZombie(pid)) return false;
  return args.some((a) => a.includes(`${dir}/`) || a === dir);
}

export function alive(pidfile: string, dir: string): boolean {
  const pid = readPid(pidfile);
  return pid !== undefined && isOurs(pid, dir);
}

/** Every *.pid file under dir (one level of node subdirectories). */
export function pidfiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && depth > 0) walk(join(d, e.name), depth - 1);
      else if (e.isFile() && e.name.endsWith('.pid')) found.push(join(d, e.name));
    }
  };
  walk(dir, 1);
  return found;
}

function ancestors(): Set<number> {
  const pids = new Set<number>();
  let pid = process.pid;
  while (pid > 1 && !pids.has(pid)) {
    pids.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1], 10);
    } catch {
      break;
    }
  }
  return pids;
}

const LAB_DAEMONS = new Set(['ovsdb-server', 'ovs-vswitchd']);
const LAB_SCRIPTS = [/of-relay\.js$/, /agent\/main\.js$/];

/**
 * Processes the pid files missed (killed between a start and its pid file): OVS daemons and the lab's own node
 * scripts whose arguments point inside `dir`. Never this process or its ancestors (they may name dir too).
 */
export function strayProcesses(dir: string): number[] {
  const mine = ancestors();
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || mine.has(pid)) continue;
    const args = cmdline(pid);
    if (!args?.length || !args.some((a) => a.includes(`${dir}/`))) continue;
    const exe = basename(args[0]);
    const ours =
      LAB_DAEMONS.has(exe) || (/^node/.test(exe) && LAB_SCRIPTS.some((re) => re.test(args[1] ?? '')));
    if (ours && !isZombie(pid)) found.push(pid);
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM, wait up to graceMs for all of them at once, then SIGKILL what is left and wait again. */
export async function stopAll(pids: readonly number[], dir: string, graceMs = 3000): Promise<number[]> {
  const ours = [...new Set(pids)].filter((p) => isOurs(p, dir));
  for (const pid of ours) signal(pid, 'SIGTERM');
  const waitFor = async (ms: number): Promise<number[]> => {
    const deadline = Date.now() + ms;
    let left = ours.filter((p) => isOurs(p, dir));
    while (left.length && Date.now() < deadline) {
      await sleep(20);
      left = left.filter((p) => isOurs(p, dir));
    }
    return left;
  };
  const stubborn = await waitFor(graceMs);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  return waitFor(2000);
}
