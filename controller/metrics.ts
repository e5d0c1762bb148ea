// The controller's Prometheus metrics, one registry per controller instance (tests build several). The API serves
// them at /metrics; the southbound side increments the switch and flow-mod figures.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelEvents } from './events';

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'sdn_http_request_duration_seconds',
    help: 'REST and CNI request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });
  readonly ipAllocations = new Counter({
    name: 'sdn_ipam_allocations_total',
    help: 'Addresses given to endpoints',
    registers: [this.registry],
  });
  readonly ipReleases = new Counter({
    name: 'sdn_ipam_releases_total',
    help: 'Addresses taken back from deleted endpoints (freed or retained)',
    registers: [this.registry],
  });
  readonly switchSessions = new Gauge({
    name: 'sdn_switch_sessions',
    help: 'OpenFlow switch sessions currently up',
    registers: [this.registry],
  });
  readonly flowModsSent = new Counter({
    name: 'sdn_flow_mods_sent_total',
    help: 'OpenFlow FLOW_MOD messages sent to switches',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });
  readonly modelChanges = new Counter({
    name: 'sdn_model_changes_total',
    help: 'Committed model transactions by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts allocations and releases from the store's change events. */
  watch(events: ModelEvents): void {
    events.on('change', (e) => {
      this.modelChanges.inc({ action: e.action });
      for (const c of e.changes) {
        if (c.kind !== 'endpoint') continue;
        if (c.op === 'created' && c.after) this.ipAllocations.inc(c.after.ips.length);
        if (c.op === 'deleted' && c.before) this.ipReleases.inc(c.before.ips.length);
      }
    });
  }
}
