// The security group, QoS, health-probe and IPv6 neighbour-discovery flows as Open vSwitch 3.1 takes them: the
// compiled pipeline of a node is pushed through the real flow sync and meter sync into a userspace ovs-vswitchd, and
// every FLOW_MOD and METER_MOD must be accepted (a flow OVS rejects comes back as an error of the sync).
import assert from 'node:assert/strict';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { featureMask, oursMask } from '../../../controller/pipeline/cookies.js';
import { MeterSync } from '../../../controller/reconcile/meter-sync.js';
import { toFlowEntry } from '../../../controller/reconcile/reconciler.js';
import { FlowSync, OpenFlowServer, type SwitchSession } from '../../../southbound/openflow/index.js';
import { captureLog } from '../../support/log-capture.js';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs.js';
import { QOS, sgCluster } from '../../unit/pipeline/sg-fixture.js';

const DPID = '00000000000000b7';

describe('integration: security group and QoS flows in real Open vSwitch', function () {
  this.timeout(120_000);
  let box: OvsSandbox;
  const { log } = captureLog();
  let server: OpenFlowServer;
  let session: SwitchSession;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    await box.addBridge('br-int', `other_config:datapath-id=${DPID}`);
    server = new OpenFlowServer({ log, echoIntervalMs: 1000 });
    session = await server.connect(box.mgmt('br-int'));
    // The flood groups the base pipeline's broadcast flows name.
    for (const g of compileNode(sgCluster(), 'n1').groups)
      session.send({
        type: 'groupMod',
        command: 0,
        groupType: g.groupType,
        groupId: g.groupId,
        buckets: g.buckets,
      });
    await session.barrier();
  });
  after(async () => {
    await server?.close();
    await box?.stop();
  });

  const ours = oursMask();
  const learned = featureMask('health');
  const ownership = {
    value: ours.cookie,
    mask: ours.mask,
    exclude: [{ value: learned.cookie, mask: learned.mask }],
  };

  it('accepts every flow and meter of a node with groups, QoS and IPv6; a second sync sends nothing', async () => {
    const compiled = compileNode(sgCluster(), 'n1');
    const meters = new MeterSync(session);
    const flows = new FlowSync(session, { ownership, log });
    assert.equal(await meters.put(compiled.meters), 2);
    const r = await flows.sync(compiled.flows.map(toFlowEntry));
    assert.deepEqual(
      r.errors.map((e) => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))),
      [],
    );
    assert.equal(r.added, compiled.flows.length);
    const dump = await box.ofctl('-O', 'OpenFlow13', 'dump-flows', '--no-names', box.mgmt('br-int'));
    assert.match(dump, /table=60,.*conj_id=/);
    assert.match(dump, /learn\(table=30,idle_timeout=30/);
    assert.match(dump, /set_field:2->nd_options_type|nd_options_type/);
    assert.match(dump, /meter:\d+/);
    const meterText = await box.ofctl('-O', 'OpenFlow13', 'dump-meters', box.mgmt('br-int'));
    assert.match(
      meterText,
      new RegExp(`kbps burst stats bands=\\s*type=drop rate=${QOS.ingressRateKbps} burst_size=1000`),
    );
    const again = new MeterSync(session);
    assert.equal(await again.put(compiled.meters), 0, 'a reconnect reads the meters back: nothing to send');
    const r2 = await flows.sync(compiled.flows.map(toFlowEntry));
    assert.deepEqual([r2.added, r2.modified, r2.deleted], [0, 0, 0]);
  });

  it('a rule change touches only the flows that rule owns', async () => {
    const base = sgCluster();
    const changed = {
      ...base,
      securityGroupRules: (base.securityGroupRules ?? []).map((x) =>
        x.id === 'R1' ? { ...x, portMin: 81, portMax: 81 } : x,
      ),
    };
    const flows = new FlowSync(session, { ownership, log });
    await flows.sync(compileNode(base, 'n1').flows.map(toFlowEntry));
    const r = await flows.sync(compileNode(changed, 'n1').flows.map(toFlowEntry));
    assert.deepEqual([r.added, r.modified, r.deleted, r.errors.length], [1, 0, 1, 0]);
  });

  it('deletes a meter only after its flows are gone', async () => {
    const base = sgCluster();
    const none = { ...base, endpoints: base.endpoints.map(({ qosPolicyId: _q, ...e }) => e) };
    const compiled = compileNode(none, 'n1');
    const meters = new MeterSync(session);
    const flows = new FlowSync(session, { ownership, log });
    await meters.put(compiled.meters);
    const r = await flows.sync(compiled.flows.map(toFlowEntry));
    assert.equal(r.errors.length, 0);
    assert.equal(await meters.prune(compiled.meters), 2);
    const meterText = await box.ofctl('-O', 'OpenFlow13', 'dump-meters', box.mgmt('br-int'));
    assert.doesNotMatch(meterText, /meter=\d+/);
  });
});
