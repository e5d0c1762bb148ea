// The compiled pipeline on a real Open vSwitch: every flow and group of a node is accepted by ovs-vswitchd (userspace
// datapath), and ofproto/trace follows the packets the fake switch tests follow.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileNode, type CompiledNode } from '../../../controller/pipeline/compile.js';
import { syntheticGatewayMac } from '../../../controller/pipeline/context.js';
import { compiledBridgeArgs } from '../../support/compiled-bridge.js';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs.js';
import { cluster, MAC } from '../../unit/pipeline/fixture.js';
import { flowText, groupText } from '../../unit/pipeline/flow-text.js';

describe('integration: the compiled pipeline on a real ovs-vswitchd', function () {
  this.timeout(60_000);
  let box: OvsSandbox | undefined;
  let compiled: CompiledNode;
  const of13 = ['-O', 'OpenFlow13'];

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    compiled = compileNode(cluster(), 'n1');
    await box.vsctl(...compiledBridgeArgs(compiled.ports));
  });
  after(async () => box?.stop());

  it('accepts every group and flow of the node, and holds exactly them', async () => {
    const b = box!;
    const mgmt = b.mgmt('br-int');
    const groupsFile = join(b.dir, 'groups.txt');
    const flowsFile = join(b.dir, 'flows.txt');
    writeFileSync(groupsFile, compiled.groups.map(groupText).join('\n') + '\n');
    writeFileSync(flowsFile, compiled.flows.map((f) => flowText(f, true)).join('\n') + '\n');
    await b.ofctl(...of13, 'add-groups', mgmt, groupsFile);
    await b.ofctl(...of13, 'add-flows', mgmt, flowsFile);
    const dump = await b.ofctl(...of13, 'dump-flows', mgmt);
    const lines = dump.split('\n').filter((l) => l.includes('cookie='));
    assert.equal(lines.length, compiled.flows.length);
    const groups = await b.ofctl(...of13, 'dump-groups', mgmt);
    assert.equal(groups.split('\n').filter((l) => l.includes('group_id=')).length, compiled.groups.length);
  });

  async function trace(flow: string): Promise<string> {
    return box!.appctl('ofproto/trace', 'br-int', flow);
  }

  it('traces a pod-to-remote-pod packet to the VXLAN port with tun_id = VNI and tun_dst = the node', async () => {
    const out = await trace(
      `in_port=1,dl_src=${MAC.a1},dl_dst=${MAC.a3},ip,nw_src=10.1.0.10,nw_dst=10.1.0.12,nw_ttl=64`,
    );
    assert.match(out, /set_field:0x64->tun_id/);
    assert.match(out, /set_field:10\.99\.0\.2->tun_dst/);
    assert.match(out, /output:NXM_NX_REG1\[\]/);
    assert.match(out, /-> output port is 65000/);
  });

  it('traces a spoofed source to a drop in the spoof guard', async () => {
    const out = await trace(
      `in_port=1,dl_src=${MAC.a1},dl_dst=${MAC.a2},ip,nw_src=10.1.0.99,nw_dst=10.1.0.11`,
    );
    assert.match(out, /^Datapath actions: drop$/m);
  });

  /** The datapath port number of an OpenFlow port, as ofproto/trace's datapath actions name it. */
  async function dpPort(name: string): Promise<string> {
    const out = await box!.appctl('dpif/show');
    const m = new RegExp(`\\s${name} (\\d+)/(\\d+)`).exec(out);
    assert.ok(m, `no ${name} in dpif/show:\n${out}`);
    return m[2] as string;
  }

  it('traces an ARP request to a reply out of the same port', async () => {
    const out = await trace(
      `in_port=1,dl_src=${MAC.a1},dl_dst=ff:ff:ff:ff:ff:ff,arp,arp_op=1,arp_spa=10.1.0.10,arp_tpa=10.1.0.12,arp_sha=${MAC.a1}`,
    );
    const port = await dpPort('veth-a1');
    assert.match(
      out,
      new RegExp(
        `^Datapath actions: set\\(eth\\(src=${MAC.a3},dst=${MAC.a1}\\)\\),set\\(arp\\(sip=10\\.1\\.0\\.12,tip=10\\.1\\.0\\.10,op=2,sha=${MAC.a3},tha=${MAC.a1}\\)\\),${port}$`,
        'm',
      ),
    );
  });

  it('traces a neighbour solicitation to an advertisement with the target link-layer address', async () => {
    const out = await trace(
      `icmp6,in_port=1,dl_src=${MAC.a1},dl_dst=33:33:ff:00:00:01,ipv6_src=fe80::1,ipv6_dst=ff02::1:ff00:1,` +
        `icmpv6_type=135,nd_target=fd00:1::1,nd_sll=${MAC.a1}`,
    );
    const line = /^Datapath actions: (.*)$/m.exec(out)?.[1] ?? '';
    assert.match(line, /set\(ipv6\(src=fd00:1::1,dst=fe80::1\)\)/);
    // The IPv6 subnet has no router interface: its gateway's MAC is derived from the subnet.
    const gw = syntheticGatewayMac('SA1v6');
    assert.ok(
      line.includes(`set(nd_ext(nd_reserved=0xe0000000,nd_options_type=2)),set(nd(tll=${gw}))`),
      line,
    );
    assert.match(line, /set\(icmpv6\(type=136,code=0\)\)/);
    assert.ok(line.endsWith(`,${await dpPort('veth-a1')}`), line);
  });

  it('traces a ping to the gateway to an echo reply out of the same port', async () => {
    const out = await trace(
      `icmp,in_port=1,dl_src=${MAC.a1},dl_dst=${MAC.gwA1},nw_src=10.1.0.10,nw_dst=10.1.0.1,nw_ttl=64,icmp_type=8`,
    );
    const line = /^Datapath actions: (.*)$/m.exec(out)?.[1] ?? '';
    assert.match(line, /set\(ipv4\(src=10\.1\.0\.1,dst=10\.1\.0\.10\)\)/);
    assert.match(line, /set\(icmp\(type=0/);
    assert.ok(line.endsWith(`,${await dpPort('veth-a1')}`), line);
  });

  it('traces egress to outside: SNAT to the transit address in the snat zone, out of the LOCAL port', async () => {
    const out = await trace(
      `in_port=1,dl_src=${MAC.a1},dl_dst=${MAC.gwA1},ip,nw_src=10.1.0.10,nw_dst=192.0.2.7,nw_ttl=64`,
    );
    const local = await dpPort('br-int');
    assert.match(
      out,
      new RegExp(
        `^Datapath actions: ct\\(commit,zone=65520,mark=0x[0-9a-f]+/0xffffffff,nat\\(src=169\\.254\\.0\\.1\\)\\),set\\(eth\\(dst=02:5d:0a:63:00:01\\)\\),${local}$`,
        'm',
      ),
    );
  });

  it('with real packets: a pod resolves its gateways (ARP, ND) and pings them, IPv4 and IPv6', async () => {
    const b = box!;
    // veth-a1 is an internal port, so a kernel interface in the sandbox's namespace: it plays pod a1.
    const ip = (...args: string[]) => b.inNetns('ip', ...args);
    await ip('link', 'set', 'veth-a1', 'address', MAC.a1);
    await ip('link', 'set', 'veth-a1', 'up');
    await ip('addr', 'add', '10.1.0.10/24', 'dev', 'veth-a1');
    await ip('-6', 'addr', 'add', 'fd00:1::10/64', 'dev', 'veth-a1', 'nodad');
    await b.inNetns('ping', '-c', '2', '-i', '0.2', '-W', '3', '-I', 'veth-a1', '10.1.0.1');
    await b.inNetns('ping', '-6', '-c', '2', '-i', '0.2', '-W', '3', '-I', 'veth-a1', 'fd00:1::1');
    const neigh = await ip('neigh', 'show', 'dev', 'veth-a1');
    assert.match(neigh, new RegExp(`10\\.1\\.0\\.1 lladdr ${MAC.gwA1}`));
    assert.match(neigh, new RegExp(`fd00:1::1 lladdr ${syntheticGatewayMac('SA1v6')} router`));
  });
});
