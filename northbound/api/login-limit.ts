// Failed-login rate limit: a client address that presents 20 bad tokens (by default) within WINDOW_MS is refused (429)
// until the oldest of them leaves the window, whatever token it tries next. A valid token never counts, so a node
// agent with a good token is not slowed by a neighbour's typo; guessing a 256-bit secret at 20 per minute per
// address is hopeless anyway, this keeps the log and the CPU quiet under a brute-force attempt.

export interface LoginLimitOptions {
  readonly failures?: number;
  readonly windowMs?: number;
  /** Addresses tracked at most; the least recently failing ones are forgotten first. */
  readonly maxClients?: number;
  readonly now?: () => number;
}

export class FailedLoginLimiter {
  private readonly failures: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;
  /** Times of recent failures per client, oldest first; Map order: least recently failing first. */
  private readonly recent = new Map<string, number[]>();

  constructor(options: LoginLimitOptions = {}) {
    this.failures = options.failures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxClients = options.maxClients ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `client` may try again; 0 when it may try now. */
  retryAfterMs(client: string): number {
    const times = this.live(client);
    if (times.length < this.failures) return 0;
    return times[times.length - this.failures]! + this.windowMs - this.now();
  }

  fail(client: string): void {
    const times = this.live(client);
    times.push(this.now());
    if (times.length > this.failures) times.splice(0, times.length - this.failures);
    this.recent.delete(client);
    this.recent.set(client, times);
    if (this.recent.size > this.maxClients) this.recent.delete(this.recent.keys().next().value as string);
  }

  private live(client: string): number[] {
    const times = this.recent.get(client) ?? [];
    const since = this.now() - this.windowMs;
    while (times.length > 0 && times[0]! <= since) times.shift();
    if (times.length === 0) this.recent.delete(client);
    return times;
  }
}
