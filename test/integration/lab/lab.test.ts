// `sdnctl lab` without a controller, driven through the real CLI as scripts drive it: two nodes of two pods come
// up with their daemons, underlay and bridges; pods talk across VXLAN on static flows; `down` leaves nothing;
// a killed `up` and a failed `up` leave nothing that stops the next `up`.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireRootAndOvs } from '../../support/ovs';
import type { LabStatus } from '../../../northbound/cli/lab/status';

const exec = promisify(execFile);
const SDNCTL = join(__dirname, '..', '..', '..', 'northbound', 'cli', 'sdnctl.js');
const DIR = '/tmp/sdnlab-itest';
const PREFIX = 'sdnlabit';
const LAB = ['--dir', DIR, '--prefix', PREFIX];

async function sdnctl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, [SDNCTL, ...args], { timeout: 60_000 });
}

async function up(...extra: string[]): Promise<LabStatus> {
  const { stdout } = await sdnctl(
    'lab',
    'up',
    '--no-controller',
    '--nodes',
    '2',
    '--pods',
    '2',
    ...LAB,
    '--json',
    ...extra,
  );
  return JSON.parse(stdout) as LabStatus;
}

async function sh(cmd: string, ...args: string[]): Promise<string> {
  return (await exec(cmd, args, { timeout: 20_000 })).stdout;
}

async function labNamespaces(): Promise<string[]> {
  return (await sh('ip', 'netns', 'list'))
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n === PREFIX || n.startsWith(`${PREFIX}-`));
}

function processesNaming(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z /s.test(stat)) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`)) found.push(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** Root-namespace links, without the counters that change on their own. */
async function rootLinks(): Promise<string> {
  return (await sh('ip', '-br', 'link'))
    .split('\n')
    .map((l) => l.split(/\s+/)[0])
    .sort()
    .join(' ');
}

async function assertNothingLeft(linksBefore: string): Promise<void> {
  assert.deepEqual(await labNamespaces(), [], 'no lab namespace is left');
  assert.equal(existsSync(DIR), false, `${DIR} is removed`);
  assert.deepEqual(processesNaming(DIR), [], 'no process names the lab dir');
  assert.equal(await rootLinks(), linksBefore, 'the root namespace has the same links as before');
}

describe('integration: sdnctl lab (no controller)', function () {
  this.timeout(60_000);
  let linksBefore = '';
  let status: LabStatus;

  before(async () => {
    requireRootAndOvs();
    await sdnctl('lab', 'down', ...LAB); // leftovers of a killed run
    linksBefore = await rootLinks();
    status = await up();
  });
  after(async () => {
    await sdnctl('lab', 'down', ...LAB).catch(() => undefined);
  });

  it('brings up 2 nodes x 2 pods with their ovsdb-server and ovs-vswitchd running', async () => {
    assert.equal(status.state, 'up');
    assert.deepEqual(
      status.nodes.map((n) => [n.name, n.netns, n.tunnelIp, n.processes.ovsdb, n.processes.vswitchd]),
      [
        ['n1', `${PREFIX}-n1`, '10.99.0.1', true, true],
        ['n2', `${PREFIX}-n2`, '10.99.0.2', true, true],
      ],
    );
    assert.deepEqual(
      status.pods.map((p) => [p.name, p.node, p.netns, p.mac, p.ips]),
      [
        ['n1-p1', 'n1', `${PREFIX}-n1-p1`, '02:00:0a:f4:01:01', ['10.244.1.1', 'fd00:10:244::1:1']],
        ['n1-p2', 'n1', `${PREFIX}-n1-p2`, '02:00:0a:f4:01:02', ['10.244.1.2', 'fd00:10:244::1:2']],
        ['n2-p1', 'n2', `${PREFIX}-n2-p1`, '02:00:0a:f4:02:01', ['10.244.2.1', 'fd00:10:244::2:1']],
        ['n2-p2', 'n2', `${PREFIX}-n2-p2`, '02:00:0a:f4:02:02', ['10.244.2.2', 'fd00:10:244::2:2']],
      ],
    );
    const again = JSON.parse((await sdnctl('lab', 'status', '--dir', DIR, '--json')).stdout) as LabStatus;
    assert.deepEqual(again, status);
    // ovs-vswitchd runs inside its node's namespace, ovsdb-server in ours.
    const vswPid = readFileSync(join(DIR, 'n1', 'vsw.pid'), 'utf8').trim();
    assert.match(await sh('ip', 'netns', 'pids', `${PREFIX}-n1`), new RegExp(`^${vswPid}$`, 'm'));
  });

  it("carries pings on the underlay between the nodes' br-phy addresses and the external host", async () => {
    const out = await sh(
      'ip',
      'netns',
      'exec',
      `${PREFIX}-n1`,
      'ping',
      '-c',
      '2',
      '-i',
      '0.2',
      '-W',
      '2',
      '10.99.0.2',
    );
    assert.match(out, / 2 received/);
    assert.doesNotMatch(out, /DUP!/, 'br-phy has its own MAC and arp_ignore=8: no duplicate replies');
    assert.match(
      await sh('ip', 'netns', 'exec', `${PREFIX}-n2`, 'ping', '-c', '1', '-W', '2', '10.99.0.1'),
      / 1 received/,
    );
  });

  it('builds br-int (netdev, OpenFlow13, fail_mode secure, fixed DPID) and br-phy on each node, over OVSDB TCP', async () => {
    for (const node of status.nodes) {
      const get = async (...args: string[]): Promise<string> =>
        (await sh('ovs-vsctl', `--db=${node.ovsdb}`, '--timeout=5', 'get', ...args)).trim();
      assert.equal(await get('bridge', 'br-int', 'fail_mode'), 'secure');
      assert.equal(await get('bridge', 'br-int', 'datapath_type'), 'netdev');
      assert.match(await get('bridge', 'br-int', 'protocols'), /^\["?OpenFlow13"?\]$/);
      assert.equal(await get('bridge', 'br-int', 'other_config:datapath-id'), `"${node.dpid}"`);
      assert.equal(await get('interface', 'vxlan0', 'ofport'), '100');
      assert.equal(await get('interface', 'pod1', 'ofport'), '1');
      assert.equal(await get('bridge', 'br-phy', 'other_config:hwaddr'), `"${node.brPhyMac}"`);
      const neighbours = await sh('ovs-appctl', '-t', node.vswitchdCtl, 'tnl/arp/show');
      const peer = status.nodes.find((n) => n.name !== node.name)!;
      assert.match(
        neighbours,
        new RegExp(`${peer.tunnelIp.replace(/\./g, '\\.')}\\s+${peer.brPhyMac}\\s+br-phy`),
      );
    }
  });

  it('lets pods on different nodes talk over VXLAN (IPv4 and IPv6) once flows are installed', async () => {
    const [n1, n2] = status.nodes;
    for (const [node, peer] of [
      [n1, n2],
      [n2, n1],
    ]) {
      for (const flow of [
        `cookie=0x5e1f,table=0,priority=100,in_port=1,actions=set_field:100->tun_id,set_field:${peer.tunnelIp}->tun_dst,output:100`,
        'cookie=0x5e1f,table=0,priority=100,in_port=100,tun_id=100,actions=output:1',
      ]) {
        await sh('ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', node.brInt, flow);
      }
    }
    const from = `${PREFIX}-n1-p1`;
    assert.match(
      await sh('ip', 'netns', 'exec', from, 'ping', '-c', '1', '-W', '2', '10.244.2.1'),
      / 1 received/,
    );
    assert.match(
      await sh('ip', 'netns', 'exec', from, 'ping', '-6', '-c', '1', '-W', '2', 'fd00:10:244::2:1'),
      / 1 received/,
    );
    // With fail_mode=secure and no flow for it, pod 2 reaches nobody: the bridge never falls back to learning.
    await assert.rejects(
      sh('ip', 'netns', 'exec', `${PREFIX}-n1-p2`, 'ping', '-c', '1', '-W', '1', '10.244.1.1'),
    );
  });

  it('down leaves no namespace, link, process or file', async () => {
    const { stderr } = await sdnctl('lab', 'down', ...LAB);
    assert.match(stderr, /8 namespaces deleted/);
    await assertNothingLeft(linksBefore);
    assert.equal(
      JSON.parse(
        (await sdnctl('lab', 'status', '--dir', DIR, '--json').catch((e: { stdout: string }) => e)).stdout,
      ).state,
      'down',
    );
  });

  it('up after a killed up removes the leftovers and builds the lab again', async () => {
    const child = spawn(
      process.execPath,
      [SDNCTL, 'lab', 'up', '--no-controller', '--nodes', '2', '--pods', '2', ...LAB],
      {
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(DIR, 'n2', 'vsw.pid')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok((await labNamespaces()).length > 0, 'the killed up left namespaces behind');
    assert.ok(processesNaming(DIR).length > 0, 'the killed up left daemons behind');

    const again = await up();
    assert.equal(again.state, 'up');
    assert.equal(again.pods.length, 4);
    assert.ok(again.nodes.every((n) => n.processes.ovsdb && n.processes.vswitchd));
    assert.match(
      await sh('ip', 'netns', 'exec', `${PREFIX}-n2`, 'ping', '-c', '1', '-W', '2', '10.99.0.1'),
      / 1 received/,
    );
    await sdnctl('lab', 'down', ...LAB);
    await assertNothingLeft(linksBefore);
  });

  it('Ctrl-C during up stops the build and tears down what was built', async () => {
    const child = spawn(
      process.execPath,
      [SDNCTL, 'lab', 'up', '--no-controller', '--nodes', '2', '--pods', '8', ...LAB],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(DIR, 'n1', 'ovsdb.pid')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1, stderr);
    assert.match(stderr, /interrupted by SIGINT/);
    assert.match(stderr, /tearing down/);
    await assertNothingLeft(linksBefore);
  });

  it('refuses a lab directory that is a symlink, and leaves its target alone', async () => {
    const target = mkdtempSync(join(tmpdir(), 'sdnlab-target-'));
    const link = `${DIR}-link`;
    rmSync(link, { force: true });
    symlinkSync(target, link);
    try {
      const err = await sdnctl('lab', 'up', '--no-controller', '--dir', link, '--prefix', PREFIX).then(
        () => assert.fail('up must refuse'),
        (e: { stderr: string }) => e,
      );
      assert.match(err.stderr, /is not a directory \(a symlink\?\); pick another --dir/);
      assert.deepEqual(readdirSync(target), []);
      assert.deepEqual(await labNamespaces(), []);
    } finally {
      rmSync(link, { force: true });
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('a failed up (OVSDB port taken) says why and tears down what it built', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const addr = blocker.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      // Node 1 would listen on base + 1 = the port the blocker holds.
      const err = await up('--ovsdb-port-base', String(port - 1)).then(
        () => assert.fail('up must fail'),
        (e: { stderr: string }) => e,
      );
      assert.match(err.stderr, new RegExp(`127\\.0\\.0\\.1:${port} of n1 is not served by its ovsdb-server`));
      assert.match(err.stderr, /tearing down/);
    } finally {
      blocker.close();
    }
    await assertNothingLeft(linksBefore);
  });
});
