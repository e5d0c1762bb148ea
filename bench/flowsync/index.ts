// bench/flowsync: program 100,000 flows into one real ovs-vswitchd (userspace datapath), timed until the last
// barrier reply, in the same run as `ovs-ofctl --bundle add-flows` of the same flows from a file, and as the same
// FLOW_MODs encoded before the clock and written at once (ovs-vswitchd's own ceiling); then the resync a
// restarted controller does against the same 100,000 flows (it must send zero FLOW_MODs); and the controller's
// peak RSS. Wall time, and the controller's own CPU time (process.cpuUsage) for each phase: on a busy machine the
// wall time is inflated, the CPU time much less. Bounded: gives up after 5 minutes.
// Run as root: node dist/bench/flowsync/index.js [flows]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FlowModCommand, Writer, writeFlowMod } from '../../protocols/openflow13/index.js';
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
    await box.addBridge('br-int', 'other_config:datapath-id=00000000000000be');
    const mgmt = box.mgmt('br-int');
    const flows = flowCorpus(n);
    const count = (): number =>
      Number(
        /flow_count=(\d+)/.exec(
          execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-aggregate', mgmt], { encoding: 'utf8' }),
        )?.[1],
      );

    // CPU time of ovs-vswitchd, and of our finished children (ovs-ofctl), from /proc: who did the work.
    const vswitchd = Number(readFileSync(join(box.dir, 'vsw.pid'), 'utf8'));
    const ticks = (pid: number | 'self', first: number): number => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[first]) + Number(f[first + 1])) * 10; // utime + stime (or cutime + cstime), 100 Hz
    };
    const switchCpu = (): number => ticks(vswitchd, 11);

    // ovs-ofctl first, from a file, as one bundle.
    const file = join(box.dir, 'flows.txt');
    writeFileSync(file, ofctlText(n));
    const ofctlChildCpu = ticks('self', 13);
    const ofctlSwitchCpu = switchCpu();
    let t0 = performance.now();
    execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', '--bundle', 'add-flows', mgmt, file]);
    const ofctlMs = performance.now() - t0;
    const ofctlCpu = { own: ticks('self', 13) - ofctlChildCpu, vswitchd: switchCpu() - ofctlSwitchCpu };
    if (count() !== flows.length)
      throw new Error(`ovs-ofctl installed ${count()} flows, expected ${flows.length}`);
    execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt]);

    // Ours, both ways a switch can take them: plain FLOW_MODs pipelined in batches with a barrier each (what a
    // switch without our flows gets by default), and one atomic bundle (what a
    // resync of a switch that holds our flows gets). Timed until the last barrier reply / the commit reply.
    const session = await server.connect(mgmt);
    const rssBefore = process.memoryUsage().rss;
    const cpuMs = (since: NodeJS.CpuUsage): number => {
      const u = process.cpuUsage(since);
      return (u.user + u.system) / 1000;
    };
    const push = async (bundles: boolean): Promise<{ ms: number; cpu: number; vswitchd: number }> => {
      execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt]);
      const sync = new FlowSync(session, { ownership: CORPUS_OWNERSHIP, log, bundles });
      const c = process.cpuUsage();
      const sw = switchCpu();
      const t = performance.now();
      const r = await sync.sync(flows);
      const ms = performance.now() - t;
      const cpu = cpuMs(c);
      const vswitchd = switchCpu() - sw;
      if (r.added !== flows.length || count() !== flows.length)
        throw new Error(`push installed ${count()} flows`);
      return { ms, cpu, vswitchd };
    };
    // Warm-up, both ways, on 10,000 flows: the figures are the steady state of a long-running controller, not
    // the JIT compiling the encoder (which costs a cold first push about half as much CPU again).
    for (const bundles of [false, true])
      await new FlowSync(session, { ownership: CORPUS_OWNERSHIP, log, bundles }).sync(flows.slice(0, 10_000));
    const plain = await push(false);
    const bundled = await push(true);

    // A restarted controller: a fresh FlowSync dumps the switch and finds nothing to do.
    const restarted = new FlowSync(session, { ownership: CORPUS_OWNERSHIP, log });
    const sentBefore = session.flowModsSent;
    const resyncCpu = process.cpuUsage();
    const resyncSwitchCpu = switchCpu();
    t0 = performance.now();
    const again = await restarted.sync(flows);
    const resyncMs = performance.now() - t0;
    const resyncCpuMs = cpuMs(resyncCpu);
    const resyncSwitchMs = switchCpu() - resyncSwitchCpu;
    const resyncFlowMods = session.flowModsSent - sentBefore;
    if (again.added + again.modified + again.deleted !== 0) throw new Error('resync changed flows');

    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    // Last, after the peak RSS is read (its 13 MB buffer is not the push's): what ovs-vswitchd itself takes. The
    // same FLOW_MODs encoded before the clock, written at once, then one barrier: no controller work is timed, so
    // no controller pushes these flows faster than this.
    execFileSync('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt]);
    const all = new Writer(flows.length * 128);
    const xid = session.reserveXids(flows.length);
    flows.forEach((f, i) => writeFlowMod(all, xid + i, FlowModCommand.ADD, f));
    const ceilingSwitchCpu = switchCpu();
    t0 = performance.now();
    session.sendBytes(all.view());
    await session.barrier();
    const ceiling = { ms: performance.now() - t0, vswitchd: switchCpu() - ceilingSwitchCpu };
    if (count() !== flows.length) throw new Error(`pre-encoded FLOW_MODs installed ${count()} flows`);

    const rate = (ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en')} flows/s`;
    console.log(
      `flows: ${flows.length}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      `ovs-ofctl --bundle add-flows: ${ofctlMs.toFixed(0)} ms (${rate(ofctlMs)}); ovs-ofctl CPU ${ofctlCpu.own} ms, ovs-vswitchd CPU ${ofctlCpu.vswitchd} ms`,
    );
    const vs = (ms: number): string => `${(ofctlMs / ms).toFixed(2)}x ovs-ofctl`;
    const line = (what: string, r: { ms: number; cpu: number; vswitchd: number }): string =>
      `${what}: ${r.ms.toFixed(0)} ms (${rate(r.ms)}), ${vs(r.ms)}; controller CPU ${r.cpu.toFixed(0)} ms, ovs-vswitchd CPU ${r.vswitchd} ms`;
    console.log(line('flow sync, one atomic bundle (to the commit reply)', bundled));
    console.log(
      line('flow sync, FLOW_MODs + barriers (to the last barrier; the default into an empty switch)', plain),
    );
    console.log(
      `ovs-vswitchd's own ceiling, the FLOW_MODs encoded before the clock and written at once (to one barrier): ` +
        `${ceiling.ms.toFixed(0)} ms (${rate(ceiling.ms)}), ${vs(ceiling.ms)}; ovs-vswitchd CPU ${ceiling.vswitchd} ms`,
    );
    console.log(
      `resync after restart: ${resyncMs.toFixed(0)} ms, ${resyncFlowMods} FLOW_MODs; controller CPU ${resyncCpuMs.toFixed(0)} ms, ovs-vswitchd CPU ${resyncSwitchMs} ms`,
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
