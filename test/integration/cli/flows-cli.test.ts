// `sdnctl flows push|dump` against a real ovs-vswitchd: a file of flows in ovs-ofctl syntax becomes exactly the
// switch's flows under our cookie; a second push changes nothing; foreign flows are left alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs.js';

const run = promisify(execFile);
const SDNCTL = resolve(__dirname, '../../../northbound/cli/sdnctl.js');

const FLOWS = `# a small pipeline, as an engineer writes it
table=0,priority=100,in_port=1,dl_src=02:00:0a:f4:01:01,actions=goto_table:10
table=0,priority=0,actions=drop
table=10,priority=100,dl_dst=02:00:0a:f4:01:02,actions=output:2
table=10,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:1,output:2
table=10,priority=90,ip,nw_dst=10.244.2.0/24,actions=set_field:100->tun_id,set_field:10.99.0.2->tun_dst,output:100
`;

describe('integration: sdnctl flows push|dump', function () {
  this.timeout(60_000);
  let box: OvsSandbox;
  let target: string;
  const sdnctl = async (...args: string[]): Promise<string> =>
    (await run(process.execPath, [SDNCTL, ...args])).stdout;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    await box.addBridge('br-int');
    target = box.mgmt('br-int');
  });
  after(async () => box?.stop());

  it('push installs the file, a second push prints 0/0/0, a foreign flow stays', async () => {
    await box.ofctl('-O', 'OpenFlow13', 'add-flow', target, 'cookie=0x77,table=5,priority=1,actions=drop');
    const file = join(box.dir, 'flows.txt');
    writeFileSync(file, FLOWS);
    assert.equal(
      (await sdnctl('flows', 'push', '--switch', target, file)).trim(),
      'added 5, modified 0, deleted 0',
    );
    assert.equal(
      (await sdnctl('flows', 'push', '--switch', target, file)).trim(),
      'added 0, modified 0, deleted 0',
    );
    writeFileSync(file, FLOWS.replace('output:2\n', 'output:3\n').replace(/^table=0,priority=0.*\n/m, ''));
    assert.equal(
      (await sdnctl('flows', 'push', '--switch', target, file)).trim(),
      'added 0, modified 1, deleted 1',
    );
    const all = await box.ofctl('-O', 'OpenFlow13', 'dump-flows', target);
    assert.match(all, /cookie=0x77/);
    assert.match(all, /dl_dst=02:00:0a:f4:01:02 actions=output:3/);
  });

  it('dump prints our flows in ovs-ofctl syntax', async () => {
    const out = await sdnctl('flows', 'dump', '--switch', target, '--no-stats');
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.ok(
      lines.some((l) =>
        l.includes(
          'priority=90,ip,nw_dst=10.244.2.0/24 actions=set_field:0x64->tun_id,set_field:10.99.0.2->tun_dst,output:100',
        ),
      ),
      out,
    );
    assert.doesNotMatch(out, /cookie=0x77/);
  });
});
