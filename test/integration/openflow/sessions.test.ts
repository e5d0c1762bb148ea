// Switch sessions under hostile or broken peers, and the listener with a real Open vSwitch dialing it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Framer, decode, encode, type OfpMessage } from '../../../protocols/openflow13/index.js';
import { FlowSync, OpenFlowServer, type SwitchSession } from '../../../southbound/openflow/index.js';
import { captureLog } from '../../support/log-capture.js';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs.js';

/** The switch side of a handshake, spoken over a raw socket so the test controls every byte. */
class RawSwitch {
  readonly received: OfpMessage[] = [];
  private readonly framer = new Framer();
  answerEcho = true;
  /** Bytes to answer a flow dump with (default: an empty dump). */
  flowDump: ((xid: number) => Buffer) | undefined;

  constructor(
    readonly socket: Socket,
    private readonly dpid: bigint,
    private readonly version = 4,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const bytes of this.framer.push(chunk).messages) {
        const r = decode(bytes);
        if (!r.ok) continue;
        this.received.push(r.message);
        this.answer(r.message);
      }
    });
    socket.on('error', () => undefined);
  }

  hello(): void {
    // encode() returns a view of a shared buffer: copy before a write that may be queued.
    const m = Buffer.from(
      encode({
        type: 'hello',
        xid: 1,
        elements: [{ kind: 'versionBitmap', bitmaps: [1 << this.version] }],
      }),
    );
    m[0] = this.version;
    this.socket.write(m);
  }

  private answer(m: OfpMessage): void {
    const send = (reply: OfpMessage): boolean => this.socket.write(Buffer.from(encode(reply)));
    if (m.type === 'featuresRequest') {
      send({
        type: 'featuresReply',
        xid: m.xid,
        datapathId: this.dpid,
        nBuffers: 0,
        nTables: 254,
        auxiliaryId: 0,
        capabilities: 0,
        reserved: 0,
      });
    } else if (m.type === 'multipartRequest' && m.kind === 'portDesc') {
      send({ type: 'multipartReply', xid: m.xid, kind: 'portDesc', flags: 0, ports: [] });
    } else if (m.type === 'echoRequest' && this.answerEcho) {
      send({ type: 'echoReply', xid: m.xid, data: m.data });
    } else if (m.type === 'barrierRequest') {
      send({ type: 'barrierReply', xid: m.xid });
    } else if (m.type === 'multipartRequest' && m.kind === 'flow') {
      if (this.flowDump) this.socket.write(this.flowDump(m.xid));
      else send({ type: 'multipartReply', xid: m.xid, kind: 'flow', flags: 0, stats: [] });
    }
  }
}

async function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function waitFor<T>(emitter: OpenFlowServer, event: 'switchUp' | 'switchDown'): Promise<T> {
  return new Promise((resolve) => emitter.once(event, ((...args: unknown[]) => resolve(args as T)) as never));
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('integration: OpenFlow sessions', function () {
  this.timeout(60_000);
  const { log, lines } = captureLog();
  let server: OpenFlowServer;
  let port: number;
  const sockets: Socket[] = [];

  before(async () => {
    server = new OpenFlowServer({ log, echoIntervalMs: 100, deadPeerMs: 400 });
    port = await server.listen('127.0.0.1', 0);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await server.close();
  });

  const rawSwitch = async (dpid: bigint, version = 4): Promise<RawSwitch> => {
    const s = await dial(port);
    sockets.push(s);
    const sw = new RawSwitch(s, dpid, version);
    sw.hello();
    return sw;
  };

  it('rejects a switch that speaks only OpenFlow 1.0 with HELLO_FAILED and a logged reason', async () => {
    const sw = await rawSwitch(0x10n, 1);
    await until(() => sw.received.some((m) => m.type === 'error'));
    const err = sw.received.find((m) => m.type === 'error');
    assert.equal(err?.type === 'error' && err.errType, 0 /* OFPET_HELLO_FAILED */);
    await until(() => lines.some((l) => String(l.reason ?? '').includes('does not speak OpenFlow 1.3')));
  });

  it('drops a switch that sends garbage, with a logged reason; another switch is unaffected', async () => {
    const good = await rawSwitch(0x21n);
    const [goodSession] = await waitFor<[SwitchSession]>(server, 'switchUp');
    const bad = await rawSwitch(0x22n);
    await waitFor(server, 'switchUp');
    const down = waitFor<[SwitchSession, string]>(server, 'switchDown');
    bad.socket.write(Buffer.from([0x04, 0x0a, 0x00, 0x03, 0, 0, 0, 1])); // a length below 8
    const [gone, reason] = await down;
    assert.equal(gone.dpid, '0000000000000022');
    assert.match(reason, /framing error.*less than 8/);
    await goodSession.barrier();
    assert.equal(server.switches.get('0000000000000021'), goodSession);
    good.socket.destroy();
  });

  it('drops a switch whose flow dump is malformed, with a logged reason; the sync fails', async () => {
    const sw = await rawSwitch(0x23n);
    const [session] = await waitFor<[SwitchSession]>(server, 'switchUp');
    // A flow multipart reply whose one flow stats entry claims 200 bytes and has 56.
    sw.flowDump = (xid) => {
      const b = Buffer.alloc(16 + 56);
      b.writeUInt8(4, 0);
      b.writeUInt8(19, 1); // OFPT_MULTIPART_REPLY
      b.writeUInt16BE(b.length, 2);
      b.writeUInt32BE(xid, 4);
      b.writeUInt16BE(1, 8); // OFPMP_FLOW
      b.writeUInt16BE(200, 16);
      return b;
    };
    const down = waitFor<[SwitchSession, string]>(server, 'switchDown');
    const sync = new FlowSync(session, { ownership: { value: 1n, mask: 0xffn }, log });
    await assert.rejects(sync.sync([]), /session closed/);
    const [gone, reason] = await down;
    assert.equal(gone, session);
    assert.match(reason, /flow stats entry at byte 16 has a bad length 200/);
  });

  it('drops a switch that stops answering echo (dead peer)', async () => {
    const sw = await rawSwitch(0x31n);
    await waitFor(server, 'switchUp');
    sw.answerEcho = false;
    const [, reason] = await waitFor<[SwitchSession, string]>(server, 'switchDown');
    assert.match(reason, /peer is dead/);
  });

  it('answers the switch echo requests', async () => {
    const sw = await rawSwitch(0x41n);
    await waitFor(server, 'switchUp');
    sw.socket.write(Buffer.from(encode({ type: 'echoRequest', xid: 77, data: Buffer.from('ping') })));
    await until(() => sw.received.some((m) => m.type === 'echoReply' && m.xid === 77));
    sw.socket.destroy();
  });

  it('a reconnecting datapath id replaces its old session', async () => {
    const a = await rawSwitch(0x51n);
    const [first] = await waitFor<[SwitchSession]>(server, 'switchUp');
    const b = await rawSwitch(0x51n);
    const [second] = await waitFor<[SwitchSession]>(server, 'switchUp');
    await until(() => first.closed);
    assert.equal(server.switches.get('0000000000000051'), second);
    a.socket.destroy();
    b.socket.destroy();
  });
});

describe('integration: a real ovs-vswitchd dials the controller', function () {
  this.timeout(60_000);
  let box: OvsSandbox;
  let server: OpenFlowServer;
  const { log } = captureLog();

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
  });
  after(async () => {
    await server?.close();
    await box?.stop();
  });

  it('over TLS with certificates made in the test (mutual TLS)', async () => {
    const pki = makePki();
    try {
      server = new OpenFlowServer({
        log,
        tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requireClientCert: true },
      });
      const port = await server.listen('127.0.0.1', 0);
      // The switch side: our own TLS client presenting the switch certificate the CA signed.
      const s = tlsConnect({
        host: '127.0.0.1',
        port,
        key: pki.switchKey,
        cert: pki.switchCert,
        ca: pki.caCert,
        servername: 'localhost',
      });
      const up = waitFor<[SwitchSession]>(server, 'switchUp');
      await new Promise<void>((r) => s.once('secureConnect', () => r()));
      new RawSwitch(s as unknown as Socket, 0x61n).hello();
      const [session] = await up;
      assert.equal(session.dpid, '0000000000000061');
      // Without a client certificate the handshake is refused.
      const anon = tlsConnect({ host: '127.0.0.1', port, ca: pki.caCert, servername: 'localhost' });
      const refused = await new Promise<boolean>((resolve) => {
        anon.once('error', () => resolve(true));
        anon.once('data', () => resolve(false));
        anon.once('close', () => resolve(true));
      });
      assert.equal(refused, true);
      s.destroy();
    } finally {
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  it('ovs-vswitchd connects to our listener through its controller target', async () => {
    server = new OpenFlowServer({ log });
    const sock = join(box.dir, 'controller.sock');
    await server.listenUnix(sock);
    const up = waitFor<[SwitchSession]>(server, 'switchUp');
    await box.vsctl(
      'add-br',
      'br-int',
      '--',
      'set',
      'bridge',
      'br-int',
      'datapath_type=netdev',
      'protocols=OpenFlow13',
      'fail_mode=secure',
      'other_config:datapath-id=00000000000000b2',
      '--',
      'set-controller',
      'br-int',
      `unix:${sock}`,
    );
    const [session] = await up;
    assert.equal(session.dpid, '00000000000000b2');
    await session.barrier();
    const role = await session.setRole('master', 1n);
    assert.equal(role.role, 2);
  });
});

interface Pki {
  dir: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  switchKey: string;
  switchCert: string;
}

/** A CA, a controller certificate and a switch certificate, made with openssl for this test only. */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'sdnt-pki-'));
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ossl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  for (const name of ['server', 'switch']) {
    ossl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name === 'server' ? 'localhost' : 'switch'}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    ossl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${name}.pem`,
    );
  }
  const r = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caCert: r('ca.pem'),
    serverKey: r('server.key'),
    serverCert: r('server.pem'),
    switchKey: r('switch.key'),
    switchCert: r('switch.pem'),
  };
}
