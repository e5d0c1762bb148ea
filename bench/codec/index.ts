// Codec throughput on one core: decode PACKET_IN (64- and 1500-byte payloads), encode a FLOW_MOD with a 5-field
// match and 3 actions, decode a 1000-flow FLOW multipart reply. Each case runs for a fixed time after a warm-up;
// the figure is messages (or replies) per second. Run: `npx tsc -p . && node dist/bench/codec/index.js`.
import os from 'node:os';
import {
  decode,
  encode,
  encodeInto,
  Writer,
  type FlowMod,
  type FlowStats,
  type OfpMessage,
} from '../../protocols/openflow13/index.js';

const RUN_MS = Number(process.env.BENCH_MS ?? 2000);

/**
 * Run `fn` for RUN_MS of wall time after a warm-up; report operations per second of wall time and per second of
 * this process's CPU time. The CPU figure is the one-core throughput even when the machine is shared (it still
 * includes the GC's helper threads, so it is, if anything, low).
 */
function bench(name: string, target: number, fn: () => void, batch = 200): number {
  const deadline = (ms: number): bigint => process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  for (const end = deadline(300); process.hrtime.bigint() < end;) for (let i = 0; i < batch; i++) fn();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(RUN_MS) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpu0);
  const wallRate = n / (Number(now - start) / 1e9);
  const cpuRate = n / ((cpu.user + cpu.system) / 1e6);
  const verdict =
    cpuRate >= target ? 'meets' : `MISSES by ${(((target - cpuRate) / target) * 100).toFixed(1)}%`;
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(12);
  console.log(
    `| ${name} | ${fmt(cpuRate)} | ${fmt(wallRate)} | ${target.toLocaleString('en-US')} | ${verdict} |`,
  );
  return cpuRate;
}

function packetIn(payload: number): Buffer {
  const data = Buffer.alloc(payload, 0xab);
  return encode({
    type: 'packetIn',
    xid: 7,
    bufferId: 0xffffffff,
    totalLen: payload,
    reason: 1,
    tableId: 20,
    cookie: 0x1234_0500_0000_0001n,
    match: [
      { field: 'in_port', value: 3 },
      { field: 'tun_id', value: 5001n },
      { field: 'reg0', value: 0x10 },
    ],
    data,
  });
}

const flowMod: FlowMod = {
  type: 'flowMod',
  xid: 1,
  cookie: 0x1234_0600_0000_002an,
  cookieMask: 0n,
  tableId: 40,
  command: 0,
  idleTimeout: 0,
  hardTimeout: 0,
  priority: 1000,
  bufferId: 0xffffffff,
  outPort: 0xffffffff,
  outGroup: 0xffffffff,
  flags: 0,
  match: [
    { field: 'in_port', value: 5 },
    { field: 'eth_type', value: 0x0800 },
    { field: 'ip_proto', value: 6 },
    { field: 'ipv4_dst', value: '10.244.1.0', mask: '255.255.255.0' },
    { field: 'tcp_dst', value: 443 },
  ],
  instructions: [
    {
      type: 'applyActions',
      actions: [
        { type: 'setField', field: { field: 'eth_dst', value: '0a:58:0a:f4:01:05' } },
        { type: 'decNwTtl' },
        { type: 'output', port: 7, maxLen: 0 },
      ],
    },
  ],
};

function flowReply(n: number): Buffer {
  const stats: FlowStats[] = [];
  for (let i = 0; i < n; i++) {
    stats.push({
      tableId: 50,
      durationSec: 100 + i,
      durationNsec: 5000,
      priority: 100,
      idleTimeout: 0,
      hardTimeout: 0,
      flags: 0,
      cookie: 0x1234_0700_0000_0000n + BigInt(i),
      packetCount: BigInt(i * 10),
      byteCount: BigInt(i * 1500),
      match: [
        { field: 'metadata', value: 5001n },
        {
          field: 'eth_dst',
          value: `0a:58:0a:f4:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
        },
      ],
      instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: (i % 40) + 1, maxLen: 0 }] }],
    });
  }
  // 1000 entries of ~112 bytes exceed one 64 KiB message, so the reply is a sequence of parts with OFPMPF_REPLY_MORE.
  const parts: OfpMessage[] = [];
  const perPart = 500;
  for (let i = 0; i < n; i += perPart) {
    parts.push({
      type: 'multipartReply',
      kind: 'flow',
      xid: 9,
      flags: i + perPart < n ? 1 : 0,
      stats: stats.slice(i, i + perPart),
    });
  }
  return Buffer.concat(parts.map((p) => encode(p)));
}

function main(): void {
  console.log(
    `node ${process.version}, ${RUN_MS} ms per case, one thread; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log('| case | per CPU-second | per wall-second | target | verdict (CPU) |');
  console.log('|---|---:|---:|---:|---|');
  const pi64 = packetIn(64);
  const pi1500 = packetIn(1500);
  let sink = 0;
  bench('decode PACKET_IN, 64-byte payload', 1_000_000, () => {
    const r = decode(pi64);
    if (r.ok) sink += r.message.xid;
  });
  bench('decode PACKET_IN, 1500-byte payload', 1_000_000, () => {
    const r = decode(pi1500);
    if (r.ok) sink += r.message.xid;
  });
  bench('encode FLOW_MOD (5-field match, 3 actions)', 1_000_000, () => {
    sink += encode(flowMod).length;
  });
  const w = new Writer(4096);
  bench('encode FLOW_MOD into a reused Writer', 1_000_000, () => {
    w.reset();
    encodeInto(w, flowMod);
    sink += w.offset;
  });
  const reply = flowReply(1000);
  const parts: Buffer[] = [];
  for (let p = 0; p < reply.length; p += reply.readUInt16BE(p + 2))
    parts.push(reply.subarray(p, p + reply.readUInt16BE(p + 2)));
  bench(
    `decode 1000-flow FLOW reply (${parts.length} parts)`,
    2_000,
    () => {
      for (const part of parts) {
        const r = decode(part);
        if (r.ok && r.message.type === 'multipartReply' && r.message.kind === 'flow')
          sink += r.message.stats.length;
      }
    },
    2,
  );
  if (sink === 42) console.log('');
}

main();
