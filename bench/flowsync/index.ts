// bench/flowsync: program 100,000 flows into one real ovs-vswitchd (userspace datapath), timed until the last
// barrier reply, in the same run as `ovs-ofctl --bundle add-flows` of the same flows from a file; then the resync a
// restarted controller does against the same 100,000 flows (it must send zero FLOW_MODs); and the controller's
// peak RSS. Wall time, and the controller's own CPU time (process.cpuUsage) for each phase: on a busy machine the
// wall time is inflated, the CPU time much less. Bounded: gives up after 5 minutes.
// Run as root: node dist/bench/flowsync/index.js [flows]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FlowSync, OpenFlowServer } from '../../southbound/openflow/index.js';
import { CORPUS_OWNERSHIP, flowCorpus, ofctlText } from '../../test/support/flow-corpus.js';
import { OvsSandbox, cleanupStaleSandboxes } from '../../test/support/ovs.js';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  await cleanupStaleSandboxes();
  const box = await OvsSandbox.start();
  const log = pino({ level: 'warn' });
  const server = new OpenFlowServer({ log });
  try {
    await box.vsctl(
      'add-br',
      'br-int',
      '--',
      'set',
      'bridge',
      'br-int',
      'datapath_type=netdev',
      'protocols=OpenFlow13',
      'fail_mode=secure',
      'other_config:datapath-id=00000000000000be',
    );
    const mgmt = box.mgmt('br-int');
    const flows = flowCorpus(n);
    const count = (): number =>
      Number(
        /flow_count=(\d+)/.exec(
          execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-aggregate', mgmt], { encoding: 'utf8' }),
        )?.[1],
      );

    // ovs-ofctl first, from a file, as one bundle.
    const file = join(box.dir, 'flows.txt');
    writeFileSync(file, ofctlText(n));
    let t0 = performance.now();
    execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', '--bundle', 'add-flows', mgmt, file]);
    const ofctlMs = performance.now() - t0;
    if (count() !== flows.length)
      throw new Error(`ovs-ofctl installed ${count()} flows, expected ${flows.length}`);
    execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt]);

    // Ours, both ways a switch can take them: plain FLOW_MODs pipelined in batches with a barrier each (what a
    // switch without our flows gets by default; measured first, with a cold JIT), and one atomic bundle (what a
    // resync of a switch that holds our flows gets). Timed until the last barrier reply / the commit reply.
    const session = await server.connect(mgmt);
    const rssBefore = process.memoryUsage().rss;
    const cpuMs = (since: NodeJS.CpuUsage): number => {
      const u = process.cpuUsage(since);
      return (u.user + u.system) / 1000;
    };
    const push = async (bundles: boolean): Promise<{ ms: number; cpu: number }> => {
      execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt]);
      const sync = new FlowSync(session, { ownership: CORPUS_OWNERSHIP, log, bundles });
      const c = process.cpuUsage();
      const t = performance.now();
      const r = await sync.sync(flows);
      const ms = performance.now() - t;
      const cpu = cpuMs(c);
      if (r.added !== flows.length || count() !== flows.length)
        throw new Error(`push installed ${count()} flows`);
      return { ms, cpu };
    };
    const plain = await push(false);
    const bundled = await push(true);

    // A restarted controller: a fresh FlowSync dumps the switch and finds nothing to do.
    const restarted = new FlowSync(session, { ownership: CORPUS_OWNERSHIP, log });
    const sentBefore = session.flowModsSent;
    const resyncCpu = process.cpuUsage();
    t0 = performance.now();
    const again = await restarted.sync(flows);
    const resyncMs = performance.now() - t0;
    const resyncCpuMs = cpuMs(resyncCpu);
    const resyncFlowMods = session.flowModsSent - sentBefore;
    if (again.added + again.modified + again.deleted !== 0) throw new Error('resync changed flows');

    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const rate = (ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en')} flows/s`;
    console.log(
      `flows: ${flows.length}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(`ovs-ofctl --bundle add-flows: ${ofctlMs.toFixed(0)} ms (${rate(ofctlMs)})`);
    const vs = (ms: number): string => `${(ofctlMs / ms).toFixed(2)}x ovs-ofctl`;
    const line = (what: string, r: { ms: number; cpu: number }): string =>
      `${what}: ${r.ms.toFixed(0)} ms (${rate(r.ms)}), ${vs(r.ms)}; controller CPU ${r.cpu.toFixed(0)} ms`;
    console.log(line('flow sync, one atomic bundle (to the commit reply)', bundled));
    console.log(
      line('flow sync, FLOW_MODs + barriers (to the last barrier; the default into an empty switch)', plain),
    );
    console.log(
      `resync after restart: ${resyncMs.toFixed(0)} ms, ${resyncFlowMods} FLOW_MODs; controller CPU ${resyncCpuMs.toFixed(0)} ms`,
    );
    console.log(
      `controller peak RSS: ${peakRssMb.toFixed(0)} MB (RSS before push ${(rssBefore / 2 ** 20).toFixed(0)} MB)`,
    );
  } finally {
    await server.close();
    await box.stop();
  }
}

// One bounded command: a wedged switch or sandbox must not hold the machine.
setTimeout(() => {
  console.error('flowsync bench: gave up after 5 minutes');
  process.exit(1);
}, 300_000).unref();

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
