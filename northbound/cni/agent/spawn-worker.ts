// Worker-thread side of SpawnPool: starts processes for the main thread. libuv's spawn blocks its event loop
// until the child has exec'd, which on a loaded node takes 10-60 ms; here it blocks only this worker.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './spawn-protocol.js';

const port = parentPort;
if (!port) throw new Error('spawn-worker must run as a worker thread');
const children = new Map<number, ChildProcessWithoutNullStreams>();
const send = (m: FromWorker): void => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.op === 'spawn') {
    let stderr = '';
    let done = false;
    const finish = (code: number, error?: string): void => {
      if (done) return;
      done = true;
      children.delete(m.id);
      send({ op: 'exit', id: m.id, code, stderr: error ? `${stderr}${error}` : stderr });
    };
    const child = spawn(m.cmd, m.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    children.set(m.id, child);
    child.stdout.on('data', (b: Buffer) => send({ op: 'stdout', id: m.id, data: b.toString('utf8') }));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.stdin.on('error', () => undefined); // it may exit before reading: its exit code says why
    child.on('error', (e) => finish(-1, e.message));
    child.on('close', (code) => finish(code ?? -1));
  } else {
    const child = children.get(m.id);
    if (!child) return;
    if (m.end) child.stdin.end(m.data);
    else child.stdin.write(m.data);
  }
});
