// Lowest-free allocation of small integers with transactional undo: VNIs cluster-wide, VLANs per node.
import type { StoreTx } from '../store/store';
import { FreeRanges } from './free-ranges';

export const VNI_MIN = 1;
export const VNI_MAX = 0xffffff; // 24-bit VXLAN network identifier (RFC 7348)

export class NumberSpace {
  private readonly free: FreeRanges;

  constructor(
    readonly min: number,
    readonly max: number,
    used: Iterable<number> = [],
  ) {
    this.free = new FreeRanges([{ start: BigInt(min), end: BigInt(max) }]);
    for (const n of used) this.free.take(BigInt(n));
  }

  get available(): number {
    return Number(this.free.size);
  }

  isFree(n: number): boolean {
    return this.free.isFree(BigInt(n));
  }

  takeLowest(tx: StoreTx): number | undefined {
    const v = this.free.takeLowest();
    if (v === undefined) return undefined;
    tx.onRollback(() => this.free.release(v));
    return Number(v);
  }

  take(tx: StoreTx, n: number): boolean {
    if (n < this.min || n > this.max || !this.free.take(BigInt(n))) return false;
    tx.onRollback(() => this.free.release(BigInt(n)));
    return true;
  }

  release(tx: StoreTx, n: number): void {
    if (n < this.min || n > this.max || this.free.isFree(BigInt(n))) return;
    this.free.release(BigInt(n));
    tx.onRollback(() => void this.free.take(BigInt(n)));
  }
}
