// The vSwitch driver against a real ovsdb-server and userspace ovs-vswitchd: everything it writes is read back
// with ovs-vsctl and matches, and `sdnctl ovsdb show` prints it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OPEN_VSWITCH_TABLES, type OpenVswitchTables } from '../../../protocols/ovsdb';
import { OvsdbClient, PROFILES, VSwitchDriver } from '../../../southbound/ovsdb';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs';
import { captureLogger, transactionLog } from './helpers';

const run = promisify(execFile);

describe('integration: ovsdb vSwitch driver', function () {
  this.timeout(60_000);
  let box: OvsSandbox;
  let client: OvsdbClient<OpenVswitchTables>;
  let driver: VSwitchDriver;
  const logs = captureLogger();
  const get = async (...args: string[]) => (await box.vsctl('get', ...args)).trim();

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start({ tcp: true });
    client = await OvsdbClient.open({
      target: box.ovsdbTcpTarget,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log: logs.log,
    });
    driver = new VSwitchDriver(client, PROFILES.ovs);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(logs.lines.filter((l) => l.level >= 40));
  });
  after(async () => {
    client?.close();
    await box?.stop();
  });

  it('creates br-int with its controller in the same transaction (OVS-LAB.md G2) and reads it back', async () => {
    const view = await driver.ensureIntegrationBridge({
      datapathType: 'netdev',
      datapathId: '00000000000000a1',
      controllers: ['tcp:127.0.0.1:16653'],
    });
    assert.equal(await get('bridge', 'br-int', 'datapath_type'), 'netdev');
    assert.equal(await get('bridge', 'br-int', 'protocols'), '[OpenFlow13]');
    assert.equal(await get('bridge', 'br-int', 'fail_mode'), 'secure');
    assert.equal(await get('bridge', 'br-int', 'other_config:datapath-id'), '"00000000000000a1"');
    assert.equal(await get('bridge', 'br-int', 'other_config:disable-in-band'), '"true"');
    assert.equal((await box.vsctl('get-controller', 'br-int')).trim(), 'tcp:127.0.0.1:16653');
    assert.equal(await get('controller', 'br-int', 'connection_mode'), 'out-of-band');
    assert.equal(await get('controller', 'br-int', 'max_backoff'), '1000');

    const created = (await transactionLog(box)).filter((r) => /table Bridge insert row "br-int"/.test(r));
    assert.equal(created.length, 1);
    assert.match(
      created[0]!,
      /table Controller insert row/,
      'the controller must be set by the creating transaction',
    );

    assert.equal(view.failMode, 'secure');
    assert.deepEqual(view.protocols, ['OpenFlow13']);
    assert.deepEqual(
      view.controllers.map((c) => c.target),
      ['tcp:127.0.0.1:16653'],
    );
    // vswitchd reports the datapath id it applied
    await client.waitFor(() => driver.bridge()?.datapath_id[0] === '00000000000000a1', 5000, 'datapath_id');
  });

  it('writes nothing when the bridge already is as asked, and converges a bridge changed behind its back', async () => {
    const before = (await transactionLog(box)).length;
    await driver.ensureIntegrationBridge({
      datapathType: 'netdev',
      datapathId: '00000000000000a1',
      controllers: ['tcp:127.0.0.1:16653'],
    });
    assert.equal((await transactionLog(box)).length, before, 'an idempotent ensure must not commit');

    await box.vsctl(
      'set',
      'bridge',
      'br-int',
      'fail_mode=standalone',
      'protocols=OpenFlow10,OpenFlow13',
      'other_config:datapath-id=0000000000000bad',
    );
    await client.waitFor(() => driver.bridge()?.fail_mode[0] === 'standalone', 5000);
    await driver.ensureIntegrationBridge({
      datapathType: 'netdev',
      datapathId: '00000000000000a1',
      controllers: ['tcp:127.0.0.1:16653', 'tcp:127.0.0.1:16654'],
    });
    assert.equal(await get('bridge', 'br-int', 'fail_mode'), 'secure');
    assert.equal(await get('bridge', 'br-int', 'protocols'), '[OpenFlow13]');
    assert.equal(await get('bridge', 'br-int', 'other_config:datapath-id'), '"00000000000000a1"');
    assert.deepEqual((await box.vsctl('get-controller', 'br-int')).trim().split('\n').sort(), [
      'tcp:127.0.0.1:16653',
      'tcp:127.0.0.1:16654',
    ]);
    assert.equal(
      (await box.vsctl('--columns=_uuid', 'list', 'controller')).trim().split(/\n+/).length,
      2,
      'old controller rows are collected',
    );
  });

  it('adds the flow-based VXLAN port at its pinned ofport', async () => {
    const port = await driver.ensureTunnelPort();
    assert.equal(await get('interface', 'vxlan0', 'type'), 'vxlan');
    assert.equal(await get('interface', 'vxlan0', 'options'), '{key=flow, remote_ip=flow}');
    assert.equal(await get('interface', 'vxlan0', 'ofport_request'), '65000');
    assert.equal(await driver.waitForOfport('vxlan0', 5000), 65000);
    assert.equal(await get('interface', 'vxlan0', 'ofport'), '65000');
    assert.deepEqual(port.interfaces[0]!.options, { key: 'flow', remote_ip: 'flow' });
  });

  it('adds the uplink trunk of the network-overlay model', async () => {
    await box.inNetns('ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0-peer');
    const port = await driver.ensureUplinkPort({ device: 'up0', vlans: [20, 10] });
    assert.equal(await get('port', 'up0', 'trunks'), '[10, 20]');
    assert.deepEqual(port.trunks, [10, 20]);
    await driver.ensureUplinkPort({ device: 'up0', vlans: [10, 20, 30] });
    assert.equal(await get('port', 'up0', 'trunks'), '[10, 20, 30]');
  });

  it('attaches an endpoint port with its external_ids and returns the ofport the switch gave it', async () => {
    await box.inNetns('ip', 'link', 'add', 'pod1', 'type', 'veth', 'peer', 'name', 'pod1-c');
    const ofport = await driver.attachPort({
      name: 'pod1',
      mac: '02:00:0a:f4:01:01',
      ifaceId: 'ep-0001',
      ofportRequest: 7,
      vlan: 10,
      externalIds: { 'container-id': 'c0ffee', 'k8s-pod-namespace': 'default', 'k8s-pod-name': 'web-1' },
    });
    assert.equal(ofport, 7);
    assert.equal(await get('interface', 'pod1', 'ofport'), '7');
    assert.equal(await get('port', 'pod1', 'tag'), '10');
    assert.equal(
      await get('interface', 'pod1', 'external_ids'),
      '{attached-mac="02:00:0a:f4:01:01", container-id=c0ffee, iface-id=ep-0001, iface-status=active, k8s-pod-name=web-1, k8s-pod-namespace=default}',
    );
    assert.equal(
      (
        await box.vsctl('--bare', '--columns=name', 'find', 'interface', 'external_ids:iface-id=ep-0001')
      ).trim(),
      'pod1',
    );
    // attaching again is a no-op and gives the same ofport
    assert.equal(
      await driver.attachPort({
        name: 'pod1',
        mac: '02:00:0a:f4:01:01',
        ifaceId: 'ep-0001',
        ofportRequest: 7,
        vlan: 10,
      }),
      7,
    );
  });

  it('fails to attach a device the node does not have, with the switch`s reason', async () => {
    await assert.rejects(
      driver.attachPort({ name: 'ghost0', mac: '02:00:00:00:00:99', ifaceId: 'ep-ghost' }),
      /port ghost0: .*(No such device|could not open)/,
    );
    await driver.detachPort('ghost0');
  });

  it('sets ingress policing and egress QoS per port and removes them', async () => {
    await driver.setIngressPolicing('pod1', { rateKbps: 10_000, burstKb: 1_000 });
    assert.equal(await get('interface', 'pod1', 'ingress_policing_rate'), '10000');
    assert.equal(await get('interface', 'pod1', 'ingress_policing_burst'), '1000');

    await driver.setEgressQos('pod1', { maxRateBps: 50_000_000 });
    const qos = await get('port', 'pod1', 'qos');
    assert.equal(await get('qos', qos, 'type'), 'linux-htb');
    assert.equal(await get('qos', qos, 'other_config:max-rate'), '"50000000"');
    const queue = (await get('qos', qos, 'queues')).replace(/^\{0=(.*)\}$/, '$1');
    assert.equal(await get('queue', queue, 'other_config:max-rate'), '"50000000"');
    await driver.setEgressQos('pod1', { maxRateBps: 20_000_000 });
    assert.equal(await get('port', 'pod1', 'qos'), qos, 'a new rate updates the same QoS row');
    assert.equal(await get('qos', qos, 'other_config:max-rate'), '"20000000"');

    const view = driver.portView('pod1')!;
    assert.deepEqual(view.qos, {
      type: 'linux-htb',
      otherConfig: { 'max-rate': '20000000' },
      queues: { 0: { 'max-rate': '20000000' } },
    });
    assert.deepEqual(view.interfaces[0]!.ingressPolicing, { rateKbps: 10_000, burstKb: 1_000 });

    await driver.setEgressQos('pod1', null);
    await driver.setIngressPolicing('pod1', null);
    assert.equal(await get('port', 'pod1', 'qos'), '[]');
    assert.equal((await box.vsctl('list', 'qos')).trim(), '');
    assert.equal((await box.vsctl('list', 'queue')).trim(), '');
    assert.equal(await get('interface', 'pod1', 'ingress_policing_rate'), '0');
  });

  it('reads everything back as one view, and `sdnctl ovsdb show` prints it like ovs-vsctl show', async () => {
    const view = driver.view();
    const br = view.bridges.find((b) => b.name === 'br-int')!;
    assert.deepEqual(
      br.ports.map((p) => p.name),
      ['br-int', 'pod1', 'up0', 'vxlan0'],
    );
    assert.equal(br.ports.find((p) => p.name === 'pod1')!.interfaces[0]!.externalIds['iface-id'], 'ep-0001');

    const { stdout } = await run('node', [
      'dist/northbound/cli/sdnctl.js',
      'ovsdb',
      'show',
      '--db',
      box.ovsdbTarget,
    ]);
    assert.match(stdout, new RegExp(`^${view.uuid}\n`));
    assert.match(stdout, /\n {4}Bridge br-int\n {8}Controller "tcp:127\.0\.0\.1:16653"\n/);
    assert.match(stdout, /\n {8}fail_mode: secure\n/);
    assert.match(stdout, /\n {8}datapath_type: netdev\n/);
    assert.match(stdout, /\n {8}Port pod1\n {12}tag: 10\n {12}Interface pod1\n/);
    assert.match(stdout, /\n {16}type: vxlan\n {16}options: \{key=flow, remote_ip=flow\}\n/);
    assert.match(stdout, /\n {12}trunks: \[10, 20, 30\]\n/);
    assert.doesNotMatch(stdout, /ovs_version/, 'the sandbox never sets ovs_version (ovs-ctl would)');
  });

  it('detaches the endpoint port; detaching again is a no-op', async () => {
    assert.equal(await driver.detachPort('pod1'), true);
    assert.doesNotMatch(await box.vsctl('list-ports', 'br-int'), /pod1/);
    assert.equal(await driver.detachPort('pod1'), false);
    assert.equal(driver.interface('pod1'), undefined);
  });

  it('adds one port when two controllers add the same port at once (the Port.name index is the guard)', async () => {
    const other = await OvsdbClient.open({
      target: box.ovsdbTcpTarget,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log: logs.log,
    });
    try {
      const second = new VSwitchDriver(other, PROFILES.ovs);
      const spec = { name: 'race0', type: 'internal', portExternalIds: { 'sdn-test': 'race' } };
      const retriesBefore = logs.lines.filter((l) => l.msg?.startsWith('guard failed')).length;
      await Promise.all([driver.ensurePort(spec), second.ensurePort(spec)]);
      const retries = logs.lines.filter((l) => l.msg?.startsWith('guard failed')).slice(retriesBefore);
      // Both built their insert from a replica without race0: the loser's commit hit the index and was retried.
      assert.equal(retries.length, 1);
      assert.match(
        String(retries[0]!.failure),
        /constraint violation: .*identical values .*index on column "name"/,
      );
      assert.equal(
        (await box.vsctl('--bare', '--columns=_uuid', 'find', 'port', 'name=race0')).trim().split(/\s+/)
          .length,
        1,
      );
      assert.equal(await get('port', 'race0', 'external_ids:sdn-test'), 'race');
      await other.waitFor(() => second.port('race0') !== undefined, 5000, 'race0 in the second replica');
      assert.equal(driver.port('race0')?._uuid, second.port('race0')?._uuid);
    } finally {
      other.close();
      await driver.detachPort('race0');
    }
  });

  it('drives an s1020v-profile switch from the same code: its tunnel options and egress policer', async () => {
    const s = new VSwitchDriver(client, {
      ...PROFILES.s1020v,
      integrationBridge: 'br-s',
      tunnelPort: 'vtep-vxlan',
      tunnelOfport: 200,
    });
    await s.ensureIntegrationBridge({ datapathId: '00000000000000b2', controllers: ['tcp:127.0.0.1:16653'] });
    assert.equal(
      await get('bridge', 'br-s', 'datapath_type'),
      'netdev',
      'the s1020v profile defaults to the userspace datapath',
    );
    await s.ensureTunnelPort();
    assert.equal(
      await get('interface', 'vtep-vxlan', 'options'),
      '{dst_port="4789", key=flow, remote_ip=flow}',
    );
    await s.ensurePort({ bridge: 'br-s', name: 's-ep', type: 'internal' });
    await s.setEgressQos('s-ep', { maxRateBps: 8_000_000 });
    const qos = await get('port', 's-ep', 'qos');
    assert.equal(await get('qos', qos, 'type'), 'egress-policer');
    assert.equal(await get('qos', qos, 'other_config'), '{cbs="100000", cir="1000000"}');
    await assert.rejects(
      s.ensureIntegrationBridge({ datapathType: 'system', datapathId: '00000000000000b2', controllers: [] }),
      /no system datapath/,
    );
  });
});
