// Per backend of a Service: its health as the load balancer acts on it and its open sessions (connections placed by
// packet-in, less those the switches reported removed). Read-only: the load balancer (controller/services) is the
// source; the API route, the Services page and the event stream read it through this one function.
import type { BackendHealth, Id, Service } from '../../controller/model/types.js';
import { backendIdOf } from '../../controller/services/model-view.js';
import type { ModelReader } from '../../controller/store/store.js';

/** What the load balancer offers (controller/services/load-balancer.ts implements it). */
export interface ServiceStatsSource {
  /** The controller's own verdict (probes, purges); 'healthy' when it has none. */
  healthOf(serviceId: Id, backendId: string): BackendHealth;
  /** Open connections of a backend, counted across every switch. */
  openConnections(backendId: string): number;
}

export interface BackendStats {
  /** Endpoint id, or `addr:<address>` for an address outside the cluster (the load balancer's backend id). */
  readonly id: string;
  readonly health: BackendHealth;
  /** Absent when the controller runs without a load balancer. */
  readonly sessions?: number;
}

export interface ServiceStats {
  readonly serviceId: Id;
  readonly backends: readonly BackendStats[];
  /** Sum over the backends. */
  readonly sessions?: number;
}

/** The worse of the stored verdict (REST health route) and the controller's own, as the balancer applies them. */
function effectiveHealth(stored: BackendHealth | undefined, own: BackendHealth): BackendHealth {
  return own !== 'healthy' ? own : (stored ?? 'healthy');
}

export function serviceStats(svc: Service, source: ServiceStatsSource | undefined): ServiceStats {
  let total = 0;
  const backends = svc.backends.map((b): BackendStats => {
    const id = backendIdOf(b);
    const health = effectiveHealth(b.health, source?.healthOf(svc.id, id) ?? 'healthy');
    if (!source) return { id, health };
    const sessions = source.openConnections(id);
    total += sessions;
    return { id, health, sessions };
  });
  return { serviceId: svc.id, backends, ...(source ? { sessions: total } : {}) };
}

export function allServiceStats(model: ModelReader, source: ServiceStatsSource | undefined): ServiceStats[] {
  return [...model.all('service')].map((s) => serviceStats(s, source));
}
