// Faults in the lab (issue 11): the controller killed and restarted at steady state, one node's ovs-vswitchd
// killed and restarted, one node's ovsdb-server restarted. What the switches received is counted by the switches
// themselves: ovs-vswitchd logs every OpenFlow message it receives (vconn at debug level) and ovsdb-server every
// JSON-RPC request (jsonrpc at debug level), so a FLOW_MOD or an OVSDB write the controller did not log still counts.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startVswitchd } from '../../../northbound/cli/lab/ovs.js';
import { readState } from '../../../northbound/cli/lab/state.js';
import type { NodePlan } from '../../../northbound/cli/lab/layout.js';
import { ControllerProcess } from '../../support/controller-process.js';
import { Lab, ping, type LabPod, type LabStatus } from '../../support/lab.js';
import { cleanupStaleSandboxes, freeTcpPort, requireRootAndOvs } from '../../support/ovs.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A log file read from a remembered offset: what a process wrote since `mark()`. */
class LogTail {
  private offset = 0;
  constructor(readonly path: string) {}
  mark(): void {
    this.offset = statSync(this.path).size;
  }
  since(): string {
    return readFileSync(this.path).subarray(this.offset).toString();
  }
}

async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** A ping that runs while something breaks: how many were sent and how many came back. */
function continuousPing(
  netns: string,
  ip: string,
  count: number,
): Promise<{ sent: number; received: number }> {
  const p = spawn(
    'ip',
    ['netns', 'exec', netns, 'ping', '-4', '-n', '-i', '0.05', '-W', '2', '-c', String(count), ip],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) =>
    p.once('exit', () => {
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      resolve({ sent: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0) });
    }),
  );
}

const flowMods = (log: string): number => (log.match(/received: OFPT_FLOW_MOD/g) ?? []).length;
/** Each message of one type vswitchd logged as received, with its decoded body (vconn prints it on the next lines). */
const received = (log: string, type: string): string[] =>
  log
    .split(/\n(?=\d{4}-\d\d-\d\dT)/)
    .filter((entry) => entry.includes(`received: ${type}`))
    .map((entry) => entry.replace(/^.*?received: /, '').replace(/\s+/g, ' '));
/** OVSDB transact requests from the controller (TCP) that change something; reads and vswitchd's own are left out. */
const ovsdbWrites = (log: string): string[] =>
  log
    .split('\n')
    .filter(
      (l) =>
        /tcp:127\.0\.0\.1:\d+: received request, method="transact"/.test(l) &&
        /"op":"(insert|update|delete|mutate)"/.test(l),
    );

describe('e2e faults: restarts in a two-node lab', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let status: LabStatus;
  let nodes: NodePlan[];
  let openflow: string;
  const vsw = (n: NodePlan) => new LogTail(join(n.dir, 'vsw.log'));
  const db = (n: NodePlan) => new LogTail(join(n.dir, 'ovsdb.log'));
  const v4 = (p: LabPod): string => p.ips.find((ip) => !ip.includes(':')) as string;

  const ourFlows = async (n: NodePlan): Promise<string[]> => {
    const { stdout } = await run('ovs-ofctl', [
      '-O',
      'OpenFlow13',
      '--no-stats',
      'dump-flows',
      `unix:${join(n.dir, 'br-int.mgmt')}`,
    ]);
    return stdout
      .split('\n')
      .filter((l) => l.includes('cookie=0x5dc0'))
      .map((l) => l.trim())
      .sort();
  };
  const ports = async (n: NodePlan): Promise<string[]> => {
    const { stdout } = await run('ovs-vsctl', [
      `--db=unix:${n.dbSocket}`,
      '--timeout=10',
      '--format=csv',
      '--columns=name,ofport',
      'list',
      'Interface',
    ]);
    return stdout.split('\n').slice(1).filter(Boolean).sort();
  };
  /** The pair of pods of one tenant on different nodes. */
  const crossPair = (): [LabPod, LabPod] => {
    const a = status.pods[0];
    const b = status.pods.find((p) => p.tenant === a?.tenant && p.node !== a?.node);
    assert.ok(a && b, 'the lab has a tenant on both nodes');
    return [a, b];
  };

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    openflow = `127.0.0.1:${await freeTcpPort()}`;
    controller = await new ControllerProcess(
      mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-ctl-`)),
      {},
      openflow,
    ).start();
    lab = await Lab.up(controller, { nodes: 2, pods: 2, tenants: 1 });
    status = await lab.status();
    nodes = readState(lab.dir)!.plan.nodes;
    for (const n of nodes) {
      await run('ovs-appctl', ['-t', join(n.dir, 'vsw.ctl'), 'vlog/set', 'vconn:file:dbg', 'rconn:file:dbg']);
      await run('ovs-appctl', ['-t', join(n.dir, 'ovsdb.ctl'), 'vlog/set', 'jsonrpc:file:dbg']);
    }
    const [a, b] = crossPair();
    assert.ok(await ping(a.netns, v4(b)), 'the lab forwards before any fault');
  });
  after(async () => {
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  // Issue 11 asks for zero FLOW_MODs and no lost ping here. Groups and meters are synced like flows (read from the
  // switch on connect, diffed), so zero GROUP_MODs and METER_MODs are asserted too.
  it('controller kill -9 and restart at steady state: zero FLOW/GROUP/METER_MODs, zero OVSDB writes, no ping lost', async () => {
    const [a, b] = crossPair();
    const before = await Promise.all(nodes.map(ourFlows));
    const tails = nodes.map((n) => ({ vsw: vsw(n), db: db(n) }));
    for (const t of tails) {
      t.vsw.mark();
      t.db.mark();
    }
    const pinging = continuousPing(a.netns, v4(b), 160); // 8 s at 20/s around the restart
    await sleep(1000);
    await controller!.kill('SIGKILL');
    controller = await new ControllerProcess(controller!.dataDir, {}, openflow).start();
    // Each switch reconnects and the new controller reads its flow table (a flow stats request) before deciding.
    for (const t of tails) {
      await waitFor('the switch reconnects and is read', 20_000, () =>
        /received: OFPST_FLOW request/.test(t.vsw.since()),
      );
    }
    const result = await pinging;
    await sleep(1000); // anything the reconciler was going to send has been sent by now
    assert.equal(result.sent, 160);
    // Every figure is gathered before asserting, so one run shows them all.
    const problems: string[] = [];
    const figures: string[] = [`${result.sent - result.received}/${result.sent} pings lost`];
    if (result.received < result.sent)
      problems.push(`${result.sent - result.received} of ${result.sent} pings lost`);
    for (const [i, t] of tails.entries()) {
      const name = nodes[i]!.name;
      const log = t.vsw.since();
      const mods = received(log, 'OFPT_FLOW_MOD');
      const groups = received(log, 'OFPT_GROUP_MOD');
      const meters = received(log, 'OFPT_METER_MOD');
      figures.push(
        `${name}: ${mods.length} FLOW_MOD, ${groups.length} GROUP_MOD, ${meters.length} METER_MOD`,
      );
      for (const [what, lines] of [
        ['FLOW_MOD', mods],
        ['GROUP_MOD', groups],
        ['METER_MOD', meters],
      ] as const) {
        if (lines.length > 0)
          problems.push(`${name} received ${lines.length} ${what}s:\n${lines.slice(0, 5).join('\n')}`);
      }
      const writes = ovsdbWrites(t.db.since());
      if (writes.length > 0) problems.push(`${name} OVSDB written ${writes.length} times:\n${writes[0]}`);
      const after = await ourFlows(nodes[i]!);
      if (after.join('\n') !== before[i]!.join('\n')) problems.push(`${name} flow table changed`);
    }
    process.stdout.write(`      (after the restart: ${figures.join(', ')})\n`);
    assert.deepEqual(problems, []);
  });

  it('ovs-vswitchd killed and restarted on one node: its flows and ports come back; the other node is untouched', async () => {
    const [victim, other] = nodes as [NodePlan, NodePlan];
    const flowsBefore = await ourFlows(victim);
    const portsBefore = await ports(victim);
    const otherTail = vsw(other);
    otherTail.mark();
    const pid = Number(readFileSync(join(victim.dir, 'vsw.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor('ovs-vswitchd exits', 5000, () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    rmSync(join(victim.dir, 'vsw.pid'), { force: true });
    await startVswitchd(victim);
    const back = Date.now();
    const ms = await waitFor('flows and ports come back', 20_000, async () => {
      const f = await ourFlows(victim).catch(() => []);
      return f.length === flowsBefore.length && f.join('\n') === flowsBefore.join('\n');
    });
    assert.deepEqual(await ports(victim), portsBefore, 'same ports with the same OpenFlow numbers');
    process.stdout.write(
      `      (flows back ${Date.now() - back} ms after ovs-vswitchd returned; first check at ${ms} ms)\n`,
    );
    assert.equal(
      flowMods(otherTail.since()),
      0,
      `${other.name} received FLOW_MODs while ${victim.name} was down`,
    );
    const [a, b] = crossPair();
    assert.ok(await ping(a.netns, v4(b)), 'pods across the restarted node ping again');
    assert.ok(await ping(b.netns, v4(a)));
  });

  it('ovsdb-server restarted: the controller resyncs without duplicate rows or writes', async () => {
    const [victim] = nodes as [NodePlan];
    const dump = async () => {
      const { stdout } = await run('ovs-vsctl', [
        `--db=unix:${victim.dbSocket}`,
        '--timeout=10',
        '--format=csv',
        '--columns=_uuid,name',
        'list',
        'Port',
      ]);
      return stdout.split('\n').slice(1).filter(Boolean).sort();
    };
    const rowsBefore = await dump();
    const pid = Number(readFileSync(join(victim.dir, 'ovsdb.pid'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    await waitFor('ovsdb-server exits', 5000, () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    // Mark the log before the server starts, and have it log JSON-RPC from its first request: the controller may
    // reconnect within 100 ms, before any later `vlog/set` would take effect.
    const tail = db(victim);
    tail.mark();
    await run('ovsdb-server', [
      join(victim.dir, 'conf.db'),
      `--remote=punix:${victim.dbSocket}`,
      `--remote=ptcp:${victim.ovsdbPort}:127.0.0.1`,
      `--pidfile=${join(victim.dir, 'ovsdb.pid')}`,
      `--unixctl=${join(victim.dir, 'ovsdb.ctl')}`,
      `--log-file=${join(victim.dir, 'ovsdb.log')}`,
      '-vjsonrpc:file:dbg',
      '--detach',
    ]);
    // The controller's replica reconnects (its backoff is at most a few seconds) and monitors again.
    await waitFor('the controller monitors again', 30_000, () =>
      /tcp:127\.0\.0\.1:\d+: received request, method="monitor/.test(tail.since()),
    );
    await sleep(1500);
    const rowsAfter = await dump();
    const names = rowsAfter.map((r) => r.split(',')[1]);
    assert.equal(new Set(names).size, names.length, `duplicate Port rows: ${rowsAfter.join(' | ')}`);
    assert.deepEqual(rowsAfter, rowsBefore, 'the same rows, same UUIDs');
    assert.deepEqual(ovsdbWrites(tail.since()), [], 'no OVSDB writes after the resync');
    const [a, b] = crossPair();
    assert.ok(await ping(a.netns, v4(b)));
  });
});
