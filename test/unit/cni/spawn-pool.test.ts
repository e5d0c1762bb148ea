import assert from 'node:assert/strict';
import { SpawnPool } from '../../../northbound/cni/agent/spawn-pool.js';

describe('northbound/cni agent SpawnPool (processes started from worker threads)', () => {
  let pool: SpawnPool;
  before(() => {
    pool = new SpawnPool(2);
  });
  after(async () => {
    await pool.close();
  });

  it('runs a command with stdin and returns stdout, stderr and the exit code', async () => {
    const r = await pool.run('sh', ['-c', 'cat; echo oops >&2; exit 3'], 'hello\n');
    assert.deepEqual(r, { code: 3, stdout: 'hello\n', stderr: 'oops\n' });
  });

  it('streams stdout before exit and takes stdin written later', async () => {
    const p = pool.start('sh', ['-c', 'echo ready; read line; echo "got $line"']);
    const first = await new Promise<string>((resolve) => p.onStdout(resolve));
    assert.equal(first, 'ready\n');
    let rest = '';
    p.onStdout((c) => (rest += c));
    p.end('lines\n');
    assert.equal((await p.exited).code, 0);
    assert.equal(rest, 'got lines\n');
  });

  it('reports a command that cannot start as a failure, not a crash', async () => {
    const r = await pool.run('/nonexistent/cmd', []);
    assert.equal(r.code, -1);
    assert.match(r.stderr, /ENOENT/);
  });

  it('runs many at once across the workers', async () => {
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => pool.run('sh', ['-c', `echo ${i}`])));
    assert.deepEqual(
      rs.map((r) => r.stdout.trim()),
      Array.from({ length: 12 }, (_, i) => String(i)),
    );
  });
});
