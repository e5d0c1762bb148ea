// The test harness itself: a private ovsdb-server + ovs-vswitchd comes up, takes a bridge, and goes away cleanly.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { OvsSandbox, cleanupStaleSandboxes } from '../support/ovs';

describe('integration: OVS sandbox harness', function () {
  this.timeout(60_000);
  let box: OvsSandbox | undefined;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
  });
  after(async () => box?.stop());

  it('runs a userspace bridge that answers OpenFlow 1.3 on its management socket', async () => {
    const b = box!;
    await b.addBridge('br-int');
    const out = await b.ofctl('-O', 'OpenFlow13', 'show', b.mgmt('br-int'));
    assert.match(out, /OFPT_FEATURES_REPLY \(OF1\.3\)/);
  });

  it('leaves no namespace and no directory behind', async () => {
    const b = box!;
    await b.stop();
    box = undefined;
    assert.equal(existsSync(b.dir), false);
    assert.doesNotMatch(
      execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }),
      new RegExp(b.netns + '\\b'),
    );
  });
});
