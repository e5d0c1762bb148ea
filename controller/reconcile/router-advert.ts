// Answers IPv6 router solicitations that the pipeline sends to the controller (features/router-advert.ts): the
// advertisement of the pod's network's gateway, from its link-local address, with the network's IPv6 prefixes
// (on-link, not for autoconfiguration: addresses come from IPAM, and the spoof guard allows only those) and its MTU.
import { buildRouterAdvertisement, decodeFrame } from '../../protocols/packets/index.js';
import type { PacketIn, PacketOut } from '../../protocols/openflow13/messages.js';
import { syntheticGatewayMac } from '../pipeline/context.js';
import { featureOf } from '../pipeline/cookies.js';
import { linkLocalOf } from '../pipeline/features/router-advert.js';
import { CONTROLLER_PORT } from '../pipeline/ports.js';
import type { ModelReader } from '../store/store.js';

const ND_RS = 133;
/** How long pods keep the gateway as default router, seconds (RFC 4861's default). */
const ROUTER_LIFETIME = 1800;

/** The packet-out answering `pin`, or undefined when it is not a router solicitation of a known network. */
export function routerAdvertFor(model: ModelReader, pin: PacketIn): Omit<PacketOut, 'xid'> | undefined {
  if (featureOf(pin.cookie) !== 'arp') return undefined;
  const frame = decodeFrame(pin.data);
  if (!frame.ok) return undefined;
  const { ethernet, network, transport } = frame.value;
  if (network?.kind !== 'ipv6' || transport?.kind !== 'icmpv6' || transport.type !== ND_RS) return undefined;
  let vni: number | undefined;
  let inPort: number | undefined;
  for (const m of pin.match) {
    if (m.field === 'metadata') vni = Number(m.value & 0xffffffn);
    if (m.field === 'in_port') inPort = m.value;
  }
  if (vni === undefined || inPort === undefined) return undefined;
  const net = [...model.all('network')].find((n) => n.vni === vni);
  if (!net) return undefined;
  const subnets = [...model.all('subnet')].filter(
    (s) => s.networkId === net.id && s.ipVersion === 6 && s.gateway !== undefined,
  );
  const first = subnets[0];
  if (!first) return undefined;
  const iface = [...model.all('routerInterface')].find((i) => i.subnetId === first.id);
  const mac = iface?.mac ?? syntheticGatewayMac(first.id);
  const ra = buildRouterAdvertisement({
    srcIp: linkLocalOf(mac),
    srcMac: mac,
    dstIp: network.src === '::' ? 'ff02::1' : network.src,
    dstMac: ethernet.src,
    routerLifetime: ROUTER_LIFETIME,
    mtu: net.mtu,
    prefixes: subnets.map((s) => {
      const [prefix, len] = s.cidr.split('/') as [string, string];
      return { prefix, prefixLength: Number(len), onLink: true, autonomous: false };
    }),
  });
  if (!ra.ok) return undefined;
  return {
    type: 'packetOut',
    bufferId: 0xffffffff,
    inPort: CONTROLLER_PORT,
    actions: [{ type: 'output', port: inPort, maxLen: 0 }],
    data: ra.value,
  };
}
