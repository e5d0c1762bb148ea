// The real `sdn-controller` in a child process on a temp data dir, for tests that need a process to kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freeTcpPort } from './ovs.js';

const MAIN = join(__dirname, '..', '..', 'northbound', 'server.js');

export class ControllerProcess {
  child?: ChildProcess;
  url = '';

  /** `openflowListen`: where switches dial in; by default any free loopback port, so tests never clash on 6653. */
  constructor(
    readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv = {},
    readonly openflowListen = '127.0.0.1:0',
    /** Pin the API port for a restart that clients (e.g. the lab's agents) must find at the same URL. */
    readonly apiListen = '127.0.0.1:0',
  ) {}

  async start(): Promise<this> {
    const args = [
      MAIN,
      '--data-dir',
      this.dataDir,
      '--api-listen',
      this.apiListen,
      '--openflow-listen',
      this.openflowListen,
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      const timer = setTimeout(() => {
        child.kill('SIGKILL'); // never leave a half-started controller behind
        reject(new Error(`controller did not listen within 10 s: ${stderr}`));
      }, 10_000);
      lines.on('line', (line) => {
        const m = /Server listening at (https?:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`controller exited with ${code}: ${stderr}`));
      });
    });
    child.stdout?.resume();
    return this;
  }

  get tokenFile(): string {
    return join(this.dataDir, 'admin.token');
  }

  adminToken(): string {
    return readFileSync(join(this.dataDir, 'admin.token'), 'utf8').trim();
  }

  /** SIGKILL: no shutdown path runs. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  }
}

export async function request(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * A controller on a fresh temp data dir, with its OpenFlow listener on a free loopback port fixed before it starts
 * (a lab's switches are told where to dial before the controller is up): what every lab e2e test begins with.
 */
export async function startLabController(env: NodeJS.ProcessEnv = {}): Promise<ControllerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-ctl-`));
  return new ControllerProcess(dataDir, env, `127.0.0.1:${await freeTcpPort()}`).start();
}
