// Picks the backend for a new connection to one Service: a connection already placed keeps its backend, then
// ClientIP affinity, then the Service's policy.
import type { FlowKey } from '../../protocols/packets/index.js';
import { AffinityTable } from './affinity.js';
import { ConnectionMemory } from './connection-memory.js';
import { ConnectionCounts } from './connections.js';
import { createPicker, type BackendPicker } from './policies/index.js';
import { canTakeNewConnections, type LbBackend, type LbService } from './types.js';

/**
 * connection: this very connection was placed moments ago (a retransmitted SYN, or packet-ins that raced the
 * flow install); affinity: the client's ClientIP binding; policy: a fresh pick.
 */
export type ChoiceReason = 'connection' | 'affinity' | 'policy';

export type Choice =
  | { readonly kind: 'backend'; readonly backend: LbBackend; readonly via: ChoiceReason }
  /** No backend can take the connection: the caller refuses it at once (TCP RST / ICMP unreachable). */
  | { readonly kind: 'none'; readonly reason: string };

export interface BalancerOptions {
  /** Milliseconds, monotonic; injected so tests control time. */
  readonly clock: () => number;
  /** Shared by the caller, who feeds it from flow installs and FLOW_REMOVED. */
  readonly connections?: ConnectionCounts;
  /** How long a placed connection is remembered (covers SYN retransmits, 1 s then 3 s); default 5000 ms. */
  readonly connectionMemoryMs?: number;
  /** About how many connections per Service are remembered at most; default 65536. */
  readonly connectionMemoryEntries?: number;
  /**
   * Most ClientIP bindings per Service; default 262144. Past it the least recently used client is forgotten, so a
   * flood from spoofed sources cannot grow the table without end.
   */
  readonly affinityEntries?: number;
}

/**
 * Names one connection to a Service: the client's address and port, the protocol, and the Service port.
 * The ClusterIP is left out: a Service has one per address family, and the client address fixes the family.
 */
export function connectionKey(k: Pick<FlowKey, 'src' | 'srcPort' | 'protocol' | 'dstPort'>): string {
  return k.src + '|' + k.srcPort + '|' + k.protocol + '|' + k.dstPort;
}

export class ServiceBalancer {
  private svc: LbService;
  /** Backends that take new connections, per address family: a client is only ever sent to its own family. */
  private candidates: Record<IpFamily, readonly LbBackend[]> = { 4: [], 6: [] };
  private byId = new Map<string, LbBackend>();
  private allById = new Map<string, LbBackend>();
  private readonly placed: ConnectionMemory;
  private pickers: Record<IpFamily, BackendPicker>;
  private affinity: AffinityTable | undefined;
  private readonly clock: () => number;
  private readonly affinityEntries: number;
  readonly connections: ConnectionCounts;

  constructor(service: LbService, options: BalancerOptions) {
    this.clock = options.clock;
    this.affinityEntries = options.affinityEntries ?? 262144;
    this.connections = options.connections ?? new ConnectionCounts();
    this.placed = new ConnectionMemory(
      options.connectionMemoryMs ?? 5000,
      options.connectionMemoryEntries ?? 65536,
    );
    this.svc = service;
    this.pickers = this.createPickers(service);
    this.affinity = affinityTable(service, this.affinityEntries);
    this.index();
  }

  get service(): LbService {
    return this.svc;
  }

  /**
   * Takes a new version of the Service. The picker and affinity bindings survive when the policy and timeout
   * are unchanged; bindings to backends that can no longer take connections are dropped.
   */
  update(service: LbService): void {
    const old = this.svc;
    this.svc = service;
    if (service.policy !== old.policy) this.pickers = this.createPickers(service);
    if (!sameAffinity(old, service)) this.affinity = affinityTable(service, this.affinityEntries);
    this.index();
    for (const b of old.backends) {
      // Affinity is for new connections: it follows only backends that take them. A placed connection stays
      // with its backend while that backend exists and is not failed (draining lets connections finish).
      if (!this.byId.has(b.id)) this.affinity?.forgetBackend(b.id);
      const current = this.allById.get(b.id);
      if (current === undefined || current.health === 'unhealthy') this.placed.forgetBackend(b.id);
    }
  }

  /** Applies a health change (from HealthTracker or an operator) to one backend; false if it is not ours. */
  setHealth(backendId: string, health: LbBackend['health']): boolean {
    const i = this.svc.backends.findIndex((b) => b.id === backendId);
    if (i < 0) return false;
    if (this.svc.backends[i].health === health) return true;
    const backends = this.svc.backends.slice();
    backends[i] = { ...backends[i], health };
    this.update({ ...this.svc, backends });
    return true;
  }

  /**
   * The backend for a new connection from `clientIp`. With `connection` (connectionKey, or any number or string
   * the caller names connections by, one way per connection), a connection placed
   * in the last few seconds goes where it went before, even to a draining backend: it is the same connection.
   */
  choose(clientIp: string, connection?: string | number): Choice {
    const now = this.clock();
    if (connection !== undefined) {
      const placedId = this.placed.lookup(connection, now);
      const placed = placedId === undefined ? undefined : this.allById.get(placedId);
      if (placed && placed.health !== 'unhealthy') {
        this.placed.remember(connection, placed.id, now); // still trying: keep it for the next retransmit
        return { kind: 'backend', backend: placed, via: 'connection' };
      }
    }
    const family = familyOf(clientIp);
    const candidates = this.candidates[family];
    if (candidates.length === 0) return { kind: 'none', reason: this.whyNone(family) };
    const boundId = this.affinity?.lookup(clientIp, now);
    const bound = boundId === undefined ? undefined : this.byId.get(boundId);
    const backend = bound ?? this.pickers[family].pick(candidates, clientIp);
    this.affinity?.remember(clientIp, backend.id, now);
    if (connection !== undefined) this.placed.remember(connection, backend.id, now);
    return { kind: 'backend', backend, via: bound ? 'affinity' : 'policy' };
  }

  /** Drops expired affinity bindings and connection memories (call from a periodic timer); returns how many. */
  sweep(): number {
    const now = this.clock();
    return (this.affinity?.sweep(now) ?? 0) + this.placed.sweep(now);
  }

  get affinityBindings(): number {
    return this.affinity?.size ?? 0;
  }

  private createPickers(service: LbService): Record<IpFamily, BackendPicker> {
    return {
      4: createPicker(service.policy, this.connections),
      6: createPicker(service.policy, this.connections),
    };
  }

  private whyNone(family: IpFamily): string {
    if (this.svc.backends.length === 0) return 'no backends';
    const all = this.svc.backends.filter((b) => familyOf(b.address) === family);
    if (all.length === 0) return `no IPv${family} backends`;
    const count = (p: (b: LbBackend) => boolean) => all.filter(p).length;
    const parts = [
      [count((b) => b.health === 'unhealthy'), 'unhealthy'],
      [count((b) => b.health === 'draining'), 'draining'],
      [count((b) => b.health === 'healthy' && b.weight <= 0), 'with weight 0'],
    ] as const;
    return `no IPv${family} backend takes new connections (${parts
      .filter(([n]) => n > 0)
      .map(([n, what]) => `${n} ${what}`)
      .join(', ')})`;
  }

  private index(): void {
    const takers = this.svc.backends.filter(canTakeNewConnections);
    this.candidates = {
      4: takers.filter((b) => familyOf(b.address) === 4),
      6: takers.filter((b) => familyOf(b.address) === 6),
    };
    this.byId = new Map(takers.map((b) => [b.id, b]));
    this.allById = new Map(this.svc.backends.map((b) => [b.id, b]));
  }
}

type IpFamily = 4 | 6;

/** Addresses reaching here are canonical IP text (parser output, or validated by the model): a colon means IPv6. */
function familyOf(address: string): IpFamily {
  return address.includes(':') ? 6 : 4;
}

function affinityTable(s: LbService, maxEntries: number): AffinityTable | undefined {
  return s.affinity.kind === 'ClientIP'
    ? new AffinityTable(s.affinity.timeoutSeconds * 1000, maxEntries)
    : undefined;
}

function sameAffinity(a: LbService, b: LbService): boolean {
  if (a.affinity.kind !== b.affinity.kind) return false;
  return (
    a.affinity.kind === 'None' ||
    (b.affinity.kind === 'ClientIP' && a.affinity.timeoutSeconds === b.affinity.timeoutSeconds)
  );
}
