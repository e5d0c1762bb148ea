// Every feature's flows, as ovs-ofctl-style strings, for the fixture cluster's node n1.
import { strict as assert } from 'node:assert';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { flowText, groupText, toPort } from './flow-text.js';
import { cluster } from './fixture.js';

describe('pipeline features as ovs-ofctl strings (node n1)', () => {
  const c = compileNode(cluster(), 'n1');
  const text = c.flows.map((f) => flowText(f));
  const has = (line: string): void =>
    assert.ok(text.includes(line), `missing flow:\n${line}\nin:\n${text.join('\n')}`);
  const D_A = '0x7c04fc1c'; // routing domain of tenant A's router RA
  const load = (net: string, kind: number) =>
    `load:0x${kind}->NXM_NX_REG0[0..3],load:${D_A}->NXM_NX_REG2[],write_metadata:${net}/0xffffff`;

  it('classify: pod port, tunnel by VNI, host to pod', () => {
    has(`table=0, priority=200,in_port=1 actions=${load('0x64', 1)},goto_table:5`);
    has(`table=0, priority=200,in_port=65000,tun_id=0x64 actions=${load('0x64', 2)},goto_table:20`);
    has(`table=0, priority=200,ip,in_port=LOCAL,nw_dst=10.1.0.11 actions=${load('0x64', 3)},goto_table:10`);
    has(`table=0, priority=200,arp,in_port=LOCAL,arp_tpa=10.1.0.11 actions=${load('0x64', 3)},goto_table:10`);
    has('table=0, priority=0 actions=drop');
  });

  it('spoof guard: MAC + IPv4, ARP sender, IPv6 incl. link-local and DAD', () => {
    has('table=5, priority=200,ip,in_port=2,dl_src=0a:58:0a:01:00:0b,nw_src=10.1.0.11 actions=goto_table:10');
    has(
      'table=5, priority=200,arp,in_port=2,dl_src=0a:58:0a:01:00:0b,arp_spa=10.1.0.11,arp_sha=0a:58:0a:01:00:0b actions=goto_table:10',
    );
    has(
      'table=5, priority=200,ipv6,in_port=1,dl_src=0a:58:0a:01:00:0a,ipv6_src=fd00:1::10 actions=goto_table:10',
    );
    has(
      'table=5, priority=200,ipv6,in_port=1,dl_src=0a:58:0a:01:00:0a,ipv6_src=fe80::/ffc0:: actions=goto_table:10',
    );
    has('table=5, priority=0 actions=drop');
    assert.ok(!text.some((l) => l.startsWith('table=5') && l.includes('in_port=2,') && l.includes('ipv6')));
  });

  it('arp/nd: in-switch ARP reply for a remote endpoint, gateway mark, unknown requests dropped', () => {
    has(
      'table=10, priority=200,arp,metadata=0x64/0xffffff,arp_op=1,arp_tpa=10.1.0.12 actions=' +
        'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:0a:58:0a:01:00:0c->eth_src,set_field:2->arp_op,' +
        'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:0a:58:0a:01:00:0c->arp_sha,' +
        'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:10.1.0.12->arp_spa,output:IN_PORT',
    );
    has(
      'table=10, priority=200,metadata=0x64/0xffffff,dl_dst=0a:00:00:00:01:01 actions=load:0x1->NXM_NX_REG0[4..4],goto_table:20',
    );
    has('table=10, priority=100,arp,arp_op=1 actions=drop');
    has('table=10, priority=400,ipv6,ipv6_src=::,nw_proto=58,icmp_type=135 actions=drop');
    has('table=10, priority=0 actions=goto_table:20');
  });

  it('l2: local port through ingress security, remote node over VXLAN, the host MAC to LOCAL', () => {
    has(
      'table=50, priority=200,metadata=0x64/0xffffff,dl_dst=0a:58:0a:01:00:0b actions=load:0x2->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[8..11],goto_table:60',
    );
    has(
      'table=50, priority=200,metadata=0x64/0xffffff,dl_dst=0a:58:0a:01:00:0c actions=set_field:0x64->tun_id,set_field:10.99.0.2->tun_dst,load:0xfde8->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[8..11],goto_table:70',
    );
    has(
      'table=50, priority=300,dl_dst=02:5d:0a:63:00:01 actions=load:0xfffe->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[8..11],goto_table:70',
    );
    has('table=50, priority=0 actions=drop');
  });

  it('broadcast: flood groups with head-end replication, split horizon from the tunnel', () => {
    has(
      'table=50, priority=100,metadata=0x64/0xffffff,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=group:200',
    );
    has(
      'table=50, priority=200,metadata=0x64/0xffffff,reg0=0x2/0xf,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=group:201',
    );
    const groups = c.groups.map(groupText);
    assert.ok(
      groups.includes(
        `group_id=200,type=all,bucket=actions=${toPort(1)},bucket=actions=${toPort(2)},bucket=actions=set_field:0x64->tun_id,set_field:10.99.0.2->tun_dst,output:65000`,
      ),
      groups.join('\n'),
    );
    assert.ok(
      groups.includes(`group_id=201,type=all,bucket=actions=${toPort(1)},bucket=actions=${toPort(2)}`),
    );
  });

  it('l3: routes with dec_ttl and MAC rewrite, routed subnets without the address dropped, the node itself', () => {
    has(
      `table=40, priority=290,ip,reg2=${D_A},reg0=0x10/0x10,nw_dst=10.2.0.20 actions=dec_ttl,set_field:0a:00:00:00:02:01->eth_src,set_field:0a:58:0a:02:00:14->eth_dst,write_metadata:0x65/0xffffff,goto_table:50`,
    );
    has(`table=40, priority=150,ip,reg2=${D_A},reg0=0x10/0x10,nw_dst=10.2.0.0/255.255.255.0 actions=drop`);
    has(
      'table=40, priority=300,ip,reg0=0x10/0x10,nw_dst=10.99.0.1 actions=dec_ttl,set_field:02:5d:0a:63:00:01->eth_dst,goto_table:50',
    );
  });

  it('static routes: to the next hop in its network, priority growing with the prefix length', () => {
    has(
      `table=40, priority=167,ip,reg2=${D_A},reg0=0x10/0x10,nw_dst=172.16.0.0/255.255.0.0 actions=dec_ttl,set_field:0a:00:00:00:02:01->eth_src,set_field:0a:58:0a:02:00:14->eth_dst,write_metadata:0x65/0xffffff,goto_table:50`,
    );
    has(
      `table=40, priority=175,ip,reg2=${D_A},reg0=0x10/0x10,nw_dst=172.16.9.0/255.255.255.0 actions=dec_ttl,set_field:0a:00:00:00:02:01->eth_src,set_field:0a:58:0a:02:00:15->eth_dst,write_metadata:0x65/0xffffff,goto_table:50`,
    );
    assert.ok(!text.some((l) => l.includes('192.168.0.0')), 'a route without a known next hop is left out');
  });

  it('egress: the port alias, SNAT to the node-local transit address, the domain in ct_mark; replies un-NATed, un-aliased, routed back', () => {
    const mark = parseInt(D_A, 16);
    has(
      `table=40, priority=100,ip,reg2=${D_A},reg0=0x10/0x10 actions=dec_ttl,set_field:100.64.0.0->ip_src,move:in_port[0..15]->NXM_OF_IP_SRC[0..15],ct(commit,zone=65520,nat(src=169.254.0.1),exec(set_field:${mark}->ct_mark)),set_field:02:5d:0a:63:00:01->eth_dst,goto_table:50`,
    );
    has(
      'table=0, priority=200,ip,in_port=LOCAL,ct_state=-trk,nw_dst=169.254.0.1 actions=ct(table=0,zone=65520,nat)',
    );
    // One return flow per local port: its alias back to the pod's address, through service_lb to l3.
    has(
      `table=0, priority=300,ip,in_port=LOCAL,ct_state=+est+trk,ct_mark=${mark},nw_dst=100.64.0.1 actions=set_field:10.1.0.10->ip_dst,load:0x5->NXM_NX_REG0[0..3],load:${D_A}->NXM_NX_REG2[],load:0x1->NXM_NX_REG0[4..4],goto_table:20`,
    );
    // Two tenants' pods with one address on this node (10.1.0.10) have two aliases: their connections never mix.
    assert.equal(
      text.filter((l) => /nw_dst=100\.64\.0\.\d+ actions=set_field:10\.1\.0\.10->ip_dst/.test(l)).length,
      2,
    );
    // Never to the node's own address: its kernel would take the replies for itself.
    assert.ok(!text.some((l) => /nat\(src=10\.99\.0\.1\)|ct_state=-trk,nw_dst=10\.99\.0\.1 /.test(l)));
  });

  it('output: one flow outputs to the port l2/l3 chose', () => {
    has('table=70, priority=200,reg0=0x100/0xf00 actions=output:NXM_NX_REG1[]');
    has('table=70, priority=0 actions=drop');
  });

  it('reports two tenants holding one address on one node as a conflict for host access, keeping the first', () => {
    assert.deepEqual(c.conflicts, [
      'table 0 priority 200 eth_type=2048,in_port=4294967294,ipv4_dst=10.1.0.10',
      'table 0 priority 200 arp_tpa=10.1.0.10,eth_type=2054,in_port=4294967294',
    ]);
  });

  it('asks for the bridge, the flow-based VXLAN port and one port per local endpoint', () => {
    assert.deepEqual(c.ports.tunnel, {
      name: 'vxlan0',
      ofportRequest: 65000,
      type: 'vxlan',
      options: { remote_ip: 'flow', key: 'flow' }, // the ovs profile's; VXLAN's default port
    });
    assert.equal(c.ports.bridge.hwaddr, '02:5d:0a:63:00:01');
    assert.deepEqual(
      c.ports.endpoints.map((p) => [p.name, p.ofportRequest]),
      [
        ['veth-a1', 1],
        ['veth-a2', 2],
        ['veth-a5', 3],
        ['veth-b1', 4],
      ],
    );
  });
});
