// The ovs-ofctl printer, from codec values built by hand (not by our parser). Expected strings are what
// `ovs-ofctl ofp-print` / `dump-flows` (Open vSwitch 3.1) print for the same bytes.
import assert from 'node:assert/strict';
import {
  OXM_FIELDS,
  type FlowMod,
  type FlowStats,
  type OfpMessage,
  type OxmField,
  type OxmFieldName,
  type PacketIn,
} from '../../../protocols/openflow13/index.js';
import {
  formatAction,
  formatFlowMod,
  formatFlowStats,
  formatMatch,
  formatMessage,
  formatPacket,
  formatDuration,
} from '../../../protocols/openflow13/ofctl/index.js';

const mod = (over: Partial<FlowMod>): FlowMod => ({
  type: 'flowMod',
  xid: 1,
  cookie: 0n,
  cookieMask: 0n,
  tableId: 0,
  command: 0,
  idleTimeout: 0,
  hardTimeout: 0,
  priority: 0x8000,
  bufferId: 0xffffffff,
  outPort: 0xffffffff,
  outGroup: 0xffffffff,
  flags: 0,
  match: [],
  instructions: [],
  ...over,
});

describe('ofctl printer', () => {
  describe('matches', () => {
    const cases: [string, Parameters<typeof formatMatch>[0], string][] = [
      ['empty', [], ''],
      [
        'protocol shorthand replaces eth_type and ip_proto; fields follow OVS order, not wire order',
        [
          { field: 'tcp_dst', value: 80 },
          { field: 'ipv4_src', value: '10.0.0.0', mask: '255.0.0.0' },
          { field: 'ip_proto', value: 6 },
          { field: 'eth_type', value: 0x0800 },
          { field: 'reg0', value: 5, mask: 0xff },
          { field: 'ct_state', value: 0x22, mask: 0x22 },
          { field: 'in_port', value: 3 },
        ],
        'ct_state=+est+trk,tcp,reg0=0x5/0xff,in_port=3,nw_src=10.0.0.0/8,tp_dst=80',
      ],
      [
        'NXM and OXM headers of one field print the same',
        [
          { field: 'eth_src_nxm', value: '00:11:22:33:44:55' },
          { field: 'tun_id', value: 0x10n },
        ],
        'tun_id=0x10,dl_src=00:11:22:33:44:55',
      ],
      [
        'OXM tunnel_id prints as tun_id, 32-bit reserved in_port by name',
        [
          { field: 'tunnel_id', value: 0x5n, mask: 0xffn },
          { field: 'in_port', value: 0xfffffffe },
        ],
        'tun_id=0x5/0xff,in_port=LOCAL',
      ],
      [
        'ARP names nw_src arp_spa and nw_proto arp_op',
        [
          { field: 'eth_type', value: 0x0806 },
          { field: 'arp_op', value: 2 },
          { field: 'arp_spa', value: '10.0.0.1' },
          { field: 'arp_sha', value: '02:00:00:00:00:01' },
        ],
        'arp,arp_spa=10.0.0.1,arp_op=2,arp_sha=02:00:00:00:00:01',
      ],
      [
        'ICMPv6 neighbor solicitation',
        [
          { field: 'eth_type', value: 0x86dd },
          { field: 'ip_proto', value: 58 },
          { field: 'icmpv6_type', value: 135 },
          { field: 'ipv6_nd_target', value: 'fe80::1' },
          { field: 'ipv6_nd_sll', value: '00:00:00:00:00:01' },
        ],
        'icmp6,icmp_type=135,nd_target=fe80::1,nd_sll=00:00:00:00:00:01',
      ],
      [
        'VLAN id and priority as dl_vlan and dl_vlan_pcp',
        [
          { field: 'vlan_vid', value: 0x1064 },
          { field: 'vlan_pcp', value: 3 },
        ],
        'dl_vlan=100,dl_vlan_pcp=3',
      ],
      ['no VLAN tag', [{ field: 'vlan_vid', value: 0 }], 'vlan_tci=0x0000/0x1fff'],
      ['any VLAN tag', [{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }], 'vlan_tci=0x1000/0x1000'],
      [
        'DSCP in the OXM is shifted; nw_tos shows the TOS byte',
        [
          { field: 'eth_type', value: 0x0800 },
          { field: 'ip_dscp', value: 46 },
          { field: 'ip_ecn', value: 1 },
          { field: 'ip_frag', value: 1, mask: 3 },
        ],
        'ip,nw_tos=184,nw_ecn=1,nw_frag=first',
      ],
      [
        'xreg and xxreg print as the 32-bit registers they overlay, most significant first',
        [
          { field: 'xreg0', value: 0x100000002n },
          { field: 'xxreg1', value: 1n, mask: 0xffn },
        ],
        'reg0=0x1,reg1=0x2,reg7=0x1/0xff',
      ],
      [
        'ct fields and labels',
        [
          { field: 'ct_zone', value: 5 },
          { field: 'ct_mark', value: 0x10, mask: 0xf0 },
          { field: 'ct_label', value: 1n << 64n, mask: 0xffffn << 64n },
          { field: 'ct_state', value: 0x21 },
        ],
        'ct_state=new|trk,ct_zone=5,ct_mark=0x10/0xf0,ct_label=0x10000000000000000/0xffff0000000000000000',
      ],
      [
        'IPv6 prefix and flow label',
        [
          { field: 'eth_type', value: 0x86dd },
          { field: 'ipv6_src', value: '2001:db8::', mask: 'ffff:ffff::' },
          { field: 'ipv6_flabel', value: 0x12345 },
        ],
        'ipv6,ipv6_src=2001:db8::/32,ipv6_label=0x12345',
      ],
      [
        'tcp_flags, including the ONF experimenter OXM OVS sends in OpenFlow 1.3',
        [
          { field: 'eth_type', value: 0x0800 },
          { field: 'ip_proto', value: 6 },
          {
            field: 'unknown',
            oxmClass: 0xffff,
            oxmField: 42,
            experimenter: 0x4f4e4600,
            value: Uint8Array.of(0, 2),
            mask: Uint8Array.of(0, 0x12),
          },
        ],
        'tcp,tcp_flags=+syn-ack',
      ],
      [
        'non-CIDR masks are written out',
        [
          { field: 'eth_type', value: 0x0800 },
          { field: 'ipv4_dst', value: '10.0.1.0', mask: '255.0.255.0' },
          { field: 'eth_dst', value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' },
        ],
        'ip,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,nw_dst=10.0.1.0/255.0.255.0',
      ],
    ];
    for (const [name, match, text] of cases) {
      it(name, () => assert.equal(formatMatch(match), text));
    }
    it('prints priority first unless it is the default', () => {
      assert.equal(formatMatch([{ field: 'eth_type', value: 0x0806 }], 7), 'priority=7,arp');
      assert.equal(formatMatch([], 0x8000), '');
    });
  });

  describe('actions', () => {
    const cases: [Parameters<typeof formatAction>[0], string][] = [
      [{ type: 'output', port: 5, maxLen: 0 }, 'output:5'],
      [{ type: 'output', port: 0xfffffffa, maxLen: 0 }, 'NORMAL'],
      [{ type: 'output', port: 0xfffffff8, maxLen: 0 }, 'IN_PORT'],
      [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }, 'CONTROLLER:65535'],
      [{ type: 'setField', field: { field: 'reg0', value: 1 } }, 'set_field:0x1->reg0'],
      [{ type: 'setField', field: { field: 'ipv4_dst', value: '10.0.0.1' } }, 'set_field:10.0.0.1->ip_dst'],
      [{ type: 'setField', field: { field: 'tunnel_id', value: 5n } }, 'set_field:0x5->tun_id'],
      [{ type: 'setField', field: { field: 'tcp_dst', value: 80 } }, 'set_field:80->tcp_dst'],
      [{ type: 'regLoad2', field: { field: 'reg1', value: 5, mask: 0xf0f } }, 'set_field:0x5/0xf0f->reg1'],
      [
        { type: 'regLoad', dst: { field: 'reg0', ofs: 0, nbits: 8 }, value: 5n },
        'load:0x5->NXM_NX_REG0[0..7]',
      ],
      [
        { type: 'regLoad', dst: { field: 'reg1', ofs: 31, nbits: 1 }, value: 1n },
        'load:0x1->NXM_NX_REG1[31]',
      ],
      [
        { type: 'regLoad', dst: { field: 'metadata', ofs: 0, nbits: 64 }, value: 0n },
        'load:0->OXM_OF_METADATA[]',
      ],
      [
        {
          type: 'regMove',
          src: { field: 'eth_src_nxm', ofs: 0, nbits: 48 },
          dst: { field: 'eth_dst_nxm', ofs: 0, nbits: 48 },
        },
        'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
      ],
      [{ type: 'resubmit', inPort: 0xfff8, table: 5, ct: false }, 'resubmit(,5)'],
      [{ type: 'resubmit', inPort: 3, table: 255, ct: false }, 'resubmit:3'],
      [{ type: 'resubmit', inPort: 0xfff8, table: 5, ct: true }, 'resubmit(,5,ct)'],
      [
        {
          type: 'ct',
          flags: 1,
          zone: { field: { field: 'reg0', ofs: 0, nbits: 16 } },
          recircTable: 3,
          alg: 21,
          actions: [
            { type: 'nat', flags: 1 | 4, ipMin: '10.0.0.1', ipMax: '10.0.0.5', protoMin: 100, protoMax: 200 },
            { type: 'setField', field: { field: 'ct_mark', value: 1 } },
          ],
        },
        'ct(commit,table=3,zone=NXM_NX_REG0[0..15],nat(src=10.0.0.1-10.0.0.5:100-200,persistent),exec(set_field:0x1->ct_mark),alg=ftp)',
      ],
      [
        {
          type: 'ct',
          flags: 0,
          zone: { imm: 0 },
          recircTable: 255,
          alg: 0,
          actions: [{ type: 'nat', flags: 0 }],
        },
        'ct(nat)',
      ],
      [
        {
          type: 'ct',
          flags: 1,
          zone: { imm: 0 },
          recircTable: 255,
          alg: 0,
          actions: [{ type: 'nat', flags: 2, ipMin: '2001:db8::1', protoMin: 80 }],
        },
        'ct(commit,nat(dst=[2001:db8::1]:80))',
      ],
      [{ type: 'ctClear' }, 'ct_clear'],
      [{ type: 'conjunction', id: 5, clause: 0, nClauses: 2 }, 'conjunction(5,1/2)'],
      [{ type: 'decNwTtl' }, 'dec_ttl'],
      [{ type: 'decTtlCntIds', controllerIds: [1, 2] }, 'dec_ttl(1,2)'],
      [{ type: 'note', note: Uint8Array.of(1, 2, 0, 0, 0, 0) }, 'note:01.02.00.00.00.00'],
      [
        { type: 'controller', maxLen: 100, controllerId: 3, reason: 0 },
        'controller(reason=no_match,max_len=100,id=3)',
      ],
      [
        { type: 'controller2', userdata: Uint8Array.of(1, 2), pause: true },
        'controller(userdata=01.02,pause)',
      ],
      [{ type: 'group', groupId: 5 }, 'group:5'],
      [{ type: 'pushVlan', ethertype: 0x8100 }, 'push_vlan:0x8100'],
      [{ type: 'popMpls', ethertype: 0x0800 }, 'pop_mpls:0x0800'],
      [{ type: 'setMplsTtl', ttl: 64 }, 'set_mpls_ttl(64)'],
      [{ type: 'setNwTtl', ttl: 3 }, 'mod_nw_ttl:3'],
      [
        { type: 'outputReg', src: { field: 'reg0', ofs: 0, nbits: 16 }, maxLen: 0xffff },
        'output:NXM_NX_REG0[0..15]',
      ],
      [{ type: 'outputTrunc', port: 2, maxLen: 100 }, 'output(port=2,max_len=100)'],
      [{ type: 'finTimeout', finIdleTimeout: 5, finHardTimeout: 0 }, 'fin_timeout(idle_timeout=5)'],
      [
        {
          type: 'learn',
          idleTimeout: 10,
          hardTimeout: 0,
          priority: 0x8000,
          cookie: 0n,
          flags: 0,
          tableId: 10,
          finIdleTimeout: 0,
          finHardTimeout: 0,
          specs: [
            {
              kind: 'match',
              nbits: 12,
              src: { field: 'vlan_tci', ofs: 0 },
              dst: { field: 'vlan_tci', ofs: 0 },
            },
            {
              kind: 'match',
              nbits: 48,
              src: { field: 'eth_src_nxm', ofs: 0 },
              dst: { field: 'eth_dst_nxm', ofs: 0 },
            },
            { kind: 'match', nbits: 16, src: { value: 0x800n }, dst: { field: 'eth_type_nxm', ofs: 0 } },
            { kind: 'load', nbits: 8, src: { value: 10n }, dst: { field: 'reg2', ofs: 0 } },
            { kind: 'output', nbits: 16, src: { field: 'in_port_nxm', ofs: 0 } },
          ],
        },
        'learn(table=10,idle_timeout=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],eth_type=0x800,load:0xa->NXM_NX_REG2[0..7],output:NXM_OF_IN_PORT[])',
      ],
    ];
    for (const [action, text] of cases) {
      it(text, () => assert.equal(formatAction(action), text));
    }
  });

  it('prints every codec field in a match, a set_field and a subfield without throwing', () => {
    for (const name of Object.keys(OXM_FIELDS) as OxmFieldName[]) {
      const info = OXM_FIELDS[name];
      const value =
        info.kind === 'mac'
          ? '00:00:00:00:00:01'
          : info.kind === 'ipv4'
            ? '10.0.0.1'
            : info.kind === 'ipv6'
              ? '::1'
              : info.kind === 'uint'
                ? 1
                : 1n;
      const field = { field: name, value } as OxmField;
      assert.equal(typeof formatMatch([field]), 'string', name);
      assert.match(formatAction({ type: 'setField', field }), /^set_field:.+->\w+$/, name);
      assert.match(
        formatAction({ type: 'regLoad', dst: { field: name, ofs: 0, nbits: 1 }, value: 1n }),
        /^load:0x1->\w+\[0\]$/,
        name,
      );
    }
  });

  describe('flows', () => {
    it('prints a FLOW_MOD as ofp-print does, instructions in OVS order', () => {
      const fm = mod({
        tableId: 3,
        priority: 100,
        cookie: 0x5n,
        idleTimeout: 10,
        flags: 1,
        match: [{ field: 'eth_type', value: 0x0800 }],
        instructions: [
          { type: 'gotoTable', tableId: 4 },
          { type: 'writeMetadata', metadata: 5n, metadataMask: 0xffn },
          { type: 'writeActions', actions: [{ type: 'output', port: 3, maxLen: 0 }] },
          { type: 'clearActions' },
          { type: 'meter', meterId: 3 },
        ],
      });
      assert.equal(
        formatFlowMod(fm),
        'ADD table:3 priority=100,ip cookie:0x5 idle:10 send_flow_rem actions=meter:3,clear_actions,write_actions(output:3),write_metadata:0x5/0xff,goto_table:4',
      );
    });
    it('prints drop for a flow without instructions, and selection fields of a delete', () => {
      assert.equal(formatFlowMod(mod({})), 'ADD actions=drop');
      assert.equal(
        formatFlowMod(mod({ command: 3, cookie: 7n, cookieMask: 0xffn, outPort: 0xfffffffe })),
        'DEL cookie:0x7/0xff out_port:LOCAL actions=drop',
      );
    });
    it('prints flow stats as dump-flows does', () => {
      const fs: FlowStats = {
        tableId: 2,
        durationSec: 5,
        durationNsec: 123000000,
        priority: 10,
        idleTimeout: 0,
        hardTimeout: 30,
        flags: 0,
        cookie: 0xabcn,
        packetCount: 7n,
        byteCount: 700n,
        match: [{ field: 'reg1', value: 1 }],
        instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 1, maxLen: 0 }] }],
      };
      assert.equal(
        formatFlowStats(fs),
        'cookie=0xabc, duration=5.123s, table=2, n_packets=7, n_bytes=700, hard_timeout=30, priority=10,reg1=0x1 actions=output:1',
      );
      assert.equal(
        formatFlowStats(fs, { stats: false }),
        'cookie=0xabc, table=2, hard_timeout=30, priority=10,reg1=0x1 actions=output:1',
      );
    });
    it('prints durations with milliseconds or the nanoseconds needed', () => {
      assert.equal(formatDuration(1, 0), '1s');
      assert.equal(formatDuration(1, 500000000), '1.500s');
      assert.equal(formatDuration(1, 1500), '1.0000015s');
    });
  });

  describe('packet-ins', () => {
    const arp = Buffer.from(
      'ffffffffffff00000000000108060001080006040001000000000001c0a80001000000000000c0a80002',
      'hex',
    );
    it('prints the header line and the packet flow as ofp-print does', () => {
      const pi: PacketIn = {
        type: 'packetIn',
        xid: 5,
        bufferId: 0xffffffff,
        totalLen: arp.length,
        reason: 0,
        tableId: 3,
        cookie: 0x10n,
        match: [
          { field: 'in_port', value: 7 },
          { field: 'reg0', value: 5 },
          { field: 'tunnel_id', value: 0x64n },
        ],
        data: arp,
      };
      assert.equal(
        formatMessage(pi),
        'OFPT_PACKET_IN (OF1.3) (xid=0x5): table_id=3 cookie=0x10 total_len=42 reg0=0x5,tun_id=0x64,in_port=7 (via no_match) data_len=42 (unbuffered)\n' +
          'arp,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=192.168.0.1,arp_tpa=192.168.0.2,arp_op=1,arp_sha=00:00:00:00:00:01,arp_tha=00:00:00:00:00:00',
      );
    });
    it('dissects a tagged IPv4 fragment and a truncated IPv4 header as OVS does', () => {
      const eth = '020000000002020000000001';
      const tagged = Buffer.from(
        `${eth}81006064080045b8001c00012000400100000a0000010a0000020800abcd00010001`,
        'hex',
      );
      assert.equal(
        formatPacket(tagged),
        'icmp,dl_vlan=100,dl_vlan_pcp=3,vlan_tci1=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=184,nw_ecn=0,nw_ttl=64,nw_frag=first,icmp_type=8,icmp_code=0 icmp_csum:abcd',
      );
      const short = Buffer.from(`${eth}08004500`, 'hex');
      assert.equal(
        formatPacket(short),
        'ip,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no',
      );
    });
    it('leaves other messages to ofp decode', () => {
      const hello: OfpMessage = { type: 'hello', xid: 1, elements: [] };
      assert.equal(formatMessage(hello), undefined);
    });
  });
});
