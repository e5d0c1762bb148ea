// ssl: targets. An ovsdb-server of this test's own (temp dir, PID file; the sandbox helper has no SSL remote)
// listens on pssl: with a certificate signed by a CA made here; the client connects with its own certificate.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OPEN_VSWITCH_TABLES } from '../../../protocols/ovsdb';
import { OvsdbClient, PROFILES, VSwitchDriver } from '../../../southbound/ovsdb';
import { cleanupStaleSandboxes, freeTcpPort, requireRootAndOvs, SANDBOX_PREFIX } from '../../support/ovs';
import { captureLogger } from './helpers';

const run = promisify(execFile);

async function makeCert(dir: string, name: string): Promise<void> {
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    `/CN=${name}`,
    '-out',
    join(dir, `${name}.csr`),
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    join(dir, `${name}.csr`),
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    join(dir, `${name}.crt`),
  ]);
}

describe('integration: ovsdb client over ssl', function () {
  this.timeout(60_000);
  // The directory name carries our PID, so cleanupStaleSandboxes() removes it and its server after a killed run.
  let dir = '';
  let port = 0;

  before(async () => {
    requireRootAndOvs();
    dir = mkdtempSync(join(tmpdir(), `${SANDBOX_PREFIX}${process.pid}-ssl-`));
    await run('sh', ['-c', 'command -v openssl']).catch(() => {
      throw new Error(
        'openssl is not installed (apt-get install openssl); this test makes its certificates with it',
      );
    });
    await cleanupStaleSandboxes();
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'ca.key'),
      '-subj',
      '/CN=sdn-test-ca',
      '-days',
      '1',
      '-out',
      join(dir, 'ca.crt'),
    ]);
    await makeCert(dir, 'server');
    await makeCert(dir, 'client');
    await run('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema']);
    port = await freeTcpPort();
    await run('ovsdb-server', [
      join(dir, 'conf.db'),
      `--remote=pssl:${port}:127.0.0.1`,
      `--remote=punix:${join(dir, 'db.sock')}`,
      `--private-key=${join(dir, 'server.key')}`,
      `--certificate=${join(dir, 'server.crt')}`,
      `--ca-cert=${join(dir, 'ca.crt')}`,
      `--pidfile=${join(dir, 'ovsdb.pid')}`,
      `--unixctl=${join(dir, 'ovsdb.ctl')}`,
      `--log-file=${join(dir, 'ovsdb.log')}`,
      '--detach',
    ]);
    await run('ovs-vsctl', [`--db=unix:${join(dir, 'db.sock')}`, '--no-wait', 'init']);
  });
  after(() => {
    if (!dir) return;
    try {
      const pid = Number(readFileSync(join(dir, 'ovsdb.pid'), 'utf8').trim());
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGTERM');
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('monitors and writes through ssl:HOST:PORT with client certificates', async () => {
    const client = await OvsdbClient.open({
      target: `ssl:127.0.0.1:${port}`,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log: captureLogger().log,
      tls: {
        privateKey: join(dir, 'client.key'),
        certificate: join(dir, 'client.crt'),
        caCert: join(dir, 'ca.crt'),
      },
    });
    try {
      await new VSwitchDriver(client, PROFILES.ovs).ensureIntegrationBridge({
        datapathId: '0000000000000005',
        controllers: [],
      });
      const { stdout } = await run('ovs-vsctl', [`--db=unix:${join(dir, 'db.sock')}`, 'list-br']);
      assert.equal(stdout.trim(), 'br-int');
    } finally {
      client.close();
    }
  });

  it('refuses a server whose certificate our CA did not sign', async () => {
    const other = mkdtempSync(join(tmpdir(), `${SANDBOX_PREFIX}${process.pid}-ca2-`));
    try {
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(other, 'ca.key'),
        '-subj',
        '/CN=other-ca',
        '-days',
        '1',
        '-out',
        join(other, 'ca.crt'),
      ]);
      const client = new OvsdbClient({
        target: `ssl:127.0.0.1:${port}`,
        database: 'Open_vSwitch',
        tables: OPEN_VSWITCH_TABLES,
        log: captureLogger().log,
        reconnect: false,
        tls: {
          privateKey: join(dir, 'client.key'),
          certificate: join(dir, 'client.crt'),
          caCert: join(other, 'ca.crt'),
        },
      });
      const reason = new Promise<string>((resolve) => client.once('disconnected', resolve));
      client.start();
      assert.match(await reason, /connect failed: .*(self.signed|unable to verify|certificate)/i);
      client.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
