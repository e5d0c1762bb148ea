// (ClusterIP, protocol, port) -> the Service and port that own it: two Map lookups per packet-in, O(1).
import { canonicalIp } from '../../protocols/packets/index.js';
import { ServiceBalancer, type BalancerOptions } from './balancer.js';
import { PROTOCOL_NUMBER, type LbPort, type LbService } from './types.js';

export interface ServiceEntry {
  readonly service: LbService;
  /** The ClusterIP, canonical text. */
  readonly vip: string;
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

/** Canonical dotted-quad text as an unsigned 32-bit number; undefined for IPv6. */
export function ipv4Number(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

interface Slot {
  readonly portKey: number;
  readonly vip: string;
}

export class ServiceTable {
  private readonly byPort = new Map<number, Map<string, ServiceEntry>>();
  /** The IPv4 entries again, by the address as a number: the packet-in fast path reads it from the frame. */
  private readonly byPortV4 = new Map<number, Map<number, ServiceEntry>>();
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
      const entry: ServiceEntry = { service, vip: slot.vip, port: slot.port, balancer };
      byVip.set(slot.vip, entry);
      const v4 = ipv4Number(slot.vip);
      if (v4 !== undefined) {
        let byNumber = this.byPortV4.get(slot.portKey);
        if (!byNumber) this.byPortV4.set(slot.portKey, (byNumber = new Map()));
        byNumber.set(v4, entry);
      }
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

  /** lookup() for an IPv4 ClusterIP given as an unsigned 32-bit number. */
  lookupV4(vip: number, protocol: number, port: number): ServiceEntry | undefined {
    return this.byPortV4.get(portKey(protocol, port))?.get(vip);
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
      const v4 = ipv4Number(slot.vip);
      if (v4 !== undefined) {
        const byNumber = this.byPortV4.get(slot.portKey);
        byNumber?.delete(v4);
        if (byNumber?.size === 0) this.byPortV4.delete(slot.portKey);
      }
      if (!byVip?.delete(slot.vip)) continue;
      this.entries--;
      if (byVip.size === 0) this.byPort.delete(slot.portKey);
    }
  }
}
