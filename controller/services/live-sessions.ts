// One switch's open connections: (Service port slot, client) -> the connection's kind (session-kinds.ts). One entry
// per connection the switch carries, added on the packet-in path and taken on FLOW_REMOVED: IPv4 clients (address
// * 65536 + port) in a typed-array table, so that an entry is no object on the JS heap and growing never rehashes
// in one step; IPv6 clients by text. Entries of a backend that left stay until the switch reports their flows
// deleted (session-kinds.ts): a purge touches no entry.
import { NumberTable } from './number-table.js';

export class LiveSessions {
  private readonly v4 = new NumberTable();
  private readonly text = new Map<string, number>();

  /** Records a connection of kind `kind`; true when it was not recorded already (a retransmitted SYN's is). */
  add(slot: number, client: number | string, kind: number): boolean {
    if (typeof client === 'number') return this.v4.set(client, slot, kind);
    const k = textKey(slot, client);
    const isNew = !this.text.has(k);
    this.text.set(k, kind);
    return isNew;
  }

  /** Removes a connection; returns its kind, or -1 when it was not recorded. */
  take(slot: number, client: number | string): number {
    if (typeof client === 'number') return this.v4.take(client, slot);
    const k = textKey(slot, client);
    const kind = this.text.get(k);
    if (kind === undefined) return -1;
    this.text.delete(k);
    return kind;
  }

  get size(): number {
    return this.v4.size + this.text.size;
  }
}

function textKey(slot: number, client: string): string {
  return `${slot}|${client}`;
}
