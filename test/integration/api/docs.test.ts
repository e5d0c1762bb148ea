// Runs every ```sh block of docs/api.md, in order, against a real controller: the examples must work as written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerProcess } from '../../support/controller-process';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs';

const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'api.md');

describe('docs/api.md: the curl examples work', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'sdn-docs-'));
  let proc: ControllerProcess | undefined;
  let box: OvsSandbox | undefined;
  after(async () => {
    await proc?.kill('SIGTERM');
    await box?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The examples name a data-centre node (tcp:192.0.2.11:6640) and a node on the host's own OVS. The controller
   * really dials what it is given, so the test points node1 at a private Open vSwitch (with the example pod's veth
   * in place, so that the CNI ADD completes with its flows) and node2 at a socket that does not exist: no traffic
   * leaves this machine and the host's own OVS is never touched.
   */
  const localise = (block: string): string =>
    block
      .replace('tcp:192.0.2.11:6640', box!.ovsdbTarget)
      .replace('tcp:192.0.2.1:6653', `unix:${join(box!.dir, 'of.sock')}`)
      .replace('unix:/run/openvswitch/db.sock', `unix:${join(dir, 'absent.sock')}`);

  it('runs each shell block with curl -f and gets no error', async () => {
    for (const tool of ['curl', 'jq']) {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`]);
      } catch {
        assert.fail(`${tool} is not installed: run test/support/install-deps.sh as root`);
      }
    }
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    execFileSync('ip', [
      '-n',
      box.netns,
      'link',
      'add',
      'veth9f3c2a',
      'type',
      'veth',
      'peer',
      'name',
      'pod9f3c2a',
    ]);
    execFileSync('ip', ['-n', box.netns, 'link', 'set', 'veth9f3c2a', 'up']);
    proc = await new ControllerProcess(dir, {}, `unix:${join(box.dir, 'of.sock')}`).start();
    const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(blocks.length >= 8, `found ${blocks.length} shell blocks`);
    const env = { ...process.env, SDN: proc.url, TOKEN: proc.adminToken() };
    for (const [i, block] of blocks.entries()) {
      try {
        execFileSync('bash', ['-euo', 'pipefail', '-c', localise(block)], {
          env,
          encoding: 'utf8',
          stdio: 'pipe',
        });
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
