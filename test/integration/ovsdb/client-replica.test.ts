// The client and its replica against a real ovsdb-server: changes made behind our back with ovs-vsctl arrive as
// one change batch with old values; a killed and restarted server is reconnected and the replica converges
// without duplicate rows; two writers racing on one bridge stay consistent thanks to the wait guards; and the
// remaining RFC 7047 methods (list_dbs, echo, lock/steal/unlock, cancel, monitor_cancel) work.
import assert from 'node:assert/strict';
import { OPEN_VSWITCH_TABLES, type OpenVswitchTables } from '../../../protocols/ovsdb';
import {
  type ChangeBatch,
  type ClientState,
  OvsdbClient,
  OvsdbSessionClosedError,
  OvsdbTransactionError,
  PROFILES,
  VSwitchDriver,
} from '../../../southbound/ovsdb';
import { cleanupStaleSandboxes, OvsSandbox } from '../../support/ovs';
import { captureLogger, offlineTransact } from './helpers';

const open = (target: string) =>
  OvsdbClient.open({
    target,
    database: 'Open_vSwitch',
    tables: OPEN_VSWITCH_TABLES,
    log: captureLogger().log,
    backoffMs: { initial: 50, max: 400 },
  });

describe('integration: ovsdb client and replica', function () {
  this.timeout(60_000);
  let box: OvsSandbox;
  let client: OvsdbClient<OpenVswitchTables>;
  const batches: ChangeBatch[] = [];
  const states: ClientState[] = [];

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start({ vswitchd: false });
    client = await open(box.ovsdbTarget);
    client.on('change', (b) => batches.push(b));
    client.on('state', (s) => states.push(s));
  });
  after(async () => {
    client?.close();
    await box?.stop();
  });

  it('sees a multi-command ovs-vsctl transaction as one change batch', async () => {
    batches.length = 0;
    await box.vsctl(
      '--no-wait',
      'add-br',
      'br-x',
      '--',
      'add-port',
      'br-x',
      'p1',
      '--',
      'set',
      'interface',
      'p1',
      'type=internal',
    );
    await client.waitFor(() => client.replica.find('Port', (p) => p.name === 'p1') !== undefined, 5000);
    assert.equal(batches.length, 1, 'one notification, one batch');
    const kinds = batches[0]!.changes.map((c) => `${c.table}:${c.kind}`).sort();
    assert.deepEqual(kinds, [
      'Bridge:insert',
      'Interface:insert',
      'Interface:insert',
      'Open_vSwitch:modify',
      'Port:insert',
      'Port:insert',
    ]);
    const br = client.replica.find('Bridge', (b) => b.name === 'br-x')!;
    assert.equal(br.ports.length, 2);
    assert.ok(Object.isFrozen(br), 'rows are frozen');
  });

  it('reports a modify with the old and the new row', async () => {
    batches.length = 0;
    await box.vsctl('--no-wait', 'set', 'bridge', 'br-x', 'external_ids:owner=someone-else');
    await client.waitFor(() => batches.length > 0, 5000);
    const change = batches[0]!.changes.find((c) => c.table === 'Bridge')!;
    assert.equal(change.kind, 'modify');
    assert.equal((change.old!.external_ids as ReadonlyMap<string, string>).get('owner'), undefined);
    assert.equal((change.new!.external_ids as ReadonlyMap<string, string>).get('owner'), 'someone-else');
    assert.equal(client.replica.get('Bridge', change.uuid)?.external_ids.get('owner'), 'someone-else');
  });

  it('reports a delete with the old row', async () => {
    batches.length = 0;
    await box.vsctl('--no-wait', 'del-port', 'br-x', 'p1');
    await client.waitFor(() => client.replica.find('Port', (p) => p.name === 'p1') === undefined, 5000);
    const deleted = batches.flatMap((b) => b.changes).filter((c) => c.kind === 'delete');
    assert.deepEqual(deleted.map((c) => `${c.table}:${c.old?.name}`).sort(), ['Interface:p1', 'Port:p1']);
  });

  it('keeps the same replica with the RFC 7047 monitor (update notifications) as with monitor_cond', async () => {
    const v1 = await OvsdbClient.open({
      target: box.ovsdbTarget,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log: captureLogger().log,
      monitorMethod: 'monitor',
    });
    try {
      await box.vsctl('--no-wait', 'set', 'bridge', 'br-x', 'fail_mode=secure', 'external_ids:v=1');
      await client.waitFor(
        () => client.replica.find('Bridge', (b) => b.name === 'br-x')?.external_ids.get('v') === '1',
        5000,
      );
      await v1.waitFor(
        () => v1.replica.find('Bridge', (b) => b.name === 'br-x')?.external_ids.get('v') === '1',
        5000,
      );
      await box.vsctl('--no-wait', 'clear', 'bridge', 'br-x', 'fail_mode');
      await client.waitFor(
        () => client.replica.find('Bridge', (b) => b.name === 'br-x')?.fail_mode.length === 0,
        5000,
      );
      await v1.waitFor(
        () => v1.replica.find('Bridge', (b) => b.name === 'br-x')?.fail_mode.length === 0,
        5000,
      );
      for (const table of ['Bridge', 'Port', 'Interface', 'Open_vSwitch'] as const) {
        const a = [...client.replica.rows(table)].sort((x, y) => x._uuid.localeCompare(y._uuid));
        const b = [...v1.replica.rows(table)].sort((x, y) => x._uuid.localeCompare(y._uuid));
        assert.deepEqual(b, a, `${table} rows agree`);
      }
    } finally {
      v1.close();
    }
  });

  it('names the failed operation of a refused transaction, or the commit when that failed', async () => {
    const txn = client.transaction();
    txn.comment('first');
    txn.update('Bridge', [['name', '==', 'br-x']], { fail_mode: ['bogus'] });
    await assert.rejects(client.transact(txn), (err: unknown) => {
      assert.ok(err instanceof OvsdbTransactionError);
      assert.match(
        err.message,
        /^transaction failed at operation 1 \(update Bridge\): constraint violation: .*bogus/,
      );
      return true;
    });
    const dup = client.transaction();
    const br = dup.insert('Bridge', { name: 'br-x' });
    const root = [...client.replica.rows('Open_vSwitch')][0]!;
    dup.mutate('Open_vSwitch', [['_uuid', '==', root._uuid]], [['bridges', 'insert', [br]]]);
    await assert.rejects(
      client.transact(dup),
      /^OvsdbTransactionError: transaction failed at operation 2 \(commit\): constraint violation/,
    );
  });

  it('reconnects after kill -9 of ovsdb-server; the replica converges and nothing is written twice', async () => {
    const driver = new VSwitchDriver(client, PROFILES.ovs);
    await driver.ensureIntegrationBridge({
      datapathId: '0000000000000001',
      controllers: ['tcp:127.0.0.1:16653'],
    });
    await driver.ensurePort({ name: 'keep', type: 'internal' });

    states.length = 0;
    await box.killOvsdb();
    await client.waitFor(() => client.state !== 'monitoring', 5000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(client.transact(client.transaction().comment('while down')), /not connected/);
    // While no server runs: delete br-x and add a bridge, straight into the database file.
    const brX = client.replica.find('Bridge', (b) => b.name === 'br-x')!;
    const root = [...client.replica.rows('Open_vSwitch')][0]!;
    await offlineTransact(box, [
      { op: 'insert', table: 'Bridge', row: { name: 'br-offline' }, 'uuid-name': 'b' },
      {
        op: 'mutate',
        table: 'Open_vSwitch',
        where: [['_uuid', '==', ['uuid', root._uuid]]],
        mutations: [
          ['bridges', 'insert', ['set', [['named-uuid', 'b']]]],
          ['bridges', 'delete', ['set', [['uuid', brX._uuid]]]],
        ],
      },
    ]);
    batches.length = 0;
    await box.restartOvsdb();
    await client.ready(10_000);
    assert.ok(states.includes('backoff') && states.at(-1) === 'monitoring', `states: ${states.join(' -> ')}`);

    const names = [...client.replica.rows('Bridge')].map((b) => b.name).sort();
    assert.deepEqual(names, ['br-int', 'br-offline']);
    const resync = batches.find((b) => b.resync)!;
    assert.ok(resync, 'a resync batch reports what changed while we were away');
    const bridgeChanges = resync.changes
      .filter((c) => c.table === 'Bridge')
      .map((c) => `${c.kind}:${(c.new ?? c.old)!.name}`);
    assert.deepEqual(bridgeChanges.sort(), ['delete:br-x', 'insert:br-offline']);

    // Ensuring the same state again after the reconnect writes no duplicates.
    await driver.ensureIntegrationBridge({
      datapathId: '0000000000000001',
      controllers: ['tcp:127.0.0.1:16653'],
    });
    await driver.ensurePort({ name: 'keep', type: 'internal' });
    assert.equal(
      (await box.vsctl('--bare', '--columns=name', 'find', 'bridge', 'name=br-int')).trim(),
      'br-int',
    );
    assert.equal(
      (await box.vsctl('--bare', '--columns=_uuid', 'list', 'controller')).trim().split(/\s+/).length,
      1,
    );
    assert.equal(
      (await box.vsctl('--bare', '--columns=_uuid', 'find', 'port', 'name=keep')).trim().split(/\s+/).length,
      1,
    );
  });

  it('fails a request in flight when the server dies, and serves again after the restart', async () => {
    // A wait that cannot succeed keeps the transaction open at the server until it is killed.
    const inFlight = client.transact([
      {
        op: 'wait',
        table: 'Bridge',
        where: [['name', '==', 'br-int']],
        columns: ['name'],
        until: '==',
        rows: [{ name: 'never' }],
        timeout: 60_000,
      },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    await box.killOvsdb();
    await assert.rejects(inFlight, (err: unknown) => err instanceof OvsdbSessionClosedError);
    await box.restartOvsdb();
    await client.ready(10_000);
    assert.deepEqual(await client.echo(['still', 'here']), ['still', 'here']);
  });

  it('cancels a transaction the server is holding', async () => {
    const held = client.startTransact([
      {
        op: 'wait',
        table: 'Bridge',
        where: [['name', '==', 'br-int']],
        columns: ['name'],
        until: '==',
        rows: [{ name: 'never' }],
        timeout: 60_000,
      },
    ]);
    await new Promise((r) => setTimeout(r, 50));
    held.cancel();
    await assert.rejects(held.result, /canceled/);
    assert.deepEqual(await client.echo(['after', 'cancel']), ['after', 'cancel'], 'the session lives on');
  });

  it('answers list_dbs, echo, lock/steal/unlock and monitor_cancel', async () => {
    assert.deepEqual((await client.listDbs()).sort(), ['Open_vSwitch', '_Server']);
    const other = await open(box.ovsdbTarget);
    try {
      assert.equal(await client.lock('sdn_leader'), true);
      assert.equal(await other.lock('sdn_leader'), false, 'held by the first client');
      await other.unlock('sdn_leader'); // ovsdb-server: a waiting lock must be dropped before a steal
      const stolen = new Promise<string>((resolve) => client.once('stolen', resolve));
      assert.equal(await other.steal('sdn_leader'), true);
      assert.equal(await stolen, 'sdn_leader');
      await other.unlock('sdn_leader');
      await client.unlock('sdn_leader');

      await other.monitorCancel('replica');
      await box.vsctl('--no-wait', 'add-br', 'br-after-cancel');
      await client.waitFor(
        () => client.replica.find('Bridge', (b) => b.name === 'br-after-cancel') !== undefined,
        5000,
      );
      assert.equal(
        other.replica.find('Bridge', (b) => b.name === 'br-after-cancel'),
        undefined,
        'a cancelled monitor sends nothing more',
      );
    } finally {
      other.close();
    }
  });

  it('keeps two writers racing on one bridge consistent (wait guards, retried on a fresher replica)', async () => {
    const a = await open(box.ovsdbTarget);
    const b = await open(box.ovsdbTarget);
    try {
      const da = new VSwitchDriver(a, { ...PROFILES.ovs, integrationBridge: 'br-race' });
      const db = new VSwitchDriver(b, { ...PROFILES.ovs, integrationBridge: 'br-race' });
      const spec = { datapathId: '00000000000000cc', controllers: ['tcp:127.0.0.1:16653'] };
      // Both create the same bridge at once: one creates it, the other's guard fails and its retry finds it.
      await Promise.all([da.ensureIntegrationBridge(spec), db.ensureIntegrationBridge(spec)]);
      // Both add ports by read-modify-write of Bridge.ports (the pattern that loses updates without a guard).
      const addPort = (c: OvsdbClient<OpenVswitchTables>, name: string) =>
        c.transactWithRetry((txn, r) => {
          const br = r.find('Bridge', (x) => x.name === 'br-race')!;
          txn.verify('Bridge', br, ['ports']);
          const iface = txn.insert('Interface', { name, type: 'internal' });
          const port = txn.insert('Port', { name, interfaces: [iface] });
          txn.update('Bridge', [['_uuid', '==', br._uuid]], { ports: [...br.ports, port] });
        }, 50);
      const jobs: Promise<unknown>[] = [];
      for (let i = 0; i < 12; i++) jobs.push(addPort(a, `ra${i}`), addPort(b, `rb${i}`));
      await Promise.all(jobs);
      const ports = (await box.vsctl('list-ports', 'br-race')).trim().split('\n').sort();
      const want = ['br-race', ...Array.from({ length: 12 }, (_, i) => [`ra${i}`, `rb${i}`]).flat()].sort();
      assert.deepEqual(
        ports
          .concat('br-race')
          .sort()
          .filter((p, i, all) => all.indexOf(p) === i),
        want,
      );
      assert.equal(
        (await box.vsctl('--bare', '--columns=_uuid', 'find', 'bridge', 'name=br-race')).trim().split(/\s+/)
          .length,
        1,
      );
      const controllers = (await box.vsctl('get-controller', 'br-race')).trim().split('\n');
      assert.deepEqual(controllers, ['tcp:127.0.0.1:16653']);
    } finally {
      a.close();
      b.close();
    }
  });
});
