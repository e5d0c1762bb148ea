// Flow priorities, named once (as faucet's valve_table bands). Within a table a higher band wins; a feature picks a
// band by what the flow means, never a bare number.
export const Priority = {
  /** The table-miss flow, generated from the table declaration. Only it may use 0, and it matches nothing. */
  miss: 0,
  /** Broad defaults: egress out of the cluster, unknown ARP requests dropped. */
  fallback: 100,
  /** Whole-subnet decisions: a routed subnet with no such endpoint is dropped, not sent out. */
  subnet: 150,
  /** l3 static routes: route + the prefix length (151..279), so that the longest prefix wins. */
  route: 151,
  /** The common case: one endpoint, one address, one port. */
  normal: 200,
  /** l3: one endpoint's address, above every static route. */
  hostRoute: 290,
  /** Flows that must win over `normal`: the node's own address, gateway addresses. */
  specific: 300,
  /** Guards that must win over everything: IPv6 DAD probes never answered, ... */
  guard: 400,
} as const;
export type PriorityName = keyof typeof Priority;
