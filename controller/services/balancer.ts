// Picks the backend for a new connection to one Service: affinity first, then the Service's policy.
import { AffinityTable } from './affinity.js';
import { ConnectionCounts } from './connections.js';
import { createPicker, type BackendPicker } from './policies/index.js';
import { canTakeNewConnections, type LbBackend, type LbService } from './types.js';

export type Choice =
  | { readonly kind: 'backend'; readonly backend: LbBackend; readonly byAffinity: boolean }
  /** No backend can take the connection: the caller refuses it at once (TCP RST / ICMP unreachable). */
  | { readonly kind: 'none'; readonly reason: string };

export interface BalancerOptions {
  /** Milliseconds, monotonic; injected so tests control time. */
  readonly clock: () => number;
  /** Shared by the caller, who feeds it from flow installs and FLOW_REMOVED. */
  readonly connections?: ConnectionCounts;
}

export class ServiceBalancer {
  private svc: LbService;
  private candidates: readonly LbBackend[] = [];
  private byId = new Map<string, LbBackend>();
  private picker: BackendPicker;
  private affinity: AffinityTable | undefined;
  private readonly clock: () => number;
  readonly connections: ConnectionCounts;

  constructor(service: LbService, options: BalancerOptions) {
    this.clock = options.clock;
    this.connections = options.connections ?? new ConnectionCounts();
    this.svc = service;
    this.picker = createPicker(service.policy, this.connections);
    this.affinity = affinityTable(service);
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
    if (service.policy !== old.policy) this.picker = createPicker(service.policy, this.connections);
    if (!sameAffinity(old, service)) this.affinity = affinityTable(service);
    this.index();
    const affinity = this.affinity;
    if (affinity) for (const b of old.backends) if (!this.byId.has(b.id)) affinity.forgetBackend(b.id);
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

  choose(clientIp: string): Choice {
    if (this.candidates.length === 0) return { kind: 'none', reason: this.whyNone() };
    const now = this.clock();
    if (this.affinity) {
      const boundId = this.affinity.lookup(clientIp, now);
      const bound = boundId === undefined ? undefined : this.byId.get(boundId);
      if (bound) {
        this.affinity.remember(clientIp, bound.id, now);
        return { kind: 'backend', backend: bound, byAffinity: true };
      }
    }
    const backend = this.picker.pick(this.candidates, clientIp);
    this.affinity?.remember(clientIp, backend.id, now);
    return { kind: 'backend', backend, byAffinity: false };
  }

  /** Drops expired affinity bindings (call from a periodic timer); returns how many. */
  sweep(): number {
    return this.affinity?.sweep(this.clock()) ?? 0;
  }

  get affinityBindings(): number {
    return this.affinity?.size ?? 0;
  }

  private whyNone(): string {
    const all = this.svc.backends;
    if (all.length === 0) return 'no backends';
    const count = (p: (b: LbBackend) => boolean) => all.filter(p).length;
    const parts = [
      [count((b) => b.health === 'unhealthy'), 'unhealthy'],
      [count((b) => b.health === 'draining'), 'draining'],
      [count((b) => b.health === 'healthy' && b.weight <= 0), 'with weight 0'],
    ] as const;
    return `no backend takes new connections (${parts
      .filter(([n]) => n > 0)
      .map(([n, what]) => `${n} ${what}`)
      .join(', ')})`;
  }

  private index(): void {
    this.candidates = this.svc.backends.filter(canTakeNewConnections);
    this.byId = new Map(this.candidates.map((b) => [b.id, b]));
  }
}

function affinityTable(s: LbService): AffinityTable | undefined {
  return s.affinity.kind === 'ClientIP' ? new AffinityTable(s.affinity.timeoutSeconds * 1000) : undefined;
}

function sameAffinity(a: LbService, b: LbService): boolean {
  if (a.affinity.kind !== b.affinity.kind) return false;
  return (
    a.affinity.kind === 'None' ||
    (b.affinity.kind === 'ClientIP' && a.affinity.timeoutSeconds === b.affinity.timeoutSeconds)
  );
}
