// Address management over all subnets: the free space of each subnet's pools (FreeRanges), the allocations the
// store holds, and addresses retained for stable owners. Every change is written through the caller's store
// transaction and registers its own undo, so a failed transaction leaves the free lists as they were.
import type { Id, IpAllocation, Subnet } from '../model/types';
import type { StoreTx } from '../store/store';
import {
  canonicalAddress,
  contains,
  formatAddress,
  parseAddress,
  parseCidr,
  subtract,
  usableRange,
  type Cidr,
} from './address';
import { FreeRanges } from './free-ranges';

interface SubnetSpace {
  readonly subnet: Subnet;
  readonly cidr: Cidr;
  readonly free: FreeRanges;
  /** Pools minus reserved minus gateway: what `free` holds when nothing is allocated. */
  readonly allocatable: FreeRanges;
  readonly allocations: Map<string, IpAllocation>;
}

export type ClaimResult = { ok: true } | { ok: false; reason: string };

export interface IpamStats {
  readonly size: bigint;
  readonly free: bigint;
  readonly used: number;
  readonly retained: number;
}

function key(subnetId: Id, address: string): string {
  return `${subnetId}|${address}`;
}

export class Ipam {
  private readonly spaces = new Map<Id, SubnetSpace>();
  private readonly byEndpoint = new Map<Id, IpAllocation[]>();
  /** Retained allocations by owner ("namespace/name"). */
  private readonly byOwner = new Map<string, Map<string, IpAllocation>>();
  /** Retained allocations in release order; entries that were reclaimed since are skipped when met. */
  private retainQueue: IpAllocation[] = [];

  /** @param retentionMs how long a stable owner's addresses wait for it after its endpoint goes. */
  constructor(
    readonly retentionMs: number,
    subnets: Iterable<Subnet>,
    allocations: Iterable<IpAllocation>,
  ) {
    for (const s of subnets) this.spaces.set(s.id, this.buildSpace(s));
    const retained: IpAllocation[] = [];
    for (const a of allocations) {
      const space = this.spaces.get(a.subnetId);
      if (!space) throw new Error(`allocation ${a.address} names unknown subnet ${a.subnetId}`);
      this.index(space, a);
      if (a.state === 'retained') retained.push(a);
    }
    this.retainQueue = retained.sort((a, b) => (a.retainUntil ?? 0) - (b.retainUntil ?? 0));
  }

  addSubnet(tx: StoreTx, subnet: Subnet): void {
    this.spaces.set(subnet.id, this.buildSpace(subnet));
    tx.onRollback(() => this.spaces.delete(subnet.id));
  }

  /** Forgets a subnet; its retained addresses go with it. The caller has checked that none is in use. */
  removeSubnet(tx: StoreTx, subnetId: Id): void {
    const space = this.spaces.get(subnetId);
    if (!space) return;
    for (const a of [...space.allocations.values()]) {
      if (a.state === 'used') throw new Error(`subnet ${subnetId} still has ${a.address} in use`);
      this.drop(tx, space, a);
    }
    this.spaces.delete(subnetId);
    tx.onRollback(() => this.spaces.set(subnetId, space));
  }

  /** Lowest free address of the subnet for the endpoint, or undefined when the subnet is exhausted. */
  allocate(tx: StoreTx, subnetId: Id, endpointId: Id, owner?: string, now = Date.now()): string | undefined {
    const space = this.space(subnetId);
    let v = space.free.takeLowest();
    if (v === undefined && this.expire(tx, now, subnetId) > 0) v = space.free.takeLowest();
    // Retention is best effort: a full subnet gives up its oldest retained address before it refuses.
    if (v === undefined && this.evictOldest(tx, subnetId)) v = space.free.takeLowest();
    if (v === undefined) return undefined;
    const taken = v;
    tx.onRollback(() => space.free.release(taken));
    const address = formatAddress(space.cidr.version, v);
    this.record(tx, space, { subnetId, address, state: 'used', endpointId, ...(owner ? { owner } : {}) });
    return address;
  }

  /** A requested address: free, or retained for this same owner. Addresses outside the pools may be claimed. */
  claim(tx: StoreTx, subnetId: Id, address: string, endpointId: Id, owner?: string): ClaimResult {
    const space = this.space(subnetId);
    const canonical = canonicalAddress(address);
    if (canonical === undefined) return { ok: false, reason: `"${address}" is not an IP address` };
    const { version, value } = parseAddress(canonical);
    const usable = usableRange(space.cidr);
    if (
      version !== space.cidr.version ||
      !contains(space.cidr, value) ||
      !usable ||
      value < usable.start ||
      value > usable.end
    ) {
      return { ok: false, reason: `${canonical} is not a usable address of ${space.subnet.cidr}` };
    }
    if (space.subnet.gateway === canonical)
      return { ok: false, reason: `${canonical} is the gateway of ${space.subnet.cidr}` };
    if (space.subnet.reserved.includes(canonical))
      return { ok: false, reason: `${canonical} is reserved in ${space.subnet.cidr}` };
    const held = space.allocations.get(canonical);
    if (held) {
      const expired = held.state === 'retained' && (held.retainUntil ?? 0) <= Date.now();
      if (held.state === 'used' || (held.owner !== owner && !expired)) {
        return {
          ok: false,
          reason: `${canonical} is already ${held.state === 'used' ? 'in use' : 'retained for ' + held.owner}`,
        };
      }
      this.unindex(space, held);
      tx.onRollback(() => this.index(space, held));
    } else if (space.free.take(value)) {
      tx.onRollback(() => space.free.release(value));
    }
    this.record(tx, space, {
      subnetId,
      address: canonical,
      state: 'used',
      endpointId,
      ...(owner ? { owner } : {}),
    });
    return { ok: true };
  }

  /** Retained addresses of an owner in the given subnets, taken over by the endpoint. Returns them. */
  reclaim(
    tx: StoreTx,
    owner: string,
    subnetIds: readonly Id[],
    endpointId: Id,
    now = Date.now(),
  ): IpAllocation[] {
    const held = this.byOwner.get(owner);
    if (!held) return [];
    const out: IpAllocation[] = [];
    for (const a of [...held.values()]) {
      if (!subnetIds.includes(a.subnetId) || (a.retainUntil ?? 0) <= now) continue;
      const space = this.space(a.subnetId);
      this.unindex(space, a);
      tx.onRollback(() => this.index(space, a));
      const used: IpAllocation = {
        subnetId: a.subnetId,
        address: a.address,
        state: 'used',
        endpointId,
        owner,
      };
      this.record(tx, space, used);
      out.push(used);
    }
    return out;
  }

  /**
   * Releases an endpoint's addresses: retained for its owner until now + retentionMs when it has one,
   * otherwise free at once.
   */
  release(tx: StoreTx, endpointId: Id, now = Date.now()): void {
    for (const a of [...(this.byEndpoint.get(endpointId) ?? [])]) {
      const space = this.space(a.subnetId);
      if (a.owner && this.retentionMs > 0) {
        this.unindex(space, a);
        tx.onRollback(() => this.index(space, a));
        const kept: IpAllocation = {
          subnetId: a.subnetId,
          address: a.address,
          state: 'retained',
          owner: a.owner,
          retainUntil: now + this.retentionMs,
        };
        this.record(tx, space, kept);
        this.retainQueue.push(kept);
      } else this.drop(tx, space, a);
    }
  }

  /** Frees retained addresses whose window has passed (all subnets, or one). Returns how many. */
  expire(tx: StoreTx, now = Date.now(), onlySubnet?: Id): number {
    let n = 0;
    const keep: IpAllocation[] = [];
    let i = 0;
    for (; i < this.retainQueue.length; i++) {
      const a = this.retainQueue[i];
      if ((a.retainUntil ?? 0) > now) break;
      const space = this.spaces.get(a.subnetId);
      if (!space || space.allocations.get(a.address) !== a) continue; // reclaimed or gone since
      if (onlySubnet !== undefined && a.subnetId !== onlySubnet) {
        keep.push(a);
        continue;
      }
      this.drop(tx, space, a);
      n++;
    }
    if (i > 0) {
      const before = this.retainQueue;
      this.retainQueue = [...keep, ...before.slice(i)];
      tx.onRollback(() => (this.retainQueue = before));
    }
    return n;
  }

  private evictOldest(tx: StoreTx, subnetId: Id): boolean {
    const space = this.space(subnetId);
    for (const a of this.retainQueue) {
      if (a.subnetId === subnetId && space.allocations.get(a.address) === a) {
        this.drop(tx, space, a);
        return true;
      }
    }
    return false;
  }

  allocationsOf(endpointId: Id): readonly IpAllocation[] {
    return this.byEndpoint.get(endpointId) ?? [];
  }

  allocation(subnetId: Id, address: string): IpAllocation | undefined {
    return this.spaces.get(subnetId)?.allocations.get(address);
  }

  subnetOf(subnets: readonly Subnet[], address: string): Subnet | undefined {
    const canonical = canonicalAddress(address);
    if (canonical === undefined) return undefined;
    const { version, value } = parseAddress(canonical);
    return subnets.find((s) => {
      const c = this.spaces.get(s.id)?.cidr;
      return c !== undefined && c.version === version && contains(c, value);
    });
  }

  stats(subnetId: Id): IpamStats {
    const space = this.space(subnetId);
    let used = 0;
    let retained = 0;
    for (const a of space.allocations.values()) {
      if (a.state === 'used') used++;
      else retained++;
    }
    return { size: space.allocatable.size, free: space.free.size, used, retained };
  }

  /** True when an address is in the free list (tests and consistency checks). */
  isFree(subnetId: Id, address: string): boolean {
    const space = this.space(subnetId);
    return space.free.isFree(parseAddress(address).value);
  }

  private space(subnetId: Id): SubnetSpace {
    const s = this.spaces.get(subnetId);
    if (!s) throw new Error(`IPAM has no subnet ${subnetId}`);
    return s;
  }

  private buildSpace(subnet: Subnet): SubnetSpace {
    const cidr = parseCidr(subnet.cidr);
    const pools = subnet.pools.map((p) => ({
      start: parseAddress(p.start).value,
      end: parseAddress(p.end).value,
    }));
    const exclude = [...subnet.reserved, ...(subnet.gateway ? [subnet.gateway] : [])].map(
      (a) => parseAddress(a).value,
    );
    const ranges = subtract(pools, exclude);
    return {
      subnet,
      cidr,
      free: new FreeRanges(ranges),
      allocatable: new FreeRanges(ranges),
      allocations: new Map(),
    };
  }

  // Writes an allocation and indexes it; the caller has made the address unavailable in `free` already.
  private record(tx: StoreTx, space: SubnetSpace, a: IpAllocation): void {
    tx.putAllocation(a);
    this.index(space, a);
    tx.onRollback(() => this.unindex(space, a));
  }

  // Deletes an allocation and returns its address to the free list if it lies in a pool.
  private drop(tx: StoreTx, space: SubnetSpace, a: IpAllocation): void {
    tx.removeAllocation(a.subnetId, a.address);
    this.unindex(space, a);
    tx.onRollback(() => this.index(space, a));
    const v = parseAddress(a.address).value;
    if (space.allocatable.isFree(v) && !space.free.isFree(v)) {
      space.free.release(v);
      tx.onRollback(() => void space.free.take(v));
    }
  }

  private index(space: SubnetSpace, a: IpAllocation): void {
    space.allocations.set(a.address, a);
    const v = parseAddress(a.address).value;
    space.free.take(v); // no-op when the address is outside the pools or already taken
    if (a.endpointId) {
      const list = this.byEndpoint.get(a.endpointId);
      if (list) list.push(a);
      else this.byEndpoint.set(a.endpointId, [a]);
    }
    if (a.state === 'retained' && a.owner) {
      let m = this.byOwner.get(a.owner);
      if (!m) this.byOwner.set(a.owner, (m = new Map()));
      m.set(key(a.subnetId, a.address), a);
    }
  }

  private unindex(space: SubnetSpace, a: IpAllocation): void {
    if (space.allocations.get(a.address) === a) space.allocations.delete(a.address);
    if (a.endpointId) {
      const list = this.byEndpoint.get(a.endpointId);
      const rest = list?.filter((x) => x !== a) ?? [];
      if (rest.length > 0) this.byEndpoint.set(a.endpointId, rest);
      else this.byEndpoint.delete(a.endpointId);
    }
    if (a.state === 'retained' && a.owner) {
      const m = this.byOwner.get(a.owner);
      m?.delete(key(a.subnetId, a.address));
      if (m && m.size === 0) this.byOwner.delete(a.owner);
    }
  }
}
