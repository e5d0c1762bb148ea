// The leaf gateway's flows on a real Open vSwitch: n2 of the hybrid fixture with a bare-metal server (10.1.0.50)
// behind leaf 10.99.0.9 in network A1. ovs-vswitchd accepts every flow, and ofproto/trace shows what the fake switch
// shows: the server's ARP for its gateway and its ping to it go back into the tunnel to the leaf, and its frame to a
// pod behind the leaf is routed back into the tunnel through IN_PORT (Open vSwitch never outputs to the in_port by
// number).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileNode, type CompiledNode } from '../../../controller/pipeline/compile.js';
import type { PipelineSnapshot } from '../../../controller/pipeline/snapshot.js';
import { compiledBridgeArgs } from '../../support/compiled-bridge.js';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs.js';
import { hybrid, MAC } from '../../unit/pipeline/fixture.js';
import { flowText, groupText } from '../../unit/pipeline/flow-text.js';

const BM_MAC = '02:00:00:00:b0:01';
const LEAF = '10.99.0.9';
const LEAF_MAC = '02:00:0a:63:00:09';
/** What ofproto/trace says when the native tunnel sends a packet from n2 to the leaf over the underlay. */
const TO_LEAF =
  /-> tunneling to 10\.99\.0\.9 via br-phy\n\s+-> tunneling from \S+ 10\.99\.0\.2 to 02:00:0a:63:00:09 10\.99\.0\.9/;

function withBareMetal(): PipelineSnapshot {
  const s = hybrid();
  return {
    ...s,
    endpoints: [
      ...s.endpoints,
      {
        id: 'bm1',
        networkId: 'A1',
        tenantId: 'TA',
        nodeId: 'L1',
        physical: { vtepId: 'L1', port: 'p7', vlan: 30 },
        kind: 'baremetal',
        name: 'bm1',
        mac: BM_MAC,
        ips: ['10.1.0.50'],
        securityGroupIds: [],
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ],
  };
}

describe('integration: the leaf gateway on a real ovs-vswitchd', function () {
  this.timeout(60_000);
  let box: OvsSandbox | undefined;
  let compiled: CompiledNode;
  const of13 = ['-O', 'OpenFlow13'];
  const fromLeaf = `in_port=65000,tun_id=0x64,tun_src=${LEAF},tun_dst=10.99.0.2`;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    compiled = compileNode(withBareMetal(), 'n2');
    const p = compiled.ports;
    await box.vsctl(...compiledBridgeArgs(compiled.ports));
    // The underlay, so that the native tunnel can route to the leaf: br-phy holds n2's tunnel address and knows the
    // leaf's MAC (as the lab does), and ofproto/trace shows the VXLAN header pushed.
    await box.vsctl('add-br', 'br-phy', '--', 'set', 'bridge', 'br-phy', `datapath_type=${p.bridge.datapathType}`, 'fail_mode=standalone'); // prettier-ignore
    await box.inNetns('ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'br-phy');
    await box.inNetns('ip', 'link', 'set', 'br-phy', 'up');
    await box.appctl('tnl/arp/set', 'br-phy', LEAF, LEAF_MAC);
    const mgmt = box.mgmt('br-int');
    const groupsFile = join(box.dir, 'groups.txt');
    const flowsFile = join(box.dir, 'flows.txt');
    writeFileSync(groupsFile, compiled.groups.map(groupText).join('\n') + '\n');
    writeFileSync(flowsFile, compiled.flows.map((f) => flowText(f, true)).join('\n') + '\n');
    await box.ofctl(...of13, 'add-groups', mgmt, groupsFile);
    await box.ofctl(...of13, 'add-flows', mgmt, flowsFile);
  });
  after(async () => box?.stop());

  const trace = (flow: string): Promise<string> => box!.appctl('ofproto/trace', 'br-int', flow);

  it('holds every flow of the node', async () => {
    const dump = await box!.ofctl(...of13, 'dump-flows', box!.mgmt('br-int'));
    assert.equal(dump.split('\n').filter((l) => l.includes('cookie=')).length, compiled.flows.length);
    assert.match(dump, new RegExp(`tun_src=${LEAF.replace(/\./g, '\\.')}`));
  });

  it("answers the server's ARP for its gateway back into the tunnel to the leaf", async () => {
    const out = await trace(
      `${fromLeaf},dl_src=${BM_MAC},dl_dst=ff:ff:ff:ff:ff:ff,arp,arp_op=1,arp_spa=10.1.0.50,arp_tpa=10.1.0.1,arp_sha=${BM_MAC}`,
    );
    assert.match(out, /table 0 \(classify\)|^ 0\. /m, out);
    assert.match(out, new RegExp(`set_field:${LEAF.replace(/\./g, '\\.')}->tun_dst`), out);
    assert.match(out, /^\s+IN_PORT$/m, out);
    assert.match(out, new RegExp(`set_field:${MAC.gwA1}->arp_sha`), out);
    const line = /^Datapath actions: (.*)$/m.exec(out)?.[1] ?? '';
    assert.match(
      line,
      new RegExp(`set\\(arp\\(sip=10\\.1\\.0\\.1,tip=10\\.1\\.0\\.50,op=2,sha=${MAC.gwA1}`),
      out,
    );
    assert.match(out, TO_LEAF, out);
  });

  it('routes the server to a pod behind the leaf: back into the tunnel through IN_PORT, tun_id = its VNI', async () => {
    const out = await trace(
      `${fromLeaf},dl_src=${BM_MAC},dl_dst=${MAC.gwA1},ip,nw_src=10.1.0.50,nw_dst=10.2.0.21,nw_ttl=64`,
    );
    assert.match(out, /set_field:0x65->tun_id/, out);
    assert.match(out, new RegExp(`set_field:${MAC.a5}->eth_dst`), out);
    assert.match(out, /^\s+IN_PORT$/m, out);
    const line = /^Datapath actions: (.*)$/m.exec(out)?.[1] ?? '';
    assert.match(out, TO_LEAF, out);
    assert.match(line, new RegExp(`set\\(eth\\(src=${MAC.gwA2},dst=${MAC.a5}\\)\\)`), out);
  });

  it('routes the server to a local pod in another subnet, and a frame from another VTEP is not routed', async () => {
    const out = await trace(
      `${fromLeaf},dl_src=${BM_MAC},dl_dst=${MAC.gwA1},ip,nw_src=10.1.0.50,nw_dst=10.2.0.20,nw_ttl=64`,
    );
    assert.match(out, new RegExp(`set\\(eth\\(src=${MAC.gwA2},dst=${MAC.a4}\\)\\)`), out);
    const other = await trace(
      `in_port=65000,tun_id=0x64,tun_src=10.99.0.7,tun_dst=10.99.0.2,dl_src=${BM_MAC},dl_dst=${MAC.gwA1},ip,nw_src=10.1.0.50,nw_dst=10.2.0.20,nw_ttl=64`,
    );
    assert.match(other, /^Datapath actions: drop$/m, other);
  });
});
