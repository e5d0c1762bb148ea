// The node dials us: `ovs-vsctl set-manager tcp:CONTROLLER:PORT` on the node, our listener accepts, checks the
// schema, monitors, names the node by its system-id, and the vSwitch driver works over that session.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OvsdbListener, type PassiveNode, PROFILES, VSwitchDriver } from '../../../southbound/ovsdb';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs';
import { captureLogger } from './helpers';

const run = promisify(execFile);

describe('integration: ovsdb passive listener (set-manager)', function () {
  this.timeout(60_000);
  let box: OvsSandbox;
  let listener: OvsdbListener;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start({ vswitchd: false });
    // What ovs-ctl does at boot: let ovsdb-server dial the targets listed in Open_vSwitch.manager_options.
    await run('ovs-appctl', [
      '-t',
      join(box.dir, 'ovsdb.ctl'),
      'ovsdb-server/add-remote',
      'db:Open_vSwitch,Open_vSwitch,manager_options',
    ]);
    await box.vsctl('--no-wait', 'set', 'Open_vSwitch', '.', 'external_ids:system-id=node-7');
    listener = new OvsdbListener({ target: 'ptcp:0:127.0.0.1', log: captureLogger().log });
  });
  after(async () => {
    await listener?.close();
    await box?.stop();
  });

  it('accepts a node that was told set-manager, names it by system-id, and drives it', async () => {
    const port = await listener.listen();
    const arrived = new Promise<PassiveNode>((resolve) => listener.once('node', resolve));
    await box.vsctl('--no-wait', 'set-manager', `tcp:127.0.0.1:${port}`);
    const node = await arrived;
    assert.equal(node.systemId, 'node-7');
    assert.equal(node.client.state, 'monitoring');

    const driver = new VSwitchDriver(node.client, PROFILES.ovs);
    await driver.ensureIntegrationBridge({
      datapathId: '0000000000000007',
      controllers: ['tcp:127.0.0.1:16653'],
    });
    assert.equal(
      (await box.vsctl('get', 'bridge', 'br-int', 'other_config:datapath-id')).trim(),
      '"0000000000000007"',
    );
    await node.client.waitFor(
      () => driver.view().managers.some((m) => m.isConnected),
      5000,
      'manager is_connected',
    );
  });

  it('meets the node again after the session drops (the node redials)', async () => {
    const [node] = listener.connectedNodes;
    const lost = new Promise<string>((resolve) => listener.once('nodeLost', (_n, reason) => resolve(reason)));
    const back = new Promise<PassiveNode>((resolve) => listener.once('node', resolve));
    node!.client.close();
    await lost;
    const again = await back;
    assert.equal(again.systemId, 'node-7');
    assert.ok(
      again.client.replica.find('Bridge', (b) => b.name === 'br-int'),
      'the fresh session has a full replica',
    );
  });
});
