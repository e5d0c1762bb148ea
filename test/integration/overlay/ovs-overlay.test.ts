// The network-overlay pipeline of a node on a real ovs-vswitchd: every flow and group is accepted, and
// ofproto/trace shows pods' frames leaving the uplink tagged with their network's host-local VLAN, tagged frames
// from the uplink reaching the pod untagged, and floods going to the local ports plus one tagged copy up.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileNode, type CompiledNode } from '../../../controller/pipeline/compile.js';
import { oursMask } from '../../../controller/pipeline/cookies.js';
import { toFlowEntry } from '../../../controller/reconcile/reconciler.js';
import { FlowSync, OpenFlowServer } from '../../../southbound/openflow/index.js';
import { captureLog } from '../../support/log-capture.js';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs.js';
import { hybrid, MAC } from '../../unit/pipeline/fixture.js';
import { flowText, groupText } from '../../unit/pipeline/flow-text.js';

describe('integration: the network-overlay pipeline on a real ovs-vswitchd', function () {
  this.timeout(60_000);
  let box: OvsSandbox | undefined;
  let compiled: CompiledNode;
  const of13 = ['-O', 'OpenFlow13'];

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    compiled = compileNode(hybrid(), 'n1');
    const p = compiled.ports;
    const internal = (name: string, ofport: number) => [
      '--',
      'add-port',
      p.bridge.name,
      name,
      '--',
      'set',
      'interface',
      name,
      'type=internal',
      `ofport_request=${ofport}`,
    ];
    assert.ok(p.uplink, 'a network-overlay node wants an uplink');
    await box.vsctl(
      'add-br',
      p.bridge.name,
      '--',
      'set',
      'bridge',
      p.bridge.name,
      `datapath_type=${p.bridge.datapathType}`,
      'protocols=OpenFlow13',
      `fail_mode=${p.bridge.failMode}`,
      ...p.endpoints.flatMap((e) => internal(e.name, e.ofportRequest)),
      ...internal(p.uplink.name, p.uplink.ofportRequest),
    );
    const mgmt = box.mgmt('br-int');
    const groupsFile = join(box.dir, 'groups.txt');
    const flowsFile = join(box.dir, 'flows.txt');
    writeFileSync(groupsFile, compiled.groups.map(groupText).join('\n') + '\n');
    writeFileSync(flowsFile, compiled.flows.map((f) => flowText(f, true)).join('\n') + '\n');
    await box.ofctl(...of13, 'add-groups', mgmt, groupsFile);
    await box.ofctl(...of13, 'add-flows', mgmt, flowsFile);
  });
  after(async () => box?.stop());

  async function trace(flow: string): Promise<string> {
    return (
      /^Datapath actions: (.*)$/m.exec(await box!.appctl('ofproto/trace', 'br-int', flow))?.[1] ?? ''
    ).trim();
  }
  async function dpPort(name: string): Promise<string> {
    const out = await box!.appctl('dpif/show');
    const m = new RegExp(`\\s${name} (\\d+)/(\\d+)`).exec(out);
    assert.ok(m, `no ${name} in dpif/show:\n${out}`);
    return m[2] as string;
  }

  it('holds every flow and group of the node', async () => {
    const mgmt = box!.mgmt('br-int');
    const dump = await box!.ofctl(...of13, 'dump-flows', mgmt);
    assert.equal(dump.split('\n').filter((l) => l.includes('cookie=')).length, compiled.flows.length);
  });

  it('a pod to a pod on another node: tagged with VLAN 100 out of the uplink', async () => {
    const out = await trace(
      `in_port=1,dl_src=${MAC.a1},dl_dst=${MAC.a3},ip,nw_src=10.1.0.10,nw_dst=10.1.0.12,nw_ttl=64`,
    );
    assert.equal(out, `push_vlan(vid=100,pcp=0),${await dpPort('eth-up')}`);
  });

  it('tenant B (same addresses) leaves on its own VLAN 102', async () => {
    const out = await trace(
      `in_port=4,dl_src=${MAC.b1},dl_dst=${MAC.b2},ip,nw_src=10.1.0.10,nw_dst=10.1.0.11,nw_ttl=64`,
    );
    assert.equal(out, `push_vlan(vid=102,pcp=0),${await dpPort('eth-up')}`);
  });

  it('a tagged frame from the uplink reaches the pod of that VLAN untagged', async () => {
    const out = await trace(
      `in_port=65001,dl_vlan=100,dl_src=${MAC.a3},dl_dst=${MAC.a1},ip,nw_src=10.1.0.12,nw_dst=10.1.0.10,nw_ttl=64`,
    );
    assert.equal(out, `pop_vlan,${await dpPort('veth-a1')}`);
    // The same MAC on VLAN 102 is tenant B's b1, not a1 (the two share MAC and IP): the VLAN decides.
    const b = await trace(
      `in_port=65001,dl_vlan=102,dl_src=${MAC.b2},dl_dst=${MAC.b1},ip,nw_src=10.1.0.11,nw_dst=10.1.0.10,nw_ttl=64`,
    );
    assert.equal(b, `pop_vlan,${await dpPort('veth-b1')}`);
    assert.equal(await trace(`in_port=65001,dl_vlan=999,dl_dst=${MAC.a1},ip`), 'drop');
  });

  it('a broadcast floods to the local ports and one tagged copy up; from the uplink it stays local', async () => {
    const bcast = 'nw_src=10.1.0.10,nw_dst=10.1.0.255';
    const out = await trace(`udp,in_port=1,dl_src=${MAC.a1},dl_dst=ff:ff:ff:ff:ff:ff,${bcast}`);
    assert.ok(out.includes(`push_vlan(vid=100,pcp=0),${await dpPort('eth-up')}`), out);
    assert.ok(out.includes(await dpPort('veth-a2')), out);
    const back = await trace(
      `udp,in_port=65001,dl_vlan=100,dl_src=${MAC.a3},dl_dst=ff:ff:ff:ff:ff:ff,nw_src=10.1.0.12,nw_dst=10.1.0.255`,
    );
    assert.ok(!back.includes(await dpPort('eth-up')), back);
    assert.ok(back.startsWith('pop_vlan') && back.includes(await dpPort('veth-a1')), back);
  });
});

describe('integration: the overlay flows through our own OpenFlow codec', function () {
  this.timeout(60_000);
  let box: OvsSandbox | undefined;
  let server: OpenFlowServer | undefined;
  const { log } = captureLog();

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    await box.vsctl(
      'add-br',
      'br-int',
      '--',
      'set',
      'bridge',
      'br-int',
      'datapath_type=netdev',
      'protocols=OpenFlow13',
      'fail_mode=secure',
    );
  });
  after(async () => {
    await server?.close();
    await box?.stop();
  });

  it('push_vlan, vlan_vid set_field and match, pop_vlan: encoded by us, accepted and read back by ovs-vswitchd', async () => {
    server = new OpenFlowServer({ log, echoIntervalMs: 1000 });
    const session = await server.connect(box!.mgmt('br-int'));
    // Flows that use a group need the group first; these are checked above through ovs-ofctl.
    const flows = compileNode(hybrid(), 'n1')
      .flows.filter(
        (f) =>
          !JSON.stringify(f.instructions, (_k, v: unknown) =>
            typeof v === 'bigint' ? String(v) : v,
          ).includes('"group"'),
      )
      .map(toFlowEntry);
    const ours = oursMask();
    const r = await new FlowSync(session, { ownership: { value: ours.cookie, mask: ours.mask }, log }).sync(
      flows,
    );
    assert.deepEqual(r.errors, []);
    const dump = await box!.ofctl('-O', 'OpenFlow13', 'dump-flows', '--no-names', box!.mgmt('br-int'));
    assert.equal(dump.split('\n').filter((l) => l.includes('cookie=')).length, flows.length);
    assert.match(dump, /in_port=65001,dl_vlan=100 actions=pop_vlan,/);
    assert.match(dump, /dl_dst=0a:58:0a:01:00:0c actions=push_vlan:0x8100,set_field:4196->vlan_vid,/);
  });
});
