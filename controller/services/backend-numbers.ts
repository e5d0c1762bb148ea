// Small numbers for backend ids, so that the typed-array tables (number-table.ts, recency-list.ts) can hold a
// backend as a number. A retired number is never given again: entries that still hold it name no backend, so
// forgetting a backend touches none of them.
export class BackendNumbers {
  /** By number; undefined once retired. */
  private readonly ids: (string | undefined)[] = [];
  private readonly numbers = new Map<string, number>();

  /** The number of `backendId`, given on its first use (or its first use since it was retired). */
  numberOf(backendId: string): number {
    let n = this.numbers.get(backendId);
    if (n === undefined) {
      n = this.ids.push(backendId) - 1;
      this.numbers.set(backendId, n);
    }
    return n;
  }

  /** The number `backendId` holds now, without giving one. */
  current(backendId: string): number | undefined {
    return this.numbers.get(backendId);
  }

  /** The backend numbered `n`; undefined once retired. */
  idOf(n: number): string | undefined {
    return this.ids[n];
  }

  retire(backendId: string): void {
    const n = this.numbers.get(backendId);
    if (n === undefined) return;
    this.ids[n] = undefined;
    this.numbers.delete(backendId);
  }
}
