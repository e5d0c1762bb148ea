// sdn-agent's host half of egress (northbound/cni/agent/host-egress.ts) against a real kernel: a network namespace
// plays the node, a veth end named br-int plays the bridge's LOCAL interface (this kernel has no dummy links).
// ensure() puts forwarding, the transit route, its permanent neighbour and the iptables chains in place, changes
// nothing the second time, repairs exactly what was removed, and replaces a stale transit address.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import {
  HostEgress,
  HostEgressError,
  restoreInput,
  rulesInPlace,
} from '../../../northbound/cni/agent/host-egress.js';
import { SpawnPool } from '../../../northbound/cni/agent/spawn-pool.js';
import { CNI_PREFIX, cleanupStaleCni, delNetns, requireRootAndCniTools } from '../../support/cni-harness.js';

const run = promisify(execFile);
const sh = async (ns: string, ...cmd: string[]): Promise<string> =>
  (await run('ip', ['netns', 'exec', ns, ...cmd])).stdout;

describe('sdn-agent host egress in a node namespace', function () {
  this.timeout(30_000);
  const ns = `${CNI_PREFIX}${process.pid}-egress`;
  const spawner = new SpawnPool(1);
  const log = pino({ level: 'silent' });
  const egress = new HostEgress(spawner, { transitIp: '169.254.0.1', bridge: 'br-int', hostNetns: ns }, log);

  before(async () => {
    requireRootAndCniTools();
    await cleanupStaleCni();
    await delNetns(ns);
    await run('ip', ['netns', 'add', ns]);
  });
  after(async () => {
    await delNetns(ns);
    await spawner.close();
  });

  it('says the bridge is not there yet, as a retryable problem', async () => {
    await assert.rejects(
      egress.ensure(),
      (e: unknown) => e instanceof HostEgressError && e.notReady && /br-int not there yet/.test(e.message),
    );
  });

  it('sets up forwarding, the transit route and neighbour, MASQUERADE and FORWARD accepts', async () => {
    await run('ip', ['-n', ns, 'link', 'add', 'br-int', 'type', 'veth', 'peer', 'name', 'uplink']);
    await run('ip', ['-n', ns, 'link', 'set', 'uplink', 'up']);
    const changed = await egress.ensure();
    assert.equal(changed.length, 5, changed.join('\n')); // link up, ip_forward, route, neighbour, iptables
    assert.equal((await sh(ns, 'sysctl', '-n', 'net.ipv4.ip_forward')).trim(), '1');
    assert.match(
      await sh(ns, 'ip', 'route', 'show', '169.254.0.1/32'),
      /169\.254\.0\.1 dev br-int scope link/,
    );
    assert.match(
      await sh(ns, 'ip', 'neigh', 'show', '169.254.0.1', 'dev', 'br-int'),
      /lladdr 02:5e:a9:fe:00:01 PERMANENT/,
    );
    const save = await sh(ns, 'iptables-save');
    assert.match(save, /^-A POSTROUTING -j SDN-EGRESS$/m);
    assert.match(save, /^-A SDN-EGRESS -s 169\.254\.0\.1\/32 ! -o br-int -j MASQUERADE$/m);
    assert.match(save, /^-A FORWARD -j SDN-FORWARD$/m);
    assert.match(
      save,
      /^-A SDN-FORWARD -d 169\.254\.0\.1\/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT$/m,
    );
  });

  it('changes nothing the second time (idempotent)', async () => {
    assert.deepEqual(await egress.ensure(), []);
    const save = await sh(ns, 'iptables-save');
    assert.equal(save.split('\n').filter((l) => l === '-A POSTROUTING -j SDN-EGRESS').length, 1);
  });

  it('repairs exactly what went missing (the route, a rule)', async () => {
    await run('ip', ['-n', ns, 'route', 'del', '169.254.0.1/32']);
    await sh(ns, 'iptables', '-t', 'nat', '-D', 'POSTROUTING', '-j', 'SDN-EGRESS');
    const changed = await egress.ensure();
    assert.deepEqual(changed, [
      'route 169.254.0.1/32 dev br-int',
      'iptables SDN-EGRESS (MASQUERADE from 169.254.0.1) and SDN-FORWARD',
    ]);
    assert.ok(rulesInPlace(egress.config, await sh(ns, 'iptables-save')));
    assert.deepEqual(await egress.ensure(), []);
  });

  it('replaces the rules of another transit address instead of adding to them', async () => {
    const other = new HostEgress(
      spawner,
      { transitIp: '100.64.255.1', bridge: 'br-int', hostNetns: ns },
      log,
    );
    await other.ensure();
    const save = await sh(ns, 'iptables-save');
    assert.doesNotMatch(save, /169\.254\.0\.1/);
    assert.equal(save.split('\n').filter((l) => l.startsWith('-A SDN-EGRESS ')).length, 1);
    assert.equal(save.split('\n').filter((l) => l === '-A FORWARD -j SDN-FORWARD').length, 1);
  });

  it('refuses a transit address that is not IPv4', () => {
    assert.throws(
      () => new HostEgress(spawner, { transitIp: 'fd00::1', bridge: 'br-int' }, log),
      /not a dotted IPv4 address/,
    );
  });

  it('writes the jumps only where iptables-save lacks them', () => {
    const c = { transitIp: '169.254.0.1', bridge: 'br-int' };
    assert.match(restoreInput(c, ''), /^-I POSTROUTING 1 -j SDN-EGRESS$/m);
    assert.doesNotMatch(restoreInput(c, '-A POSTROUTING -j SDN-EGRESS\n'), /POSTROUTING/);
  });
});
