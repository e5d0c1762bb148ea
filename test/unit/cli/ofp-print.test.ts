// `sdnctl ofp print FILE...`: every message of a binary file in ovs-ofctl syntax, run as the real executable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, type FlowStats, type OfpMessage } from '../../../protocols/openflow13/index.js';
import { parseFlow } from '../../../protocols/openflow13/ofctl/index.js';

const SDNCTL = join(__dirname, '../../../northbound/cli/sdnctl.js');

function sdnctl(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SDNCTL, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sdnctl ofp print', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sdnctl-ofp-print-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints flow mods, flow-stats replies and packet-ins as ovs-ofctl ofp-print does', () => {
    const stats: FlowStats = {
      tableId: 1,
      durationSec: 2,
      durationNsec: 0,
      priority: 5,
      idleTimeout: 0,
      hardTimeout: 0,
      flags: 0,
      cookie: 0x7n,
      packetCount: 3n,
      byteCount: 180n,
      match: [{ field: 'reg0', value: 1 }],
      instructions: [{ type: 'gotoTable', tableId: 2 }],
    };
    const messages: OfpMessage[] = [
      { ...parseFlow('table=3,priority=100,tcp,tp_dst=80 actions=ct(commit,zone=5),goto_table:4'), xid: 1 },
      { type: 'multipartReply', xid: 2, flags: 0, kind: 'flow', stats: [stats] },
      {
        type: 'packetIn',
        xid: 3,
        bufferId: 0xffffffff,
        totalLen: 0,
        reason: 1,
        tableId: 0,
        cookie: 0n,
        match: [{ field: 'in_port', value: 2 }],
        data: new Uint8Array(0),
      },
      { type: 'hello', xid: 4, elements: [] },
    ];
    const file = join(dir, 'messages.bin');
    writeFileSync(file, Buffer.concat(messages.map(encode)));
    const r = sdnctl('ofp', 'print', file);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout.split('\n'), [
      'OFPT_FLOW_MOD (OF1.3) (xid=0x1): ADD table:3 priority=100,tcp,tp_dst=80 actions=ct(commit,zone=5),goto_table:4',
      'OFPST_FLOW reply (OF1.3) (xid=0x2):',
      ' cookie=0x7, duration=2s, table=1, n_packets=3, n_bytes=180, priority=5,reg0=0x1 actions=goto_table:2',
      'OFPT_PACKET_IN (OF1.3) (xid=0x3): cookie=0x0 total_len=0 in_port=2 (via action) data_len=0 (unbuffered)',
      'OFPT_HELLO (OF1.3) (xid=0x4): not a flow message; `sdnctl ofp decode` shows its fields',
      '',
    ]);
  });

  it('names the file and offset of what it cannot read, and exits non-zero', () => {
    const good = encode({ ...parseFlow('actions=drop'), xid: 9 });
    const file = join(dir, 'truncated.bin');
    writeFileSync(file, Buffer.concat([good, good.subarray(0, 20)]));
    const r = sdnctl('ofp', 'print', file);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'OFPT_FLOW_MOD (OF1.3) (xid=0x9): ADD actions=drop\n');
    assert.match(r.stderr, new RegExp(`${file}: at offset ${good.length}: 20 trailing bytes`));
    const missing = sdnctl('ofp', 'print', join(dir, 'nope.bin'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.bin: ENOENT/);
  });
});
