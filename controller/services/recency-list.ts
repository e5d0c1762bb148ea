// Records of (client number, backend number, expiry) in typed arrays, linked in order of last use: the oldest is at
// the head, where both the size bound and expiry take from. Moving a record to the tail is O(1) and allocates
// nothing, so refreshing a binding on every new connection puts nothing on the JS heap. Records are numbered
// stably (a NumberTable maps clients to them); freed numbers are reused.

const NONE = -1;

export class RecencyList {
  client = new Float64Array(16);
  backend = new Int32Array(16);
  expires = new Float64Array(16);
  private prev = new Int32Array(16);
  private next = new Int32Array(16);
  /** Oldest and newest record in use; the chain of free records (through `next`). */
  head = NONE;
  private tail = NONE;
  private free = NONE;
  /** Records ever handed out (the arrays hold this many), and records in use. */
  private made = 0;
  size = 0;

  /** A new record at the tail (newest). */
  add(client: number, backend: number, expires: number): number {
    let r = this.free;
    if (r !== NONE) this.free = this.next[r] as number;
    else {
      if (this.made === this.client.length) this.grow();
      r = this.made++;
    }
    this.client[r] = client;
    this.size++;
    this.set(r, backend, expires);
    this.append(r);
    return r;
  }

  /** Sets a record's backend and expiry and makes it the newest. */
  touch(r: number, backend: number, expires: number): void {
    this.unlink(r);
    this.set(r, backend, expires);
    this.append(r);
  }

  /** The record after `r` in last-use order (newer), or -1. */
  after(r: number): number {
    return this.next[r] as number;
  }

  remove(r: number): void {
    this.unlink(r);
    this.next[r] = this.free;
    this.free = r;
    this.size--;
  }

  private set(r: number, backend: number, expires: number): void {
    this.backend[r] = backend;
    this.expires[r] = expires;
  }

  private append(r: number): void {
    this.prev[r] = this.tail;
    this.next[r] = NONE;
    if (this.tail !== NONE) this.next[this.tail] = r;
    else this.head = r;
    this.tail = r;
  }

  private unlink(r: number): void {
    const p = this.prev[r] as number;
    const n = this.next[r] as number;
    if (p !== NONE) this.next[p] = n;
    else this.head = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail = p;
  }

  /** Twice the room: one copy of the arrays (outside the JS heap), once per doubling of the clients held. */
  private grow(): void {
    const n = this.client.length * 2;
    const bigger = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.client = bigger(this.client, (k) => new Float64Array(k));
    this.backend = bigger(this.backend, (k) => new Int32Array(k));
    this.expires = bigger(this.expires, (k) => new Float64Array(k));
    this.prev = bigger(this.prev, (k) => new Int32Array(k));
    this.next = bigger(this.next, (k) => new Int32Array(k));
  }
}
