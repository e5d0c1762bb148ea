// The lab's state file, DIR/lab.json. `up` writes it before it creates anything and rewrites it after each stage,
// so that `down` and `status` know what exists even after `up` was killed half-way.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControllerOptions, LabPlan } from './layout';

export const STATE_FILE = 'lab.json';

export type LabPhase = 'building' | 'up' | 'failed';

export interface PodState {
  name: string;
  netns: string;
  node: string;
  tenant: string | null;
  network: string | null;
  /** Bare addresses, ready to ping. */
  ips: string[];
  /** The same with their prefix length, as the CNI result gave them. */
  cidrs: string[];
  mac: string;
  gateways: string[];
  containerId: string | null;
  ifname: string;
}

/** What the lab registered with the controller, so that `down` can remove exactly that. */
export interface Registration {
  kind: 'tenants' | 'networks' | 'subnets' | 'namespace-bindings' | 'nodes' | 'tokens' | 'vteps';
  id: string;
  name: string;
  /** False when the object already existed and the lab only reused it: `down` leaves it. */
  created: boolean;
}

export interface LabState {
  version: 1;
  phase: LabPhase;
  createdAt: string;
  /** The `lab up` process while it builds: another `up` must not tear down a lab that is being built. */
  builder: { pid: number; startTime: string };
  plan: LabPlan;
  controller: ControllerOptions | null;
  pods: PodState[];
  registrations: Registration[];
  error?: string;
}

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

export function readState(dir: string): LabState | undefined {
  const path = statePath(dir);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LabState;
    return parsed.version === 1 ? parsed : undefined;
  } catch {
    return undefined; // a file torn by a crash: `down` still cleans up by prefix and pid files
  }
}

/** Atomic replace, so a crash never leaves half a file. */
export function writeState(state: LabState): void {
  const path = statePath(state.plan.dir);
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

/**
 * Field 22 of /proc/PID/stat: with the PID, it names one process for its whole life (PIDs are reused).
 * Undefined when the process is gone or a zombie.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ...rest] = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
    // A killed process may stay a zombie for a while (a late reaper): it is not running.
    return state === 'Z' ? undefined : rest[18];
  } catch {
    return undefined;
  }
}

export function builderRunning(state: LabState): boolean {
  return state.phase === 'building' && processStartTime(state.builder.pid) === state.builder.startTime;
}
