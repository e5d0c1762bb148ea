// The multi-node lab (`sdnctl lab`) driven from a test: up against a ControllerProcess, status as JSON, down always.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
/** The controller a lab registers with: its API, admin token file and OpenFlow listener. */
export interface LabController {
  readonly url: string;
  readonly tokenFile: string;
  readonly openflowListen: string;
}

const run = promisify(execFile);
const SDNCTL = resolve(__dirname, '../../northbound/cli/sdnctl.js');

export interface LabPod {
  name: string;
  netns: string;
  node: string;
  tenant: string | null;
  network: string | null;
  ips: string[];
  mac: string;
}

export interface LabStatus {
  nodes: { name: string; netns: string; tunnelIp: string }[];
  pods: LabPod[];
}

let labCount = 0;

export class Lab {
  private constructor(
    readonly dir: string,
    readonly prefix: string,
  ) {}

  /** `sdnctl lab up`; on failure the lab has already torn itself down. */
  static async up(
    controller: LabController,
    opts: { nodes: number; pods: number; tenants?: number; vtep?: { networkNodes: number } },
  ): Promise<Lab> {
    const dir = mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-lab-`));
    // Namespace names must stay short (veth names derive from them) and unique per test process.
    const prefix = `e${(process.pid % 10000).toString(36)}${(++labCount).toString(36)}`;
    const lab = new Lab(dir, prefix);
    try {
      await run(
        process.execPath,
        [
          SDNCTL,
          'lab',
          'up',
          '--nodes',
          String(opts.nodes),
          '--pods',
          String(opts.pods),
          '--tenants',
          String(opts.tenants ?? 1),
          '--api',
          controller.url,
          '--token-file',
          controller.tokenFile,
          '--openflow',
          controller.openflowListen,
          '--dir',
          dir,
          '--prefix',
          prefix,
          ...(opts.vtep ? ['--vtep', '--network-nodes', String(opts.vtep.networkNodes)] : []),
        ],
        { maxBuffer: 16 << 20 },
      );
    } catch (err) {
      await lab.down();
      const e = err as { stderr?: string; stdout?: string };
      throw new Error(`lab up failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    return lab;
  }

  async status(): Promise<LabStatus> {
    const { stdout } = await run(process.execPath, [SDNCTL, 'lab', 'status', '--json', '--dir', this.dir]);
    return JSON.parse(stdout) as LabStatus;
  }

  async down(): Promise<void> {
    await run(process.execPath, [SDNCTL, 'lab', 'down', '--dir', this.dir]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs a command inside a namespace; resolves with its exit status (0 = success) and output. */
export async function inNetns(netns: string, ...cmd: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('ip', ['netns', 'exec', netns, ...cmd], { timeout: 30_000 });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: e.stdout ?? '' };
  }
}

export async function ping(netns: string, ip: string, count = 2): Promise<boolean> {
  const r = await inNetns(
    netns,
    'ping',
    ip.includes(':') ? '-6' : '-4',
    '-c',
    String(count),
    '-i',
    '0.2',
    '-W',
    '1',
    ip,
  );
  return r.code === 0;
}
