// The egress transit address: its MAC, its validation, and how the controller is told it (--egress-transit, env
// SDN_EGRESS_TRANSIT), which sdn-agent must match.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../controller/config';
import {
  DEFAULT_EGRESS_TRANSIT_IP,
  egressTransitMac,
  ipv4Octets,
} from '../../../controller/pipeline/egress-transit';
import { compileNode } from '../../../controller/pipeline/compile';
import { flowText } from './flow-text';
import { cluster } from './fixture';

const argv = (...a: string[]) => ['node', 'sdn-controller', ...a];

describe('egress transit address', () => {
  it('defaults to a link-local address, with a MAC of its own', () => {
    assert.equal(DEFAULT_EGRESS_TRANSIT_IP, '169.254.0.1');
    assert.equal(egressTransitMac('169.254.0.1'), '02:5e:a9:fe:00:01');
    assert.equal(egressTransitMac('100.64.255.1'), '02:5e:64:40:ff:01');
  });

  it('refuses what is not a dotted IPv4 address, naming it', () => {
    for (const bad of ['fd00::1', '169.254.0', '169.254.0.256', '1.2.3.4.5', 'a.b.c.d', ''])
      assert.throws(() => ipv4Octets(bad), /is not a dotted IPv4 address/, bad);
  });

  it('comes from --egress-transit, else SDN_EGRESS_TRANSIT, else the default', () => {
    assert.equal(parseConfig(argv(), {}).egressTransitIp, '169.254.0.1');
    assert.equal(parseConfig(argv(), { SDN_EGRESS_TRANSIT: '100.64.0.1' }).egressTransitIp, '100.64.0.1');
    assert.equal(
      parseConfig(argv('--egress-transit', '169.254.9.9'), { SDN_EGRESS_TRANSIT: '100.64.0.1' })
        .egressTransitIp,
      '169.254.9.9',
    );
    assert.throws(() => parseConfig(argv('--egress-transit', 'fd00::1'), {}), /not a dotted IPv4 address/);
    assert.throws(() => parseConfig(argv(), { SDN_EGRESS_TRANSIT: 'x' }), /SDN_EGRESS_TRANSIT: .*"x" is not/);
  });

  it('is what the compiled egress flows SNAT to and un-NAT from', () => {
    const c = compileNode({ ...cluster(), egressTransitIp: '100.64.255.1' }, 'n1');
    const text = c.flows.map((f) => flowText(f));
    assert.ok(text.some((l) => l.includes('nat(src=100.64.255.1)')));
    assert.ok(
      text.some((l) => l.includes('ct_state=-trk,nw_dst=100.64.255.1 actions=ct(table=0,zone=65520,nat)')),
    );
    assert.ok(!text.some((l) => l.includes('169.254.0.1')));
  });
});
