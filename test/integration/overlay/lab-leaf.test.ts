// `sdnctl lab up --vtep --network-nodes 1` without a controller: the leaf (ovs-vtep over its own ovsdb-server and
// ovs-vswitchd, in its own namespace on the underlay) with a trunk to n1 and a bare-metal port, reported by
// `lab status`; and `lab down` leaves nothing of it, also after `up` was killed while it built the leaf.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { LabStatus } from '../../../northbound/cli/lab/status';
import { requireRootAndOvs } from '../../support/ovs';

const exec = promisify(execFile);
const SDNCTL = resolve(__dirname, '../../../northbound/cli/sdnctl.js');
const DIR = `/tmp/sdnlab-vt${process.pid}`;
const PREFIX = `vt${process.pid}`;
const LAB = ['--dir', DIR, '--prefix', PREFIX];
const UP = [
  'lab',
  'up',
  '--no-controller',
  '--nodes',
  '2',
  '--pods',
  '1',
  '--vtep',
  '--network-nodes',
  '1',
  ...LAB,
];

async function sh(cmd: string, ...args: string[]): Promise<string> {
  return (await exec(cmd, args, { timeout: 30_000 })).stdout;
}
const sdnctl = (...args: string[]) => sh(process.execPath, SDNCTL, ...args);
async function namespaces(): Promise<string[]> {
  return (await sh('ip', 'netns', 'list'))
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${PREFIX}-`));
}
function processesNaming(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`)) found.push(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}
async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await namespaces(), [], 'no lab namespace is left');
  assert.equal(existsSync(DIR), false, `${DIR} is removed`);
  assert.deepEqual(processesNaming(DIR), [], 'no process (ovs-vtep included) names the lab dir');
}

describe('integration: sdnctl lab with a leaf VTEP (no controller)', function () {
  this.timeout(120_000);
  before(() => requireRootAndOvs());
  after(async () => {
    await sdnctl('lab', 'down', ...LAB, '--prefix', PREFIX).catch(() => undefined);
  });

  it('builds the leaf on the underlay with its ports, reports it, and takes it all down', async () => {
    await sdnctl(...UP);
    const status = JSON.parse(await sdnctl('lab', 'status', '--json', '--dir', DIR)) as LabStatus;
    assert.equal(status.state, 'up');
    const leaf = status.leaf!;
    assert.deepEqual(leaf.processes, { ovsdb: true, vswitchd: true, ovsVtep: true });
    assert.deepEqual(leaf.uplinks, [{ node: 'n1', port: 'up-n1' }]);
    const db = `--db=unix:${join(DIR, 'leaf', 'db.sock')}`;
    assert.deepEqual((await sh('vtep-ctl', db, 'list-ports', 'leaf1')).split('\n').filter(Boolean), [
      'bm0',
      'up-n1',
    ]);
    assert.match(await sh('vtep-ctl', db, 'get', 'Physical_Switch', 'leaf1', 'tunnel_ips'), /10\.99\.0\.250/);
    // n1's end of its trunk is in n1's namespace (the controller adds it to br-int); n2 has none.
    assert.match(
      await sh('ip', 'netns', 'exec', `${PREFIX}-n1`, 'ip', '-br', 'link', 'show', 'eth-leaf'),
      /UP/,
    );
    await assert.rejects(sh('ip', 'netns', 'exec', `${PREFIX}-n2`, 'ip', 'link', 'show', 'eth-leaf'));
    // The leaf is on the underlay: its tunnel address reaches every node's.
    for (const ip of ['10.99.0.1', '10.99.0.2'])
      await sh('ip', 'netns', 'exec', leaf.netns, 'ping', '-c1', '-W2', ip);
    await sdnctl('lab', 'down', ...LAB);
    await assertNothingLeft();
  });

  it('leaves nothing after `up` was killed as soon as ovs-vtep ran', async () => {
    const child = spawn(process.execPath, [SDNCTL, ...UP], { stdio: 'ignore' });
    const ovsVtepPid = join(DIR, 'leaf', 'ovs-vtep.pid');
    const deadline = Date.now() + 60_000;
    while (!existsSync(ovsVtepPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(ovsVtepPid), 'ovs-vtep started');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await sdnctl('lab', 'down', ...LAB);
    await assertNothingLeft();
  });
});
