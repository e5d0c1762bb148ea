// The packet-in load balancer over a real OpenFlow session on loopback: a synthetic switch sends the PACKET_INs of new
// connections to a ClusterIP, the controller's OpenFlowServer + PacketInDispatcher + LoadBalancer answer. What is
// checked is what reaches the switch: two FLOW_MODs and a PACKET_OUT through OFPP_TABLE per new connection, a RST when
// no backend can take it, the per-switch packet-in limit, FLOW_REMOVED accounting, and a masked delete of a removed
// backend's sessions.
import assert from 'node:assert/strict';
import { SYSTEM } from '../../../controller/ops/actor.js';
import { createEndpoint } from '../../../controller/ops/endpoints.js';
import { createNode } from '../../../controller/ops/nodes.js';
import { createService, updateService } from '../../../controller/ops/services.js';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy.js';
import { cookie, featureMask, objectIdOf } from '../../../controller/pipeline/cookies.js';
import { LoadBalancer } from '../../../controller/services/load-balancer.js';
import {
  FlowModCommand,
  type FlowMod,
  type OfpMessage,
  type PacketOut,
} from '../../../protocols/openflow13/index.js';
import { parseFlowKey } from '../../../protocols/packets/index.js';
import {
  OpenFlowServer,
  PacketInDispatcher,
  type SwitchSession,
} from '../../../southbound/openflow/index.js';
import { captureLog } from '../../support/log-capture.js';
import { TempModel } from '../../support/model.js';
import { synFrame, SyntheticSwitch } from '../../support/synthetic-switch.js';

const SERVICE_COOKIE = featureMask('service').cookie | 1n;
const VIP = '10.96.0.10';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('integration: packet-in load balancer over a loopback OpenFlow session', function () {
  this.timeout(30_000);
  const { log } = captureLog();
  let m: TempModel;
  let server: OpenFlowServer;
  let lb: LoadBalancer;
  let dispatcher: PacketInDispatcher;
  let sw: SyntheticSwitch;
  let session: SwitchSession;
  let seen: OfpMessage[];
  let serviceId: string;
  let backendIds: string[];
  let clientPort = 30000;

  async function setup(rate = 100_000): Promise<void> {
    m = new TempModel();
    createTenant(m.ctx, SYSTEM, { name: 'acme' });
    const n = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name: 'web' });
    createSubnet(m.ctx, SYSTEM, { network: n.id, cidr: '10.1.0.0/24', gateway: '10.1.0.1' });
    createNode(m.ctx, SYSTEM, {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
    backendIds = ['b1', 'b2', 'b3'].map(
      (name) => createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'n1', name }).id,
    );
    serviceId = createService(m.ctx, SYSTEM, {
      network: 'web',
      name: 'svc',
      clusterIps: [VIP],
      ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
      backends: backendIds.map((endpoint) => ({ endpoint })),
      policy: 'round-robin',
    }).id;
    server = new OpenFlowServer({ log });
    const port = await server.listen('127.0.0.1', 0);
    dispatcher = new PacketInDispatcher({ ratePerSecond: rate, burst: rate });
    lb = new LoadBalancer({ model: m.store, events: m.store.events, log });
    lb.start(dispatcher);
    const up = new Promise<SwitchSession>((resolve) => server.once('switchUp', resolve));
    sw = await SyntheticSwitch.dial(port, 0xabcn);
    session = await up;
    dispatcher.attach(session);
    lb.attach(session);
    seen = [];
    sw.onAnswer = (a) => seen.push(a.message);
  }

  afterEach(async () => {
    sw?.close();
    lb?.stop();
    await server?.close();
    m?.dispose();
  });

  const syn = (client = '10.1.0.50'): Uint8Array =>
    synFrame({
      clientMac: '0a:58:0a:01:00:32',
      gatewayMac: '0a:00:00:00:01:01',
      client,
      clientPort: clientPort++,
      vip: VIP,
      port: 80,
    });

  it('answers a new connection with its forward and reverse flows, then the packet through the table', async () => {
    await setup();
    const frame = syn();
    sw.packetIn(frame, 7, 20, SERVICE_COOKIE);
    await until(() => seen.length >= 3);
    const [fwd, rev, out] = seen as [FlowMod, FlowMod, PacketOut];
    assert.equal(fwd.type, 'flowMod');
    assert.equal(rev.type, 'flowMod');
    assert.equal(out.type, 'packetOut');
    assert.equal(fwd.command, FlowModCommand.ADD);
    assert.equal(fwd.flags & 1, 1, 'forward flow asks for FLOW_REMOVED');
    assert.equal(fwd.idleTimeout, 60);
    assert.equal(fwd.cookie & featureMask('session').mask, featureMask('session').cookie);
    assert.deepEqual(out.actions, [{ type: 'output', port: 0xfffffff9, maxLen: 0 }]);
    assert.equal(out.inPort, 7);
    assert.deepEqual([...out.data], [...frame]);
    assert.equal(lb.counters.placed, 1);
  });

  it('spreads connections round-robin and counts them open per backend', async () => {
    await setup();
    for (let i = 0; i < 30; i++) sw.packetIn(syn(), 7, 20, SERVICE_COOKIE);
    await until(() => sw.counts.packetOut >= 30);
    const perBackend = backendIds.map((id) => lb.openConnections(id));
    assert.deepEqual(perBackend, [10, 10, 10]);
  });

  it('refuses at once with a TCP RST when no backend is left', async () => {
    await setup();
    updateService(m.ctx, SYSTEM, serviceId, { backends: [] });
    // The store's change event (and so the balancer's update) may come after the commit returns.
    await until(() => seen.filter((x) => x.type === 'flowMod').length >= 3);
    sw.packetIn(syn('10.1.0.51'), 9, 20, SERVICE_COOKIE);
    await until(() => seen.some((x) => x.type === 'packetOut'));
    const out = seen.find((x) => x.type === 'packetOut') as PacketOut;
    assert.deepEqual(out.actions, [{ type: 'output', port: 9, maxLen: 0 }]);
    const k = parseFlowKey(out.data);
    assert.ok(k.ok);
    assert.equal(k.value.src, VIP);
    assert.equal(k.value.dst, '10.1.0.51');
    assert.equal(k.value.srcPort, 80);
    assert.equal(k.value.tcpFlags & 0x04, 0x04, 'RST');
    assert.equal(seen.filter((x) => x.type === 'flowMod' && x.command === FlowModCommand.ADD).length, 0);
    assert.equal(lb.counters.refused, 1);
  });

  it('closes a connection on FLOW_REMOVED and deletes its reverse flow', async () => {
    await setup();
    sw.packetIn(syn(), 7, 20, SERVICE_COOKIE);
    await until(() => seen.length >= 3);
    const fwd = seen[0] as FlowMod;
    const backend = backendIds.find((id) => lb.openConnections(id) === 1) as string;
    seen.length = 0;
    // The switch reports the forward flow expired.
    sw.write({
      type: 'flowRemoved',
      xid: 0,
      cookie: fwd.cookie,
      priority: fwd.priority,
      reason: 0,
      tableId: fwd.tableId,
      durationSec: 60,
      durationNsec: 0,
      idleTimeout: 60,
      hardTimeout: 0,
      packetCount: 3n,
      byteCount: 180n,
      match: fwd.match,
    });
    await until(() => seen.length >= 1);
    const del = seen[0] as FlowMod;
    assert.equal(del.command, FlowModCommand.DELETE_STRICT);
    assert.equal(lb.openConnections(backend), 0);
    assert.equal(lb.counters.closed, 1);
  });

  it("deletes a removed backend's sessions by cookie, and sends new connections elsewhere", async () => {
    await setup();
    for (let i = 0; i < 6; i++) sw.packetIn(syn(), 7, 20, SERVICE_COOKIE);
    await until(() => sw.counts.packetOut >= 6);
    seen.length = 0;
    const [gone, ...kept] = backendIds as [string, ...string[]];
    updateService(m.ctx, SYSTEM, serviceId, { backends: kept.map((endpoint) => ({ endpoint })) });
    await until(() => seen.length >= 1);
    const del = seen[0] as FlowMod;
    assert.equal(del.command, FlowModCommand.DELETE);
    assert.equal(del.cookie, cookie('session', objectIdOf(gone)));
    assert.equal(del.cookieMask, 0xffffffffffffffffn);
    seen.length = 0;
    for (let i = 0; i < 10; i++) sw.packetIn(syn(), 7, 20, SERVICE_COOKIE);
    await until(() => sw.counts.packetOut >= 16);
    const cookies = new Set(seen.filter((x): x is FlowMod => x.type === 'flowMod').map((f) => f.cookie));
    assert.ok(!cookies.has(cookie('session', objectIdOf(gone))));
    assert.equal(cookies.size, 2);
  });

  it('holds the per-switch packet-in limit under a SYN flood', async () => {
    await setup(200);
    const start = performance.now();
    for (let i = 0; i < 5000; i++) sw.packetIn(syn(), 7, 20, SERVICE_COOKIE);
    await until(() => (dispatcher.counters(session.dpid)?.received ?? 0) >= 5000);
    const elapsed = (performance.now() - start) / 1000;
    const c = dispatcher.counters(session.dpid);
    assert.ok(c);
    // At most the burst plus the rate over the time the flood took, and the rest dropped, not queued.
    assert.ok(
      lb.counters.packetIns <= 200 + Math.ceil(200 * elapsed) + 1,
      `${lb.counters.packetIns} handled in ${elapsed}s`,
    );
    assert.equal(c.dropped + lb.counters.packetIns, 5000);
    assert.ok(c.dropped > 0);
  });
});
