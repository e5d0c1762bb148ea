// Starts processes from worker threads, so that the agent's event loop keeps serving while a child is being
// started. Measured on the 2-core box under load: libuv's spawn blocked the loop for 14 ms (median) per
// start, and ADDs at concurrency 10 queued behind one another. Every ip/nsenter/ethtool call goes through here.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './spawn-protocol.js';

export interface ProcessExit {
  readonly code: number;
  readonly stderr: string;
}

/** A started process: its stdin, its stdout as it comes, and its exit. */
export interface RunningProcess {
  write(data: string): void;
  end(data?: string): void;
  onStdout(listener: (chunk: string) => void): void;
  readonly exited: Promise<ProcessExit>;
}

interface Entry {
  readonly worker: Worker;
  stdout: Array<(chunk: string) => void>;
  resolveExit: (e: ProcessExit) => void;
}

export class SpawnPool {
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly running = new Map<number, Entry>();
  private nextId = 1;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(join(__dirname, 'spawn-worker.js'));
      w.unref(); // never keeps the agent alive by itself
      w.on('message', (m: FromWorker) => this.onMessage(m));
      w.on('error', (e) => {
        // A worker that dies fails what it was running; the others carry on.
        for (const [id, entry] of this.running) {
          if (entry.worker !== w) continue;
          this.running.delete(id);
          entry.resolveExit({ code: -1, stderr: `spawn worker failed: ${e.message}` });
        }
        this.workers.splice(this.workers.indexOf(w), 1);
      });
      this.workers.push(w);
      this.load.set(w, 0);
    }
  }

  private onMessage(m: FromWorker): void {
    const entry = this.running.get(m.id);
    if (!entry) return;
    if (m.op === 'stdout') {
      for (const l of entry.stdout) l(m.data);
      return;
    }
    this.running.delete(m.id);
    this.load.set(entry.worker, (this.load.get(entry.worker) ?? 1) - 1);
    entry.resolveExit({ code: m.code, stderr: m.stderr });
  }

  start(cmd: string, args: readonly string[]): RunningProcess {
    const worker = this.workers.reduce<Worker | undefined>(
      (best, w) => (best === undefined || (this.load.get(w) ?? 0) < (this.load.get(best) ?? 0) ? w : best),
      undefined,
    );
    if (!worker) throw new Error('no spawn worker left');
    this.load.set(worker, (this.load.get(worker) ?? 0) + 1);
    const id = this.nextId++;
    let resolveExit!: (e: ProcessExit) => void;
    const exited = new Promise<ProcessExit>((resolve) => (resolveExit = resolve));
    const entry: Entry = { worker, stdout: [], resolveExit };
    this.running.set(id, entry);
    const post = (m: ToWorker): void => worker.postMessage(m);
    post({ op: 'spawn', id, cmd, args });
    return {
      write: (data) => post({ op: 'stdin', id, data, end: false }),
      end: (data = '') => post({ op: 'stdin', id, data, end: true }),
      onStdout: (l) => entry.stdout.push(l),
      exited,
    };
  }

  /** Runs to completion with `input` on stdin, like execFile. */
  async run(cmd: string, args: readonly string[], input = ''): Promise<ProcessExit & { stdout: string }> {
    const p = this.start(cmd, args);
    let stdout = '';
    p.onStdout((c) => (stdout += c));
    p.end(input);
    const exit = await p.exited;
    return { ...exit, stdout };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
