// A hash table from (integer key, small tag) to (int32 value, float64 time), in typed arrays with open addressing.
// The packet-in path keeps one entry per connection here (tens of thousands a second): a Map of objects would put
// a key, an entry object and a boxed time on the young heap for every one, and each young collection would copy
// them; here an entry is a few typed-array slots outside the JS heap, so collections have nothing of it to copy.
// Growing does not rehash in one step either: the new arrays fill from the old ones a few slots per operation
// (as Redis does), so no single packet pays for moving the whole table.

import { fmix32 } from './hash.js';

/** Slot states. */
const EMPTY = 0;
const FULL = 1;
/** Deleted: ends no probe (a later key may sit behind it), but may be reused by an insert. */
const GONE = 2;

/** Slots of the old arrays moved per operation while growing: the new arrays are whole long before they fill. */
const MIGRATE_STEP = 16;
const MIN_CAPACITY = 16;

/** 2^32, to split a key of up to 53 bits into two 32-bit halves for hashing. */
const TWO_32 = 4294967296;

class Slots {
  readonly key: Float64Array;
  readonly tag: Uint32Array;
  readonly state: Uint8Array;
  readonly value: Int32Array;
  readonly time: Float64Array;
  readonly mask: number;
  /** FULL slots, and FULL + GONE (what lengthens probes). */
  full = 0;
  used = 0;

  constructor(readonly capacity: number) {
    this.key = new Float64Array(capacity);
    this.tag = new Uint32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.value = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  /** The slot holding (key, tag), or -1. */
  find(key: number, tag: number, h: number): number {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.state[i];
      if (s === EMPTY) return -1;
      if (s === FULL && this.key[i] === key && this.tag[i] === tag) return i;
    }
  }

  /** A slot for a key known not to be here: the first GONE or EMPTY one on its probe. */
  free(h: number): number {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) if (this.state[i] !== FULL) return i;
  }

  put(i: number, key: number, tag: number, value: number, time: number): void {
    if (this.state[i] === EMPTY) this.used++;
    this.state[i] = FULL;
    this.full++;
    this.key[i] = key;
    this.tag[i] = tag;
    this.value[i] = value;
    this.time[i] = time;
  }

  remove(i: number): void {
    this.state[i] = GONE;
    this.full--;
  }
}

function hashOf(key: number, tag: number): number {
  const lo = key >>> 0;
  const hi = (key / TWO_32) >>> 0;
  return fmix32(Math.imul(lo, 0xcc9e2d51) ^ Math.imul(hi ^ tag, 0x1b873593) ^ hi);
}

/**
 * Keys are integers from 0 to 2^53 - 1 (e.g. an IPv4 address, port and index in one number) with a uint32 tag;
 * values are int32 with a float64 beside them (e.g. an expiry time). No per-entry object, no string.
 */
export class NumberTable {
  private cur: Slots;
  /** The arrays being emptied into `cur` after a grow, and how far that has gone. */
  private old: Slots | undefined;
  private oldAt = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.cur = new Slots(powerOfTwo(Math.max(MIN_CAPACITY, capacity)));
  }

  get size(): number {
    return this.cur.full + (this.old?.full ?? 0);
  }

  /** The time stored with the entry the last get() found (NaN if it found none): no pair object per lookup. */
  foundTime = NaN;

  /** The value of (key, tag), or -1 when absent (values are meant to be >= 0); its time goes to foundTime. */
  get(key: number, tag = 0): number {
    const at = this.slotOf(key, tag);
    this.foundTime = at < 0 ? NaN : (this.cur.time[at] as number);
    return at < 0 ? -1 : (this.cur.value[at] as number);
  }

  /** Sets (key, tag) to (value, time); returns true when the key was not there before. */
  set(key: number, tag: number, value: number, time = 0): boolean {
    this.step();
    const h = hashOf(key, tag);
    const at = this.cur.find(key, tag, h);
    if (at >= 0) {
      this.cur.value[at] = value;
      this.cur.time[at] = time;
      return false;
    }
    let isNew = true;
    if (this.old) {
      const o = this.old.find(key, tag, h);
      if (o >= 0) {
        this.old.remove(o);
        isNew = false;
      }
    }
    if ((this.cur.used + 1) * 2 > this.cur.capacity) this.grow();
    this.cur.put(this.cur.free(h), key, tag, value, time);
    return isNew;
  }

  /** Removes (key, tag); returns its value, or -1 when it was not there. */
  take(key: number, tag = 0): number {
    this.step();
    const h = hashOf(key, tag);
    const at = this.cur.find(key, tag, h);
    if (at >= 0) {
      this.cur.remove(at);
      return this.cur.value[at] as number;
    }
    const o = this.old ? this.old.find(key, tag, h) : -1;
    if (o < 0 || !this.old) return -1;
    this.old.remove(o);
    return this.old.value[o] as number;
  }

  /** Removes every entry whose (value, time) `drop` says to; returns how many. A full scan: not for the packet path. */
  removeWhere(drop: (value: number, time: number) => boolean): number {
    let n = 0;
    for (const s of this.old ? [this.cur, this.old] : [this.cur])
      for (let i = 0; i < s.capacity; i++) {
        if (s.state[i] === FULL && drop(s.value[i] as number, s.time[i] as number)) {
          s.remove(i);
          n++;
        }
      }
    return n;
  }

  /** Empties the table, keeping its arrays (no allocation: what a generation swap needs). */
  clear(): void {
    if (this.old) {
      // The larger arrays are `cur`; the old ones are dropped.
      this.old = undefined;
      this.oldAt = 0;
    }
    this.cur.state.fill(EMPTY);
    this.cur.full = 0;
    this.cur.used = 0;
  }

  /** The slot of (key, tag) in `cur`, moving it there from `old` if it is still there; -1 when absent. */
  private slotOf(key: number, tag: number): number {
    this.step();
    const h = hashOf(key, tag);
    const at = this.cur.find(key, tag, h);
    if (at >= 0 || !this.old) return at;
    const o = this.old.find(key, tag, h);
    if (o < 0) return -1;
    this.old.remove(o);
    return this.moveIn(this.old, o, h);
  }

  private moveIn(from: Slots, i: number, h: number): number {
    const to = this.cur.free(h);
    this.cur.put(
      to,
      from.key[i] as number,
      from.tag[i] as number,
      from.value[i] as number,
      from.time[i] as number,
    );
    return to;
  }

  /** New arrays for three times the live entries (a load of at most a third); step() moves the old ones over. */
  private grow(): void {
    // A grow during a migration finishes the migration first (it is a few slots from done by then).
    while (this.old) this.step();
    const prev = this.cur;
    this.cur = new Slots(powerOfTwo(Math.max(MIN_CAPACITY, (prev.full + 1) * 3)));
    this.old = prev;
    this.oldAt = 0;
  }

  /** Moves the next few slots of `old` into `cur`. */
  private step(): void {
    const o = this.old;
    if (!o) return;
    const end = Math.min(o.capacity, this.oldAt + MIGRATE_STEP);
    for (let i = this.oldAt; i < end; i++) {
      if (o.state[i] !== FULL) continue;
      o.remove(i);
      this.moveIn(o, i, hashOf(o.key[i] as number, o.tag[i] as number));
    }
    this.oldAt = end;
    if (end === o.capacity) this.old = undefined;
  }
}

function powerOfTwo(n: number): number {
  let c = MIN_CAPACITY;
  while (c < n) c *= 2;
  return c;
}
