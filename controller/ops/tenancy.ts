// Tenants, networks and subnets.
import {
  cidrsOverlap,
  formatAddress,
  formatCidr,
  isProblem,
  parseCidr,
  planSubnet,
  type Range,
} from '../ipam/address';
import type { DnsConfig, Id, Network, Subnet, Tenant } from '../model/types';
import type { StoreTx } from '../store/store';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, exhausted, forbidden, heldBy, invalid, type Holder } from './errors';

export interface TenantInput {
  name: string;
}

export function createTenant(ctx: OpsContext, actor: Actor, input: TenantInput): Tenant {
  if (actor.role !== 'admin') throw forbidden('only an admin creates tenants');
  return ctx.mutate(actor, 'tenant.create', (tx) => {
    if (tx.lookup('tenant', 'name', input.name).length > 0) {
      throw conflict(`tenant "${input.name}" already exists`, 'body/name');
    }
    const t: Tenant = { id: ctx.newId(), name: input.name, createdAt: ctx.now() };
    tx.create('tenant', t);
    return t;
  });
}

export function updateTenant(
  ctx: OpsContext,
  actor: Actor,
  ref: string,
  input: Partial<TenantInput>,
): Tenant {
  return ctx.mutate(actor, 'tenant.update', (tx) => {
    const t = ctx.resolve(actor, 'tenant', ref, 'params/ref', undefined, tx);
    if (actor.role !== 'admin') throw forbidden('only an admin renames tenants');
    if (
      input.name !== undefined &&
      input.name !== t.name &&
      tx.lookup('tenant', 'name', input.name).length > 0
    ) {
      throw conflict(`tenant "${input.name}" already exists`, 'body/name');
    }
    const next: Tenant = { ...t, ...input };
    tx.update('tenant', next);
    return next;
  });
}

export function deleteTenant(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'tenant.delete', (tx) => {
    // Resolve first: another tenant's tenant is 404 to a tenant token, its own is 403.
    const t = ctx.resolve(actor, 'tenant', ref, 'params/ref', undefined, tx);
    if (actor.role !== 'admin') throw forbidden('only an admin deletes tenants');
    const holders: Holder[] = [
      ...tx
        .lookup('network', 'tenant', t.id)
        .map((o) => ({ kind: 'network' as const, id: o.id, name: o.name })),
      ...tx
        .lookup('router', 'tenant', t.id)
        .map((o) => ({ kind: 'router' as const, id: o.id, name: o.name })),
      ...tx
        .lookup('securityGroup', 'tenant', t.id)
        .map((o) => ({ kind: 'securityGroup' as const, id: o.id, name: o.name })),
      ...tx
        .lookup('qosPolicy', 'tenant', t.id)
        .map((o) => ({ kind: 'qosPolicy' as const, id: o.id, name: o.name })),
      ...tx.lookup('token', 'tenant', t.id).map((o) => ({ kind: 'token' as const, id: o.id })),
    ];
    if (holders.length > 0) throw heldBy(`tenant ${t.name}`, holders);
    tx.remove('tenant', t.id);
  });
}

export interface NetworkInput {
  tenant: string;
  name: string;
  vni?: number;
  mtu?: number;
  dns?: DnsConfig;
  isDefault?: boolean;
}

function checkDefault(tx: StoreTx, isDefault: boolean | undefined, self?: Id): void {
  if (!isDefault) return;
  for (const n of tx.all('network')) {
    if (n.isDefault && n.id !== self) {
      throw conflict(
        `network ${n.name} (${n.id}) is already the default network; unset it first`,
        'body/isDefault',
      );
    }
  }
}

export function createNetwork(ctx: OpsContext, actor: Actor, input: NetworkInput): Network {
  return ctx.mutate(actor, 'network.create', (tx) => {
    const tenant = ctx.resolve(actor, 'tenant', input.tenant, 'body/tenant', undefined, tx);
    if (tx.lookup('network', 'name', input.name).some((n) => n.tenantId === tenant.id)) {
      throw conflict(`tenant ${tenant.name} already has a network "${input.name}"`, 'body/name');
    }
    let vni: number;
    if (input.vni !== undefined) {
      if (!ctx.vnis.take(tx, input.vni)) {
        const holder = tx.lookup('network', 'vni', String(input.vni))[0];
        throw conflict(
          `VNI ${input.vni} is taken${holder && holder.tenantId === tenant.id ? ` by network ${holder.name}` : ''}`,
          'body/vni',
        );
      }
      vni = input.vni;
    } else {
      const v = ctx.vnis.takeLowest(tx);
      if (v === undefined) throw exhausted('every VNI is in use', 'body/vni');
      vni = v;
    }
    checkDefault(tx, input.isDefault);
    const n: Network = {
      id: ctx.newId(),
      tenantId: tenant.id,
      name: input.name,
      vni,
      mtu: input.mtu ?? ctx.defaultMtu,
      ...(input.dns ? { dns: input.dns } : {}),
      isDefault: input.isDefault ?? false,
      createdAt: ctx.now(),
    };
    tx.create('network', n);
    return n;
  });
}

export type NetworkUpdate = Partial<Pick<NetworkInput, 'name' | 'mtu' | 'dns' | 'isDefault'>>;

export function updateNetwork(ctx: OpsContext, actor: Actor, ref: string, input: NetworkUpdate): Network {
  return ctx.mutate(actor, 'network.update', (tx) => {
    const n = ctx.resolve(actor, 'network', ref, 'params/ref', undefined, tx);
    if (
      input.name !== undefined &&
      input.name !== n.name &&
      tx.lookup('network', 'name', input.name).some((o) => o.tenantId === n.tenantId)
    ) {
      throw conflict(`the tenant already has a network "${input.name}"`, 'body/name');
    }
    checkDefault(tx, input.isDefault, n.id);
    const next: Network = { ...n, ...input };
    tx.update('network', next);
    return next;
  });
}

export function deleteNetwork(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'network.delete', (tx) => {
    const n = ctx.resolve(actor, 'network', ref, 'params/ref', undefined, tx);
    const holders: Holder[] = [
      ...tx
        .lookup('endpoint', 'network', n.id)
        .map((o) => ({ kind: 'endpoint' as const, id: o.id, name: o.name })),
      ...tx
        .lookup('subnet', 'network', n.id)
        .map((o) => ({ kind: 'subnet' as const, id: o.id, name: o.name })),
      ...tx
        .lookup('service', 'network', n.id)
        .map((o) => ({ kind: 'service' as const, id: o.id, name: o.name })),
      ...tx
        .lookup('namespaceBinding', 'network', n.id)
        .map((o) => ({ kind: 'namespaceBinding' as const, id: o.id, name: o.namespace })),
    ];
    if (holders.length > 0) throw heldBy(`network ${n.name}`, holders);
    tx.remove('network', n.id);
    ctx.vnis.release(tx, n.vni);
  });
}

export interface SubnetInput {
  network: string;
  name?: string;
  cidr: string;
  /** null: no gateway. Absent: the first usable address. */
  gateway?: string | null;
  pools?: { start: string; end: string }[];
  reserved?: string[];
}

export function createSubnet(ctx: OpsContext, actor: Actor, input: SubnetInput): Subnet {
  return ctx.mutate(actor, 'subnet.create', (tx) => {
    const network = ctx.resolve(actor, 'network', input.network, 'body/network', undefined, tx);
    const plan = planSubnet(input);
    if (isProblem(plan)) throw invalid(`body/${plan.field}`, plan.reason);
    const cidr = formatCidr(plan.cidr);
    for (const other of tx.lookup('subnet', 'network', network.id)) {
      if (cidrsOverlap(parseCidr(other.cidr), plan.cidr)) {
        throw conflict(
          `${cidr} overlaps subnet ${other.name} (${other.cidr}) of network ${network.name}`,
          'body/cidr',
        );
      }
    }
    const name = input.name ?? cidr;
    if (tx.lookup('subnet', 'name', name).some((s) => s.networkId === network.id)) {
      throw conflict(`network ${network.name} already has a subnet "${name}"`, 'body/name');
    }
    const v = plan.cidr.version;
    const s: Subnet = {
      id: ctx.newId(),
      networkId: network.id,
      tenantId: network.tenantId,
      name,
      cidr,
      ipVersion: v,
      ...(plan.gateway !== undefined ? { gateway: formatAddress(v, plan.gateway) } : {}),
      pools: plan.pools.map((p: Range) => ({
        start: formatAddress(v, p.start),
        end: formatAddress(v, p.end),
      })),
      reserved: plan.reserved.map((r) => formatAddress(v, r)),
      createdAt: ctx.now(),
    };
    tx.create('subnet', s);
    ctx.ipam.addSubnet(tx, s);
    return s;
  });
}

export function updateSubnet(ctx: OpsContext, actor: Actor, ref: string, input: { name?: string }): Subnet {
  return ctx.mutate(actor, 'subnet.update', (tx) => {
    const s = ctx.resolve(actor, 'subnet', ref, 'params/ref', undefined, tx);
    if (
      input.name !== undefined &&
      input.name !== s.name &&
      tx.lookup('subnet', 'name', input.name).some((o) => o.networkId === s.networkId)
    ) {
      throw conflict(`the network already has a subnet "${input.name}"`, 'body/name');
    }
    const next: Subnet = { ...s, ...input };
    tx.update('subnet', next);
    return next;
  });
}

export function deleteSubnet(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'subnet.delete', (tx) => {
    const s = ctx.resolve(actor, 'subnet', ref, 'params/ref', undefined, tx);
    const holders: Holder[] = [];
    for (const e of tx.lookup('endpoint', 'network', s.networkId)) {
      if (ctx.ipam.allocationsOf(e.id).some((a) => a.subnetId === s.id)) {
        holders.push({ kind: 'endpoint', id: e.id, name: e.name });
      }
    }
    for (const i of tx.lookup('routerInterface', 'subnet', s.id))
      holders.push({ kind: 'routerInterface', id: i.id });
    if (holders.length > 0) throw heldBy(`subnet ${s.name}`, holders);
    ctx.ipam.removeSubnet(tx, s.id);
    tx.remove('subnet', s.id);
  });
}
