// Open connections per backend, as the caller counts them: +1 when it installs a session's flows,
// -1 when the switch reports them removed (FLOW_REMOVED on idle timeout or delete).

export class ConnectionCounts {
  private readonly counts = new Map<string, number>();

  opened(backendId: string): void {
    this.counts.set(backendId, (this.counts.get(backendId) ?? 0) + 1);
  }

  /** Never goes below zero: a FLOW_REMOVED for a session counted before a restart is not an error. */
  closed(backendId: string): void {
    const n = this.counts.get(backendId) ?? 0;
    if (n <= 1) this.counts.delete(backendId);
    else this.counts.set(backendId, n - 1);
  }

  get(backendId: string): number {
    return this.counts.get(backendId) ?? 0;
  }

  /** Sets a count outright, e.g. from a dump of the switch's session flows after a reconnect. */
  set(backendId: string, n: number): void {
    if (n > 0) this.counts.set(backendId, n);
    else this.counts.delete(backendId);
  }

  forget(backendId: string): void {
    this.counts.delete(backendId);
  }
}
