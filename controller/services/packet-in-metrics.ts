// The packet-in path in Prometheus figures, read from the dispatcher's per-switch counters and the load balancer's
// own at scrape time: what each switch sent up, what its limit dropped, and what the balancer made of the rest.
import { Counter, type Registry } from 'prom-client';
import type { PacketInDispatcher } from '../../southbound/openflow/index.js';
import type { LbCounters } from './load-balancer.js';

export function registerPacketInMetrics(
  registry: Registry,
  dispatcher: PacketInDispatcher,
  lb: { readonly counters: Readonly<LbCounters> },
): void {
  const perSwitch = (name: string, help: string, pick: 'received' | 'dropped' | 'unhandled'): void => {
    new Counter({
      name,
      help,
      labelNames: ['dpid'] as const,
      registers: [registry],
      collect() {
        // The dispatcher holds the totals (a reconnected switch starts again from zero, as a counter may).
        this.reset();
        for (const [dpid, c] of dispatcher.allCounters()) this.inc({ dpid }, c[pick]);
      },
    });
  };
  perSwitch('sdn_packet_in_received_total', 'PACKET_INs received, per switch', 'received');
  perSwitch(
    'sdn_packet_in_dropped_total',
    "PACKET_INs dropped by the controller's per-switch rate limit (--packet-in-rate)",
    'dropped',
  );
  perSwitch('sdn_packet_in_unhandled_total', 'PACKET_INs no handler subscribed to, per switch', 'unhandled');
  new Counter({
    name: 'sdn_service_packet_ins_total',
    help: "The ClusterIP load balancer's packet-ins by outcome: placed (flows installed), refused (RST/unreachable), ignored",
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ outcome: 'placed' }, lb.counters.placed);
      this.inc({ outcome: 'refused' }, lb.counters.refused);
      this.inc({ outcome: 'ignored' }, lb.counters.ignored);
    },
  });
}
