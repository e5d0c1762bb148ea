// A controller restart against the real pipeline's flows: a fresh flow sync reads back every flow the compiled
// pipeline of a node has in Open vSwitch (conjunctions, learn, ct, NAT, set_field, meters, groups, IPv6) and finds
// them identical: zero FLOW_MODs. This is what keeps the flow identity on wire bytes (flow-identity.ts) honest
// against the switch's own normal form for every kind of match and action the controller writes.
import assert from 'node:assert/strict';
import { compileNode } from '../../../controller/pipeline/compile.js';
import { featureMask, oursMask } from '../../../controller/pipeline/cookies.js';
import { MeterSync } from '../../../controller/reconcile/meter-sync.js';
import { toFlowEntry } from '../../../controller/reconcile/reconciler.js';
import { FlowSync, OpenFlowServer, type SwitchSession } from '../../../southbound/openflow/index.js';
import { captureLog } from '../../support/log-capture.js';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs.js';
import { sgCluster } from '../../unit/pipeline/sg-fixture.js';

describe('integration: flow sync resync of the compiled pipeline in real Open vSwitch', function () {
  this.timeout(120_000);
  let box: OvsSandbox;
  const { log } = captureLog();
  let server: OpenFlowServer;
  let session: SwitchSession;
  const ours = oursMask();
  const learned = featureMask('health');
  const ownership = {
    value: ours.cookie,
    mask: ours.mask,
    exclude: [{ value: learned.cookie, mask: learned.mask }],
  };

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    await box.addBridge('br-int', 'other_config:datapath-id=00000000000000b8');
    server = new OpenFlowServer({ log, echoIntervalMs: 1000 });
    session = await server.connect(box.mgmt('br-int'));
  });
  after(async () => {
    await server?.close();
    await box?.stop();
  });

  for (const bundles of [true, false]) {
    it(`a fresh sync after a restart sends zero FLOW_MODs (${bundles ? 'atomic bundle' : 'FLOW_MODs + barriers'})`, async () => {
      await box.ofctl('-O', 'OpenFlow13', 'del-flows', box.mgmt('br-int'));
      const compiled = compileNode(sgCluster(), 'n1');
      for (const g of compiled.groups)
        session.send({
          type: 'groupMod',
          command: 0,
          groupType: g.groupType,
          groupId: g.groupId,
          buckets: g.buckets,
        });
      await session.barrier();
      await new MeterSync(session).put(compiled.meters);
      const first = await new FlowSync(session, { ownership, log, bundles }).sync(
        compiled.flows.map(toFlowEntry),
      );
      assert.deepEqual(first.errors, []);
      assert.equal(first.added, compiled.flows.length);
      const before = session.flowModsSent;
      const restarted = new FlowSync(session, { ownership, log, bundles });
      const r = await restarted.sync(compiled.flows.map(toFlowEntry));
      assert.deepEqual([r.added, r.modified, r.deleted, r.errors.length], [0, 0, 0, 0]);
      assert.equal(session.flowModsSent, before);
      assert.equal(restarted.tracked?.size, compiled.flows.length);
    });
  }
});
