// ClientIP session affinity: a client that connected recently goes back to the same backend. As kube-proxy does,
// the timeout runs from the client's last new connection, not its first.

export interface AffinityEntry {
  readonly backendId: string;
  readonly expiresAt: number;
}

export class AffinityTable {
  private readonly entries = new Map<string, AffinityEntry>();

  /**
   * `timeoutMs` is the binding's lifetime; times are whatever the injected clock counts in milliseconds. Past
   * `maxEntries` the least recently used binding is dropped, so a flood of new clients cannot grow it unbounded.
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly maxEntries = Infinity,
  ) {}

  /** The backend this client is bound to, if the binding has not expired. An expired one is dropped. */
  lookup(clientIp: string, now: number): string | undefined {
    const e = this.entries.get(clientIp);
    if (e === undefined) return undefined;
    if (now >= e.expiresAt) {
      this.entries.delete(clientIp);
      return undefined;
    }
    return e.backendId;
  }

  /** Binds (or re-binds) the client and restarts its timeout. */
  remember(clientIp: string, backendId: string, now: number): void {
    // Delete first so that Map order stays oldest-first by last use, which sweep() relies on.
    this.entries.delete(clientIp);
    this.entries.set(clientIp, { backendId, expiresAt: now + this.timeoutMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** A backend went away or failed: its clients pick anew on their next connection. */
  forgetBackend(backendId: string): void {
    for (const [client, e] of this.entries) if (e.backendId === backendId) this.entries.delete(client);
  }

  /** Drops expired bindings; returns how many. Cheap to call often: it stops at the first live entry. */
  sweep(now: number): number {
    let dropped = 0;
    for (const [client, e] of this.entries) {
      if (now < e.expiresAt) break;
      this.entries.delete(client);
      dropped++;
    }
    return dropped;
  }

  get size(): number {
    return this.entries.size;
  }
}
