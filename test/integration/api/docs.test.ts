// Runs every ```sh block of docs/api.md, in order, against a real controller: the examples must work as written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerProcess } from '../../support/controller-process';

const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'api.md');

describe('docs/api.md: the curl examples work', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'sdn-docs-'));
  let proc: ControllerProcess | undefined;
  after(async () => {
    await proc?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each shell block with curl -f and gets no error', async () => {
    for (const tool of ['curl', 'jq']) {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`]);
      } catch {
        assert.fail(`${tool} is not installed: run test/support/install-deps.sh as root`);
      }
    }
    proc = await new ControllerProcess(dir).start();
    const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(blocks.length >= 8, `found ${blocks.length} shell blocks`);
    const env = { ...process.env, SDN: proc.url, TOKEN: proc.adminToken() };
    for (const [i, block] of blocks.entries()) {
      try {
        execFileSync('bash', ['-euo', 'pipefail', '-c', block], { env, encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        assert.fail(`block ${i + 1} failed:\n${block}\nstdout: ${err.stdout}\nstderr: ${err.stderr}`);
      }
    }
    const out = execFileSync(
      'bash',
      ['-c', 'curl -s -X DELETE "$SDN/api/v1/networks/web" -H "Authorization: Bearer $TOKEN"'],
      {
        env,
        encoding: 'utf8',
      },
    );
    assert.equal(JSON.parse(out).status, 409);
  });
});
