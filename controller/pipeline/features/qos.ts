// QoS policies of local pods: what a pod receives is limited by an OpenFlow 1.3 meter (kbit/s, drop band) in the
// output table, in front of the pod's port; what it sends is limited by OVSDB ingress_policing on its port (see
// egressPolicing, read by the reconciler) and by a second meter on its IP packets as they enter egress_security,
// where they also get the policy's DSCP (set_field ip_dscp). The meter is what holds on the userspace datapath of a
// kernel without tc classifiers (ingress_policing is tc's police action on the port's kernel device).
//
// Meter ids come from the endpoint id (1..0x7fffffff; the load balancer owns ids above 0x80000000), so an endpoint
// keeps its meter across compiles and a change of its policy is one METER_MOD modify.
import { MeterFlags } from '../../../protocols/openflow13/constants.js';
import type { Id, QosPolicy } from '../../model/types.js';
import { cookie, fnv32 } from '../cookies.js';
import type { EndpointView, NodeContext } from '../context.js';
import type { Feature, MeterSpec } from '../feature.js';
import { loadReg, matchReg, OUT_PORT, OUTPUT_KIND, OutputKind, QOS_MARKED, subfield } from '../fields.js';
import { Eth, flow, type FlowSpec } from '../flow.js';
import { Priority } from '../priorities.js';
import { tableId } from '../tables.js';

/** Highest meter id of ours (the service load balancer's start above it). */
export const MAX_QOS_METER = 0x7fffffff;
/** OpenFlow's OFPP_IN_PORT for NXAST_RESUBMIT (16 bits): keep the packet's in_port. */
const RESUBMIT_IN_PORT = 0xfff8;

/** A burst when the policy names none: a fifth of a second at the rate, at least 64 kbit. */
export function defaultBurstKb(rateKbps: number): number {
  return Math.max(64, Math.round(rateKbps / 5));
}

interface QosIndex {
  readonly policies: Map<Id, QosPolicy>;
  /** Meter id per local endpoint id with an ingress rate (what the pod receives). */
  readonly meters: Map<Id, number>;
  /** Meter id per local endpoint id with an egress rate (what the pod sends). */
  readonly egressMeters: Map<Id, number>;
}

const indexes = new WeakMap<NodeContext, QosIndex>();
function qosIndex(ctx: NodeContext): QosIndex {
  let ix = indexes.get(ctx);
  if (ix) return ix;
  const policies = new Map<Id, QosPolicy>();
  for (const q of ctx.index.snapshot.qosPolicies ?? []) policies.set(q.id, q);
  const meters = new Map<Id, number>();
  const egressMeters = new Map<Id, number>();
  const taken = new Set<number>();
  const assign = (key: string): number => {
    let id = (fnv32(key) % MAX_QOS_METER) + 1;
    while (taken.has(id)) id = (id % MAX_QOS_METER) + 1;
    taken.add(id);
    return id;
  };
  const eps = [...ctx.localEndpoints].sort((a, b) => (a.ep.id < b.ep.id ? -1 : a.ep.id > b.ep.id ? 1 : 0));
  for (const ep of eps) {
    const q = ep.ep.qosPolicyId !== undefined ? policies.get(ep.ep.qosPolicyId) : undefined;
    if (q?.ingressRateKbps) meters.set(ep.ep.id, assign(ep.ep.id));
    if (q?.egressRateKbps) egressMeters.set(ep.ep.id, assign(`${ep.ep.id}/egress`));
  }
  indexes.set(ctx, (ix = { policies, meters, egressMeters }));
  return ix;
}

function policyOf(ctx: NodeContext, ep: EndpointView): QosPolicy | undefined {
  const id = ep.ep.qosPolicyId;
  return id === undefined ? undefined : qosIndex(ctx).policies.get(id);
}

/** ingress_policing for the pod's port (what the pod sends), or undefined for no limit. */
export function egressPolicing(
  ctx: NodeContext,
  ep: EndpointView,
): { rateKbps: number; burstKb: number } | undefined {
  const q = policyOf(ctx, ep);
  if (!q?.egressRateKbps) return undefined;
  return { rateKbps: q.egressRateKbps, burstKb: q.egressBurstKb ?? defaultBurstKb(q.egressRateKbps) };
}

function kbpsMeter(meterId: number, rate: number, burst: number | undefined): MeterSpec {
  return {
    meterId,
    flags: MeterFlags.KBPS | MeterFlags.BURST | MeterFlags.STATS,
    bands: [{ type: 'drop', rate, burstSize: burst ?? defaultBurstKb(rate) }],
  };
}

/** The meter limiting what `ep` receives. */
export function meterOf(ctx: NodeContext, ep: EndpointView): MeterSpec | undefined {
  const q = policyOf(ctx, ep);
  const id = qosIndex(ctx).meters.get(ep.ep.id);
  if (!q?.ingressRateKbps || id === undefined) return undefined;
  return kbpsMeter(id, q.ingressRateKbps, q.ingressBurstKb);
}

/** The meter limiting what `ep` sends. */
export function egressMeterOf(ctx: NodeContext, ep: EndpointView): MeterSpec | undefined {
  const q = policyOf(ctx, ep);
  const id = qosIndex(ctx).egressMeters.get(ep.ep.id);
  if (!q?.egressRateKbps || id === undefined) return undefined;
  return kbpsMeter(id, q.egressRateKbps, q.egressBurstKb);
}

export function qosFlows(ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
  const q = policyOf(ctx, ep);
  if (!q || ep.ofport === undefined) return;
  const c = cookie('qos', ep.objectId);
  const m = meterOf(ctx, ep);
  if (m)
    out.push(
      flow({
        table: 'output',
        priority: Priority.specific,
        cookie: c,
        match: [matchReg(OUTPUT_KIND, OutputKind.port), matchReg(OUT_PORT, ep.ofport)],
        meter: m.meterId,
        actions: [{ type: 'outputReg', src: subfield(OUT_PORT), maxLen: 0 }],
      }),
    );
  const em = egressMeterOf(ctx, ep);
  if (q.dscp !== undefined || em) {
    // Metered and marked once, then the packet goes through egress_security again as if nothing happened.
    const dscp = q.dscp;
    for (const eth of [Eth.ipv4, Eth.ipv6])
      out.push(
        flow({
          table: 'egress_security',
          priority: 0xfff0,
          cookie: c,
          match: [
            { field: 'in_port', value: ep.ofport },
            matchReg(QOS_MARKED, 0),
            { field: 'eth_type', value: eth },
          ],
          ...(em ? { meter: em.meterId } : {}),
          actions: [
            loadReg(QOS_MARKED, 1),
            ...(dscp !== undefined
              ? [{ type: 'setField', field: { field: 'ip_dscp', value: dscp } } as const]
              : []),
            { type: 'resubmit', inPort: RESUBMIT_IN_PORT, table: tableId('egress_security'), ct: false },
          ],
        }),
      );
  }
}

export const qos: Feature = {
  name: 'qos',
  endpointFlows(ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    if (ep.local) qosFlows(ctx, ep, out);
  },
  meters(ctx: NodeContext, out: MeterSpec[]): void {
    for (const ep of ctx.localEndpoints) {
      const m = meterOf(ctx, ep);
      if (m) out.push(m);
      const e = egressMeterOf(ctx, ep);
      if (e) out.push(e);
    }
  },
};
