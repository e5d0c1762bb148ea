// Keeps what a switch holds under 32-bit ids (groups, meters) at a desired set, as the flow sync does for flows.
// The first sync of a session reads the switch's objects (one multipart request) and compares in the switch's
// normal form, so that after a reconnect equal objects cost nothing. `put` adds and modifies and goes before the
// flows that name them; `prune` deletes and goes after the last flow naming them is gone (OVS deletes a meter's
// flows with it, and a flow may not name a missing group).
import type { Outgoing, SwitchSession } from './switch-session.js';

/** How one kind of object is read, compared and written. */
export interface IdObjects<T> {
  /** The switch's objects of ours: id -> normal form. */
  read(session: SwitchSession): Promise<Map<number, string>>;
  idOf(wanted: T): number;
  /** `wanted` in the form the switch reports it. */
  bodyOf(wanted: T): string;
  /** The message that makes the switch's object equal `wanted` (`exists`: modify rather than add). */
  write(wanted: T, exists: boolean): Outgoing;
  /** The message that deletes object `id`. */
  remove(id: number): Outgoing;
}

export class IdSync<T> {
  /** Id -> normal form, as last read from or pushed to the switch; undefined until the first sync. */
  private have: Map<number, string> | undefined;

  constructor(
    private readonly session: SwitchSession,
    private readonly kind: IdObjects<T>,
  ) {}

  /** The switch's objects as this sync knows them (after the first sync). */
  get tracked(): ReadonlyMap<number, string> | undefined {
    return this.have;
  }

  private async load(): Promise<Map<number, string>> {
    return (this.have ??= await this.kind.read(this.session));
  }

  /** Adds and modifies; returns how many messages were sent (then confirmed by a barrier). */
  async put(wanted: readonly T[]): Promise<number> {
    const have = await this.load();
    let sent = 0;
    for (const w of wanted) {
      const id = this.kind.idOf(w);
      const body = this.kind.bodyOf(w);
      const old = have.get(id);
      if (old === body) continue;
      this.session.send(this.kind.write(w, old !== undefined));
      have.set(id, body);
      sent++;
    }
    if (sent > 0) await this.session.barrier();
    return sent;
  }

  /** Deletes what is no longer wanted; returns how many messages were sent (then confirmed by a barrier). */
  async prune(wanted: readonly T[]): Promise<number> {
    const have = await this.load();
    const keep = new Set(wanted.map((w) => this.kind.idOf(w)));
    let sent = 0;
    for (const id of [...have.keys()]) {
      if (keep.has(id)) continue;
      this.session.send(this.kind.remove(id));
      have.delete(id);
      sent++;
    }
    if (sent > 0) await this.session.barrier();
    return sent;
  }
}
