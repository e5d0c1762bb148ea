// A packet-in flood on one switch against a real controller process: one synthetic switch offers 100,000 PACKET_INs
// a second of new connections to one ClusterIP, another sends a few a second, and the REST API is read throughout.
// What must hold, in counts and order (the latencies are bench/packet-in's, in docs/reliability.md): every packet-in
// of the quiet switch is answered, in order, none dropped; the flooding switch is cut to the controller's per-switch
// limit and /metrics says by how much; every accepted packet-in is answered; every API call succeeds.
import assert from 'node:assert/strict';
import { runPacketInFlood } from '../../support/packet-in-flood';

describe('integration: a packet-in flood on one switch (real controller process)', function () {
  this.timeout(180_000);

  it("holds the flood to its switch's limit and answers the quiet switch and the API", async () => {
    const r = await runPacketInFlood({ seconds: 2, floodRate: 100_000, quietRate: 100, packetInRate: 5_000 });
    const what = JSON.stringify({
      ...r,
      quiet: { ...r.quiet, latenciesMs: undefined },
      api: { ...r.api, latenciesMs: undefined },
    });
    // The quiet switch: all sent, all received, none dropped, every one answered, in the order sent.
    assert.ok(r.quiet.sent >= 100, what);
    assert.equal(r.controller.quiet.received, r.quiet.sent, what);
    assert.equal(r.controller.quiet.dropped, 0, what);
    assert.equal(r.quiet.answered, r.quiet.sent, what);
    assert.ok(r.quietInOrder, what);
    // The flooding switch: everything it sent arrived; the limit dropped most of it, and the counters say so.
    assert.ok(r.flood.sent >= 150_000, what);
    assert.equal(r.controller.flood.received, r.flood.sent, what);
    assert.ok(r.controller.flood.dropped > r.flood.sent / 2, what);
    // Whatever passed the limit was placed and answered: nothing else was lost.
    assert.equal(
      r.controller.placed,
      r.controller.flood.received - r.controller.flood.dropped + r.quiet.sent,
      what,
    );
    assert.equal(r.flood.answered, r.controller.flood.received - r.controller.flood.dropped, what);
    assert.equal(r.controller.ignored, 0, what);
    // The API answered every call made during the flood.
    assert.ok(r.api.calls > 0, what);
    assert.equal(r.api.ok, r.api.calls, what);
  });
});
