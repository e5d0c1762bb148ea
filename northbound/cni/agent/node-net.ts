// The node-local network work, done with iproute2 (and ethtool) exactly as an operator would type it. The pod
// side runs as `ip -n <name>` when CNI_NETNS is a named netns (containerd and CRI-O pin theirs in /var/run/netns),
// else under `nsenter --net=<CNI_NETNS>` (runtimes give a path, not a name); one process start fewer per call
// counts when ten ADDs share two cores. The host side is the agent's own netns, or a named one (`--host-netns`,
// the multi-node lab runs each node as a netns).
import { realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CniCode } from '../../../protocols/cni/index.js';
import { CniFailure } from './failure.js';
import type { RunningProcess, SpawnPool } from './spawn-pool.js';

export interface PodLink {
  readonly name: string;
  readonly up: boolean;
  readonly kind?: string;
  readonly mac?: string;
  readonly mtu?: number;
}

export interface PodConfig {
  readonly mac: string;
  readonly mtu: number;
  /** CIDR addresses. */
  readonly addresses: readonly string[];
  readonly routes: ReadonlyArray<{ readonly dst: string; readonly gw?: string }>;
}

export interface PodState {
  readonly link: PodLink;
  /** CIDR addresses on the interface. */
  readonly addresses: readonly string[];
  readonly routes: ReadonlyArray<{ readonly dst: string; readonly gw?: string }>;
}

class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`);
  }
}

const isNoDevice = (e: unknown): boolean =>
  e instanceof CommandError && /Cannot find device|does not exist|No such device/.test(e.stderr);

interface IpLinkJson {
  ifname: string;
  flags?: string[];
  address?: string;
  mtu?: number;
  linkinfo?: { info_kind?: string };
}
interface IpAddrJson {
  addr_info?: Array<{ local: string; prefixlen: number; scope?: string }>;
}
interface IpRouteJson {
  dst: string;
  gateway?: string;
}

/** `ip route` prints the default route as "default" and host routes without a prefix length. */
function routeDst(dst: string, family: 4 | 6): string {
  if (dst === 'default') return family === 4 ? '0.0.0.0/0' : '::/0';
  return dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`;
}

/** 1000-1999, stable per interface name: the metric of routes a later attachment adds to a taken destination. */
function secondaryMetric(ifname: string): number {
  let h = 0;
  for (const ch of ifname) h = (h * 31 + ch.charCodeAt(0)) % 1000;
  return 1000 + h;
}

export interface VethSpec {
  readonly netns: string;
  readonly ifname: string;
  readonly hostName: string;
  readonly hostMac: string;
  /** Both ends start with this MTU; `apply` sets the pod end's final one. */
  readonly mtu: number;
}

/** A created veth whose pod end waits for its configuration (given once the controller has answered). */
export interface PendingAttach {
  apply(c: PodConfig): Promise<void>;
  /** Ends the waiting process without configuring anything (the ADD failed). */
  cancel(): void;
}

/**
 * MAC, MTU, addresses, up, then routes (routes last: a route via a gateway needs the link up and its subnet).
 * Values were validated as addresses by the controller client, so they are safe on an ip(8) command line.
 */
function podConfigLines(ifname: string, c: PodConfig): string[] {
  return [
    `link set dev ${ifname} address ${c.mac} mtu ${c.mtu}`,
    ...c.addresses.map((a) => `addr add ${a} dev ${ifname}${a.includes(':') ? ' nodad' : ''}`),
    `link set dev ${ifname} up`,
    ...c.routes.map((r) => `route add ${r.dst}${r.gw ? ` via ${r.gw}` : ''} dev ${ifname}`),
  ];
}

/**
 * One ADD's node-local work. It reads its parameters from stdin, one per line: host end, its MAC, MTU, CNI_IFNAME,
 * CNI_NETNS, the host netns name ('' = its own) and the pod netns name for `ip -n` ('' = not a named one). Then:
 * 1. `ip link add` makes both ends from the host side: the host end up, the peer named CNI_IFNAME straight in
 *    the pod's netns (iproute2 takes a path there), down until configured; then "created" on stdout.
 * 2. In the pod, in parallel and while the controller works: TX checksum offload off (OVS-LAB.md G1: the
 *    userspace datapath forwards veth frames with unfilled checksums otherwise), and an `ip -force -batch`
 *    that reads the rest of stdin: the lines `apply` writes after the answer. Exit 4 = ethtool failed.
 * dash's `read` takes one byte at a time from a pipe, so the batch gets everything after the parameters; the
 * background ethtool's stdin is /dev/null (POSIX, without job control).
 */
const ATTACH_SCRIPT = [
  'IFS= read -r host && IFS= read -r mac && IFS= read -r mtu && IFS= read -r ifname &&',
  '  IFS= read -r netns && IFS= read -r hostns && IFS= read -r podns || exit 5',
  'ip ${hostns:+-n "$hostns"} link add "$host" address "$mac" mtu "$mtu" up type veth peer name "$ifname" mtu "$mtu" netns "$netns" || exit 3',
  'echo created',
  'nsenter --net="$netns" ethtool -K "$ifname" tx off >/dev/null & offload=$!',
  'if [ -n "$podns" ]; then ip -n "$podns" -force -batch -; else nsenter --net="$netns" ip -force -batch -; fi',
  'batch=$?',
  'wait $offload || exit 4',
  'exit $batch',
].join('\n');

/** Where `ip netns` (and so `ip -n NAME`) finds named namespaces, resolved; undefined if it does not exist. */
function netnsRunDir(): string | undefined {
  try {
    return realpathSync('/var/run/netns');
  } catch {
    return undefined;
  }
}

export class NodeNet {
  private readonly runDir = netnsRunDir();
  /** The next ADD's shell, already started and waiting for its parameters. */
  private warm: { readonly process: RunningProcess; exited: boolean } | undefined;

  constructor(
    private readonly spawner: SpawnPool,
    readonly hostNetns?: string,
  ) {}

  /** A started ATTACH_SCRIPT shell for this ADD, and another one started for the next. */
  private takeAttachShell(): RunningProcess {
    const ready = this.warm && !this.warm.exited ? this.warm.process : undefined;
    const next = { process: this.spawner.start('sh', ['-c', ATTACH_SCRIPT]), exited: false };
    void next.process.exited.then(() => (next.exited = true));
    this.warm = next;
    return ready ?? this.spawner.start('sh', ['-c', ATTACH_SCRIPT]);
  }

  /** Ends the shell kept for the next ADD (it exits when its stdin closes). */
  close(): void {
    this.warm?.process.end();
    this.warm = undefined;
  }

  /** The name `ip -n` takes for a netns path in iproute2's directory, or undefined for any other path. */
  private netnsName(netns: string): string | undefined {
    if (this.runDir === undefined) return undefined;
    const dir = dirname(netns);
    return dir === '/var/run/netns' || dir === this.runDir ? basename(netns) : undefined;
  }

  private async run(cmd: string, args: readonly string[], input?: string): Promise<string> {
    const r = await this.spawner.run(cmd, args, input);
    if (r.code !== 0) throw new CommandError(`${cmd} ${args.join(' ')}`, r.stderr);
    return r.stdout;
  }

  private hostIp(args: readonly string[], input?: string): Promise<string> {
    return this.run('ip', this.hostNetns ? ['-n', this.hostNetns, ...args] : args, input);
  }

  private podIp(netns: string, args: readonly string[], input?: string): Promise<string> {
    const name = this.netnsName(netns);
    if (name !== undefined) return this.run('ip', ['-n', name, ...args], input);
    return this.run('nsenter', [`--net=${netns}`, 'ip', ...args], input);
  }

  /** Fails with code 3 when the netns is gone and code 8 when it is the host's own (skel's rule). */
  async checkPodNetns(netns: string): Promise<void> {
    const [pod, host] = await Promise.all([
      stat(netns).catch(() => undefined),
      stat(this.hostNetns ? `/run/netns/${this.hostNetns}` : '/proc/self/ns/net'),
    ]);
    if (!pod) throw CniFailure.of(CniCode.UnknownContainer, `CNI_NETNS=${netns} does not exist`);
    if (pod.ino === host.ino && pod.dev === host.dev) {
      throw CniFailure.of(CniCode.InvalidNetns, `CNI_NETNS=${netns} is the node's own network namespace`);
    }
  }

  async netnsExists(netns: string): Promise<boolean> {
    return (await stat(netns).catch(() => undefined)) !== undefined;
  }

  async podLink(netns: string, ifname: string): Promise<PodLink | undefined> {
    try {
      const [l] = JSON.parse(
        await this.podIp(netns, ['-j', '-d', 'link', 'show', 'dev', ifname]),
      ) as IpLinkJson[];
      if (!l) return undefined;
      return {
        name: l.ifname,
        up: l.flags?.includes('UP') ?? false,
        kind: l.linkinfo?.info_kind,
        mac: l.address,
        mtu: l.mtu,
      };
    } catch (e) {
      if (isNoDevice(e)) return undefined;
      throw e;
    }
  }

  async deletePodLink(netns: string, ifname: string): Promise<boolean> {
    try {
      await this.podIp(netns, ['link', 'del', 'dev', ifname]);
      return true;
    } catch (e) {
      if (isNoDevice(e)) return false;
      throw e;
    }
  }

  /** Deleting either end of a veth deletes both. Returns false when there was nothing to delete. */
  async deleteHostLink(name: string): Promise<boolean> {
    try {
      await this.hostIp(['link', 'del', 'dev', name]);
      return true;
    } catch (e) {
      if (isNoDevice(e)) return false;
      throw e;
    }
  }

  async setHostMtu(name: string, mtu: number): Promise<void> {
    await this.hostIp(['link', 'set', 'dev', name, 'mtu', String(mtu)]);
  }

  async hostLinkUp(name: string): Promise<boolean | undefined> {
    try {
      const [l] = JSON.parse(await this.hostIp(['-j', 'link', 'show', 'dev', name])) as IpLinkJson[];
      return l?.flags?.includes('UP') ?? false;
    } catch (e) {
      if (isNoDevice(e)) return undefined;
      throw e;
    }
  }

  /** Names of the host side's veth links. */
  async hostVeths(): Promise<string[]> {
    const links = JSON.parse(await this.hostIp(['-j', 'link', 'show', 'type', 'veth'])) as IpLinkJson[];
    return links.map((l) => l.ifname);
  }

  /**
   * Starts one ADD's node-local work as one process (ATTACH_SCRIPT; its own children are cheap shell forks),
   * started ahead of time: forking the agent (about 100 MB) is the slow part of starting a process here, so the
   * next ADD's shell is forked while this one works and only reads its parameters when the ADD comes.
   * Resolves 'exists' when a name is taken on either side ("File exists"): the caller finds out which.
   */
  async startAttach(a: VethSpec): Promise<PendingAttach | 'exists'> {
    const params = [a.hostName, a.hostMac, String(a.mtu), a.ifname, a.netns, this.hostNetns ?? ''];
    params.push(this.netnsName(a.netns) ?? '');
    // One per line: the plugin refuses values with a line break, this keeps it so whoever calls.
    if (params.some((p) => p.includes('\n')))
      throw new CommandError('veth', `a line break in ${params.join(' ')}`);
    const child = this.takeAttachShell();
    child.write(`${params.join('\n')}\n`);
    let stdout = '';
    const created = await new Promise<boolean>((resolve) => {
      child.onStdout((chunk) => {
        stdout += chunk;
        if (stdout.includes('created\n')) resolve(true);
      });
      void child.exited.then(() => resolve(stdout.includes('created\n')));
    });
    const command = `veth ${a.hostName}/${a.ifname} in ${a.netns}`;
    if (!created) {
      const { stderr } = await child.exited;
      if (/File exists/.test(stderr)) return 'exists';
      throw new CommandError(`creating ${command}`, stderr);
    }
    return {
      apply: async (c: PodConfig): Promise<void> => {
        const lines = podConfigLines(a.ifname, c);
        child.end(lines.join('\n') + '\n');
        const { code, stderr } = await child.exited;
        if (code === 0) return;
        // A route whose destination another interface of the pod already holds (a second attachment's
        // default route) fails with "File exists": add it again with a higher metric, so the first keeps it.
        const failed = [...stderr.matchAll(/Command failed -:(\d+)/g)].map((m) => Number(m[1]));
        const firstRoute = lines.length - c.routes.length + 1;
        const onlyTakenRoutes =
          code === 1 &&
          failed.length > 0 &&
          failed.every((n) => n >= firstRoute) &&
          !/RTNETLINK answers: (?!File exists)/.test(stderr);
        if (!onlyTakenRoutes) throw new CommandError(`configuring ${command}`, stderr);
        const again = failed.map((n) => `${lines[n - 1] ?? ''} metric ${secondaryMetric(a.ifname)}`);
        await this.podIp(a.netns, ['-batch', '-'], again.join('\n') + '\n');
      },
      cancel: (): void => child.end(),
    };
  }

  async podState(netns: string, ifname: string): Promise<PodState | undefined> {
    const link = await this.podLink(netns, ifname);
    if (!link) return undefined;
    const [addrs, r4, r6] = await Promise.all([
      this.podIp(netns, ['-j', 'addr', 'show', 'dev', ifname]),
      this.podIp(netns, ['-j', '-4', 'route', 'show', 'dev', ifname]),
      this.podIp(netns, ['-j', '-6', 'route', 'show', 'dev', ifname]),
    ]);
    const addresses = (JSON.parse(addrs) as IpAddrJson[])
      .flatMap((a) => a.addr_info ?? [])
      .filter((a) => a.scope !== 'link')
      .map((a) => `${a.local}/${a.prefixlen}`);
    const routes = [
      ...(JSON.parse(r4) as IpRouteJson[]).map((r) => ({ dst: routeDst(r.dst, 4), gw: r.gateway })),
      ...(JSON.parse(r6) as IpRouteJson[]).map((r) => ({ dst: routeDst(r.dst, 6), gw: r.gateway })),
    ];
    return { link, addresses, routes };
  }
}
