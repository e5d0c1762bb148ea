// A fake OVSDB server in the test (net.Server) that misbehaves: garbage, a truncated message, an unknown method,
// an over-long message, a reply to nothing, a schema without a column we need. Each closes that session with a
// logged reason; the process (this test) lives on. Also: the server's echo is answered with the same params.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { OPEN_VSWITCH_TABLES } from '../../../protocols/ovsdb';
import { OvsdbClient, OvsdbSchemaMismatchError } from '../../../southbound/ovsdb';
import { captureLogger, type CapturedLog } from './helpers';

const SCHEMA = JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')) as {
  tables: Record<string, { columns: Record<string, unknown> }>;
};

type Script = (socket: Socket, request: { id: unknown; method: string; params: unknown[] }) => void;

/** A server that answers get_schema with the real schema and hands every other request to the script. */
async function fakeServer(
  script: Script,
  schema: unknown = SCHEMA,
): Promise<{ server: Server; target: string }> {
  const server = createServer((socket) => {
    let buf = '';
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      buf += d.toString();
      // Requests from our client are small and newline-free; split on the object boundary for this fake.
      for (;;) {
        const end = buf.indexOf('}{') >= 0 ? buf.indexOf('}{') + 1 : buf.endsWith('}') ? buf.length : -1;
        if (end < 0) break;
        const req = JSON.parse(buf.slice(0, end)) as { id: unknown; method: string; params: unknown[] };
        buf = buf.slice(end);
        if (req.method === 'get_schema')
          socket.write(JSON.stringify({ id: req.id, result: schema, error: null }));
        else script(socket, req);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { server, target: `tcp:127.0.0.1:${addr.port}` };
}

async function runAgainst(script: Script, opts: { maxMessageBytes?: number; schema?: unknown } = {}) {
  const { server, target } = await fakeServer(script, opts.schema);
  const logs = captureLogger();
  const client = new OvsdbClient({
    target,
    database: 'Open_vSwitch',
    tables: OPEN_VSWITCH_TABLES,
    log: logs.log,
    reconnect: false,
    maxMessageBytes: opts.maxMessageBytes,
  });
  const disconnected = new Promise<string>((resolve) => client.once('disconnected', resolve));
  client.start();
  return { server, client, logs, disconnected };
}

function loggedReason(logs: CapturedLog): string {
  return logs.lines.map((l) => `${l.msg ?? ''} ${l.reason ?? ''}`).join('\n');
}

const emptyMonitor = (socket: Socket, id: unknown) =>
  socket.write(JSON.stringify({ id, result: {}, error: null }));

describe('integration: ovsdb client against a misbehaving server', function () {
  this.timeout(20_000);
  const servers: Server[] = [];
  const clients: OvsdbClient<typeof OPEN_VSWITCH_TABLES>[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.close();
  });
  const track = <R extends { server: Server; client: OvsdbClient<typeof OPEN_VSWITCH_TABLES> }>(r: R): R => {
    servers.push(r.server);
    clients.push(r.client);
    return r;
  };

  it('closes the session on garbage bytes and logs why', async () => {
    const r = track(await runAgainst((socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    assert.match(
      await r.disconnected,
      /protocol error: expected '\{' or '\[' to start a message, got byte 0x48/,
    );
    assert.match(loggedReason(r.logs), /ovsdb peer sent bad input; closing the session.*got byte 0x48/s);
    assert.equal(r.client.state, 'closed');
  });

  it('closes the session on a truncated message', async () => {
    const r = track(
      await runAgainst((socket, req) => socket.end(`{"id":${JSON.stringify(req.id)},"result":{"Bri`)),
    );
    assert.match(await r.disconnected, /truncated/);
  });

  it('closes the session on an unknown method, after answering it with an error', async () => {
    let answer = '';
    const r = track(
      await runAgainst((socket, req) => {
        if (req.method === 'monitor_cond') {
          emptyMonitor(socket, req.id);
          socket.on('data', (d) => (answer += d.toString()));
          socket.write(JSON.stringify({ id: 'x1', method: 'frobnicate', params: [] }));
        }
      }),
    );
    assert.match(await r.disconnected, /unknown method "frobnicate"/);
    assert.match(loggedReason(r.logs), /frobnicate/);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(JSON.parse(answer), {
      result: null,
      error: { error: 'unknown method', details: 'frobnicate' },
      id: 'x1',
    });
  });

  it('closes the session on an unknown notification and on a reply to no request', async () => {
    const a = track(
      await runAgainst((socket, req) => {
        emptyMonitor(socket, req.id);
        socket.write(JSON.stringify({ id: null, method: 'update7', params: [] }));
      }),
    );
    assert.match(await a.disconnected, /unknown notification "update7"/);
    const b = track(
      await runAgainst((socket) => socket.write(JSON.stringify({ id: 999, result: [], error: null }))),
    );
    assert.match(await b.disconnected, /reply to unknown request id 999/);
  });

  it('closes the session on a message over the size limit', async () => {
    const r = track(
      await runAgainst(
        (socket, req) =>
          socket.write(
            JSON.stringify({ id: req.id, result: { Bridge: { pad: 'x'.repeat(1 << 20) } }, error: null }),
          ),
        { maxMessageBytes: 256 * 1024 },
      ),
    );
    assert.match(await r.disconnected, /exceeds the limit of 262144 bytes/);
  });

  it('closes the session on an update that does not fit the schema', async () => {
    const r = track(
      await runAgainst((socket, req) => {
        emptyMonitor(socket, req.id);
        socket.write(
          JSON.stringify({
            id: null,
            method: 'update2',
            params: ['replica', { Bridge: { u: { insert: { name: 42 } } } }],
          }),
        );
      }),
    );
    assert.match(await r.disconnected, /bad "update2" notification: Bridge\.name: 42 is not a string atom/);
  });

  it('answers the server`s echo with the same params and keeps the session', async () => {
    let reply = '';
    const r = track(
      await runAgainst((socket, req) => {
        if (req.method !== 'monitor_cond') return;
        emptyMonitor(socket, req.id);
        socket.on('data', (d) => (reply += d.toString()));
        socket.write(JSON.stringify({ id: 'echo-1', method: 'echo', params: ['a', 1] }));
      }),
    );
    await r.client.ready(5000);
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(JSON.parse(reply), { result: ['a', 1], error: null, id: 'echo-1' });
    assert.equal(r.client.state, 'monitoring');
  });

  it('probes a silent server with echo and closes the session when it does not answer', async () => {
    const { server, target } = await fakeServer((socket, req) => {
      if (req.method === 'monitor_cond') emptyMonitor(socket, req.id); // then ignores our echo
    });
    const logs = captureLogger();
    const client = new OvsdbClient({
      target,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log: logs.log,
      reconnect: false,
      probeIntervalMs: 100,
    });
    track({ server, client });
    const reason = new Promise<string>((resolve) => client.once('disconnected', resolve));
    client.start();
    assert.match(await reason, /inactivity probe: no reply in 100 ms/);
  });

  it('falls back to monitor (update notifications) when the server has no monitor_cond', async () => {
    const r = track(
      await runAgainst((socket, req) => {
        if (req.method === 'monitor_cond') {
          socket.write(JSON.stringify({ id: req.id, result: null, error: { error: 'unknown method' } }));
        } else if (req.method === 'monitor') {
          emptyMonitor(socket, req.id);
          socket.write(
            JSON.stringify({
              id: null,
              method: 'update',
              params: [
                'replica',
                {
                  Controller: {
                    '0b8a5c1e-6a4e-4a43-9b1a-8f5c1d2e3f40': {
                      new: { target: 'tcp:1.2.3.4:6653', is_connected: false },
                    },
                  },
                },
              ],
            }),
          );
        }
      }),
    );
    await r.client.ready(5000);
    await r.client.waitFor(() => r.client.replica.count('Controller') === 1, 5000);
    assert.equal([...r.client.replica.rows('Controller')][0]!.target, 'tcp:1.2.3.4:6653');
    assert.match(loggedReason(r.logs), /server has no monitor_cond; using monitor/);
  });

  it('refuses a server whose schema lacks a column we need, naming it, and does not retry', async () => {
    const schema = structuredClone(SCHEMA);
    delete schema.tables.Interface!.columns.ofport_request;
    delete schema.tables.Bridge!.columns.fail_mode;
    const r = track(await runAgainst(() => undefined, { schema }));
    await assert.rejects(r.client.ready(5000), (err: unknown) => {
      assert.ok(err instanceof OvsdbSchemaMismatchError);
      assert.match(err.message, /table Open_vSwitch\.Bridge has no column fail_mode \(we need string\?\)/);
      assert.match(
        err.message,
        /table Open_vSwitch\.Interface has no column ofport_request \(we need integer\?\)/,
      );
      return true;
    });
    assert.equal(r.client.state, 'closed');
  });
});
