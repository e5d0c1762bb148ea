// Flow construction of ClusterIP load balancing, read as ovs-ofctl text: service-lb's static flows (miss -> metered
// controller, ClusterIP ARP/ND, external-backend return) and a connection's forward/reverse session flows.
import { strict as assert } from 'node:assert';
import type { Service } from '../../../controller/model/types.js';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { cookie, featureOf, objectIdOf } from '../../../controller/pipeline/cookies.js';
import { domainNumber } from '../../../controller/pipeline/context.js';
import { MeterId } from '../../../controller/pipeline/meters.js';
import {
  checkedForwardFlow,
  checkedReverseFlow,
  deleteByCookie,
  flowMod,
  forwardFlow,
  reverseFlow,
  type SessionSpec,
} from '../../../controller/services/session-flows.js';
import { formatFlowMod } from '../../../protocols/openflow13/ofctl/index.js';
import { cluster } from '../pipeline/fixture.js';

const at = '2026-01-01T00:00:00.000Z';
const svc: Service = {
  id: 'S1',
  networkId: 'A1',
  tenantId: 'TA',
  name: 'web',
  clusterIps: ['10.96.0.10', 'fd00:96::10'],
  ports: [
    { protocol: 'tcp', port: 80, targetPort: 8080 },
    { protocol: 'udp', port: 53, targetPort: 53 },
  ],
  backends: [
    { kind: 'endpoint', endpointId: 'a3', weight: 1 },
    { kind: 'address', address: '10.99.0.254', weight: 1 },
  ],
  policy: 'round-robin',
  sessionAffinity: 'none',
  createdAt: at,
};

const text = (f: Parameters<typeof flowMod>[0]): string => formatFlowMod(flowMod(f));
const DOMAIN = domainNumber('RA');
const hex = (n: number): string => '0x' + n.toString(16);

describe('service-lb flows', () => {
  const compiled = compileNode({ ...cluster(), services: [svc] }, 'n1');
  const ours = compiled.flows.filter((f) => featureOf(f.cookie) === 'service');

  it('sends a miss for every ClusterIP and port to the controller through the packet-in meter', () => {
    const misses = ours.filter((f) => f.table === 20).map(text);
    assert.equal(misses.length, 4, misses.join('\n'));
    const v4 = misses.find((t) => t.includes('nw_dst=10.96.0.10') && t.includes('tp_dst=80'));
    assert.ok(v4, misses.join('\n'));
    assert.match(v4, new RegExp(`reg2=${hex(DOMAIN)}`));
    assert.match(v4, new RegExp(`meter:${MeterId.serviceMiss}`));
    assert.match(v4, /CONTROLLER:65535/);
    assert.ok(misses.some((t) => t.includes('ipv6_dst=fd00:96::10') && t.includes('udp')));
    assert.deepEqual(
      compiled.meters.map((m) => m.meterId),
      [MeterId.serviceMiss],
    );
  });

  it('answers ARP for the ClusterIP with the gateway MAC of every local network of the domain', () => {
    const arp = ours.filter((f) => f.table === 10).map(text);
    assert.ok(
      arp.some((t) => t.includes('arp_tpa=10.96.0.10') && t.includes('set_field:0a:00:00:00:01:01->eth_src')),
      arp.join('\n'),
    );
    assert.ok(
      arp.some((t) => t.includes('nd_target=fd00:96::10')),
      arp.join('\n'),
    );
  });

  it("sends un-SNATed replies (an external backend's among them) through service_lb, from each local port's alias", () => {
    const ret = compiled.flows
      .filter((f) => featureOf(f.cookie) === 'egress' && f.table === 0)
      .map(text)
      .filter((t) => t.includes('nw_dst=100.64.'));
    assert.ok(ret.length > 0, 'alias return flows');
    for (const t of ret) assert.match(t, /goto_table:20$/);
    assert.equal(ours.filter((f) => f.table === 0).length, 0, 'no per-Service classify flow is needed');
  });

  it('leaves nodes of other routing domains without them', () => {
    const snap = cluster();
    const onlyB = { ...snap, endpoints: snap.endpoints.filter((e) => e.networkId === 'B1'), services: [svc] };
    const n = compileNode(onlyB, 'n1');
    assert.equal(n.flows.filter((f) => featureOf(f.cookie) === 'service').length, 0);
    assert.equal(n.meters.length, 0);
  });
});

describe('session flows', () => {
  const spec: SessionSpec = {
    domain: 7,
    ipVersion: 4,
    protocol: 6,
    client: { ip: '10.1.0.10', port: 40000 },
    vip: { ip: '10.96.0.10', port: 80 },
    backend: { ip: '10.1.0.12', port: 8080 },
    backendObjectId: objectIdOf('a3'),
    idleTimeout: 60,
  };

  it('the fast builders give what flow() checks against the table declaration', () => {
    assert.deepEqual(forwardFlow(spec), checkedForwardFlow(spec));
    assert.deepEqual(reverseFlow(spec), checkedReverseFlow(spec));
    const v6 = {
      ...spec,
      ipVersion: 6 as const,
      protocol: 17,
      client: { ip: 'fd00:1::10', port: 1 },
      vip: { ip: 'fd00:96::1', port: 53 },
      backend: { ip: 'fd00:1::12', port: 5353 },
    };
    assert.deepEqual(forwardFlow(v6), checkedForwardFlow(v6));
    assert.deepEqual(reverseFlow(v6), checkedReverseFlow(v6));
  });

  it('forward: client 5-tuple -> DNAT to the backend, reported when removed', () => {
    const t = text(forwardFlow(spec));
    assert.equal(
      t,
      'ADD table:20 priority=300,tcp,reg2=0x7,nw_src=10.1.0.10,nw_dst=10.96.0.10,tp_src=40000,tp_dst=80 ' +
        `cookie:0x${cookie('session', objectIdOf('a3')).toString(16)} idle:60 send_flow_rem ` +
        'actions=set_field:10.1.0.12->ip_dst,set_field:8080->tcp_dst,goto_table:30',
    );
  });

  it('reverse: backend -> client with the ClusterIP and service port as source', () => {
    const t = text(reverseFlow(spec));
    assert.match(t, /idle:65/);
    assert.doesNotMatch(t, /send_flow_rem/);
    assert.match(t, /nw_src=10\.1\.0\.12,nw_dst=10\.1\.0\.10,tp_src=8080,tp_dst=40000/);
    assert.match(t, /actions=set_field:10\.96\.0\.10->ip_src,set_field:80->tcp_src,goto_table:30/);
  });

  it('UDP and IPv6 use their own fields; an unchanged port is not rewritten', () => {
    const t = text(
      forwardFlow({
        ...spec,
        ipVersion: 6,
        protocol: 17,
        client: { ip: 'fd00:1::10', port: 5353 },
        vip: { ip: 'fd00:96::10', port: 53 },
        backend: { ip: 'fd00:1::12', port: 53 },
      }),
    );
    assert.match(t, /udp6,reg2=0x7,ipv6_src=fd00:1::10,ipv6_dst=fd00:96::10,tp_src=5353,tp_dst=53/);
    assert.match(t, /actions=set_field:fd00:1::12->ipv6_dst,goto_table:30$/);
  });

  it('a pod backend is delivered at L2; the reply goes back to the client at L2', () => {
    const l2 = {
      ...spec,
      backendMac: '0a:58:0a:01:00:0c',
      clientL2: { clientMac: '0a:58:0a:01:00:0a', gatewayMac: '0a:00:00:00:01:01' },
    };
    assert.match(
      text(forwardFlow(l2)),
      /actions=set_field:0a:58:0a:01:00:0c->eth_dst,load:0->NXM_NX_REG0\[4\],set_field:10\.1\.0\.12->ip_dst,set_field:8080->tcp_dst,goto_table:30$/,
    );
    assert.match(
      text(reverseFlow(l2)),
      /actions=set_field:0a:00:00:00:01:01->eth_src,set_field:0a:58:0a:01:00:0a->eth_dst,load:0->NXM_NX_REG0\[4\],set_field:10\.96\.0\.10->ip_src/,
    );
    assert.deepEqual(forwardFlow(l2), checkedForwardFlow(l2));
  });

  it('an external backend is DNATed, then SNATed to the egress transit address in the egress zone, out to the host', () => {
    const ext = {
      ...spec,
      backend: { ip: '10.99.0.254', port: 8080 },
      snat: { ip: '169.254.0.1', hostMac: '02:5d:0a:63:00:01' },
      clientL2: { clientMac: '0a:58:0a:01:00:0a', gatewayMac: '0a:00:00:00:01:01' },
    };
    assert.match(
      text(forwardFlow(ext)),
      /set_field:10\.99\.0\.254->ip_dst,set_field:8080->tcp_dst,set_field:02:5d:0a:63:00:01->eth_dst,load:0->NXM_NX_REG0\[4\],set_field:100\.64\.0\.0->ip_src,move:OXM_OF_IN_PORT\[0\.\.15\]->NXM_OF_IP_SRC\[0\.\.15\],ct\(commit,zone=65520,nat\(src=169\.254\.0\.1\),exec\(set_field:0x7->ct_mark\)\),goto_table:30$/,
    );
    // The reply comes in through the host port, in no network: only the ClusterIP source is restored, and l3 routes
    // it to the client (classify set TO_ROUTER), never an L2 rewrite that l2 could not place.
    assert.match(
      text(reverseFlow(ext)),
      /nw_src=10\.99\.0\.254,nw_dst=10\.1\.0\.10,tp_src=8080,tp_dst=40000 .*actions=set_field:10\.96\.0\.10->ip_src,set_field:80->tcp_src,goto_table:30$/,
    );
    assert.deepEqual(forwardFlow(ext), checkedForwardFlow(ext));
    assert.deepEqual(reverseFlow(ext), checkedReverseFlow(ext));
  });

  it("a backend's sessions go with one delete by exact cookie", () => {
    const d = deleteByCookie(cookie('session', objectIdOf('a3')));
    assert.equal(d.cookieMask, 0xffffffffffffffffn);
    assert.match(formatFlowMod(d), /^DEL table:255 .*cookie:0x5dc00b[0-9a-f]+\/0xffffffffffffffff/);
  });
});
