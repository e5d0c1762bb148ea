// The hardware_vtep driver against ovsdb-server serving vtep.ovsschema: everything it writes is read back with
// vtep-ctl and matches; MACs the leaf learned (Ucast_Macs_Local) are read; `sdnctl ovsdb vtep-show` prints it all.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HARDWARE_VTEP_TABLES, type HardwareVtepTables } from '../../../protocols/ovsdb';
import { HardwareVtepDriver, OvsdbClient } from '../../../southbound/ovsdb';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs';
import { captureLogger, vtepctl } from './helpers';

const run = promisify(execFile);

describe('integration: ovsdb hardware_vtep driver', function () {
  this.timeout(60_000);
  let box: OvsSandbox;
  let client: OvsdbClient<HardwareVtepTables>;
  let vtep: HardwareVtepDriver;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start({ vtep: true, vswitchd: false });
    await vtepctl(box, 'list-ps'); // vtep-ctl creates the Global row on first use, as a leaf would
    client = await OvsdbClient.open({
      target: box.ovsdbTarget,
      database: 'hardware_vtep',
      tables: HARDWARE_VTEP_TABLES,
      log: captureLogger().log,
    });
    vtep = new HardwareVtepDriver(client);
  });
  after(async () => {
    client?.close();
    await box?.stop();
  });

  it('registers a physical switch and port (what an emulated leaf needs)', async () => {
    await vtep.ensurePhysicalSwitch('vtep0', { tunnelIps: ['10.99.0.3'] });
    await vtep.ensurePhysicalPort('vtep0', 'p0');
    await vtep.ensurePhysicalPort('vtep0', 'p0');
    assert.equal((await vtepctl(box, 'list-ps')).trim(), 'vtep0');
    assert.equal((await vtepctl(box, 'list-ports', 'vtep0')).trim(), 'p0');
    assert.equal(
      (await vtepctl(box, 'get', 'Physical_Switch', 'vtep0', 'tunnel_ips')).trim(),
      '["10.99.0.3"]',
    );
  });

  it('creates a logical switch with tunnel_key = VNI and source_node replication', async () => {
    const ls = await vtep.ensureLogicalSwitch('ls100', 100);
    assert.deepEqual(ls, { name: 'ls100', vni: 100, replicationMode: 'source_node', description: '' });
    assert.equal((await vtepctl(box, 'list-ls')).trim(), 'ls100');
    assert.equal((await vtepctl(box, 'get', 'Logical_Switch', 'ls100', 'tunnel_key')).trim(), '100');
    assert.equal(
      (await vtepctl(box, 'get', 'Logical_Switch', 'ls100', 'replication_mode')).trim(),
      'source_node',
    );
    await assert.rejects(vtep.ensureLogicalSwitch('bad', 1 << 24), /not in 1\.\.16777215/);
  });

  it('binds (port, VLAN) to the logical switch, rebinds and unbinds', async () => {
    await vtep.ensureLogicalSwitch('ls200', 200);
    await vtep.bindVlan('vtep0', 'p0', 10, 'ls100');
    await vtep.bindVlan('vtep0', 'p0', 20, 'ls200');
    assert.equal((await vtepctl(box, 'list-bindings', 'vtep0', 'p0')).trim(), '0010 ls100\n0020 ls200');
    await vtep.bindVlan('vtep0', 'p0', 20, 'ls100');
    assert.equal((await vtepctl(box, 'list-bindings', 'vtep0', 'p0')).trim(), '0010 ls100\n0020 ls100');
    assert.equal(await vtep.unbindVlan('vtep0', 'p0', 20), true);
    assert.equal((await vtepctl(box, 'list-bindings', 'vtep0', 'p0')).trim(), '0010 ls100');
    await assert.rejects(vtep.bindVlan('vtep0', 'nope', 10, 'ls100'), /has no port nope/);
  });

  it('writes remote unicast MACs behind shared locators', async () => {
    await vtep.setUcastRemote('ls100', '02:00:0A:F4:01:01', '10.99.0.1', '10.244.1.1');
    await vtep.setUcastRemote('ls100', '02:00:0a:f4:01:02', '10.99.0.1');
    await vtep.setUcastRemote('ls100', '02:00:0a:f4:02:01', '10.99.0.2');
    const remote = (await vtepctl(box, 'list-remote-macs', 'ls100')).trim();
    assert.match(remote, /02:00:0a:f4:01:01 -> vxlan_over_ipv4\/10\.99\.0\.1/);
    assert.match(remote, /02:00:0a:f4:01:02 -> vxlan_over_ipv4\/10\.99\.0\.1/);
    assert.match(remote, /02:00:0a:f4:02:01 -> vxlan_over_ipv4\/10\.99\.0\.2/);
    assert.equal(
      (await vtepctl(box, '--bare', '--columns=_uuid', 'list', 'Physical_Locator')).trim().split(/\s+/)
        .length,
      2,
    );
    // moving a MAC to another VTEP
    await vtep.setUcastRemote('ls100', '02:00:0a:f4:01:02', '10.99.0.2');
    assert.match(
      await vtepctl(box, 'list-remote-macs', 'ls100'),
      /02:00:0a:f4:01:02 -> vxlan_over_ipv4\/10\.99\.0\.2/,
    );
    assert.equal(vtep.remoteMacs('ls100').length, 3);
    assert.equal(await vtep.removeUcastRemote('ls100', '02:00:0a:f4:01:02'), true);
    assert.doesNotMatch(await vtepctl(box, 'list-remote-macs', 'ls100'), /02:00:0a:f4:01:02/);
  });

  it('writes the BUM flood list (unknown-dst) as a locator set', async () => {
    await vtep.setMcastRemote('ls100', ['10.99.0.1', '10.99.0.2']);
    const remote = await vtepctl(box, 'list-remote-macs', 'ls100');
    assert.match(remote, /unknown-dst -> vxlan_over_ipv4\/10\.99\.0\.1/);
    assert.match(remote, /unknown-dst -> vxlan_over_ipv4\/10\.99\.0\.2/);
    await vtep.setMcastRemote('ls100', ['10.99.0.2']);
    const after = await vtepctl(box, 'list-remote-macs', 'ls100');
    assert.doesNotMatch(after, /unknown-dst -> vxlan_over_ipv4\/10\.99\.0\.1/);
    assert.match(after, /unknown-dst -> vxlan_over_ipv4\/10\.99\.0\.2/);
  });

  it('reads the MACs the leaf learned (Ucast_Macs_Local)', async () => {
    await vtepctl(box, 'add-ucast-local', 'ls100', '02:00:0a:f4:03:01', '10.99.0.3');
    await client.waitFor(() => vtep.localMacs().length === 1, 5000);
    assert.deepEqual(vtep.localMacs('ls100'), [
      { mac: '02:00:0a:f4:03:01', logicalSwitch: 'ls100', tunnelIp: '10.99.0.3', ipaddr: '' },
    ]);
    assert.deepEqual(vtep.localMacs('ls200'), []);
  });

  it('`sdnctl ovsdb vtep-show` prints switches, bindings and MACs', async () => {
    const { stdout } = await run('node', [
      'dist/northbound/cli/sdnctl.js',
      'ovsdb',
      'vtep-show',
      '--db',
      box.ovsdbTarget,
    ]);
    assert.equal(
      stdout,
      [
        'Physical_Switch vtep0',
        '    tunnel_ips: ["10.99.0.3"]',
        '    Physical_Port p0',
        '        vlan_bindings:',
        '            10="ls100"',
        'Logical_Switch ls100',
        '    tunnel_key: 100',
        '    replication_mode: source_node',
        '    ucast-mac-remote 02:00:0a:f4:01:01 -> vxlan_over_ipv4/10.99.0.1 (10.244.1.1)',
        '    ucast-mac-remote 02:00:0a:f4:02:01 -> vxlan_over_ipv4/10.99.0.2',
        '    mcast-mac-remote unknown-dst -> vxlan_over_ipv4/10.99.0.2',
        '    ucast-mac-local 02:00:0a:f4:03:01 -> vxlan_over_ipv4/10.99.0.3',
        'Logical_Switch ls200',
        '    tunnel_key: 200',
        '    replication_mode: source_node',
        '',
      ].join('\n'),
    );
  });

  it('deletes a logical switch with its bindings and MACs', async () => {
    assert.equal(await vtep.deleteLogicalSwitch('ls100'), true);
    assert.equal((await vtepctl(box, 'list-ls')).trim(), 'ls200');
    assert.equal((await vtepctl(box, 'list-bindings', 'vtep0', 'p0')).trim(), '');
    assert.equal((await vtepctl(box, 'list', 'Ucast_Macs_Remote')).trim(), '');
    assert.equal(await vtep.deleteLogicalSwitch('ls100'), false);
  });
});
