// Router solicitations go to the controller; the gateway's link-local address is answered like its other addresses.
import assert from 'node:assert/strict';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { syntheticGatewayMac } from '../../../controller/pipeline/context.js';
import { linkLocalOf } from '../../../controller/pipeline/features/router-advert.js';
import { cluster } from './fixture.js';

describe('pipeline: router advertisements', () => {
  it('derives the modified EUI-64 link-local address of a MAC', () => {
    assert.equal(linkLocalOf('0a:00:00:00:01:01'), 'fe80::800:ff:fe00:101');
    assert.equal(linkLocalOf('02:5d:0a:63:00:01'), 'fe80::5d:aff:fe63:1');
  });

  it('sends router solicitations of a network with an IPv6 gateway to the controller, and answers its link-local', () => {
    const flows = compileNode(cluster(), 'n1').flows.filter((f) => f.table === 10);
    const rs = flows.filter((f) => f.match.some((m) => m.field === 'icmpv6_type' && m.value === 133));
    assert.equal(rs.length, 1, 'network A1 has the only IPv6 gateway');
    assert.deepEqual(rs[0]?.instructions, [
      { type: 'applyActions', actions: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }] },
    ]);
    const ll = linkLocalOf(syntheticGatewayMac('SA1v6')); // the IPv6 subnet has no router interface
    assert.ok(flows.some((f) => f.match.some((m) => m.field === 'ipv6_nd_target' && m.value === ll)));
  });
});
