// What an open connection's flows are, apart from its client: the backend, and the session's flows with any client
// in them. Connections of one Service port to one backend share one of these, named by a small number, so that the
// per-switch table of open connections (live-sessions.ts) holds a number per connection, not an object. On
// FLOW_REMOVED of a forward flow the kind gives the backend to count the connection off and the reverse flow to
// delete (for the client the switch names). A backend that leaves or fails has its kinds released: their numbers
// are never given again, so the live entries still naming them (until the switch reports those flows deleted) are
// known for what they are, and a purge costs nothing per connection.
import { reverseFlow, type SessionSpec } from './session-flows.js';

export interface SessionKind {
  /** Its number in the live tables. */
  readonly index: number;
  readonly backendId: string;
  /** The session flows of one connection of this kind (its client is replaced by the one asked about). */
  readonly spec: SessionSpec;
}

export class SessionKinds {
  private readonly kinds: (SessionKind | undefined)[] = [];
  private readonly byContent = new Map<string, SessionKind>();

  /**
   * The kind of a connection whose flows are `spec`. Only what identifies the reverse flow to delete tells kinds
   * apart (a delete ignores instructions: MACs and NAT details do not count), so that a model change that rebuilds
   * the Service's entries does not make new kinds for the same flows.
   */
  intern(backendId: string, spec: SessionSpec): SessionKind {
    const content = [
      backendId,
      spec.domain,
      spec.ipVersion,
      spec.protocol,
      spec.vip.ip,
      spec.vip.port,
      spec.backend.ip,
      spec.backend.port,
      spec.idleTimeout,
      spec.cookie ?? spec.backendObjectId,
    ].join('|');
    let k = this.byContent.get(content);
    if (k === undefined) {
      k = { index: this.kinds.length, backendId, spec };
      this.kinds.push(k);
      this.byContent.set(content, k);
    }
    return k;
  }

  /** Whether `k` is still current (not released). */
  holds(k: SessionKind): boolean {
    return this.kinds[k.index] === k;
  }

  /** The current kind numbered `index`; undefined once released (or for -1, "none"). */
  get(index: number): SessionKind | undefined {
    return this.kinds[index];
  }

  /** Releases a backend's kinds: connections recorded with them no longer count (their flows are being deleted). */
  release(backendId: string): void {
    for (const [content, k] of this.byContent) {
      if (k.backendId !== backendId) continue;
      this.byContent.delete(content);
      this.kinds[k.index] = undefined;
    }
  }

  /** The reverse flow of a connection of kind `k` from `clientIp`:`clientPort`. */
  static reverseFlowOf(k: SessionKind, clientIp: string, clientPort: number): ReturnType<typeof reverseFlow> {
    return reverseFlow({ ...k.spec, client: { ip: clientIp, port: clientPort } });
  }
}
