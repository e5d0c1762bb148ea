// The network and hybrid overlay flows: n1 is a network-overlay node uplinked to leaf 10.99.0.9 (VLANs 100..102 for
// A1, A2, B1), n2 a host-overlay node. n1 tags towards the uplink and classifies by VLAN; n2 reaches n1's pods over
// VXLAN to the leaf. Plus: the tunnel port comes from the node's profile; a missing capability drops its feature.
import { strict as assert } from 'node:assert';
import { compileContext, compileNode, nodeContext } from '../../../controller/pipeline/compile.js';
import { NodeContext } from '../../../controller/pipeline/context.js';
import { PROFILES } from '../../../protocols/ovsdb/vswitch-profiles.js';
import { cluster, hybrid } from './fixture.js';
import { flowText, groupText, toPort } from './flow-text.js';

describe('pipeline: network and hybrid overlay', () => {
  const lines = (c: { flows: readonly Parameters<typeof flowText>[0][] }) => c.flows.map((f) => flowText(f));
  const has = (text: string[], line: string): void =>
    assert.ok(text.includes(line), `missing flow:\n${line}\nin:\n${text.join('\n')}`);

  describe('network-overlay node n1', () => {
    const c = compileNode(hybrid(), 'n1');
    const text = lines(c);

    it('classifies tagged frames from the uplink by VLAN, pops the tag, enters the network as `uplink`', () => {
      const a1 = text.find((l) => l.includes('in_port=65001') && l.includes('write_metadata:0x64/'));
      assert.ok(a1, text.join('\n'));
      assert.match(a1, /in_port=65001,vlan_vid=4196 /); // OFPVID_PRESENT | 100
      assert.match(a1, /actions=pop_vlan,load:0x4->NXM_NX_REG0\[0\.\.3\]/);
      assert.match(a1, /goto_table:20$/);
      for (const [vlan, vni] of [
        [101, '0x65'],
        [102, '0xc8'],
      ] as const) {
        const f = text.find((l) => l.includes('in_port=65001') && l.includes(`write_metadata:${vni}/`));
        assert.ok(f?.includes(`vlan_vid=${0x1000 | vlan} `), f);
      }
    });

    it('sends to a remote pod tagged with the network VLAN out of the uplink, never over VXLAN', () => {
      has(
        text,
        'table=50, priority=200,metadata=0x64/0xffffff,dl_dst=0a:58:0a:01:00:0c actions=push_vlan:0x8100,set_field:4196->vlan_vid,load:0xfde9->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[8..11],goto_table:70',
      );
      assert.ok(!text.some((l) => l.includes('tun_dst')), 'no tunnel use on a network-overlay node');
    });

    it('floods one tagged copy to the uplink; a flood from the uplink stays local (split horizon)', () => {
      const g = c.groups.map(groupText).find((t) => t.startsWith('group_id=200,'));
      assert.equal(
        g,
        `group_id=200,type=all,bucket=actions=${toPort(1)},bucket=actions=${toPort(2)},bucket=actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:65001`,
      );
      has(
        text,
        'table=50, priority=200,metadata=0x64/0xffffff,reg0=0x4/0xf,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=group:201',
      );
    });

    it('wants the uplink trunk with the bound VLANs at its pinned ofport', () => {
      assert.deepEqual(c.ports.uplink, { name: 'eth-up', ofportRequest: 65001, trunks: [100, 101, 102] });
    });

    it('a network without a VLAN on the node (routed only) reaches no remote endpoint', () => {
      const s = hybrid();
      const c2 = compileNode(
        { ...s, vlanBindings: s.vlanBindings.filter((b) => b.networkId !== 'A2') },
        'n1',
      );
      // a4 lives on n2 in A2: no path from n1 without A2's VLAN; a5 (local, A2) still has its port.
      assert.ok(!lines(c2).some((l) => l.includes('dl_dst=0a:58:0a:02:00:14') && l.includes('table=50')));
    });
  });

  describe('host-overlay node n2 (hybrid)', () => {
    const c = compileNode(hybrid(), 'n2');
    const text = lines(c);

    it('reaches pods behind the leaf over VXLAN to the leaf tunnel IP', () => {
      has(
        text,
        'table=50, priority=200,metadata=0x64/0xffffff,dl_dst=0a:58:0a:01:00:0a actions=set_field:0x64->tun_id,set_field:10.99.0.9->tun_dst,load:0xfde8->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[8..11],goto_table:70',
      );
    });

    it('includes the leaf in the flood group, once for all of its nodes', () => {
      const g = c.groups.map(groupText).find((t) => t.startsWith('group_id=200,'));
      assert.equal(
        g,
        `group_id=200,type=all,bucket=actions=${toPort(1)},bucket=actions=set_field:0x64->tun_id,set_field:10.99.0.9->tun_dst,output:65000`,
      );
      assert.equal(c.ports.uplink, undefined);
    });

    it('without a leaf, pods on a network-overlay node are unreachable (no flow, no bucket)', () => {
      const c2 = compileNode({ ...hybrid(), vteps: [] }, 'n2');
      assert.ok(!lines(c2).some((l) => l.includes('10.99.0.1') && l.includes('tun_dst')));
      assert.ok(!c2.groups.map(groupText).some((t) => t.includes('tun_dst')));
    });
  });

  describe('vSwitch profiles', () => {
    it('names the tunnel port and bridge from the node profile; the ofport is shared', () => {
      const s = cluster();
      const c = compileNode(
        { ...s, nodes: s.nodes.map((n) => ({ ...n, vswitch: 's1020v' as const })) },
        'n1',
      );
      assert.equal(c.ports.tunnel.name, PROFILES.s1020v.tunnelPort);
      assert.equal(c.ports.tunnel.ofportRequest, PROFILES.s1020v.tunnelOfport);
      assert.equal(PROFILES.ovs.tunnelOfport, PROFILES.s1020v.tunnelOfport);
      assert.equal(compileNode(s, 'n1').ports.tunnel.name, 'vxlan0');
    });

    it('a vSwitch without conntrack compiles without egress NAT and says so', () => {
      const s = cluster();
      const noCt = {
        ...PROFILES.s1020v,
        capabilities: { ...PROFILES.s1020v.capabilities, conntrack: false },
      };
      const ctx = nodeContext(s, 'n1');
      const full = compileContext(ctx);
      const c = compileContext(new NodeContext(ctx.index, ctx.node, noCt));
      assert.deepEqual(full.unsupported, []);
      assert.deepEqual(c.unsupported, ['egress-nat needs conntrack']);
      assert.ok(lines(full).some((l) => l.includes('ct(')));
      assert.ok(!lines(c).some((l) => l.includes('ct(')));
    });
  });
});
