// The free space of a pool as a sorted list of disjoint runs [start, end]. Lowest-free allocation takes from the
// first run, so filling a /16 in order costs O(1) per address; a release merges with its neighbours, found by
// binary search. Memory is proportional to fragmentation, not to the size of the space, so IPv6 /64s fit too.
import type { Range } from './address';

interface Run {
  start: bigint;
  end: bigint;
}

export class FreeRanges {
  private runs: Run[] = [];
  private free = 0n;

  constructor(ranges: readonly Range[] = []) {
    for (const r of ranges) this.release(r.start, r.end);
  }

  get size(): bigint {
    return this.free;
  }

  /** The lowest free value, taken; undefined when nothing is free. */
  takeLowest(): bigint | undefined {
    const first = this.runs[0];
    if (!first) return undefined;
    const v = first.start;
    if (first.start === first.end) this.runs.shift();
    else first.start++;
    this.free--;
    return v;
  }

  /** The lowest free value, untouched. */
  peekLowest(): bigint | undefined {
    return this.runs[0]?.start;
  }

  isFree(v: bigint): boolean {
    const i = this.indexAtOrBefore(v);
    return i >= 0 && this.runs[i].end >= v;
  }

  /** Takes one value; false when it was not free. */
  take(v: bigint): boolean {
    const i = this.indexAtOrBefore(v);
    if (i < 0) return false;
    const r = this.runs[i];
    if (r.end < v) return false;
    if (r.start === v && r.end === v) this.runs.splice(i, 1);
    else if (r.start === v) r.start++;
    else if (r.end === v) r.end--;
    else {
      this.runs.splice(i + 1, 0, { start: v + 1n, end: r.end });
      r.end = v - 1n;
    }
    this.free--;
    return true;
  }

  /** Returns [start, end] to the free space. Values already free are ignored (release is idempotent). */
  release(start: bigint, end: bigint = start): void {
    for (let v = start; v <= end;) {
      // Skip the part that is already free, then free up to the next run.
      const i = this.indexAtOrBefore(v);
      if (i >= 0 && this.runs[i].end >= v) {
        v = this.runs[i].end + 1n;
        continue;
      }
      const next = this.runs[i + 1];
      const stop = next && next.start <= end ? next.start - 1n : end;
      this.insertFree(i, v, stop);
      v = stop + 1n;
    }
  }

  /** Copies of the runs, for tests and diagnostics. */
  ranges(): Range[] {
    return this.runs.map((r) => ({ start: r.start, end: r.end }));
  }

  // Inserts a run known to be disjoint from all others, right after index i, merging with touching neighbours.
  private insertFree(i: number, start: bigint, end: bigint): void {
    const prev = i >= 0 ? this.runs[i] : undefined;
    const next = this.runs[i + 1];
    this.free += end - start + 1n;
    const joinPrev = prev !== undefined && prev.end + 1n === start;
    const joinNext = next !== undefined && end + 1n === next.start;
    if (joinPrev && joinNext) {
      prev.end = next.end;
      this.runs.splice(i + 1, 1);
    } else if (joinPrev) prev.end = end;
    else if (joinNext) next.start = start;
    else this.runs.splice(i + 1, 0, { start, end });
  }

  // Index of the last run whose start <= v, or -1.
  private indexAtOrBefore(v: bigint): number {
    let lo = 0;
    let hi = this.runs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.runs[mid].start <= v) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
