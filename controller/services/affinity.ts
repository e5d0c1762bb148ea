// ClientIP session affinity: a client that connected recently goes back to the same backend. As kube-proxy does,
// the timeout runs from the client's last new connection, not its first.
// Every new connection to an affinity Service refreshes its client's binding, so IPv4 clients are kept in typed
// arrays (a NumberTable from address to record, records in last-use order in a RecencyList): a refresh allocates
// nothing and no Map rehashes its deleted entries away in one step. Other client text (IPv6) is kept in a Map in
// the same order. Because every binding has the same timeout, last-use order is also expiry order: the size bound
// and the sweep both take from the oldest end, and the sweep stops at the first live binding.
import { BackendNumbers } from './backend-numbers.js';
import { NumberTable } from './number-table.js';
import { RecencyList } from './recency-list.js';

/** Most bindings of each kind one sweep() drops. */
const SWEEP_SLICE = 4096;

export interface AffinityEntry {
  readonly backendId: string;
  readonly expiresAt: number;
}

export class AffinityTable {
  /** Non-IPv4 clients, oldest first by last use (delete then set moves one to the end). */
  private readonly entries = new Map<string, AffinityEntry>();
  /** IPv4 clients: address -> record. */
  private readonly v4 = new NumberTable();
  private readonly records = new RecencyList();
  /** The numbers records hold for backend ids (a Service's backends: few). */
  private readonly backends = new BackendNumbers();

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
    const ip = ipv4Number(clientIp);
    if (ip < 0) {
      const e = this.entries.get(clientIp);
      if (e === undefined) return undefined;
      if (now >= e.expiresAt) {
        this.entries.delete(clientIp);
        return undefined;
      }
      return e.backendId;
    }
    const r = this.v4.get(ip);
    if (r < 0) return undefined;
    const backendId = this.backends.idOf(this.records.backend[r] as number) as string;
    if (now >= (this.records.expires[r] as number)) {
      this.dropRecord(r);
      return undefined;
    }
    return backendId;
  }

  /** Binds (or re-binds) the client and restarts its timeout. */
  remember(clientIp: string, backendId: string, now: number): void {
    const expiresAt = now + this.timeoutMs;
    const ip = ipv4Number(clientIp);
    if (ip < 0) {
      // Delete first so that Map order stays oldest-first by last use, which sweep() relies on.
      this.entries.delete(clientIp);
      this.entries.set(clientIp, { backendId, expiresAt });
    } else {
      const r = this.v4.get(ip);
      const b = this.backends.numberOf(backendId);
      if (r < 0) this.v4.set(ip, 0, this.records.add(ip, b, expiresAt));
      else this.records.touch(r, b, expiresAt);
    }
    while (this.size > this.maxEntries) this.dropOldest();
  }

  /** A backend went away or failed: its clients pick anew on their next connection. */
  forgetBackend(backendId: string): void {
    for (const [client, e] of this.entries) if (e.backendId === backendId) this.entries.delete(client);
    // A walk of the records (typed arrays, rare: a backend leaving), so that the size bound counts live bindings.
    const b = this.backends.current(backendId);
    if (b === undefined) return;
    for (let r = this.records.head; r >= 0;) {
      const next = this.records.after(r);
      if (this.records.backend[r] === b) this.dropRecord(r);
      r = next;
    }
  }

  /**
   * Drops expired bindings; returns how many. Cheap to call often: it stops at the first live entry, and after
   * SWEEP_SLICE of each kind (a crowd of clients that all went quiet is let go over several calls, not in one
   * long step; lookup() never returns an expired binding meanwhile).
   */
  sweep(now: number): number {
    let dropped = 0;
    for (const [client, e] of this.entries) {
      if (now < e.expiresAt || dropped === SWEEP_SLICE) break;
      this.entries.delete(client);
      dropped++;
    }
    for (let n = 0, r = this.records.head; r >= 0 && n < SWEEP_SLICE; r = this.records.head, n++) {
      if (now < (this.records.expires[r] as number)) break;
      this.dropRecord(r);
      dropped++;
    }
    return dropped;
  }

  get size(): number {
    return this.entries.size + this.records.size;
  }

  /** The least recently used binding of either kind goes (same timeout: the one that expires first). */
  private dropOldest(): void {
    const r = this.records.head;
    const oldText = this.entries.entries().next();
    if (r >= 0 && (oldText.done || (this.records.expires[r] as number) <= oldText.value[1].expiresAt))
      this.dropRecord(r);
    else if (!oldText.done) this.entries.delete(oldText.value[0]);
  }

  private dropRecord(r: number): void {
    this.v4.take(this.records.client[r] as number);
    this.records.remove(r);
  }
}

/** Dotted-quad text (no leading zeros, as parsers and the model write it) as a number; -1 for anything else. */
function ipv4Number(text: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1; // a leading zero: not the canonical text of any address
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else return -1;
  }
  return dots === 3 && digits > 0 && part <= 255 ? n * 256 + part : -1;
}
