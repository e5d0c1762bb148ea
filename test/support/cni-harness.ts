// Drives the real sdn-cni plugin the way a runtime does (env + stdin, stdout parsed as JSON), against a real
// sdn-agent process, with network namespaces made here. Names start with `sdnc-<pid>-` so that a killed run's
// leftovers are recognised and removed (cleanupStaleCni) by the next run.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CniControllerPeer, type PeerOptions } from './cni-controller-peer.js';

const run = promisify(execFile);

export const REPO_ROOT = resolve(__dirname, '../../..');
export const SDN_CNI = join(REPO_ROOT, 'northbound/cni/plugin/sdn-cni');
export const SDN_AGENT = join(REPO_ROOT, 'dist/northbound/cni/agent/main.js');
export const CNI_PREFIX = 'sdnc-';

/** Fails (never skips) with what is missing; `npm test` installs these as root. */
export function requireRootAndCniTools(): void {
  if (process.getuid?.() !== 0)
    throw new Error('CNI tests need root (network namespaces, veth); run `npm test` as root');
  for (const tool of ['ip', 'nsenter', 'curl', 'ethtool']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `${tool} is not installed; \`npm test\` installs iproute2, util-linux, curl and ethtool`,
      );
    }
  }
}

export interface PluginRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as one JSON value; undefined when stdout is empty. Throws if stdout is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

export interface PluginCall {
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
  config: unknown;
  plugin?: string;
  /** Run the plugin through this command, e.g. ['nsenter', '--net=/run/netns/node'] (the runtime's netns). */
  via?: string[];
  env?: Record<string, string>;
  /** Called with the process right after it starts (tests kill it mid-ADD). */
  onSpawn?: (p: ChildProcess) => void;
}

/** Runs a CNI plugin like libcni does: a clean env with the CNI_* variables, the config on stdin. */
export function runPlugin(c: PluginCall): Promise<PluginRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...c.env };
  env.CNI_COMMAND = c.command;
  if (c.containerId !== undefined) env.CNI_CONTAINERID = c.containerId;
  if (c.netns !== undefined) env.CNI_NETNS = c.netns;
  if (c.ifname !== undefined) env.CNI_IFNAME = c.ifname;
  if (c.args !== undefined) env.CNI_ARGS = c.args;
  env.CNI_PATH = c.path ?? '/usr/lib/cni';
  return new Promise((resolvePromise, reject) => {
    const argv = [...(c.via ?? []), c.plugin ?? SDN_CNI];
    const p = spawn(argv[0] ?? SDN_CNI, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() === '' ? undefined : (JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        reject(new Error(`plugin stdout is not one JSON value: ${JSON.stringify(stdout)}`));
        return;
      }
      resolvePromise({ code, stdout, stderr: Buffer.concat(err).toString('utf8'), json });
    });
    p.stdin.on('error', () => undefined); // a plugin may exit without reading stdin (VERSION)
    p.stdin.end(typeof c.config === 'string' ? c.config : JSON.stringify(c.config));
    c.onSpawn?.(p);
  });
}

export async function addNetns(name: string): Promise<string> {
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return `/run/netns/${name}`;
}

export async function delNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'delete', name]).catch(() => undefined);
}

export async function ipIn(netns: string, args: string[]): Promise<string> {
  return (await run('ip', ['-n', netns, ...args])).stdout;
}

/** Links of a named netns, loopback excluded. */
export async function linksIn(netns: string): Promise<string[]> {
  const links = JSON.parse(await ipIn(netns, ['-j', 'link', 'show'])) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname).filter((n) => n !== 'lo');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes netns and temp dirs of earlier runs whose process is gone. */
export async function cleanupStaleCni(): Promise<void> {
  const stale = (name: string): boolean => {
    const pid = Number(name.slice(CNI_PREFIX.length).split('-')[0]);
    return name.startsWith(CNI_PREFIX) && Number.isInteger(pid) && pid !== process.pid && !alive(pid);
  };
  const list = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const ns of list.filter(stale)) await delNetns(ns);
  for (const d of readdirSync(tmpdir()).filter(stale))
    rmSync(join(tmpdir(), d), { recursive: true, force: true });
}

let labCount = 0;

/** A node (named netns as its host side), the controller's test peer, and a real sdn-agent serving the plugin. */
export class CniTestNode {
  readonly prefix: string;
  readonly hostNetns: string;
  readonly dir: string;
  readonly socket: string;
  readonly peer: CniControllerPeer;
  private agent?: ChildProcess;
  private pods: string[] = [];
  private podCount = 0;

  /** Point the agent here instead of at the peer (e.g. a closed port: controller unreachable). */
  controllerUrl?: string;

  private constructor(peerOpts: Partial<PeerOptions>) {
    this.prefix = `${CNI_PREFIX}${process.pid}-${++labCount}`;
    this.hostNetns = `${this.prefix}-node`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
    this.socket = join(this.dir, 'agent.sock');
    this.peer = new CniControllerPeer({ token: 'cni-test-token', hostNetns: this.hostNetns, ...peerOpts });
  }

  static async start(peerOpts: Partial<PeerOptions> = {}, controllerUrl?: string): Promise<CniTestNode> {
    requireRootAndCniTools();
    await cleanupStaleCni();
    const node = new CniTestNode(peerOpts);
    node.controllerUrl = controllerUrl;
    try {
      await addNetns(node.hostNetns);
      await node.peer.start();
      await node.startAgent();
      return node;
    } catch (e) {
      await node.stop();
      throw e;
    }
  }

  /** The plugin config a runtime would send for this node. */
  config(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { cniVersion: '1.1.0', name: 'sdn-test', type: 'sdn-cni', agentSocket: this.socket, ...extra };
  }

  async newPod(): Promise<{ name: string; netns: string }> {
    const name = `${this.prefix}-p${++this.podCount}`;
    this.pods.push(name);
    return { name, netns: await addNetns(name) };
  }

  async startAgent(): Promise<void> {
    const tokenFile = join(this.dir, 'cni.token');
    writeFileSync(tokenFile, 'cni-test-token\n');
    const log = openSync(join(this.dir, 'agent.log'), 'a');
    const agent = spawn(
      process.execPath,
      [
        SDN_AGENT,
        '--socket',
        this.socket,
        '--controller',
        this.controllerUrl ?? this.peer.url,
        '--token-file',
        tokenFile,
        '--node',
        'node-a',
        '--host-netns',
        this.hostNetns,
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    this.agent = agent;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await run('curl', ['-sf', '--unix-socket', this.socket, 'http://agent/healthz']).then(
        () => true,
        () => false,
      );
      if (up) return;
      if (agent.exitCode !== null)
        throw new Error(`sdn-agent exited with ${agent.exitCode}; see ${this.dir}/agent.log`);
      if (Date.now() > deadline) throw new Error(`sdn-agent did not listen on ${this.socket} within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL, as a crash. */
  async killAgent(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const a = this.agent;
    if (!a || a.exitCode !== null || a.signalCode !== null) return;
    await new Promise<void>((r) => {
      a.once('exit', () => r());
      a.kill(signal);
    });
    this.agent = undefined;
  }

  async hostLinks(): Promise<string[]> {
    return linksIn(this.hostNetns);
  }

  async stop(): Promise<void> {
    await this.killAgent('SIGTERM').catch(() => undefined);
    await this.peer.stop().catch(() => undefined);
    for (const p of this.pods) await delNetns(p);
    await delNetns(this.hostNetns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
