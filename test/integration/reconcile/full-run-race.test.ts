// A full run of the reconciler reads the model twice: once for the ports it puts on the bridge, once for the flows it
// compiles. A CNI ADD or DEL committed in between is in the flows but not in the ports, and the per-pod path, which
// takes the context of the last full run for what the switch holds, then never attached that pod's port (the ADD
// answered success with no port on the bridge) or never took a deleted pod's port off. These tests commit the pod at
// exactly that moment, against the real Reconciler and ovs-vswitchd, and check the bridge afterwards.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SYSTEM, type Actor } from '../../../controller/ops/actor';
import { createBinding } from '../../../controller/ops/bindings';
import { cniAdd, cniDel } from '../../../controller/ops/cni';
import { createNode } from '../../../controller/ops/nodes';
import { createNetwork, createSubnet, createTenant } from '../../../controller/ops/tenancy';
import { createToken } from '../../../controller/ops/tokens';
import { Reconciler } from '../../../controller/reconcile/reconciler';
import type { ModelReader } from '../../../controller/store/store';
import { OpenFlowServer } from '../../../southbound/openflow';
import { captureLog } from '../../support/log-capture';
import { TempModel } from '../../support/model';
import { cleanupStaleSandboxes, OvsSandbox, requireRootAndOvs } from '../../support/ovs';

const BRIDGE = 'br-int';

describe('integration: reconciler, a pod committed while a full run is between its ports and its flows', function () {
  this.timeout(60_000);
  let box: OvsSandbox | undefined;
  let m: TempModel | undefined;
  let openflow: OpenFlowServer | undefined;
  let rec: Reconciler | undefined;
  let cni: Actor;
  let nodeId = '';
  /** Runs once, just before the `at`-th listing of the endpoints from now (each full run takes two snapshots). */
  let hook: { at: number; fn: () => void } | undefined;
  let fired = 0;

  const pod = (i: number) => ({
    containerId: `race-${i}`,
    ifname: 'eth0',
    netns: `/run/netns/race-${i}`,
    hostIfName: `rc${process.pid % 100000}p${i}`,
    k8sNamespace: 'race',
    k8sPodName: `pod-${i}`,
  });
  const ports = async (): Promise<string[]> =>
    (await box!.vsctl('list-ports', BRIDGE)).split('\n').filter((p) => p.startsWith('rc'));

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    // The pods' host ends, as the agent would have made them before its ADD.
    for (const i of [1, 2, 3]) {
      const name = pod(i).hostIfName;
      await box.inNetns('ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}x`);
      await box.inNetns('ip', 'link', 'set', name, 'up');
      await box.inNetns('ip', 'link', 'set', `${name}x`, 'up');
    }
    m = new TempModel();
    const store = m.store;
    openflow = new OpenFlowServer({ log: captureLog('warn').log });
    const sock = join(box.dir, 'of.sock');
    await openflow.listenUnix(sock);
    const t = createTenant(m.ctx, SYSTEM, { name: 'race' });
    createNetwork(m.ctx, SYSTEM, { tenant: t.id, name: 'pods' });
    createSubnet(m.ctx, SYSTEM, { network: 'pods', cidr: '10.77.0.0/24' });
    createBinding(m.ctx, SYSTEM, { namespace: 'race', network: 'pods' });
    const node = createNode(m.ctx, SYSTEM, {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'host',
      tunnelIp: '192.0.2.1',
      ovsdb: box.ovsdbTarget,
      controllerTarget: `unix:${sock}`,
      datapathType: 'netdev',
    });
    nodeId = node.id;
    const { token } = createToken(m.ctx, SYSTEM, { role: 'cni', node: 'n1' });
    cni = { id: token.id, role: 'cni', nodeId };
    await store.durable(); // their change events are out before the reconciler starts
    // The store as the reconciler reads it, with a hook on its listing of the endpoints (one per snapshot).
    const model: ModelReader = {
      get: (k, id) => store.get(k, id),
      all: (k) => {
        if (k === 'endpoint' && hook && --hook.at === 0) {
          const { fn } = hook;
          hook = undefined;
          fired++;
          fn();
        }
        return store.all(k);
      },
      count: (k) => store.count(k),
      lookup: (k, i, key) => store.lookup(k, i, key),
      countUnder: (k, i, key) => store.countUnder(k, i, key),
      members: (k, g, key) => store.members(k, g, key),
    };
    rec = new Reconciler({
      model,
      events: store.events,
      openflow,
      log: captureLog('warn').log,
      defaultControllerTarget: `unix:${sock}`,
    });
    rec.start();
    // Connected and reconciled, with no run left over from the start (the bridge's dial-in asks for one more).
    await rec.reconcile(nodeId, true);
    await rec.reconcile(nodeId, true);
    assert.deepEqual(rec.nodeStatus(nodeId), { ready: true });
  });

  after(async () => {
    rec?.stop();
    await openflow?.close();
    await m?.store.durable();
    m?.dispose();
    await box?.stop();
  });

  it('an ADD committed after the ports of the first ADD’s full run were read still gets its port', async () => {
    // Pod 1 is the network's first on the node: its ADD compiles the node in full. Pod 2's ADD commits when
    // that run has put the ports on the bridge and reads the model again for the flows.
    let second: Promise<unknown> | undefined;
    hook = { at: 2, fn: () => (second = cniAdd(m!.ctx, rec!, cni, pod(2))) };
    await cniAdd(m!.ctx, rec!, cni, pod(1));
    assert.equal(fired, 1, 'the second ADD was committed during the first ADD’s run');
    await second;
    assert.deepEqual((await ports()).sort(), [pod(1).hostIfName, pod(2).hostIfName].sort());
    // And the pod's flows name the port it got.
    const ofport = (await box!.vsctl('get', 'Interface', pod(2).hostIfName, 'ofport')).trim();
    const flows = await box!.ofctl('-O', 'OpenFlow13', 'dump-flows', box!.mgmt(BRIDGE), `in_port=${ofport}`);
    assert.ok(flows.includes('cookie='), `flows for the in_port of ${pod(2).hostIfName} (${ofport})`);
  });

  it('a DEL committed after the ports of a full run were read still takes its port off', async () => {
    await cniAdd(m!.ctx, rec!, cni, pod(3));
    assert.ok((await ports()).includes(pod(3).hostIfName));
    // A full run (as any change naming the node starts); pod 3's DEL commits between its two reads of the model.
    let del: Promise<unknown> | undefined;
    hook = { at: 2, fn: () => (del = cniDel(m!.ctx, rec!, cni, { containerId: 'race-3', ifname: 'eth0' })) };
    await rec!.reconcile(nodeId, false);
    assert.equal(fired, 2, 'the DEL was committed during the full run');
    await del;
    assert.deepEqual((await ports()).sort(), [pod(1).hostIfName, pod(2).hostIfName].sort());
  });
});
