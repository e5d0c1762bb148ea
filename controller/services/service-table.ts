// (ClusterIP, protocol, port) -> the Service and port that own it: two Map lookups per packet-in, O(1).
import { canonicalIp } from '../../protocols/packets/index.js';
import { ServiceBalancer, type BalancerOptions } from './balancer.js';
import { PROTOCOL_NUMBER, type LbPort, type LbService } from './types.js';

export interface ServiceEntry {
  readonly service: LbService;
  readonly port: LbPort;
  readonly balancer: ServiceBalancer;
}

export type UpsertResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly conflictsWith?: string };

/**
 * Entries are found by (protocol, port) as one small integer, then by the canonical address text: no key string
 * is built per packet, and the address string a parser just made is hashed once.
 */
function portKey(protocol: number, port: number): number {
  return protocol * 0x10000 + port;
}

interface Slot {
  readonly portKey: number;
  readonly vip: string;
}

export class ServiceTable {
  private readonly byPort = new Map<number, Map<string, ServiceEntry>>();
  private readonly slotsOf = new Map<string, readonly Slot[]>();
  private readonly balancers = new Map<string, ServiceBalancer>();
  private entries = 0;

  constructor(private readonly balancerOptions: BalancerOptions) {}

  /**
   * Adds or replaces a Service. Refused, leaving the table unchanged, when an address is not an IP or when
   * another Service already owns one of its (ClusterIP, protocol, port).
   */
  upsert(service: LbService): UpsertResult {
    const slots: (Slot & { port: LbPort })[] = [];
    for (const vip of service.vips) {
      const canonical = canonicalIp(vip);
      if (canonical === undefined) {
        return { ok: false, reason: `ClusterIP ${JSON.stringify(vip)} is not an IP address` };
      }
      for (const port of service.ports) {
        const slot: Slot & { port: LbPort } = {
          portKey: portKey(PROTOCOL_NUMBER[port.protocol], port.port),
          vip: canonical,
          port,
        };
        const where = `${canonical} ${port.protocol}/${port.port}`;
        const owner = this.byPort.get(slot.portKey)?.get(canonical);
        if (owner && owner.service.id !== service.id) {
          return {
            ok: false,
            reason: `${where} already belongs to service ${owner.service.id}`,
            conflictsWith: owner.service.id,
          };
        }
        if (slots.some((s) => s.portKey === slot.portKey && s.vip === canonical)) {
          return { ok: false, reason: `${where} is listed twice` };
        }
        slots.push(slot);
      }
    }
    let balancer = this.balancers.get(service.id);
    if (balancer) balancer.update(service);
    else {
      balancer = new ServiceBalancer(service, this.balancerOptions);
      this.balancers.set(service.id, balancer);
    }
    this.clearSlots(service.id);
    for (const slot of slots) {
      let byVip = this.byPort.get(slot.portKey);
      if (!byVip) this.byPort.set(slot.portKey, (byVip = new Map()));
      byVip.set(slot.vip, { service, port: slot.port, balancer });
    }
    this.entries += slots.length;
    this.slotsOf.set(service.id, slots);
    return { ok: true };
  }

  remove(serviceId: string): boolean {
    if (!this.slotsOf.has(serviceId)) return false;
    this.clearSlots(serviceId);
    this.slotsOf.delete(serviceId);
    this.balancers.delete(serviceId);
    return true;
  }

  /**
   * The entry for a packet's destination. `vip` must be canonical text, as protocols/packets formats addresses
   * (FlowKey.dst is); `protocol` is the IP protocol number.
   */
  lookup(vip: string, protocol: number, port: number): ServiceEntry | undefined {
    return this.byPort.get(portKey(protocol, port))?.get(vip);
  }

  balancer(serviceId: string): ServiceBalancer | undefined {
    return this.balancers.get(serviceId);
  }

  get serviceCount(): number {
    return this.slotsOf.size;
  }

  /** Number of (ClusterIP, protocol, port) entries. */
  get size(): number {
    return this.entries;
  }

  private clearSlots(serviceId: string): void {
    for (const slot of this.slotsOf.get(serviceId) ?? []) {
      const byVip = this.byPort.get(slot.portKey);
      if (!byVip?.delete(slot.vip)) continue;
      this.entries--;
      if (byVip.size === 0) this.byPort.delete(slot.portKey);
    }
  }
}
