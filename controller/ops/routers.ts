// Routers: one distributed router per tenant network group; interfaces sit on subnets at their gateway address.
import { parseAddress, parseCidr, versionOf } from '../ipam/address';
import { deriveMac } from '../ipam/mac';
import type { Router, RouterInterface, StaticRoute } from '../model/types';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, heldBy, invalid, notFound } from './errors';

export interface RouterInput {
  tenant: string;
  name: string;
  routes?: StaticRoute[];
}

function checkRoutes(routes: readonly StaticRoute[] | undefined): StaticRoute[] | undefined {
  return routes?.map((r, i) => {
    let dst;
    try {
      dst = parseCidr(r.destination);
    } catch (e) {
      throw invalid(`body/routes/${i}/destination`, (e as Error).message);
    }
    const v = versionOf(r.nexthop);
    if (v === undefined) throw invalid(`body/routes/${i}/nexthop`, `"${r.nexthop}" is not an IP address`);
    if (v !== dst.version) {
      throw invalid(
        `body/routes/${i}/nexthop`,
        `nexthop ${r.nexthop} is IPv${v} but ${r.destination} is IPv${dst.version}`,
      );
    }
    return { destination: r.destination, nexthop: r.nexthop };
  });
}

export function createRouter(ctx: OpsContext, actor: Actor, input: RouterInput): Router {
  const routes = checkRoutes(input.routes) ?? [];
  return ctx.mutate(actor, 'router.create', (tx) => {
    const tenant = ctx.resolve(actor, 'tenant', input.tenant, 'body/tenant', undefined, tx);
    if (tx.lookup('router', 'name', input.name).some((r) => r.tenantId === tenant.id)) {
      throw conflict(`tenant ${tenant.name} already has a router "${input.name}"`, 'body/name');
    }
    const r: Router = {
      id: ctx.newId(),
      tenantId: tenant.id,
      name: input.name,
      routes,
      createdAt: ctx.now(),
    };
    tx.create('router', r);
    return r;
  });
}

export function updateRouter(
  ctx: OpsContext,
  actor: Actor,
  ref: string,
  input: { name?: string; routes?: StaticRoute[] },
): Router {
  const routes = checkRoutes(input.routes);
  return ctx.mutate(actor, 'router.update', (tx) => {
    const r = ctx.resolve(actor, 'router', ref, 'params/ref', undefined, tx);
    if (
      input.name !== undefined &&
      input.name !== r.name &&
      tx.lookup('router', 'name', input.name).some((o) => o.tenantId === r.tenantId)
    ) {
      throw conflict(`the tenant already has a router "${input.name}"`, 'body/name');
    }
    const next: Router = {
      ...r,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(routes ? { routes } : {}),
    };
    tx.update('router', next);
    return next;
  });
}

export function deleteRouter(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'router.delete', (tx) => {
    const r = ctx.resolve(actor, 'router', ref, 'params/ref', undefined, tx);
    const holders = tx
      .lookup('routerInterface', 'router', r.id)
      .map((i) => ({ kind: 'routerInterface' as const, id: i.id }));
    if (holders.length > 0) throw heldBy(`router ${r.name}`, holders);
    tx.remove('router', r.id);
  });
}

export function addRouterInterface(
  ctx: OpsContext,
  actor: Actor,
  routerRef: string,
  input: { subnet: string },
): RouterInterface {
  return ctx.mutate(actor, 'router.interface.add', (tx) => {
    const r = ctx.resolve(actor, 'router', routerRef, 'params/ref', undefined, tx);
    const s = ctx.resolve(
      actor,
      'subnet',
      input.subnet,
      'body/subnet',
      { field: 'tenantId', id: r.tenantId },
      tx,
    );
    if (!s.gateway) throw invalid('body/subnet', `subnet ${s.name} has no gateway for the router to sit on`);
    const existing = tx.lookup('routerInterface', 'subnet', s.id)[0];
    if (existing)
      throw conflict(
        `subnet ${s.name} is already on router ${tx.get('router', existing.routerId)?.name ?? existing.routerId}`,
        'body/subnet',
      );
    const id = ctx.newId();
    // The same MAC on every subnet of a router would be fine for OVS, but distinct MACs make captures readable.
    const taken = new Set(tx.lookup('routerInterface', 'router', r.id).map((i) => i.mac));
    const mac = deriveMac(undefined, `router/${r.id}/${s.id}/${parseAddress(s.gateway).value}`, (m) =>
      taken.has(m),
    );
    const i: RouterInterface = {
      id,
      routerId: r.id,
      tenantId: r.tenantId,
      subnetId: s.id,
      address: s.gateway,
      mac,
      createdAt: ctx.now(),
    };
    tx.create('routerInterface', i);
    return i;
  });
}

export function removeRouterInterface(ctx: OpsContext, actor: Actor, routerRef: string, id: string): void {
  ctx.mutate(actor, 'router.interface.remove', (tx) => {
    const r = ctx.resolve(actor, 'router', routerRef, 'params/ref', undefined, tx);
    const i = ctx.byId(actor, 'routerInterface', id, 'params/id', tx);
    if (i.routerId !== r.id) throw notFound('routerInterface', id, 'params/id');
    tx.remove('routerInterface', i.id);
  });
}
