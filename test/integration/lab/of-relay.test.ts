// The lab's OpenFlow relay with a real ovs-vswitchd: the switch may only dial unix: sockets inside its
// OVS_RUNDIR, the relay listens there and forwards to a TCP listener in this namespace, which must receive the
// switch's OpenFlow 1.3 HELLO and be able to answer it (both directions of the pipe).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RELAY_MAIN } from '../../../northbound/cli/lab/agents';
import { startDetached } from '../../../northbound/cli/lab/detached';
import { stopAll } from '../../../northbound/cli/lab/processes';
import { OvsSandbox, cleanupStaleSandboxes } from '../../support/ovs';

const exec = promisify(execFile);
const OFPT_HELLO = 0;
const OFPT_FEATURES_REQUEST = 5;
const OFPT_FEATURES_REPLY = 6;

/** Reads one whole OpenFlow message (8-byte header, length at offset 2) from a socket. */
async function readMessage(sock: Socket, buffered: { data: Buffer }): Promise<Buffer> {
  for (;;) {
    if (buffered.data.length >= 8) {
      const len = buffered.data.readUInt16BE(2);
      if (buffered.data.length >= len) {
        const msg = buffered.data.subarray(0, len);
        buffered.data = buffered.data.subarray(len);
        return msg;
      }
    }
    const [chunk] = (await once(sock, 'data')) as [Buffer];
    buffered.data = Buffer.concat([buffered.data, chunk]);
  }
}

function header(type: number, xid: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(4, 0); // OpenFlow 1.3
  b.writeUInt8(type, 1);
  b.writeUInt16BE(8, 2);
  b.writeUInt32BE(xid, 4);
  return b;
}

describe('integration: lab OpenFlow relay', function () {
  this.timeout(30_000);
  let box: OvsSandbox | undefined;
  let controller: Server | undefined;
  let relayPid: number | undefined;

  before(async () => {
    await cleanupStaleSandboxes();
    box = await OvsSandbox.start();
  });
  after(async () => {
    if (relayPid !== undefined && box) await stopAll([relayPid], box.dir);
    controller?.close();
    await box?.stop();
  });

  it('carries a switch session from vswitchd unix: target to the controller TCP port and back', async () => {
    const b = box!;
    controller = createServer();
    controller.listen(0, '127.0.0.1');
    await once(controller, 'listening');
    const addr = controller.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const ofSocket = join(b.dir, 'of.sock');
    relayPid = await startDetached({
      what: 'relay',
      args: [RELAY_MAIN, '--target', `127.0.0.1:${port}`, '--listen', ofSocket],
      pidfile: join(b.dir, 'relay.pid'),
      logFile: join(b.dir, 'relay.log'),
      sockets: [ofSocket],
      dir: b.dir,
    });

    const accepted = once(controller, 'connection') as Promise<[Socket]>;
    await b.vsctl(
      '--', 'add-br', 'br-int',
      '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure',
      'other_config:datapath-id=00000000000000a1',
      '--', 'set-controller', 'br-int', `unix:${ofSocket}`,
    ); // prettier-ignore
    const [sock] = await accepted;
    const buffered = { data: Buffer.alloc(0) };
    const hello = await readMessage(sock, buffered);
    assert.equal(hello.readUInt8(0), 4, 'OpenFlow 1.3');
    assert.equal(hello.readUInt8(1), OFPT_HELLO);

    sock.write(Buffer.concat([header(OFPT_HELLO, 1), header(OFPT_FEATURES_REQUEST, 2)]));
    let reply: Buffer;
    do reply = await readMessage(sock, buffered);
    while (reply.readUInt8(1) !== OFPT_FEATURES_REPLY);
    assert.equal(reply.readUInt32BE(4), 2, 'the reply carries our xid');
    assert.equal(reply.readBigUInt64BE(8), 0xa1n, 'the DPID of the switch behind the relay');
    sock.destroy();

    const { stdout } = await exec('ovs-vsctl', [
      `--db=unix:${b.dbSocket}`,
      'get',
      'controller',
      'br-int',
      'target',
    ]);
    assert.equal(stdout.trim(), `"unix:${ofSocket}"`);
  });
});
