// The controller process with --tls-key/--tls-cert/--tls-ca (here through SDN_TLS_*): the REST API answers https
// only, and the OpenFlow listener speaks TLS only to switches whose certificate the CA signed (mutual TLS).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { makeTestPki } from '../../support/certs';
import { ControllerProcess } from '../../support/controller-process';
import { freeTcpPort } from '../../support/ovs';

const HELLO = Buffer.from([0x04, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01]);

function httpsGet(url: string, token: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends HELLO and reports the first message type the controller sends back, or why it did not. */
function openflowHello(socket: NodeJS.ReadWriteStream & { destroy(): void }): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish('no answer'), 3000);
    const finish = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    socket.on('data', (d: Buffer) => finish(d[0] === 4 && d[1] === 0 ? 'hello' : `type ${d[1]}`));
    socket.on('error', (e: Error) => finish(`error: ${e.message}`));
    socket.on('close', () => finish('closed'));
    socket.write(HELLO);
  });
}

describe('api: TLS for the REST API and OpenFlow (--tls-key/--tls-cert/--tls-ca)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'sdn-tls-'));
  const pki = join(dir, 'pki');
  let proc: ControllerProcess | undefined;
  let ofPort = 0;
  const file = (n: string) => readFileSync(join(pki, n));

  before(async () => {
    mkdirSync(pki);
    await makeTestPki(pki);
    ofPort = await freeTcpPort();
    proc = await new ControllerProcess(
      join(dir, 'data'),
      {
        SDN_TLS_KEY: join(pki, 'controller.key'),
        SDN_TLS_CERT: join(pki, 'controller.crt'),
        SDN_TLS_CA: join(pki, 'ca.crt'),
      },
      `127.0.0.1:${ofPort}`,
    ).start();
  });
  after(async () => {
    await proc?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API over https with the configured certificate', async () => {
    assert.match(proc!.url, /^https:/);
    const r = await httpsGet(`${proc!.url}/api/v1/tenants`, proc!.adminToken(), file('ca.crt'));
    assert.equal(r.status, 200, r.body);
  });

  it('has no plain-text API: http to the same port gets no answer', async () => {
    await assert.rejects(fetch(proc!.url.replace('https:', 'http:') + '/api/v1/tenants'));
  });

  it('refuses an https client that does not trust the CA (the certificate is checked, not just present)', async () => {
    await assert.rejects(
      httpsGet(`${proc!.url}/api/v1/tenants`, proc!.adminToken(), file('stranger.crt')),
      /self.signed|unable to verify/i,
    );
  });

  it('answers HELLO over TLS to a switch with a certificate signed by the CA', async () => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port: ofPort,
      ca: file('ca.crt'),
      key: file('switch.key'),
      cert: file('switch.crt'),
    });
    assert.equal(await openflowHello(s), 'hello');
  });

  it('refuses a switch without a certificate, or with one the CA did not sign (mutual TLS)', async () => {
    const none = tlsConnect({ host: '127.0.0.1', port: ofPort, ca: file('ca.crt') });
    assert.notEqual(await openflowHello(none), 'hello');
    const stranger = tlsConnect({
      host: '127.0.0.1',
      port: ofPort,
      ca: file('ca.crt'),
      key: file('stranger.key'),
      cert: file('stranger.crt'),
    });
    assert.notEqual(await openflowHello(stranger), 'hello');
  });

  it('refuses plain-text OpenFlow on the TLS port', async () => {
    assert.notEqual(await openflowHello(tcpConnect(ofPort, '127.0.0.1')), 'hello');
  });
});
