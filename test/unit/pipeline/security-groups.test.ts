// Security group and QoS flows, read as ovs-ofctl text (the codec's formatFlowMod), and the N + M growth of
// remote-group rules.
import assert from 'node:assert/strict';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { cookie, objectIdOf } from '../../../controller/pipeline/cookies.js';
import { portMasks } from '../../../controller/pipeline/features/security-groups.js';
import type { FlowSpec } from '../../../controller/pipeline/flow.js';
import type { PipelineSnapshot } from '../../../controller/pipeline/snapshot.js';
import { formatFlowMod } from '../../../protocols/openflow13/ofctl/index.js';
import { cluster, endpoint, node } from './fixture.js';
import { group, rule, sgCluster } from './sg-fixture.js';

function text(f: FlowSpec): string {
  return formatFlowMod({
    command: 0,
    tableId: f.table,
    priority: f.priority,
    match: f.match,
    instructions: f.instructions,
    cookie: f.cookie,
    cookieMask: 0n,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    bufferId: 0xffffffff,
    outPort: 0xffffffff,
    outGroup: 0xffffffff,
    flags: f.flags,
  });
}

const lines = (flows: readonly FlowSpec[], table: number): string[] =>
  flows.filter((f) => f.table === table).map(text);

describe('pipeline: security groups', () => {
  const compiled = compileNode(sgCluster(), 'n1');
  const egress = lines(compiled.flows, 30);
  const ingress = lines(compiled.flows, 60);

  it('adds no conflicts to the base pipeline', () => {
    assert.deepEqual(compiled.conflicts, compileNode(cluster(), 'n1').conflicts);
  });

  it('tracks every IP packet of a member in its network zone, once per direction', () => {
    const track = ingress.filter((l) => l.includes('ct(table=60'));
    // a1, a2 (network A1, VNI 100) and a5 (A2, VNI 101) are members on n1: IPv4 and IPv6 each
    assert.equal(track.length, 6, track.join('\n'));
    for (const l of track.filter((t) => /reg1=0x[12] /.test(t))) assert.match(l, /ct\(table=60,zone=101\)/);
    for (const l of track.filter((t) => /reg1=0x3 /.test(t))) assert.match(l, /ct\(table=60,zone=102\)/);
    assert.ok(
      egress.some((l) => /in_port=1\b.*ct\(table=30,zone=101\)/.test(l)),
      egress.join('\n'),
    );
  });

  it('drops +inv and passes +est/+rel', () => {
    assert.ok(ingress.some((l) => l.includes('ct_state=+inv+trk') && l.endsWith('actions=drop')));
    assert.ok(ingress.some((l) => l.includes('+est+trk') && l.includes('goto_table:70')));
    assert.ok(ingress.some((l) => l.includes('+rel+trk') && l.includes('goto_table:70')));
  });

  it('a remote-group rule is a 3-clause conjunction: member port, remote address, protocol/port', () => {
    const r1 = cookie('sg', objectIdOf('R1'));
    const own = compiled.flows.filter((f) => f.cookie === r1).map(text);
    assert.equal(own.length, 1, own.join('\n'));
    const id = /conjunction\((\d+),3\/3\)/.exec(own[0] as string)?.[1];
    assert.ok(id && (own[0] as string).includes('tcp,tp_dst=80 '), own[0]);
    assert.ok(
      ingress.some((l) => l.includes('ip,nw_src=10.2.0.21 ') && l.includes(`conjunction(${id},2/3)`)),
      'a5 is the remote',
    );
    assert.equal(
      ingress.filter((l) => l.includes(`conjunction(${id},1/3)`)).length,
      2,
      'a1 and a2 are members',
    );
    assert.ok(
      ingress.some(
        (l) =>
          l.includes(`conj_id=${id},ip `) &&
          l.endsWith('actions=ct(commit,zone=NXM_NX_REG3[0..15]),goto_table:70'),
      ),
    );
  });

  it('a port range is split into masked matches owned by the rule', () => {
    assert.deepEqual(portMasks(8000, 8003), [{ value: 8000, mask: 0xfffc }]);
    assert.deepEqual(portMasks(1, 3), [
      { value: 1, mask: 0xffff },
      { value: 2, mask: 0xfffe },
    ]);
    const r2 = compiled.flows.filter((f) => f.cookie === cookie('sg', objectIdOf('R2'))).map(text);
    assert.deepEqual(r2.length, 1);
    assert.match(r2[0] as string, /tp_dst=0x1f40\/0xfffc/);
  });

  it('members deny new ingress by default and allow new egress', () => {
    assert.ok(
      ingress.some((l) => /priority=500,.*reg1=0x1 .*actions=drop$/.test(l)),
      ingress.join('\n'),
    );
    assert.ok(egress.some((l) => /priority=500,.*in_port=1 .*ct\(commit/.test(l)));
  });

  it('a probe from the node learns the return flow; the pod cannot open anything to the node', () => {
    const probe = ingress.find((l) => l.includes('learn(') && l.includes('reg1=0x1') && l.includes('tcp,'));
    assert.ok(probe, ingress.join('\n'));
    assert.match(probe, /learn\(table=30,idle_timeout=30,priority=12000,cookie=0x5dc00a/);
    assert.match(
      probe,
      /NXM_OF_IP_SRC\[\]=NXM_OF_IP_DST\[\]|nw_src=nw_dst|OXM_OF_IPV4_SRC\[\]=OXM_OF_IPV4_DST\[\]/,
    );
    assert.ok(
      egress.some((l) => l.includes('in_port=1,nw_dst=10.99.0.1 ') && l.endsWith('actions=drop')),
      egress.join('\n'),
    );
  });

  it('non-members have no security flows', () => {
    // b1 (ofport 4) has no group
    assert.ok(!ingress.some((l) => /reg1=0x4\b/.test(l)));
    assert.ok(!egress.some((l) => /in_port=4\b/.test(l)));
  });

  it('QoS: a meter in front of the pod port, DSCP before the security tables, ingress policing on the port', () => {
    assert.equal(compiled.meters.length, 2);
    const m = compiled.meters.find((x) => x.bands[0]?.rate === 10_000);
    const e = compiled.meters.find((x) => x.bands[0]?.rate === 5_000);
    assert.deepEqual(m?.bands, [{ type: 'drop', rate: 10_000, burstSize: 1000 }]);
    assert.deepEqual(e?.bands, [{ type: 'drop', rate: 5_000, burstSize: 1000 }]);
    const out = lines(compiled.flows, 70);
    assert.ok(
      out.some((l) => l.includes(`meter:${m?.meterId}`) && l.includes('reg1=0x1')),
      out.join('\n'),
    );
    assert.ok(
      egress.some(
        (l) =>
          l.includes(`meter:${e?.meterId}`) &&
          l.includes('set_field:46->ip_dscp') &&
          l.includes('resubmit(,30)'),
      ),
    );
    const port = compiled.ports.endpoints.find((p) => p.endpointId === 'a1');
    assert.deepEqual(port?.policing, { rateKbps: 5000, burstKb: 1000 });
  });
});

describe('pipeline: remote-group rules grow N + M', () => {
  // n pods in group "server" on one node, each of m rules allows one TCP port from group "client" (n more pods).
  function scaled(n: number, m: number): PipelineSnapshot {
    const eps = [];
    for (let i = 0; i < n; i++) {
      const ip = `10.1.${i >> 8}.${i & 255}`;
      const mac = `0a:58:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      eps.push({ ...endpoint(`s${i}`, 'A1', 'TA', 'N1', i + 1, mac, [ip]), securityGroupIds: ['server'] });
      const cip = `10.1.${100 + (i >> 8)}.${i & 255}`;
      const cmac = `0a:59:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      eps.push({ ...endpoint(`c${i}`, 'A1', 'TA', 'N2', i + 1, cmac, [cip]), securityGroupIds: ['client'] });
    }
    const rules = [];
    for (let j = 0; j < m; j++)
      rules.push(rule(`r${j}`, 'server', { protocol: 'tcp', portMin: 1000 + j, remoteGroupId: 'client' }));
    return {
      nodes: [node('N1', 'n1', '10.99.0.1'), node('N2', 'n2', '10.99.0.2')],
      tenants: [{ id: 'TA', name: 'a', createdAt: '2026-01-01T00:00:00.000Z' }],
      networks: [
        { id: 'A1', tenantId: 'TA', name: 'A1', vni: 100, mtu: 1450, isDefault: false, createdAt: '' },
      ],
      subnets: [],
      routers: [],
      routerInterfaces: [],
      endpoints: eps,
      vlanBindings: [],
      securityGroups: [
        group('server', { allowWithinGroup: false }),
        group('client', { allowWithinGroup: false }),
      ],
      securityGroupRules: rules,
    };
  }
  const sgFlows = (s: PipelineSnapshot): number =>
    compileNode(s, 'n1').flows.filter((f) => f.table === 30 || f.table === 60).length;

  it('adding pods adds a constant number of flows per pod, whatever the rule count', () => {
    for (const m of [1, 10, 40]) {
      const a = sgFlows(scaled(20, m));
      const b = sgFlows(scaled(40, m));
      // per pod: server member flows (track x4, defaults x3, one membership, probe x2, node guard) + one client address
      assert.equal(b - a, 20 * 12, `m=${m}: ${a} -> ${b}`);
    }
  });

  it('adding rules adds one flow per rule, whatever the pod count', () => {
    for (const n of [10, 50]) {
      const a = sgFlows(scaled(n, 10));
      const b = sgFlows(scaled(n, 30));
      assert.equal(b - a, 20, `n=${n}: ${a} -> ${b}`);
    }
  });

  it('1,000 pods x 50 rules stays in the thousands, not 50,000', () => {
    const total = sgFlows(scaled(1000, 50));
    assert.ok(total < 13_000, `${total}`);
  });
});
