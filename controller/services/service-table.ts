// (ClusterIP, protocol, port) -> the Service and port that own it, in one Map lookup per packet-in.
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

/** The key text: canonical address, IP protocol number, port. Built the same way from a parsed FlowKey. */
function key(vip: string, protocol: number, port: number): string {
  return vip + '|' + protocol + '|' + port;
}

export class ServiceTable {
  private readonly byVip = new Map<string, ServiceEntry>();
  private readonly keysOf = new Map<string, readonly string[]>();
  private readonly balancers = new Map<string, ServiceBalancer>();

  constructor(private readonly balancerOptions: BalancerOptions) {}

  /**
   * Adds or replaces a Service. Refused, leaving the table unchanged, when an address is not an IP or when
   * another Service already owns one of its (ClusterIP, protocol, port).
   */
  upsert(service: LbService): UpsertResult {
    const keys: string[] = [];
    for (const vip of service.vips) {
      const canonical = canonicalIp(vip);
      if (canonical === undefined)
        return { ok: false, reason: `ClusterIP ${JSON.stringify(vip)} is not an IP address` };
      for (const p of service.ports) {
        const k = key(canonical, PROTOCOL_NUMBER[p.protocol], p.port);
        const owner = this.byVip.get(k);
        if (owner && owner.service.id !== service.id) {
          return {
            ok: false,
            reason: `${canonical} ${p.protocol}/${p.port} already belongs to service ${owner.service.id}`,
            conflictsWith: owner.service.id,
          };
        }
        if (keys.includes(k))
          return { ok: false, reason: `${canonical} ${p.protocol}/${p.port} is listed twice` };
        keys.push(k);
      }
    }
    let balancer = this.balancers.get(service.id);
    if (balancer) balancer.update(service);
    else {
      balancer = new ServiceBalancer(service, this.balancerOptions);
      this.balancers.set(service.id, balancer);
    }
    for (const k of this.keysOf.get(service.id) ?? []) this.byVip.delete(k);
    // keys run vip-major, port-minor.
    keys.forEach((k, i) =>
      this.byVip.set(k, { service, port: service.ports[i % service.ports.length], balancer }),
    );
    this.keysOf.set(service.id, keys);
    return { ok: true };
  }

  remove(serviceId: string): boolean {
    const keys = this.keysOf.get(serviceId);
    if (!keys) return false;
    for (const k of keys) this.byVip.delete(k);
    this.keysOf.delete(serviceId);
    this.balancers.delete(serviceId);
    return true;
  }

  /**
   * The entry for a packet's destination. `vip` must be canonical text, as protocols/packets formats addresses
   * (FlowKey.dst is); `protocol` is the IP protocol number.
   */
  lookup(vip: string, protocol: number, port: number): ServiceEntry | undefined {
    return this.byVip.get(key(vip, protocol, port));
  }

  balancer(serviceId: string): ServiceBalancer | undefined {
    return this.balancers.get(serviceId);
  }

  get serviceCount(): number {
    return this.keysOf.size;
  }

  get size(): number {
    return this.byVip.size;
  }
}
