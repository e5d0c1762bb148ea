// The ovs-ofctl flow parser: what it builds (codec values), that print(parse(text)) is OVS's canonical text
// (expected strings as `ovs-ofctl -O OpenFlow13 parse-flow` prints them), that parse(print(flow)) == flow over the
// whole corpus, and that bad input is rejected with a message naming the problem.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode, type FlowMod } from '../../../protocols/openflow13/index.js';
import {
  OfctlSyntaxError,
  formatFlow,
  formatFlowMod,
  parseFlow,
  parseFlows,
} from '../../../protocols/openflow13/ofctl/index.js';
import { withoutPortMaxLen } from '../../support/output-max-len.js';

const CORPUS = join(__dirname, '../../../../test/fixtures/openflow13/ofctl-corpus.txt');
const corpus = readFileSync(CORPUS, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('ofctl parser', () => {
  it('builds the FLOW_MOD fields and OXM TLVs in the order OVS writes them', () => {
    const fm = parseFlow(
      'table=3,priority=100,cookie=0x5,idle_timeout=10,tcp,tp_dst=80,in_port=2 actions=output:3',
    );
    assert.equal(fm.tableId, 3);
    assert.equal(fm.priority, 100);
    assert.equal(fm.cookie, 5n);
    assert.equal(fm.idleTimeout, 10);
    assert.deepEqual(fm.match, [
      { field: 'in_port', value: 2 },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ip_proto', value: 6 },
      { field: 'tcp_dst', value: 80 },
    ]);
    assert.deepEqual(fm.instructions, [
      { type: 'applyActions', actions: [{ type: 'output', port: 3, maxLen: 0 }] },
    ]);
  });

  it('reads Nicira actions into the codec union', () => {
    const [apply] = parseFlow(
      'ip actions=ct(commit,zone=NXM_NX_REG6[0..15],nat(src=10.0.0.1-10.0.0.2:5-6),exec(set_field:0x1->ct_mark)),conjunction(7,2/3),load:0x1->NXM_NX_REG0[3]',
    ).instructions;
    assert.deepEqual(apply, {
      type: 'applyActions',
      actions: [
        {
          type: 'ct',
          flags: 1,
          zone: { field: { field: 'reg6', ofs: 0, nbits: 16 } },
          recircTable: 255,
          alg: 0,
          actions: [
            { type: 'nat', flags: 1, ipMin: '10.0.0.1', ipMax: '10.0.0.2', protoMin: 5, protoMax: 6 },
            { type: 'setField', field: { field: 'ct_mark', value: 1 } },
          ],
        },
        { type: 'conjunction', id: 7, clause: 1, nClauses: 3 },
        { type: 'regLoad', dst: { field: 'reg0', ofs: 3, nbits: 1 }, value: 1n },
      ],
    });
  });

  describe('prints what ovs-ofctl prints for the same text', () => {
    const cases: [string, string][] = [
      [
        'priority=100,tcp,nw_src=10.0.0.0/8,tp_dst=80,reg0=0x5/0xff,ct_state=+trk+est,tun_id=0x10,dl_src=00:11:22:33:44:55,in_port=3,metadata=0x1/0xf actions=output:5',
        'ADD priority=100,ct_state=+est+trk,tcp,reg0=0x5/0xff,tun_id=0x10,metadata=0x1/0xf,in_port=3,dl_src=00:11:22:33:44:55,nw_src=10.0.0.0/8,tp_dst=80 actions=output:5',
      ],
      [
        'actions=output:1,output:in_port,output:controller,output:local',
        'ADD actions=output:1,IN_PORT,CONTROLLER:65535,LOCAL',
      ],
      ['actions=output:4294967290,controller:100', 'ADD actions=NORMAL,CONTROLLER:100'],
      ['actions=set_field:0x5/0xf->reg1', 'ADD actions=load:0x5->NXM_NX_REG1[0..3]'],
      [
        'actions=set_field:0x5/0xf0f->reg1',
        'ADD actions=load:0x5->NXM_NX_REG1[0..3],load:0->NXM_NX_REG1[8..11]',
      ],
      [
        'actions=set_tunnel:5,set_tunnel64:5,mod_dl_src:00:00:00:00:00:01',
        'ADD actions=set_field:0x5->tun_id,set_field:0x5->tun_id,set_field:00:00:00:00:00:01->eth_src',
      ],
      [
        'ip,actions=mod_nw_dst:1.2.3.4,mod_nw_tos:8,mod_nw_ecn:1',
        'ADD ip actions=set_field:1.2.3.4->ip_dst,set_field:2->ip_dscp,set_field:1->nw_ecn',
      ],
      ['tcp6,actions=mod_tp_src:5', 'ADD tcp6 actions=set_field:5->tcp_src'],
      ['udp,actions=mod_tp_dst:53', 'ADD udp actions=set_field:53->udp_dst'],
      ['actions=note:01.02', 'ADD actions=note:01.02.00.00.00.00'],
      ['actions=mod_vlan_vid:6,output:1', 'ADD actions=push_vlan:0x8100,set_field:4102->vlan_vid,output:1'],
      ['dl_vlan=5,actions=mod_vlan_vid:6', 'ADD dl_vlan=5 actions=set_field:4102->vlan_vid'],
      ['actions=push_vlan:0x88a8,mod_vlan_pcp:3', 'ADD actions=push_vlan:0x88a8,set_field:3->vlan_pcp'],
      [
        'dl_vlan=5,actions=strip_vlan,mod_vlan_vid:7',
        'ADD dl_vlan=5 actions=pop_vlan,push_vlan:0x8100,set_field:4103->vlan_vid',
      ],
      ['actions=enqueue:1:2', 'ADD actions=set_queue:2,output:1,pop_queue'],
      ['actions=controller(max_len=65535)', 'ADD actions=CONTROLLER:65535'],
      ['xreg0=0x100000002 actions=drop', 'ADD reg0=0x1,reg1=0x2 actions=drop'],
      [
        'table=3,tcp,reg0=0x5/0xff actions=meter:3,clear_actions,write_actions(output:3,set_field:1->reg0),write_metadata:0x5/0xff,goto_table:4',
        'ADD table:3 tcp,reg0=0x5/0xff actions=meter:3,clear_actions,write_actions(output:3,set_field:0x1->reg0),write_metadata:0x5/0xff,goto_table:4',
      ],
      ['dl_vlan=5,dl_vlan_pcp=3 actions=strip_vlan', 'ADD dl_vlan=5,dl_vlan_pcp=3 actions=pop_vlan'],
      ['ip,ip_dscp=46 actions=dec_ttl,dec_ttl(1,2)', 'ADD ip,nw_tos=184 actions=dec_ttl,dec_ttl(1,2)'],
      [
        'ipv6,actions=ct(commit,nat(src=fe80::1-fe80::5,random))',
        'ADD ipv6 actions=ct(commit,nat(src=fe80::1-fe80::5,random))',
      ],
      ['ip,nw_src=10.0.1.7/255.0.255.0 actions=drop', 'ADD ip,nw_src=10.0.1.0/255.0.255.0 actions=drop'],
    ];
    for (const [input, expected] of cases) {
      it(input, () => assert.equal(formatFlowMod(parseFlow(input)), expected));
    }
  });

  it(`round-trips all ${corpus.length} corpus flows: parse(print(flow)) == flow, and through the codec`, () => {
    for (const line of corpus) {
      const flow = parseFlow(line, { strict: true });
      const bytes = encode(flow);
      const again = parseFlow(formatFlow(flow));
      const comparable = (f: FlowMod): Buffer =>
        encode({ ...f, instructions: f.instructions.map(withoutPortMaxLen) });
      assert.ok(comparable(again).equals(comparable(flow)), `${line}\n  printed as ${formatFlow(flow)}`);
      const d = decode(bytes);
      assert.ok(d.ok, line);
      assert.equal(formatFlowMod(d.message as FlowMod), formatFlowMod(flow), line);
    }
  });

  it('leaves out fields without their prerequisites as ovs-ofctl does, or rejects them when strict', () => {
    assert.equal(formatFlowMod(parseFlow('tp_dst=80,ip,icmp_code=3 actions=drop')), 'ADD ip actions=drop');
    assert.throws(
      () => parseFlow('tp_dst=80,ip,icmp_code=3 actions=drop', { strict: true }),
      /tp_dst: the match lacks the protocol/,
    );
    assert.equal(
      formatFlowMod(parseFlow('tcp,tp_dst=80 actions=drop', { strict: true })),
      'ADD tcp,tp_dst=80 actions=drop',
    );
  });

  it('reads dump-flows output back, ignoring the statistics columns as ovs-ofctl does', () => {
    const line =
      ' cookie=0x5, duration=3.2s, table=2, n_packets=4, n_bytes=100, idle_age=3, priority=5,ip actions=drop';
    assert.equal(formatFlowMod(parseFlow(line)), 'ADD table:2 priority=5,ip cookie:0x5 actions=drop');
  });

  it('reads flow files: one flow a line, comments and blank lines skipped, errors name the line', () => {
    assert.equal(parseFlows('# comment\n\nactions=drop\n  ip actions=output:1\n').length, 2);
    assert.throws(() => parseFlows('actions=drop\nnw_src=bad actions=drop'), /line 2: .*not an IPv4 address/);
  });

  describe('rejects bad input with a message that says what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['ip,nw_src=10.0.0.1', /must specify an action/],
      ['foo=1 actions=drop', /unknown keyword "foo"/],
      ['actions=frobnicate', /unknown action "frobnicate"/],
      ['actions=conjunction(1,3/2)', /1 <= K <= N/],
      ['actions=load:0x100->NXM_NX_REG0[0..7]', /does not fit in 8 bits/],
      ['actions=move:NXM_NX_REG0[0..3]->NXM_NX_REG1[0..7]', /source is 4 bits, destination 8/],
      ['actions=set_field:1->nosuchfield', /unknown field "nosuchfield"/],
      ['actions=output:NXM_NX_REG0[0..40]', /do not fit in 32-bit/],
      ['reg0=0x1ffffffff actions=drop', /does not fit in 32 bits/],
      ['ct_state=+trk+bogus actions=drop', /unknown flag "bogus"/],
      ['cookie=0x1/0xff actions=drop', /cookie masks/],
      ['actions=ct(commit', /unbalanced parentheses/],
      ['ip actions=ct(commit,nat(src=999.0.0.1))', /"999.0.0.1" is not an IPv4 address/],
      ['ip actions=ct(commit,nat(src=10.0.0.1:http))', /is not IP\[-IP\]\[:PORT\[-PORT\]\]/],
    ];
    for (const [text, message] of bad) {
      it(text, () =>
        assert.throws(
          () => parseFlow(text),
          (e: unknown) => e instanceof Error && message.test(e.message),
        ),
      );
    }
    it('throws OfctlSyntaxError for every kind of mistake', () => {
      for (const text of [
        'actions=bogus',
        'nw_src=10.0.0.256 actions=drop',
        'ip actions=ct(nat(src=fe80::1::2))',
      ]) {
        assert.throws(() => parseFlow(text), OfctlSyntaxError, text);
      }
    });
  });
});
