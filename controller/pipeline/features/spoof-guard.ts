// Table spoof_guard: a pod sends only from its own MAC and its own addresses (the ARP sender included). IPv6 link-local
// sources and the unspecified source of duplicate address detection are allowed from its MAC, as ND needs them.
// Anything else from a pod misses and is dropped.
import { cookie } from '../cookies.js';
import type { EndpointView, NodeContext } from '../context.js';
import type { Feature } from '../feature.js';
import { Eth, flow, IpProto, type FlowSpec } from '../flow.js';
import { Priority } from '../priorities.js';

const ND_NEIGHBOR_SOLICIT = 135;

export function spoofGuardFlows(ep: EndpointView, out: FlowSpec[]): void {
  if (ep.ofport === undefined) return;
  const c = cookie('spoof', ep.objectId);
  const port = { field: 'in_port', value: ep.ofport } as const;
  const mac = { field: 'eth_src', value: ep.ep.mac } as const;
  const pass = (match: FlowSpec['match']) =>
    flow({
      table: 'spoof_guard',
      priority: Priority.normal,
      cookie: c,
      match: [port, mac, ...match],
      goto: 'arp_nd',
    });
  let v6 = false;
  for (const a of ep.addrs) {
    if (a.version === 4) {
      out.push(
        pass([
          { field: 'eth_type', value: Eth.ipv4 },
          { field: 'ipv4_src', value: a.ip },
        ]),
        pass([
          { field: 'eth_type', value: Eth.arp },
          { field: 'arp_spa', value: a.ip },
          { field: 'arp_sha', value: ep.ep.mac },
        ]),
      );
    } else {
      v6 = true;
      out.push(
        pass([
          { field: 'eth_type', value: Eth.ipv6 },
          { field: 'ipv6_src', value: a.ip },
        ]),
      );
    }
  }
  if (v6) {
    out.push(
      pass([
        { field: 'eth_type', value: Eth.ipv6 },
        { field: 'ipv6_src', value: 'fe80::', mask: 'ffc0::' },
      ]),
      pass([
        { field: 'eth_type', value: Eth.ipv6 },
        { field: 'ipv6_src', value: '::' },
        { field: 'ip_proto', value: IpProto.icmpv6 },
        { field: 'icmpv6_type', value: ND_NEIGHBOR_SOLICIT },
      ]),
    );
  }
}

export const spoofGuard: Feature = {
  name: 'spoof-guard',
  endpointFlows(_ctx: NodeContext, ep: EndpointView, out: FlowSpec[]): void {
    if (ep.local) spoofGuardFlows(ep, out);
  },
};
