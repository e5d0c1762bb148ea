// Packet-in dispatch: handlers subscribe by table id and cookie (masked, e.g. one cookie feature), and every switch
// has its own token bucket, so that a flood from one switch is dropped there and cannot starve the others.
// Counters say what was received, dropped by the limit, and matched by no handler.
import type { PacketIn } from '../../protocols/openflow13/index.js';
import type { SwitchSession } from './switch-session.js';

export interface PacketInFilter {
  readonly tableId?: number;
  readonly cookie?: bigint;
  readonly cookieMask?: bigint;
}

export type PacketInHandler = (session: SwitchSession, packetIn: PacketIn) => void;

export interface PacketInCounters {
  received: number;
  dropped: number;
  unhandled: number;
}

export interface RateLimit {
  /** Packet-ins per second accepted from one switch. */
  readonly ratePerSecond: number;
  /** How many may come at once after a quiet period. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  last: number;
  readonly counters: PacketInCounters;
}

export class PacketInDispatcher {
  private readonly subscriptions: { filter: PacketInFilter; handler: PacketInHandler }[] = [];
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  subscribe(filter: PacketInFilter, handler: PacketInHandler): () => void {
    const sub = { filter, handler };
    this.subscriptions.push(sub);
    return () => {
      const i = this.subscriptions.indexOf(sub);
      if (i >= 0) this.subscriptions.splice(i, 1);
    };
  }

  /** Starts dispatching a switch's packet-ins. */
  attach(session: SwitchSession): void {
    const bucket: Bucket = {
      tokens: this.limit.burst,
      last: this.now(),
      counters: { received: 0, dropped: 0, unhandled: 0 },
    };
    this.buckets.set(session.dpid, bucket);
    const onPacketIn = (p: PacketIn): void => this.dispatch(session, bucket, p);
    session.on('packetIn', onPacketIn);
    session.once('close', () => session.off('packetIn', onPacketIn));
  }

  counters(dpid: string): Readonly<PacketInCounters> | undefined {
    return this.buckets.get(dpid)?.counters;
  }

  allCounters(): Map<string, Readonly<PacketInCounters>> {
    return new Map([...this.buckets].map(([dpid, b]) => [dpid, b.counters]));
  }

  private dispatch(session: SwitchSession, bucket: Bucket, p: PacketIn): void {
    bucket.counters.received++;
    const t = this.now();
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((t - bucket.last) * this.limit.ratePerSecond) / 1000,
    );
    bucket.last = t;
    if (bucket.tokens < 1) {
      bucket.counters.dropped++;
      return;
    }
    bucket.tokens -= 1;
    let handled = false;
    for (const { filter, handler } of this.subscriptions) {
      if (filter.tableId !== undefined && filter.tableId !== p.tableId) continue;
      if (filter.cookie !== undefined && (p.cookie & (filter.cookieMask ?? ~0n)) !== filter.cookie) continue;
      handled = true;
      handler(session, p);
    }
    if (!handled) bucket.counters.unhandled++;
  }
}
