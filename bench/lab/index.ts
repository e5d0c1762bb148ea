// How long `sdnctl lab up` and `lab down` take through the CLI (Node.js start included), for bare labs
// (--no-controller) of a few sizes, and whether all pods can reach each other over VXLAN on static flows.
//   node dist/bench/lab/index.js [--runs N]
// Needs root and Open vSwitch; uses its own directory and namespace prefix, and tears down after every run.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LabStatus } from '../../northbound/cli/lab/status';

const exec = promisify(execFile);
const SDNCTL = join(__dirname, '..', '..', 'northbound', 'cli', 'sdnctl.js');
const LAB = ['--dir', '/tmp/sdnlab-bench', '--prefix', 'sdnlabb'];
const SIZES: [number, number][] = [
  [2, 2],
  [2, 4],
  [3, 4],
  [4, 8],
];

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, out];
}

/** Every pod j on node a reaches pod j on every other node: flows pod j <-> tun_id j, one per direction. */
async function pingAcross(status: LabStatus): Promise<[number, number]> {
  const podsPerNode = status.pods.filter((p) => p.node === status.nodes[0].name).length;
  for (const node of status.nodes) {
    const flows: string[] = [];
    for (let j = 1; j <= podsPerNode; j++) {
      flows.push(`table=0,priority=50,in_port=100,tun_id=${j},actions=output:${j}`);
      for (const peer of status.nodes) {
        if (peer === node) continue;
        const dst = status.pods.find((p) => p.node === peer.name && p.name.endsWith(`-p${j}`))!;
        flows.push(
          `table=0,priority=100,in_port=${j},ip,nw_dst=${dst.ips[0]},actions=set_field:${j}->tun_id,set_field:${peer.tunnelIp}->tun_dst,output:100`,
          `table=0,priority=100,in_port=${j},arp,arp_tpa=${dst.ips[0]},actions=set_field:${j}->tun_id,set_field:${peer.tunnelIp}->tun_dst,output:100`,
        );
      }
    }
    for (const f of flows) await exec('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flow', node.brInt, f]);
  }
  let ok = 0;
  let total = 0;
  for (const src of status.pods) {
    for (const dst of status.pods) {
      if (src.node === dst.node || src.name.split('-')[1] !== dst.name.split('-')[1]) continue;
      total++;
      await exec('ip', ['netns', 'exec', src.netns, 'ping', '-c', '1', '-W', '2', dst.ips[0]]).then(
        () => ok++,
        () => undefined,
      );
    }
  }
  return [ok, total];
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  await exec(process.execPath, [SDNCTL, 'lab', 'down', ...LAB]);
  console.log(`lab up/down through the CLI, --no-controller, ${runs} runs each (ms: min / median / max)`);
  console.log('nodes x pods | up (ms)            | down (ms)          | cross-node pings');
  for (const [nodes, pods] of SIZES) {
    const ups: number[] = [];
    const downs: number[] = [];
    let pings = '';
    for (let r = 0; r < runs; r++) {
      const [up, out] = await timed(() =>
        exec(process.execPath, [
          SDNCTL,
          'lab',
          'up',
          '--no-controller',
          '--nodes',
          `${nodes}`,
          '--pods',
          `${pods}`,
          ...LAB,
          '--json',
        ]),
      );
      ups.push(up);
      if (r === 0) {
        const [ok, total] = await pingAcross(JSON.parse(out.stdout) as LabStatus);
        pings = `${ok}/${total}`;
      }
      const [down] = await timed(() => exec(process.execPath, [SDNCTL, 'lab', 'down', ...LAB]));
      downs.push(down);
    }
    const fmt = (xs: number[]): string => {
      const s = [...xs].sort((a, b) => a - b);
      return `${s[0].toFixed(0)} / ${s[Math.floor(s.length / 2)].toFixed(0)} / ${s[s.length - 1].toFixed(0)}`.padEnd(
        16,
      );
    };
    console.log(`${`${nodes} x ${pods}`.padEnd(12)} | ${fmt(ups)} | ${fmt(downs)} | ${pings}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
