// A vSwitch kind is data, not a fork (DESIGN.md, overlay models): names, tunnel options and what it can do.
// `ovs` is Open vSwitch with the kernel or userspace datapath; `s1020v` is an OVSDB-managed userspace vSwitch of
// the S1020V family, which runs the userspace datapath and polices egress itself instead of using Linux HTB.

/**
 * The tunnel's ofport_request, the same for every profile so that the pipeline names one number: pods are numbered
 * from 1 up and OVS accepts ofport_request 1..65279, so the tunnel sits high, out of their way.
 */
export const TUNNEL_OFPORT = 65000;
/** The network-overlay uplink trunk's ofport_request, next to the tunnel. */
export const UPLINK_OFPORT = 65001;

export type VSwitchKind = 'ovs' | 's1020v';
export type DatapathType = 'system' | 'netdev';

export interface VSwitchCapabilities {
  /** One VXLAN port whose remote and key come from the flow (remote_ip=flow, key=flow). */
  readonly flowBasedTunnel: boolean;
  /** Interface ingress_policing_rate/burst. */
  readonly ingressPolicing: boolean;
  /** The QoS type used to shape a port's egress, or undefined when the switch cannot. */
  readonly egressQos: 'linux-htb' | 'egress-policer' | undefined;
  readonly datapathTypes: readonly DatapathType[];
  /** Connection tracking (ct action): stateful security groups and egress SNAT need it. */
  readonly conntrack: boolean;
}

export interface VSwitchProfile {
  readonly kind: VSwitchKind;
  readonly integrationBridge: string;
  readonly tunnelPort: string;
  /** The ofport the tunnel asks for (OVS-LAB.md G8: pinned, so flows can name it). */
  readonly tunnelOfport: number;
  readonly tunnelOptions: Readonly<Record<string, string>>;
  readonly defaultDatapathType: DatapathType;
  /** Controller rows: out-of-band (G3) and how fast the switch redials. */
  readonly controller: { readonly connectionMode: 'out-of-band' | 'in-band'; readonly maxBackoffMs: number };
  readonly capabilities: VSwitchCapabilities;
}

export const PROFILES: { readonly [K in VSwitchKind]: VSwitchProfile } = {
  ovs: {
    kind: 'ovs',
    integrationBridge: 'br-int',
    tunnelPort: 'vxlan0',
    tunnelOfport: TUNNEL_OFPORT,
    // dst_port left to Open vSwitch's default, 4789.
    tunnelOptions: { remote_ip: 'flow', key: 'flow' },
    defaultDatapathType: 'system',
    controller: { connectionMode: 'out-of-band', maxBackoffMs: 1000 },
    capabilities: {
      flowBasedTunnel: true,
      ingressPolicing: true,
      egressQos: 'linux-htb',
      datapathTypes: ['system', 'netdev'],
      conntrack: true,
    },
  },
  s1020v: {
    kind: 's1020v',
    integrationBridge: 'br-int',
    tunnelPort: 'vtep-vxlan',
    tunnelOfport: TUNNEL_OFPORT,
    tunnelOptions: { remote_ip: 'flow', key: 'flow', dst_port: '4789' },
    defaultDatapathType: 'netdev',
    controller: { connectionMode: 'out-of-band', maxBackoffMs: 1000 },
    capabilities: {
      flowBasedTunnel: true,
      ingressPolicing: true,
      egressQos: 'egress-policer',
      datapathTypes: ['netdev'],
      conntrack: true,
    },
  },
};

export function profileFor(kind: string): VSwitchProfile {
  const p = (PROFILES as Record<string, VSwitchProfile | undefined>)[kind];
  if (!p) throw new Error(`unknown vSwitch kind "${kind}" (known: ${Object.keys(PROFILES).join(', ')})`);
  return p;
}
