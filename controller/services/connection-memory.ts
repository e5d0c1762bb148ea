// Connections placed in the last few seconds, so that a retransmitted SYN (or a second packet-in that raced the
// flow install) goes to the backend the first one went to. It sits on the packet-in path and sees every new
// connection, so it must stay O(1) under a SYN flood: two generations, the older dropped whole, instead of
// per-entry eviction. Connections named by a number (the IPv4 fast path) live in typed-array tables
// (number-table.ts), so that remembering one puts nothing on the JS heap, and nothing is done per entry after:
// a generation's numbered entries are dropped together once the last one written has expired, and a backend's
// are forgotten by retiring the number they name it by. Connections named by text (IPv6) are kept in Maps.

import { BackendNumbers } from './backend-numbers.js';
import { NumberTable } from './number-table.js';

interface Placed {
  readonly backendId: string;
  readonly expiresAt: number;
}

/** One generation: connections named by number and by text. */
class Generation {
  readonly numbers = new NumberTable();
  readonly texts = new Map<string, Placed>();
  /** When a numbered entry was last written here: they have all expired a TTL after. */
  newest = -Infinity;

  get size(): number {
    return this.numbers.size + this.texts.size;
  }

  clear(): void {
    this.numbers.clear();
    this.texts.clear();
    this.newest = -Infinity;
  }
}

export class ConnectionMemory {
  private current = new Generation();
  private previous = new Generation();
  private rotatedAt: number | undefined;
  /** The small numbers the tables hold for backend ids; a forgotten backend's is retired. */
  private readonly backends = new BackendNumbers();

  /**
   * `ttlMs`: how long a connection is remembered after its last packet-in. At most about `maxEntries` are held;
   * past that the oldest generation goes early (only retransmits of those connections could notice).
   */
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  lookup(connection: string | number, now: number): string | undefined {
    if (typeof connection === 'string') {
      const e = this.current.texts.get(connection) ?? this.previous.texts.get(connection);
      return e !== undefined && now < e.expiresAt ? e.backendId : undefined;
    }
    let b = this.current.numbers.get(connection);
    let expiresAt = this.current.numbers.foundTime;
    if (b < 0) {
      b = this.previous.numbers.get(connection);
      expiresAt = this.previous.numbers.foundTime;
    }
    return b >= 0 && now < expiresAt ? this.backends.idOf(b) : undefined;
  }

  remember(connection: string | number, backendId: string, now: number): void {
    // A generation older than the TTL holds only expired entries; a full one makes room.
    this.rotatedAt ??= now;
    if (now - this.rotatedAt >= this.ttlMs || this.current.size >= this.maxEntries / 2) {
      // The generation dropped is emptied and reused: its arrays are already the size this load needs.
      const dropped = this.previous;
      this.previous = this.current;
      this.current = dropped;
      dropped.clear();
      this.rotatedAt = now;
    }
    const expiresAt = now + this.ttlMs;
    if (typeof connection === 'string') this.current.texts.set(connection, { backendId, expiresAt });
    else {
      this.current.numbers.set(connection, 0, this.backends.numberOf(backendId), expiresAt);
      this.current.newest = now;
    }
  }

  /** The backend failed or left: its connections are not to be sent there again. */
  forgetBackend(backendId: string): void {
    // Entries naming its number now name no backend (lookup finds nothing); the id gets a new number if it is used
    // again.
    this.backends.retire(backendId);
    for (const gen of [this.current, this.previous])
      for (const [k, e] of gen.texts) if (e.backendId === backendId) gen.texts.delete(k);
  }

  /**
   * Drops what has expired; returns how many. Numbered entries go by whole generation, once all of it has expired
   * (lookup() never returns an expired one meanwhile): no scan, however many there are.
   */
  sweep(now: number): number {
    let dropped = 0;
    for (const gen of [this.current, this.previous]) {
      if (gen.numbers.size > 0 && now >= gen.newest + this.ttlMs) {
        dropped += gen.numbers.size;
        gen.numbers.clear();
      }
      for (const [k, e] of gen.texts) {
        if (now >= e.expiresAt) {
          gen.texts.delete(k);
          dropped++;
        }
      }
    }
    return dropped;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
