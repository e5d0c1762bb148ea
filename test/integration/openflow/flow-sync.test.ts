// Flow sync and switch sessions against a real userspace ovs-vswitchd (issue 4's checks).
import assert from 'node:assert/strict';
import {
  FlowSync,
  OpenFlowServer,
  type FlowEntry,
  type SwitchSession,
} from '../../../southbound/openflow/index.js';
import { CORPUS_OWNERSHIP, corpusCookie, flowCorpus } from '../../support/flow-corpus.js';
import { captureLog } from '../../support/log-capture.js';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs.js';

const OURS = CORPUS_OWNERSHIP;
const DPID = '00000000000000a1';
const corpus = flowCorpus;
const cookie = corpusCookie;

describe('integration: OpenFlow flow sync with real Open vSwitch', function () {
  this.timeout(120_000);
  let box: OvsSandbox;
  const { log, lines } = captureLog();
  let server: OpenFlowServer;
  let session: SwitchSession;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    await box.addBridge('br-int', `other_config:datapath-id=${DPID}`);
    server = new OpenFlowServer({ log, echoIntervalMs: 1000 });
    session = await server.connect(box.mgmt('br-int'));
  });
  after(async () => {
    await server?.close();
    await box?.stop();
  });

  const countFlows = async (): Promise<number> =>
    (await box.ofctl('-O', 'OpenFlow13', 'dump-flows', '--no-names', box.mgmt('br-int')))
      .split('\n')
      .filter((l) => l.includes('cookie=')).length;

  it('connects with HELLO/FEATURES and learns the datapath id and ports', () => {
    assert.equal(session.dpid, DPID);
    assert.ok(session.ports.has(0xfffffffe), 'the LOCAL port is listed');
    assert.equal(server.switches.get(DPID), session);
  });

  it('pushes 10,000 flows; dump-flows shows exactly them; a second sync sends nothing', async () => {
    const sync = new FlowSync(session, { ownership: OURS, log });
    const flows = corpus(10_000);
    const r1 = await sync.sync(flows);
    assert.deepEqual([r1.added, r1.modified, r1.deleted, r1.errors.length], [10_001, 0, 0, 0]);
    assert.equal(await countFlows(), 10_001);
    const dumped = await box.ofctl(
      '-O',
      'OpenFlow13',
      'dump-flows',
      '--no-names',
      box.mgmt('br-int'),
      'table=40,ip,nw_dst=10.0.0.1',
    );
    assert.match(
      dumped,
      /cookie=0x5d0e280000000001,.*priority=100,ip,nw_dst=10\.0\.0\.1 actions=dec_ttl,goto_table:50/,
    );
    const before = session.flowModsSent;
    const r2 = await sync.sync(flows);
    assert.deepEqual([r2.added, r2.modified, r2.deleted], [0, 0, 0]);
    assert.equal(session.flowModsSent, before);
  });

  it('after a controller restart (fresh dump), the same desired state sends zero FLOW_MODs; one change sends one', async () => {
    const fresh = new FlowSync(session, { ownership: OURS, log });
    const flows = corpus(10_000);
    const before = session.flowModsSent;
    const r = await fresh.sync(flows);
    assert.deepEqual([r.added, r.modified, r.deleted, r.errors.length], [0, 0, 0, 0]);
    assert.equal(session.flowModsSent, before, 'zero FLOW_MODs after a resync');
    const changed = flows.slice();
    const f = changed[0] as FlowEntry;
    changed[0] = {
      ...f,
      instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 9, maxLen: 0 }] }],
    };
    const r2 = await fresh.sync(changed);
    assert.deepEqual([r2.added, r2.modified, r2.deleted], [0, 1, 0]);
    assert.equal(session.flowModsSent - before, 1);
  });

  for (const bundles of [true, false]) {
    it(`a flow the switch rejects gives an error tied to that flow; the rest still go in (${bundles ? 'atomic bundle' : 'FLOW_MODs + barriers'})`, async () => {
      await box.ofctl('-O', 'OpenFlow13', 'del-flows', box.mgmt('br-int'));
      const sync = new FlowSync(session, { ownership: OURS, log, bundles });
      const flows = corpus(100);
      // goto_table backwards is invalid in OpenFlow 1.3 (BAD_INSTRUCTION/BAD_TABLE_ID in OVS).
      const bad: FlowEntry = {
        tableId: 50,
        priority: 7,
        match: [],
        instructions: [{ type: 'gotoTable', tableId: 10 }],
        cookie: cookie(9, 9),
      };
      const r = await sync.sync([...flows, bad]);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0]?.flow, bad);
      assert.match(r.errors[0]?.error ?? '', /BAD_(INSTRUCTION|TABLE)/i);
      assert.equal(await countFlows(), 101);
      assert.equal(sync.usesBundles, bundles ? true : undefined);
      // The refused flow is not sent again while it stays the same.
      const before = session.flowModsSent;
      const again = await sync.sync([...flows, bad]);
      assert.deepEqual([again.added, again.errors.length, session.flowModsSent - before], [0, 0, 0]);
      assert.equal(sync.rejectedCount, 1);
    });
  }

  it('patch changes only the flows it names: puts what differs, removes what it is told, leaves the rest', async () => {
    await box.ofctl('-O', 'OpenFlow13', 'del-flows', box.mgmt('br-int'));
    const sync = new FlowSync(session, { ownership: OURS, log });
    const flows = corpus(200);
    await sync.sync(flows);
    const total = await countFlows();
    const extra = corpus(210).slice(200, 210); // ten flows of the same shape that the first 200 do not have
    const changed: FlowEntry = {
      ...(flows[5] as FlowEntry),
      instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 9, maxLen: 0 }] }],
    };
    const before = session.flowModsSent;
    // Unchanged flows named again cost nothing; the removed ones need only their identity, not their body.
    const r = await sync.patch(
      [...extra, changed, flows[6] as FlowEntry],
      [flows[7] as FlowEntry, flows[7] as FlowEntry],
    );
    assert.deepEqual([r.added, r.modified, r.deleted, r.errors.length], [extra.length, 1, 1, 0]);
    assert.equal(session.flowModsSent - before, extra.length + 2);
    assert.equal(await countFlows(), total + extra.length - 1);
    // A flow named in both is kept, and a whole sync afterwards sees exactly what the patch left.
    const both = await sync.patch([flows[8] as FlowEntry], [flows[8] as FlowEntry]);
    assert.deepEqual([both.added, both.modified, both.deleted], [0, 0, 0]);
    const desired = [...flows.filter((_, i) => i !== 7 && i !== 5), changed, ...extra];
    const fresh = new FlowSync(session, { ownership: OURS, log });
    const again = await fresh.sync(desired);
    assert.deepEqual([again.added, again.modified, again.deleted], [0, 0, 0]);
  });

  it('removes flows added by hand under our cookie and keeps flows under a foreign cookie', async () => {
    await box.ofctl('-O', 'OpenFlow13', 'del-flows', box.mgmt('br-int'));
    await new FlowSync(session, { ownership: OURS, log }).sync(corpus(100));
    await box.ofctl(
      '-O',
      'OpenFlow13',
      'add-flow',
      box.mgmt('br-int'),
      'cookie=0x5d0e00ff00000001,table=5,priority=9,actions=drop',
    );
    await box.ofctl(
      '-O',
      'OpenFlow13',
      'add-flow',
      box.mgmt('br-int'),
      'cookie=0x1234,table=5,priority=9,ip,actions=drop',
    );
    const sync = new FlowSync(session, { ownership: OURS, log });
    const r = await sync.sync(corpus(100));
    assert.equal(r.deleted, 1);
    const out = await box.ofctl('-O', 'OpenFlow13', 'dump-flows', box.mgmt('br-int'), 'table=5');
    assert.match(out, /cookie=0x1234/);
    assert.doesNotMatch(out, /cookie=0x5d0e00ff00000001/);
  });

  it('ovs-vswitchd killed and restarted: the session comes back and the flows are restored', async () => {
    const flows = corpus(1000);
    await new FlowSync(session, { ownership: OURS, log }).sync(flows);
    const closed = new Promise<string>((resolve) => session.once('close', resolve));
    await box.killVswitchd();
    assert.ok((await closed).length > 0);
    await box.restartVswitchd();
    // The management socket reappears once the bridge is back.
    let again: SwitchSession | undefined;
    for (let i = 0; i < 100 && !again; i++) {
      again = await server.connect(box.mgmt('br-int')).catch(() => undefined);
      if (!again) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(again, 'reconnected to the restarted switch');
    session = again;
    assert.equal(await countFlows(), 0, 'a restarted userspace switch starts with an empty table');
    const r = await new FlowSync(session, { ownership: OURS, log }).sync(flows);
    assert.equal(r.added, 1001);
    assert.equal(await countFlows(), 1001);
  });

  it('logs why a session closed', () => {
    assert.ok(lines.some((l) => typeof l.reason === 'string' && l.msg === 'switch connection closed'));
  });
});
