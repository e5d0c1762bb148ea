// OXM fields: headers from the OpenFlow and Nicira headers, address text, prerequisites; the Writer's growth.
import assert from 'node:assert/strict';
import {
  EncodeError,
  OXM_FIELDS,
  Writer,
  checkPrerequisites,
  encode,
  fieldOfHeader,
  ipv6ToString,
  oxmHeader,
} from '../../../protocols/openflow13/index.js';

describe('openflow13 OXM fields', () => {
  it('computes the headers the specs define', () => {
    assert.equal(oxmHeader(OXM_FIELDS.in_port, false), 0x80000004); // OXM_OF_IN_PORT
    assert.equal(oxmHeader(OXM_FIELDS.eth_dst, true), 0x8000070c); // OXM_OF_ETH_DST_W
    assert.equal(oxmHeader(OXM_FIELDS.reg0, false), 0x00010004); // NXM_NX_REG0
    assert.equal(oxmHeader(OXM_FIELDS.tun_id, true), 0x00012110); // NXM_NX_TUN_ID_W
    assert.equal(oxmHeader(OXM_FIELDS.ct_state, false), 0x0001d204); // NXM_NX_CT_STATE
    assert.equal(oxmHeader(OXM_FIELDS.ct_label, false), 0x0001d810); // NXM_NX_CT_LABEL
    assert.equal(oxmHeader(OXM_FIELDS.xreg3, false), 0x80010608); // OXM_OF_PKT_REG3
    assert.equal(oxmHeader(OXM_FIELDS.tun_ipv6_src, false), 0x0001da10); // NXM_NX_TUN_IPV6_SRC
    assert.equal(oxmHeader(OXM_FIELDS.conj_id, false), 0x00014a04); // NXM_NX_CONJ_ID
    assert.equal(fieldOfHeader(0x00010c04), 'reg6');
    assert.equal(fieldOfHeader(0x00010d08), undefined, 'a masked header names no subfield');
  });

  it('prints IPv6 addresses in RFC 5952 form', () => {
    const b = Buffer.alloc(16);
    assert.equal(ipv6ToString(b, 0), '::');
    b[15] = 1;
    assert.equal(ipv6ToString(b, 0), '::1');
    Buffer.from('20010db8000000010000000000000001', 'hex').copy(b);
    assert.equal(ipv6ToString(b, 0), '2001:db8:0:1::1');
    Buffer.from('20010db8000000000001000000000001', 'hex').copy(b);
    assert.equal(ipv6ToString(b, 0), '2001:db8::1:0:0:1');
    Buffer.from('fe800000000000000000ffff0a000001', 'hex').copy(b);
    assert.equal(ipv6ToString(b, 0), 'fe80::ffff:a00:1');
  });

  it('checks prerequisites', () => {
    assert.equal(checkPrerequisites([{ field: 'in_port', value: 1 }]), undefined);
    assert.match(checkPrerequisites([{ field: 'tcp_dst', value: 80 }]) ?? '', /tcp_dst requires/);
    assert.equal(
      checkPrerequisites([
        { field: 'eth_type', value: 0x86dd },
        { field: 'ip_proto', value: 6 },
        { field: 'tcp_dst', value: 80 },
      ]),
      undefined,
    );
    assert.match(
      checkPrerequisites([
        { field: 'eth_type', value: 0x0800 },
        { field: 'ipv6_src', value: '::1' },
      ]) ?? '',
      /eth_type 0x86dd/,
    );
    assert.match(
      checkPrerequisites([
        { field: 'eth_type', value: 0x86dd },
        { field: 'ip_proto', value: 58 },
        { field: 'icmpv6_type', value: 136 },
        { field: 'ipv6_nd_sll', value: '02:00:00:00:00:01' },
      ]) ?? '',
      /neighbor solicitation/,
    );
    assert.match(
      checkPrerequisites([{ field: 'eth_type', value: 0x0800, mask: 0xffff } as never]) ?? '',
      /cannot be masked/,
    );
    assert.match(checkPrerequisites([{ field: 'ct_nw_src', value: '10.0.0.1' }]) ?? '', /ct_state \+trk/);
    assert.equal(
      checkPrerequisites([
        { field: 'ct_state', value: 0x20, mask: 0x20 },
        { field: 'ct_tp_dst', value: 80 },
      ]),
      undefined,
    );
    assert.match(checkPrerequisites([{ field: 'vlan_pcp', value: 3 }]) ?? '', /VLAN tag/);
  });

  it('refuses to encode malformed addresses and out-of-range numbers', () => {
    const pin = (match: never[]): Buffer =>
      encode({
        type: 'packetIn',
        xid: 1,
        bufferId: 0,
        totalLen: 0,
        reason: 0,
        tableId: 0,
        cookie: 0n,
        match,
        data: Buffer.alloc(0),
      });
    assert.throws(() => pin([{ field: 'eth_dst', value: '02:00:00:00:00' } as never]), EncodeError);
    assert.throws(() => pin([{ field: 'ipv4_src', value: '10.0.0.256' } as never]), EncodeError);
    assert.throws(() => pin([{ field: 'ipv6_src', value: '1::2::3' } as never]), EncodeError);
    assert.throws(() => pin([{ field: 'tcp_dst', value: 70000 } as never]), EncodeError);
    assert.throws(() => pin([{ field: 'tun_id', value: 5 } as never]), EncodeError);
  });
});

describe('openflow13 Writer', () => {
  it('grows from any initial size, and back-patches lengths', () => {
    const w = new Writer(0);
    w.u16(0).u32(0xdeadbeef);
    for (let i = 0; i < 1000; i++) w.u8(i);
    w.patchLength(0, 0).pad8();
    const out = w.finish();
    assert.equal(out.readUInt16BE(0), 1006);
    assert.equal(out.length, 1008);
    assert.equal(out.readUInt32BE(2), 0xdeadbeef);
  });
});
