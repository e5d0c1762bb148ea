// Connections placed in the last few seconds, so that a retransmitted SYN (or a second packet-in that raced the
// flow install) goes to the backend the first one went to. It sits on the packet-in path and sees every new
// connection, so it must stay O(1) under a SYN flood: two generations of Maps, the older dropped whole, instead of
// per-entry eviction.

interface Placed {
  readonly backendId: string;
  readonly expiresAt: number;
}

export class ConnectionMemory {
  private current = new Map<string | number, Placed>();
  private previous = new Map<string | number, Placed>();
  private rotatedAt: number | undefined;

  /**
   * `ttlMs`: how long a connection is remembered after its last packet-in. At most about `maxEntries` are held;
   * past that the oldest generation goes early (only retransmits of those connections could notice).
   */
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  lookup(connection: string | number, now: number): string | undefined {
    const e = this.current.get(connection) ?? this.previous.get(connection);
    return e !== undefined && now < e.expiresAt ? e.backendId : undefined;
  }

  remember(connection: string | number, backendId: string, now: number): void {
    // A generation older than the TTL holds only expired entries; a full one makes room.
    this.rotatedAt ??= now;
    if (now - this.rotatedAt >= this.ttlMs || this.current.size >= this.maxEntries / 2) {
      this.previous = this.current;
      this.current = new Map();
      this.rotatedAt = now;
    }
    this.current.set(connection, { backendId, expiresAt: now + this.ttlMs });
  }

  /** The backend failed or left: its connections are not to be sent there again. */
  forgetBackend(backendId: string): void {
    for (const gen of [this.current, this.previous]) {
      for (const [k, e] of gen) if (e.backendId === backendId) gen.delete(k);
    }
  }

  /** Drops what has expired; returns how many. */
  sweep(now: number): number {
    let dropped = 0;
    for (const gen of [this.current, this.previous]) {
      for (const [k, e] of gen) {
        if (now >= e.expiresAt) {
          gen.delete(k);
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
