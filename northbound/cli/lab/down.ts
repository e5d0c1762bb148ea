// `lab down`: leaves nothing behind, even after `up` or the whole process was killed half-way.
//  1. With a controller: CNI DEL for every pod, then delete what the lab registered (best effort, short timeouts).
//  2. SIGTERM every daemon named by a pid file (or found with the lab dir in its arguments), after checking
//     /proc/PID/cmdline; wait once for all; SIGKILL the rest. Zombies count as exited.
//  3. SIGKILL whatever still runs inside the lab's namespaces.
//  4. Delete the namespaces: that destroys the veths, the underlay bridge and OVS's tap devices.
//  5. Remove the lab directory.
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiClient } from './api';
import { deleteCniPod } from './cni-pods';
import { pool } from './concurrency';
import { sleep } from './exec';
import { deleteNamespace, labNamespaces, namespacePids } from './namespaces';
import { healAll } from './partition';
import { isOurs, pidfiles, readPid, stopAll, strayProcesses } from './processes';
import { deregister } from './register';
import { readState, type LabState } from './state';

export interface DownOptions {
  dir: string;
  /**
   * Namespaces `<prefix>-*` to delete when DIR has no state file (it was removed by hand, or `up` died before
   * writing it). Without it, and without a state file, namespaces are left alone: they may be another lab's.
   */
  prefix?: string;
  /** Tell the controller (CNI DEL, delete registrations); false leaves the controller alone. */
  deregister?: boolean;
}

export interface DownReport {
  stopped: number;
  killedInNamespaces: number;
  namespaces: string[];
  removedDir: boolean;
  warnings: string[];
}

const LAB_ENTRY = /^(n\d+|leaf|lab\.json(\.tmp)?|relay\.(pid|log))$/;

export async function labDown(options: DownOptions): Promise<DownReport> {
  const dir = resolve(options.dir);
  const state = readState(dir);
  const prefix = state?.plan.prefix ?? options.prefix;
  const warnings: string[] = [];

  if (state) warnings.push(...(await healAll(state)));
  if (state?.controller && options.deregister !== false) {
    warnings.push(...(await releaseFromController(state)));
  }

  // Someone else's directory (or a symlink) at the lab's path: its pid files are not to be trusted, nor removed.
  const trusted = !existsSync(dir) || ownDirectory(dir);
  if (!trusted)
    warnings.push(`${dir} is not a directory of ours: its pid files are ignored and it is left in place`);
  const pids = (trusted ? pidfiles(dir) : []).map(readPid).filter((p): p is number => p !== undefined);
  const daemons = [...new Set([...pids, ...(trusted ? strayProcesses(dir) : [])])].filter((p) =>
    isOurs(p, dir),
  );
  const stuck = await stopAll(daemons, dir);
  if (stuck.length) warnings.push(`processes ${stuck.join(', ')} did not exit`);

  const namespaces = prefix === undefined ? [] : await labNamespaces(prefix);
  let killedInNamespaces = 0;
  for (const ns of namespaces) {
    for (const pid of await namespacePids(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
        killedInNamespaces++;
      } catch {
        /* gone */
      }
    }
  }
  if (killedInNamespaces) await sleep(50);
  await Promise.all(namespaces.map(deleteNamespace));
  const left = prefix === undefined ? [] : await labNamespaces(prefix);
  if (left.length) warnings.push(`namespaces ${left.join(', ')} could not be deleted`);

  let removedDir = false;
  if (trusted && existsSync(dir)) {
    const foreign = readdirSync(dir).filter((e) => !LAB_ENTRY.test(e));
    if (foreign.length === 0) {
      rmSync(dir, { recursive: true, force: true });
      removedDir = true;
    } else {
      warnings.push(
        `${dir} holds files that are not the lab's (${foreign.slice(0, 3).join(', ')}); left in place`,
      );
    }
  }
  return { stopped: daemons.length, killedInNamespaces, namespaces, removedDir, warnings };
}

function ownDirectory(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && !st.isSymbolicLink() && st.uid === process.getuid?.();
}

/** Returns warnings; never throws, so that an absent controller never blocks the host cleanup. */
async function releaseFromController(state: LabState): Promise<string[]> {
  const ctl = state.controller;
  if (!ctl || state.registrations.length === 0) return [];
  let token: string;
  try {
    token = readFileSync(ctl.tokenFile, 'utf8').trim();
  } catch {
    return [`cannot read ${ctl.tokenFile}: lab registrations left in the controller`];
  }
  const api = new ApiClient(ctl.api, token, 3000);
  const probe = await api.request('GET', '/healthz').catch(() => ({ status: 0 }));
  if (probe.status === 0) return [`controller ${ctl.api} not reachable: lab registrations left in it`];
  const warnings: string[] = [];
  const nodes = new Map(state.plan.nodes.map((n) => [n.name, n]));
  const namespaceOf = new Map(state.plan.tenants.map((t) => [t.name, t.namespace]));
  const registered = new Set(state.registrations.filter((r) => r.kind === 'nodes').map((r) => r.name));
  const pods = state.plan.pods.filter((p) => registered.has(p.node));
  await pool(pods, 8, async (pod) => {
    const node = nodes.get(pod.node);
    const namespace = namespaceOf.get(pod.tenant ?? '');
    if (!node || !namespace || !existsSync(node.agentSocket)) return;
    await deleteCniPod(ctl, node, pod, namespace).catch((err: unknown) => {
      warnings.push(err instanceof Error ? err.message : String(err));
    });
  });
  warnings.push(...(await deregister(api, state.registrations)));
  return warnings;
}
