import assert from 'node:assert/strict';
import { HOST_IFNAME, hostIfName, randomHostMac } from '../../../northbound/cni/agent/host-ifname.js';
import { KeyedMutex } from '../../../northbound/cni/agent/keyed-mutex.js';
import { NodeNet } from '../../../northbound/cni/agent/node-net.js';
import { SpawnPool } from '../../../northbound/cni/agent/spawn-pool.js';

describe('northbound/cni agent parts', () => {
  it('host end names are deterministic, distinct per attachment, and fit IFNAMSIZ', () => {
    const a = hostIfName('c1', 'eth0');
    assert.equal(a, hostIfName('c1', 'eth0'));
    assert.notEqual(a, hostIfName('c1', 'net1'));
    assert.notEqual(a, hostIfName('c2', 'eth0'));
    assert.match(a, HOST_IFNAME);
    assert.ok(a.length <= 15);
  });

  it('host MACs are locally administered unicast', () => {
    for (let i = 0; i < 50; i++) {
      const first = parseInt(randomHostMac().slice(0, 2), 16);
      assert.equal(first & 0x03, 0x02);
    }
  });

  it('KeyedMutex serialises one key and lets other keys run', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const step = (tag: string, ms: number) => async () => {
      log.push(`${tag}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${tag}-`);
    };
    await Promise.all([m.run('a', step('a1', 30)), m.run('a', step('a2', 1)), m.run('b', step('b1', 5))]);
    assert.ok(log.indexOf('a1-') < log.indexOf('a2+'), log.join(' '));
    assert.ok(log.indexOf('b1+') < log.indexOf('a1-'), log.join(' '));
    assert.equal(m.size, 0);
  });

  it('KeyedMutex releases the key when the operation throws', async () => {
    const m = new KeyedMutex();
    await assert.rejects(m.run('a', () => Promise.reject(new Error('boom'))));
    assert.equal(await m.run('a', () => Promise.resolve(7)), 7);
  });

  it('the ADD shell takes its parameters one per line, so a value with a line break is refused before any start', async () => {
    const pool = new SpawnPool(1);
    let started = 0;
    const start = pool.start.bind(pool);
    pool.start = (cmd, args) => (started++, start(cmd, args));
    try {
      const net = new NodeNet(pool);
      const veth = { ifname: 'eth0', hostName: 'sdn0123456789a', hostMac: '02:00:00:00:00:01', mtu: 1500 };
      await assert.rejects(net.startAttach({ ...veth, netns: '/run/netns/a\nb' }), /line break/);
      assert.equal(started, 0);
      net.close();
    } finally {
      await pool.close();
    }
  });
});
