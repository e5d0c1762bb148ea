// Kill -9 the controller in the middle of 200 concurrent CNI ADDs, then check the store it left behind. The node is
// a real userspace Open vSwitch (a test sandbox) whose bridge dials the controller's OpenFlow listener, and the 200
// host-side veths exist, so every ADD runs the whole path: allocation, OVSDB port, flows confirmed by barrier.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsContext } from '../../../controller/ops/context';
import { SqliteStore } from '../../../controller/store/sqlite-store';
import { ControllerProcess, request } from '../../support/controller-process';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs';
import { execFileSync } from 'node:child_process';

const BURST = 200;

describe('api: SIGKILL during 200 concurrent allocations', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'sdn-crash-'));
  let proc: ControllerProcess | undefined;
  let box: OvsSandbox | undefined;
  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
    const links = Array.from(
      { length: BURST },
      (_, i) => `link add veth${i} type veth peer name pv${i}\nlink set veth${i} up\n`,
    );
    execFileSync('ip', ['-n', box.netns, '-batch', '-'], { input: links.join('') });
  });
  after(async () => {
    await proc?.kill();
    await box?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no address both free and used, no duplicate, and every acknowledged ADD in place', async () => {
    const openflow = `unix:${join(box!.dir, 'of.sock')}`;
    proc = await new ControllerProcess(dir, {}, openflow).start();
    const admin = proc.adminToken();
    const post = async (path: string, body: unknown) => {
      const r = await request(proc!.url, admin, 'POST', path, body);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json;
    };
    await post('/api/v1/tenants', { name: 't' });
    await post('/api/v1/networks', { tenant: 't', name: 'pods', isDefault: true });
    await post('/api/v1/subnets', { network: 'pods', cidr: '10.20.0.0/16' });
    await post('/api/v1/subnets', { network: 'pods', cidr: 'fd00:20::/64' });
    await post('/api/v1/nodes', {
      name: 'n1',
      vswitch: 'ovs',
      overlay: 'network',
      tunnelIp: '192.0.2.1',
      ovsdb: box!.ovsdbTarget,
      datapathType: 'netdev',
    });
    const cni = (await post('/api/v1/tokens', { role: 'cni', node: 'n1' })).token as string;

    const add = (i: number) => ({
      containerId: `c${i}`,
      ifname: 'eth0',
      netns: `/var/run/netns/p${i}`,
      hostIfName: `veth${i}`,
      k8sNamespace: 'default',
      k8sPodName: `pod-${i}`,
    });
    const acked = new Map<string, { ips: unknown; mac: unknown; endpointId: unknown }>();
    let killed: Promise<void> | undefined;
    const url = proc.url;
    await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        // Spread the sends over ~2 s: the dataplane answers ADDs in batches (one reconcile serves all that
        // waited), so the kill must land while later requests are still arriving.
        await new Promise((r) => setTimeout(r, i * 10));
        try {
          const r = await request(url, cni, 'POST', '/cni/v1/add', add(i));
          if (r.status === 200)
            acked.set(`c${i}`, { ips: r.json.ips, mac: r.json.mac, endpointId: r.json.endpointId });
          // Kill once a quarter of the burst is acknowledged: the rest is in flight or queued.
          if (acked.size >= 10 && !killed) killed = proc!.kill('SIGKILL');
        } catch {
          // Connection reset by the kill.
        }
      }),
    );
    await killed;
    assert.ok(
      acked.size >= 10 && acked.size < BURST,
      `acknowledged ${acked.size} of ${BURST} before the kill`,
    );

    // Open what the dead process left, as the next controller will.
    const store = new SqliteStore(join(dir, 'model.db'));
    const ctx = new OpsContext(store);
    const endpoints = [...store.all('endpoint')];
    const allocations = [...store.allocations()];
    const byAddress = new Map<string, string>();
    for (const e of endpoints) {
      assert.equal(e.ips.length, 2, `${e.name} is dual-stack`);
      for (const ip of e.ips) {
        assert.ok(!byAddress.has(ip), `${ip} held by ${byAddress.get(ip)} and ${e.id}`);
        byAddress.set(ip, e.id);
      }
    }
    for (const a of allocations) {
      assert.equal(a.state, 'used');
      assert.equal(byAddress.get(a.address), a.endpointId, `allocation ${a.address} matches its endpoint`);
      assert.ok(!ctx.ipam.isFree(a.subnetId, a.address), `${a.address} is used and free`);
    }
    assert.equal(allocations.length, byAddress.size, 'every endpoint address has its allocation row');
    for (const [cid, r] of acked) {
      const e = store.lookup('endpoint', 'attachment', `${endpoints[0].nodeId}/${cid}/eth0`)[0];
      assert.ok(e, `acknowledged ${cid} survived`);
      assert.equal(e.id, r.endpointId);
    }
    assert.equal(store.lookup('vlanBinding', 'node', endpoints[0].nodeId).length, 1);
    store.close();

    // The restarted controller finishes the burst: retried ADDs are idempotent, new ones get fresh addresses.
    proc = await new ControllerProcess(dir, {}, openflow).start();
    const again = await Promise.all(
      Array.from({ length: BURST }, (_, i) => request(proc!.url, cni, 'POST', '/cni/v1/add', add(i))),
    );
    const seen = new Set<string>();
    for (const [i, r] of again.entries()) {
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const prev = acked.get(`c${i}`);
      if (prev) assert.deepEqual({ ips: r.json.ips, mac: r.json.mac, endpointId: r.json.endpointId }, prev);
      for (const ip of r.json.ips as { address: string }[]) {
        assert.ok(!seen.has(ip.address), `${ip.address} handed out twice`);
        seen.add(ip.address);
      }
    }
    assert.equal(seen.size, 2 * BURST);
    await proc.kill('SIGTERM');
  });
});
