// A private Open vSwitch for one test: its own ovsdb-server (root netns, unix socket and optionally TCP on
// loopback) and its own userspace ovs-vswitchd inside a network namespace made for it (one netdev vswitchd per
// netns: ../shared/OVS-LAB.md). Everything lives in a temporary directory; stop() kills by PID, deletes the
// namespace and the directory, and cleanupStaleSandboxes() removes what a killed run left behind.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Namespaces and directories made by this helper start with this prefix, followed by the creating PID. */
export const SANDBOX_PREFIX = 'sdnt-';
const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const VTEP_SCHEMA = '/usr/share/openvswitch/vtep.ovsschema';

/** Fails (never skips) with a message that says what is missing and how the test command installs it. */
export function requireRootAndOvs(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('this test needs root (network namespaces, ovs-vswitchd); run `npm test` as root');
  }
  for (const tool of ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ip']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `${tool} is not installed; \`npm test\` installs openvswitch-switch and iproute2 when run as root`,
      );
    }
  }
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface OvsSandboxOptions {
  /** Also serve the hardware_vtep database from the same ovsdb-server. */
  vtep?: boolean;
  /** Listen for OVSDB on 127.0.0.1:<port> too (0 = pick a free port). */
  tcp?: boolean;
  /** Start ovs-vswitchd (default true); false gives a bare ovsdb-server. */
  vswitchd?: boolean;
}

let sandboxCount = 0;

export class OvsSandbox {
  readonly dbSocket: string;
  readonly netns: string;
  ovsdbTcpPort = 0;

  private constructor(
    readonly dir: string,
    private readonly options: OvsSandboxOptions,
  ) {
    this.dbSocket = join(dir, 'db.sock');
    this.netns = `${SANDBOX_PREFIX}${process.pid}-${++sandboxCount}`;
  }

  static async start(options: OvsSandboxOptions = {}): Promise<OvsSandbox> {
    requireRootAndOvs();
    const dir = mkdtempSync(join(tmpdir(), `${SANDBOX_PREFIX}${process.pid}-`));
    const box = new OvsSandbox(dir, options);
    try {
      await box.startOvsdb();
      if (options.vswitchd !== false) await box.startVswitchd();
      return box;
    } catch (err) {
      await box.stop();
      throw err;
    }
  }

  /** `unix:DIR/db.sock`, or `tcp:127.0.0.1:PORT` when asked for. */
  get ovsdbTarget(): string {
    return `unix:${this.dbSocket}`;
  }

  get ovsdbTcpTarget(): string {
    return `tcp:127.0.0.1:${this.ovsdbTcpPort}`;
  }

  /** The OpenFlow management socket of a bridge (vswitchd puts it in OVS_RUNDIR). */
  mgmt(bridge: string): string {
    return `unix:${join(this.dir, `${bridge}.mgmt`)}`;
  }

  async vsctl(...args: string[]): Promise<string> {
    const { stdout } = await run('ovs-vsctl', [`--db=unix:${this.dbSocket}`, '--timeout=10', ...args]);
    return stdout;
  }

  /**
   * A userspace OpenFlow 1.3 bridge in fail_mode secure, as the controller makes br-int; `settings` are more
   * `column=value` pairs for it (other_config:datapath-id=..., ...).
   */
  async addBridge(name: string, ...settings: string[]): Promise<void> {
    await this.vsctl(
      'add-br',
      name,
      '--',
      'set',
      'bridge',
      name,
      'datapath_type=netdev',
      'protocols=OpenFlow13',
      'fail_mode=secure',
      ...settings,
    );
  }

  async ofctl(...args: string[]): Promise<string> {
    const { stdout } = await run('ovs-ofctl', args, { maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  }

  async appctl(...args: string[]): Promise<string> {
    const { stdout } = await run('ovs-appctl', ['-t', join(this.dir, 'vsw.ctl'), ...args]);
    return stdout;
  }

  /** Runs a command inside this sandbox's network namespace. */
  async inNetns(cmd: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('ip', ['netns', 'exec', this.netns, cmd, ...args]);
    return stdout;
  }

  private async startOvsdb(): Promise<void> {
    const dbs = [join(this.dir, 'conf.db')];
    await run('ovsdb-tool', ['create', dbs[0], VSWITCH_SCHEMA]);
    if (this.options.vtep) {
      if (!existsSync(VTEP_SCHEMA)) {
        throw new Error(`${VTEP_SCHEMA} is missing; \`npm test\` installs openvswitch-vtep when run as root`);
      }
      dbs.push(join(this.dir, 'vtep.db'));
      await run('ovsdb-tool', ['create', dbs[1], VTEP_SCHEMA]);
    }
    const remotes = [`--remote=punix:${this.dbSocket}`];
    if (this.options.tcp) {
      this.ovsdbTcpPort = await freeTcpPort();
      remotes.push(`--remote=ptcp:${this.ovsdbTcpPort}:127.0.0.1`);
    }
    await run('ovsdb-server', [
      ...dbs,
      ...remotes,
      `--pidfile=${join(this.dir, 'ovsdb.pid')}`,
      `--unixctl=${join(this.dir, 'ovsdb.ctl')}`,
      `--log-file=${join(this.dir, 'ovsdb.log')}`,
      '--detach',
    ]);
    await this.vsctl('--no-wait', 'init');
  }

  private async startVswitchd(): Promise<void> {
    await run('ip', ['netns', 'add', this.netns]);
    await run('ip', ['netns', 'exec', this.netns, 'ip', 'link', 'set', 'lo', 'up']);
    await this.launchVswitchd();
  }

  /** ovs-vswitchd inside the namespace, its sockets and bridge.mgmt files in the sandbox directory. */
  private async launchVswitchd(): Promise<void> {
    const files = ['pidfile=vsw.pid', 'unixctl=vsw.ctl', 'log-file=vsw.log'].map((f) => {
      const [flag, name] = f.split('=') as [string, string];
      return `--${flag}=${join(this.dir, name)}`;
    });
    await run(
      'ip',
      ['netns', 'exec', this.netns, 'ovs-vswitchd', `unix:${this.dbSocket}`, ...files, '--detach'],
      {
        env: { ...process.env, OVS_RUNDIR: this.dir },
      },
    );
  }

  /** Kills ovs-vswitchd (SIGKILL) as a crash would; restartVswitchd() brings it back. */
  async killVswitchd(): Promise<void> {
    killFromPidfile(join(this.dir, 'vsw.pid'), this.dir, 'SIGKILL');
    await waitGone(join(this.dir, 'vsw.pid'), this.dir);
  }

  /** The namespace survives a vswitchd kill; only the daemon starts again. */
  async restartVswitchd(): Promise<void> {
    rmSync(join(this.dir, 'vsw.pid'), { force: true });
    await this.launchVswitchd();
  }

  async killOvsdb(): Promise<void> {
    killFromPidfile(join(this.dir, 'ovsdb.pid'), this.dir, 'SIGKILL');
    await waitGone(join(this.dir, 'ovsdb.pid'), this.dir);
  }

  async restartOvsdb(): Promise<void> {
    rmSync(join(this.dir, 'ovsdb.pid'), { force: true });
    const dbs = [join(this.dir, 'conf.db')];
    if (this.options.vtep) dbs.push(join(this.dir, 'vtep.db'));
    const remotes = [`--remote=punix:${this.dbSocket}`];
    if (this.options.tcp) remotes.push(`--remote=ptcp:${this.ovsdbTcpPort}:127.0.0.1`);
    await run('ovsdb-server', [
      ...dbs,
      ...remotes,
      `--pidfile=${join(this.dir, 'ovsdb.pid')}`,
      `--unixctl=${join(this.dir, 'ovsdb.ctl')}`,
      `--log-file=${join(this.dir, 'ovsdb.log')}`,
      '--detach',
    ]);
  }

  /** Stops both daemons by PID, deletes the namespace and the directory. Safe to call twice. */
  async stop(): Promise<void> {
    for (const pidfile of ['vsw.pid', 'ovsdb.pid']) {
      killFromPidfile(join(this.dir, pidfile), this.dir, 'SIGTERM');
    }
    for (const pidfile of ['vsw.pid', 'ovsdb.pid']) {
      await waitGone(join(this.dir, pidfile), this.dir).catch(() => {
        killFromPidfile(join(this.dir, pidfile), this.dir, 'SIGKILL');
      });
    }
    await run('ip', ['netns', 'delete', this.netns]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readPid(pidfile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidfile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True while PID runs a process whose command line names `marker` (PIDs are reused quickly). */
function isOurs(pid: number, marker: string): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie waiting for a late reaper counts as exited (OVS-LAB.md, teardown notes).
    if (/^\d+ \(.*\) Z /.test(status)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

function killFromPidfile(pidfile: string, marker: string, signal: NodeJS.Signals): void {
  const pid = readPid(pidfile);
  if (pid !== undefined && isOurs(pid, marker)) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

async function waitGone(pidfile: string, marker: string, timeoutMs = 5000): Promise<void> {
  const pid = readPid(pidfile);
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (isOurs(pid, marker)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} (${pidfile}) did not exit`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes sandboxes (namespaces, daemons, directories) left by test processes that no longer run,
 * e.g. after a kill -9 of mocha. Sandboxes of live processes are left alone.
 */
export async function cleanupStaleSandboxes(): Promise<void> {
  const owner = (name: string): number => Number.parseInt(name.slice(SANDBOX_PREFIX.length), 10);
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(SANDBOX_PREFIX) || pidAlive(owner(entry))) continue;
    const dir = join(tmpdir(), entry);
    for (const pidfile of ['vsw.pid', 'ovsdb.pid', 'ovs-vtep.pid'])
      killFromPidfile(join(dir, pidfile), dir, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  let namespaces = '';
  try {
    namespaces = (await run('ip', ['netns', 'list'])).stdout;
  } catch {
    return;
  }
  for (const line of namespaces.split('\n')) {
    const name = line.split(' ')[0];
    if (name?.startsWith(SANDBOX_PREFIX) && !pidAlive(owner(name))) {
      await run('ip', ['netns', 'delete', name]).catch(() => undefined);
    }
  }
}
