// The load balancer's two packet-in paths give the same answers: the fast one (frames read by offset, answers from
// byte templates) for untagged frames, and the general one (parseFlowKey, FlowSpecs through the encoder) that a
// VLAN-tagged copy of the same frame takes. Same decisions, same FLOW_MODs byte for byte, same PACKET_OUT but for
// the frame it carries, same counters; for IPv4 and IPv6, TCP and UDP.
import { strict as assert } from 'node:assert';
import { Duplex } from 'node:stream';
import { SYSTEM } from '../../../controller/ops/actor.js';
import { createEndpoint } from '../../../controller/ops/endpoints.js';
import { createNode } from '../../../controller/ops/nodes.js';
import { createService } from '../../../controller/ops/services.js';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy.js';
import { featureMask } from '../../../controller/pipeline/cookies.js';
import { LoadBalancer } from '../../../controller/services/load-balancer.js';
import { Framer, type PacketIn } from '../../../protocols/openflow13/index.js';
import {
  EtherType,
  IpProto,
  parseIp,
  writeEthernet,
  writeIpv4,
  writeIpv6,
} from '../../../protocols/packets/index.js';
import { OfConnection, SwitchSession } from '../../../southbound/openflow/index.js';
import { captureLog } from '../../support/log-capture.js';
import { TempModel } from '../../support/model.js';
import { withVlan } from '../packets/craft.js';

/** A session whose writes are kept, as whole OpenFlow messages. */
function capturingSession(log: ReturnType<typeof captureLog>['log']): {
  session: SwitchSession;
  taken: () => Buffer[];
} {
  const written: Buffer[] = [];
  const sink = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      written.push(chunk);
      done();
    },
  });
  const session = new SwitchSession(new OfConnection(sink, 'test'), { log });
  const framer = new Framer();
  return {
    session,
    taken: () => framer.push(Buffer.concat(written.splice(0))).messages.map((m) => Buffer.from(m)),
  };
}

function frame(
  v: 4 | 6,
  protocol: number,
  client: string,
  clientPort: number,
  vip: string,
  port: number,
): Buffer {
  const l4 = protocol === IpProto.TCP ? 20 : 8;
  const f = Buffer.alloc(14 + (v === 4 ? 20 : 40) + l4);
  const at = writeEthernet(f, 0, {
    dst: Uint8Array.from([0x0a, 0, 0, 0, 1, 1]),
    src: Uint8Array.from([0x0a, 0x58, 0, 0, clientPort >> 8, clientPort & 0xff]),
    etherType: v === 4 ? EtherType.IPv4 : EtherType.IPv6,
  });
  const fields = {
    src: (parseIp(client) as { bytes: Uint8Array }).bytes,
    dst: (parseIp(vip) as { bytes: Uint8Array }).bytes,
    protocol,
    payloadLength: l4,
  };
  const l4At = v === 4 ? writeIpv4(f, at, fields) : writeIpv6(f, at, fields);
  f.writeUInt16BE(clientPort, l4At);
  f.writeUInt16BE(port, l4At + 2);
  if (protocol === IpProto.TCP) f[l4At + 13] = 0x02;
  return f;
}

const pin = (data: Uint8Array): PacketIn => ({
  type: 'packetIn',
  xid: 0,
  bufferId: 0xffffffff,
  totalLen: data.length,
  reason: 1,
  tableId: 20,
  cookie: featureMask('service').cookie | 1n,
  match: [{ field: 'in_port', value: 7 }],
  data,
});

/** A PACKET_OUT without its frame: header (length patched out), buffer, in_port, actions. */
const withoutData = (m: Buffer): Buffer => {
  const head = Buffer.from(m.subarray(0, 24 + m.readUInt16BE(16)));
  head.writeUInt16BE(0, 2);
  return head;
};

describe('load balancer: the fast and the general packet-in path agree', () => {
  const { log, lines } = captureLog();
  let m: TempModel;
  after(() => m?.dispose());

  it('answers untagged frames (fast) and VLAN-tagged copies (general) with the same messages', async () => {
    m = new TempModel();
    createTenant(m.ctx, SYSTEM, { name: 'acme' });
    const n = createNetwork(m.ctx, SYSTEM, { tenant: 'acme', name: 'web' });
    createSubnet(m.ctx, SYSTEM, { network: n.id, cidr: '10.1.0.0/16', gateway: '10.1.0.1' });
    createSubnet(m.ctx, SYSTEM, { network: n.id, cidr: 'fd00:1::/64' });
    createNode(m.ctx, SYSTEM, {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: 'unix:/x',
    });
    const backends = [0, 1, 2].map((i) => ({
      endpoint: createEndpoint(m.ctx, SYSTEM, { network: 'web', kind: 'pod', node: 'n1', name: `b${i}` }).id,
    }));
    createService(m.ctx, SYSTEM, {
      network: 'web',
      name: 'svc',
      clusterIps: ['10.96.0.10', 'fd00:96::10'],
      ports: [
        { protocol: 'tcp', port: 80, targetPort: 8080 },
        { protocol: 'udp', port: 53, targetPort: 53 },
      ],
      backends,
      policy: 'round-robin',
    });
    const fast = new LoadBalancer({ model: m.store, log });
    const general = new LoadBalancer({ model: m.store, log });
    fast.start();
    general.start();
    const a = capturingSession(log);
    const b = capturingSession(log);
    fast.attach(a.session);
    general.attach(b.session);
    let compared = 0;
    for (let i = 0; i < 60; i++) {
      const v = i % 2 === 0 ? 4 : 6;
      const tcp = i % 3 !== 0;
      const f = frame(
        v,
        tcp ? IpProto.TCP : IpProto.UDP,
        v === 4 ? `10.1.${i}.${i + 2}` : `fd00:1::${(i + 2).toString(16)}`,
        1024 + i * 7,
        v === 4 ? '10.96.0.10' : 'fd00:96::10',
        tcp ? 80 : 53,
      );
      fast.handlePacketIn(a.session, pin(f));
      general.handlePacketIn(b.session, pin(withVlan(f, 10)));
      await new Promise((r) => process.nextTick(r)); // outside a socket read, answers go out at the end of the tick
      const [got, want] = [a.taken(), b.taken()];
      assert.equal(got.length, 3, `case ${i}: two FLOW_MODs and a PACKET_OUT`);
      assert.equal(want.length, 3, `case ${i}`);
      assert.deepEqual(got[0], want[0], `case ${i}: forward FLOW_MOD`);
      assert.deepEqual(got[1], want[1], `case ${i}: reverse FLOW_MOD`);
      assert.deepEqual(
        withoutData(got[2] as Buffer),
        withoutData(want[2] as Buffer),
        `case ${i}: PACKET_OUT`,
      );
      compared++;
    }
    assert.equal(compared, 60);
    assert.deepEqual(fast.counters, general.counters);
    // The fast path answered from templates (it would fall back to the encoder, and say so, for flows it cannot).
    assert.deepEqual(
      lines.filter((l) => String(l.msg).includes('not templated')),
      [],
    );
    assert.equal(fast.liveSessions(a.session), 60);
    assert.equal(general.liveSessions(b.session), 60);
    fast.stop();
    general.stop();
  });
});
