// Mutated OVSDB JSON-RPC streams (RFC 7047) through everything that reads bytes from an ovsdb-server: the stream
// framer (split at random points), the JSON-RPC classifier, and the table-update and transact-result decoders
// against the real Open_vSwitch schema. Nothing may throw anything but a described protocol error; every refusal
// has a reason; a framer that fails stays failed with that reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeTableUpdates,
  interpretTransactResult,
  parseSchema,
  type Operation,
} from '../../protocols/ovsdb/index.js';
import { JsonStreamFramer } from '../../protocols/ovsdb/framer.js';
import { decodeRpc, describeRpcError } from '../../protocols/ovsdb/jsonrpc.js';

// CI runs 200k streams from a fixed seed; a soak sets OVSDB_FUZZ_CASES / OVSDB_FUZZ_SEED for more.
const CASES = Number(process.env.OVSDB_FUZZ_CASES ?? 200_000);
const SEED = Number(process.env.OVSDB_FUZZ_SEED ?? 0x0d5db);

const schema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')));

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const U1 = '2b1a6c3e-4d5f-4a6b-8c7d-9e0f1a2b3c4d';
const U2 = '7f00aa11-0000-4bcd-8123-456789abcdef';
/** What ovsdb-server sends a controller: replies to echo, monitor, transact; update notifications; errors. */
const seeds: string[] = [
  '{"id":"echo","method":"echo","params":[]}',
  '{"id":0,"result":["Open_vSwitch","_Server"],"error":null}',
  `{"id":3,"result":[{"uuid":["uuid","${U1}"]},{"count":1},{}],"error":null}`,
  '{"id":4,"result":[{"error":"constraint violation","details":"Transaction causes multiple rows in \\"Bridge\\" table to have identical values (\\"br-int\\") for index on column \\"name\\"."},null],"error":null}',
  '{"id":5,"result":null,"error":{"error":"unknown database","details":"get_schema asked for unknown database \\"x\\""}}',
  `{"id":null,"method":"update","params":["mon",{"Bridge":{"${U1}":{"new":{"name":"br-int","fail_mode":"secure","datapath_type":"netdev","protocols":["set",["OpenFlow13"]],"ports":["set",[["uuid","${U2}"]]],"external_ids":["map",[["owner","sdn"]]],"other_config":["map",[["datapath-id","0000000000000001"]]]}}},"Port":{"${U2}":{"old":{"tag":["set",[]]},"new":{"name":"veth1","tag":7,"interfaces":["uuid","${U1}"]}}}}]}`,
  `{"id":null,"method":"update2","params":["mon",{"Interface":{"${U1}":{"initial":{"name":"vxlan0","type":"vxlan","ofport":65000,"options":["map",[["remote_ip","flow"],["key","flow"]]]}},"${U2}":{"modify":{"ofport":["set",[3]],"external_ids":["map",[["attached-mac","0a:58:0a:f4:00:02"]]]}}}}]}`,
  `{"id":null,"method":"update2","params":["mon",{"Port":{"${U2}":{"delete":null}}}]}`,
  `{"id":null,"method":"update3","params":["mon","${U1}",{"Open_vSwitch":{"${U2}":{"modify":{"cur_cfg":12,"next_cfg":12}}}}]}`,
  '{"id":7,"result":{"locked":true},"error":null}',
  '{"id":null,"method":"locked","params":["sdn"]}',
];

/** Bytes that change JSON structure: every one of them sits on an edge of the framer's state machine. */
const INTERESTING = [...'{}[]",:\\ 0-1e.nutf']
  .map((c) => c.charCodeAt(0))
  .concat([0x00, 0x0a, 0x7f, 0xc3, 0xff]);

function mutate(rand: () => number): Buffer {
  const pick = (n: number) => Math.floor(rand() * n);
  // Often several messages back to back: the framer must keep its place across them.
  let b = Buffer.from(
    Array.from({ length: 1 + pick(3) }, () => seeds[pick(seeds.length)]).join(rand() < 0.5 ? '' : '\n'),
  );
  const rounds = pick(5); // 0: an unmutated stream, whose split points alone must not matter
  for (let r = 0; r < rounds; r++) {
    const at = pick(Math.max(b.length, 1));
    switch (pick(7)) {
      case 0:
        if (b.length) b[at] ^= 1 << pick(8);
        break;
      case 1:
        if (b.length) b[at] = INTERESTING[pick(INTERESTING.length)]!;
        break;
      case 2: // cut
        b = b.subarray(0, pick(b.length + 1));
        break;
      case 3: // nest deeper
        b = Buffer.concat([b.subarray(0, at), Buffer.from('['.repeat(1 + pick(50))), b.subarray(at)]);
        break;
      case 4: // delete a span
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(16))]);
        break;
      case 5: // duplicate a span
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + pick(16)), b.subarray(at)]);
        break;
      default: // splice the tail of another seed
        b = Buffer.concat([b.subarray(0, at), Buffer.from(seeds[pick(seeds.length)]!).subarray(pick(80))]);
    }
  }
  return b;
}

/** A decoder's own refusal is an Error with a message; a TypeError or RangeError is a bug that escaped. */
function assertDescribed(err: unknown, what: string, input: Buffer): void {
  assert.ok(err instanceof Error, `${what} threw a non-Error on ${input.toString('latin1')}`);
  assert.ok(
    !(err instanceof TypeError) && !(err instanceof RangeError) && !(err instanceof SyntaxError),
    `${what} crashed on ${input.toString('latin1')}: ${err.stack}`,
  );
  assert.ok(err.message.length > 0, `${what} refused without a reason`);
}

const noOps: Operation[] = [];

describe('fuzz: OVSDB JSON-RPC stream', function () {
  this.timeout(60_000 + CASES / 5);

  it(`survives ${CASES} mutated streams split at random points (seed ${SEED.toString(16)})`, () => {
    const rand = mulberry32(SEED);
    const tally = { messages: 0, framerRefused: 0, rpcRefused: 0, updates: 0, updatesRefused: 0, results: 0 };
    const reasons = new Map<string, number>();
    for (let n = 0; n < CASES; n++) {
      const input = mutate(rand);
      const framer = new JsonStreamFramer({ maxMessageBytes: 4096 });
      const messages: unknown[] = [];
      let refused: string | undefined;
      for (let at = 0; at < input.length && refused === undefined;) {
        const end = Math.min(input.length, at + 1 + Math.floor(rand() * 64));
        const r = framer.push(input.subarray(at, end));
        messages.push(...r.messages);
        if (!r.ok) {
          assert.ok(r.error.length > 0, 'a framer refusal says why');
          refused = r.error;
          const again = framer.push(Buffer.from('{}'));
          assert.equal(again.ok, false, 'a failed framer stays failed');
        }
        at = end;
      }
      if (refused !== undefined) {
        tally.framerRefused++;
        const key = refused.replace(/[0-9a-f]{2,}|\d+/g, 'N').slice(0, 50);
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      for (const value of messages) {
        tally.messages++;
        let decoded: ReturnType<typeof decodeRpc>;
        try {
          decoded = decodeRpc(value);
        } catch (err) {
          assert.fail(`decodeRpc threw on ${JSON.stringify(value)}: ${(err as Error).stack}`);
        }
        if (!decoded.ok) {
          assert.ok(decoded.error.length > 0);
          tally.rpcRefused++;
          continue;
        }
        const m = decoded.message;
        if (m.kind === 'notification' && /^update[23]?$/.test(m.method)) {
          tally.updates++;
          const raw = m.method === 'update3' ? m.params[2] : m.params[1];
          try {
            decodeTableUpdates(schema, raw, m.method === 'update' ? 1 : 2);
          } catch (err) {
            assertDescribed(err, 'decodeTableUpdates', input);
            tally.updatesRefused++;
          }
        } else if (m.kind === 'result') {
          tally.results++;
          try {
            const outcome = interpretTransactResult(schema, noOps, m.result);
            if (!outcome.ok) assert.ok(outcome.failure.error.length > 0);
          } catch (err) {
            assertDescribed(err, 'interpretTransactResult', input);
          }
        } else if (m.kind === 'error') {
          assert.equal(typeof describeRpcError(m.error), 'string');
        }
      }
    }
    // The mutations must reach every layer, or the test proves less than it says.
    assert.ok(tally.messages > CASES / 2, `framed ${tally.messages} messages`);
    assert.ok(tally.framerRefused > CASES / 20, `framer refused ${tally.framerRefused}`);
    assert.ok(tally.updates > CASES / 10 && tally.updatesRefused > 0, JSON.stringify(tally));
    assert.ok(tally.results > CASES / 20, JSON.stringify(tally));
  });
});
