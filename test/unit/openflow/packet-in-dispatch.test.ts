// Packet-in dispatch: subscriptions by table and cookie, and a per-switch limit that cannot starve other switches.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { PacketIn } from '../../../protocols/openflow13/index.js';
import { PacketInDispatcher, type SwitchSession } from '../../../southbound/openflow/index.js';

/** Just enough of a session for the dispatcher: a datapath id and packet-in/close events. */
function sessionLike(dpid: string): SwitchSession {
  return Object.assign(new EventEmitter(), { dpid }) as unknown as SwitchSession;
}

const pin = (tableId: number, cookie: bigint): PacketIn => ({
  type: 'packetIn',
  xid: 0,
  bufferId: 0xffffffff,
  totalLen: 0,
  reason: 1,
  tableId,
  cookie,
  match: [],
  data: new Uint8Array(),
});

describe('southbound/openflow: packet-in dispatch', () => {
  it('routes by table id and masked cookie; counts unhandled', () => {
    let t = 0;
    const d = new PacketInDispatcher({ ratePerSecond: 1000, burst: 1000 }, () => t);
    const s = sessionLike('01');
    d.attach(s);
    const seen: string[] = [];
    d.subscribe({ tableId: 20, cookie: 0x0900000000n, cookieMask: 0xff00000000n }, () =>
      seen.push('service'),
    );
    d.subscribe({ tableId: 60 }, () => seen.push('health'));
    s.emit('packetIn', pin(20, 0x0900000007n));
    s.emit('packetIn', pin(60, 0n));
    s.emit('packetIn', pin(20, 0x0100000000n));
    t += 1;
    assert.deepEqual(seen, ['service', 'health']);
    assert.deepEqual(d.counters('01'), { received: 3, dropped: 0, unhandled: 1 });
  });

  it('drops over the per-switch limit without touching another switch', () => {
    let t = 0;
    const d = new PacketInDispatcher({ ratePerSecond: 100, burst: 10 }, () => t);
    const noisy = sessionLike('aa');
    const quiet = sessionLike('bb');
    d.attach(noisy);
    d.attach(quiet);
    let handled = 0;
    d.subscribe({}, () => handled++);
    for (let i = 0; i < 1000; i++) noisy.emit('packetIn', pin(0, 0n));
    quiet.emit('packetIn', pin(0, 0n));
    assert.equal(d.counters('aa')?.dropped, 990);
    assert.equal(d.counters('bb')?.dropped, 0);
    t += 100; // 100 ms later: 10 more tokens
    for (let i = 0; i < 20; i++) noisy.emit('packetIn', pin(0, 0n));
    assert.equal(d.counters('aa')?.dropped, 1000);
    assert.equal(handled, 10 + 1 + 10);
  });
});
