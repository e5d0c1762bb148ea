// `sdnctl ofp decode [--roundtrip] FILE...`: JSON lines out, non-zero exit naming the file and offset on trouble.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from '../../../protocols/openflow13/index.js';
import { bytes, message, nxAction } from '../../../protocols/openflow13/testing/bytes.js';

const sdnctl = path.resolve(__dirname, '..', '..', '..', 'northbound', 'cli', 'sdnctl.js');

describe('sdnctl ofp decode', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofp-decode-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]): { code: number | null; out: string; err: string } => {
    const r = spawnSync(process.execPath, [sdnctl, 'ofp', 'decode', ...args], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('prints one JSON object per message, bigints as strings', () => {
    const file = path.join(dir, 'two.bin');
    fs.writeFileSync(
      file,
      Buffer.concat([
        encode({
          type: 'featuresReply',
          xid: 1,
          datapathId: 0xffffffffffffffffn,
          nBuffers: 0,
          nTables: 254,
          auxiliaryId: 0,
          capabilities: 0,
          reserved: 0,
        }),
        encode({ type: 'echoRequest', xid: 2, data: Buffer.from([0xab]) }),
      ]),
    );
    const r = run('--roundtrip', file);
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { offset: number; message: Record<string, unknown> });
    assert.equal(lines.length, 2);
    assert.equal(lines[0].message.datapathId, '18446744073709551615');
    assert.equal(lines[1].offset, 32);
    assert.equal(lines[1].message.data, 'ab');
  });

  it('with --roundtrip, fails naming the file and offset of the first differing byte', () => {
    // resubmit_table with table 255 decodes to the same value as plain resubmit, which is what re-encoding writes.
    const action = nxAction(14, bytes().u16(5).u8(255).zeros(3).build());
    const packetOut = message(
      13,
      3,
      bytes().u32(0xffffffff).u32(1).u16(action.length).zeros(6).raw(action).build(),
    );
    const file = path.join(dir, 'differs.bin');
    fs.writeFileSync(file, Buffer.concat([encode({ type: 'barrierRequest', xid: 1 }), packetOut]));
    assert.equal(run(file).code, 0, 'plain decode succeeds');
    const r = run('--roundtrip', file);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      new RegExp(
        `${file.replace(/[.]/g, '\\.')}: packetOut at offset 8 re-encodes differently at byte 33 of the message \\(file offset 41`,
      ),
    );
  });

  it('fails on a truncated message, naming the offset', () => {
    const file = path.join(dir, 'truncated.bin');
    fs.writeFileSync(file, encode({ type: 'echoRequest', xid: 2, data: Buffer.alloc(40) }).subarray(0, 20));
    const r = run(file);
    assert.equal(r.code, 1);
    assert.match(r.err, /truncated\.bin: at offset 0: 20 trailing bytes/);
  });

  it('reports a message that does not decode and carries on', () => {
    const file = path.join(dir, 'bad.bin');
    fs.writeFileSync(
      file,
      Buffer.concat([message(5, 1, Buffer.alloc(4)), encode({ type: 'barrierReply', xid: 9 })]),
    );
    const r = run(file);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.bin: message at offset 0 does not decode/);
    assert.match(r.out, /"barrierReply"/);
  });
});
