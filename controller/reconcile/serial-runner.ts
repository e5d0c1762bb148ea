// Runs one job at a time; requests that arrive while a run is in progress share the next run (they need its
// result, since the state they changed may have been read before they came). So a burst of N changes to one node
// costs at most two runs, not N.
export class SerialRunner {
  private running = false;
  private next:
    | { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void; job: () => Promise<void> }
    | undefined;

  request(job: () => Promise<void>): Promise<void> {
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject, job };
    } else {
      this.next.job = job;
    }
    const pending = this.next.promise;
    if (!this.running) void this.drain();
    return pending;
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.next) {
      const run = this.next;
      this.next = undefined;
      try {
        await run.job();
        run.resolve();
      } catch (err) {
        run.reject(err);
      }
    }
    this.running = false;
  }
}
