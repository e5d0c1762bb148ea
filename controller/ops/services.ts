// Services: ClusterIPs with ports and backends, kept in the model for the load balancer (controller/services).
import { canonicalAddress, formatAddress, parseCidr } from '../ipam/address';
import type {
  BackendHealth,
  Id,
  Service,
  ServiceBackend,
  ServicePolicy,
  ServicePort,
  SessionAffinity,
} from '../model/types';
import type { StoreTx } from '../store/store';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, invalid } from './errors';

export interface BackendInput {
  endpoint?: string;
  address?: string;
  weight?: number;
}

export interface ServiceInput {
  network: string;
  name: string;
  /** Absent or empty: one address is allocated from each service CIDR. */
  clusterIps?: string[];
  ports: ServicePort[];
  backends: BackendInput[];
  policy?: ServicePolicy;
  sessionAffinity?: SessionAffinity;
  affinityTimeoutSeconds?: number;
}

export type ServiceUpdate = Partial<Omit<ServiceInput, 'network' | 'name'>>;

function checkClusterIps(tx: StoreTx, networkId: Id, ips: readonly string[], self?: Id): string[] {
  const out: string[] = [];
  for (const [i, ip] of ips.entries()) {
    const c = canonicalAddress(ip);
    if (c === undefined) throw invalid(`body/clusterIps/${i}`, `"${ip}" is not an IP address`);
    if (out.includes(c)) throw invalid(`body/clusterIps/${i}`, `${c} is listed twice`);
    for (const s of tx.lookup('service', 'network', networkId)) {
      if (s.id !== self && s.clusterIps.includes(c)) {
        throw conflict(`cluster IP ${c} belongs to service ${s.name}`, `body/clusterIps/${i}`);
      }
    }
    out.push(c);
  }
  return out;
}

function checkPorts(ports: readonly ServicePort[]): ServicePort[] {
  const seen = new Set<string>();
  return ports.map((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) throw invalid(`body/ports/${i}`, `${key} is listed twice`);
    seen.add(key);
    return { ...p };
  });
}

function resolveBackends(
  ctx: OpsContext,
  actor: Actor,
  tx: StoreTx,
  networkId: Id,
  input: readonly BackendInput[],
): ServiceBackend[] {
  return input.map((b, i) => {
    const weight = b.weight ?? 1;
    if ((b.endpoint === undefined) === (b.address === undefined)) {
      throw invalid(`body/backends/${i}`, 'a backend has exactly one of endpoint and address');
    }
    if (b.endpoint !== undefined) {
      const e = ctx.resolve(
        actor,
        'endpoint',
        b.endpoint,
        `body/backends/${i}/endpoint`,
        { field: 'networkId', id: networkId },
        tx,
      );
      return { kind: 'endpoint', endpointId: e.id, weight };
    }
    const a = canonicalAddress(b.address as string);
    if (a === undefined) throw invalid(`body/backends/${i}/address`, `"${b.address}" is not an IP address`);
    return { kind: 'address', address: a, weight };
  });
}

export function createService(ctx: OpsContext, actor: Actor, input: ServiceInput): Service {
  const ports = checkPorts(input.ports);
  return ctx.mutate(actor, 'service.create', (tx) => {
    const n = ctx.resolve(actor, 'network', input.network, 'body/network', undefined, tx);
    if (tx.lookup('service', 'name', input.name).some((s) => s.networkId === n.id)) {
      throw conflict(`network ${n.name} already has a service "${input.name}"`, 'body/name');
    }
    const s: Service = {
      id: ctx.newId(),
      networkId: n.id,
      tenantId: n.tenantId,
      name: input.name,
      clusterIps:
        input.clusterIps && input.clusterIps.length > 0
          ? checkClusterIps(tx, n.id, input.clusterIps)
          : allocateClusterIps(tx, ctx.serviceCidrs),
      ports,
      backends: resolveBackends(ctx, actor, tx, n.id, input.backends),
      policy: input.policy ?? 'round-robin',
      sessionAffinity: input.sessionAffinity ?? 'none',
      ...(input.affinityTimeoutSeconds !== undefined
        ? { affinityTimeoutSeconds: input.affinityTimeoutSeconds }
        : {}),
      createdAt: ctx.now(),
    };
    tx.create('service', s);
    return s;
  });
}

export function updateService(ctx: OpsContext, actor: Actor, ref: string, input: ServiceUpdate): Service {
  return ctx.mutate(actor, 'service.update', (tx) => {
    const s = ctx.resolve(actor, 'service', ref, 'params/ref', undefined, tx);
    const next: Service = {
      ...s,
      ...(input.clusterIps ? { clusterIps: checkClusterIps(tx, s.networkId, input.clusterIps, s.id) } : {}),
      ...(input.ports ? { ports: checkPorts(input.ports) } : {}),
      ...(input.backends ? { backends: resolveBackends(ctx, actor, tx, s.networkId, input.backends) } : {}),
      ...(input.policy ? { policy: input.policy } : {}),
      ...(input.sessionAffinity ? { sessionAffinity: input.sessionAffinity } : {}),
      ...(input.affinityTimeoutSeconds !== undefined
        ? { affinityTimeoutSeconds: input.affinityTimeoutSeconds }
        : {}),
    };
    tx.update('service', next);
    return next;
  });
}

/** The lowest free address of each CIDR (not its network address, nor the IPv4 broadcast), cluster-wide. */
export function allocateClusterIps(tx: StoreTx, cidrs: readonly string[]): string[] {
  const used = new Set<string>();
  for (const s of tx.all('service')) for (const ip of s.clusterIps) used.add(ip);
  return cidrs.map((text, i) => {
    const c = parseCidr(text);
    const last = c.version === 4 ? c.last - 1n : c.last;
    for (let v = c.base + 1n; v <= last; v++) {
      const ip = formatAddress(c.version, v);
      if (!used.has(ip)) return ip;
    }
    throw conflict(`service CIDR ${text} has no free address`, `clusterIps/${i}`);
  });
}

/** Adds one backend (an endpoint of the Service's network, or an address outside the cluster). */
export function addBackend(ctx: OpsContext, actor: Actor, ref: string, input: BackendInput): Service {
  return ctx.mutate(actor, 'service.backend.add', (tx) => {
    const s = ctx.resolve(actor, 'service', ref, 'params/ref', undefined, tx);
    if (input.address !== undefined && canonicalAddress(input.address) === undefined)
      throw invalid('body/address', `"${input.address}" is not an IP address`);
    const [b] = resolveBackends(ctx, actor, tx, s.networkId, [input]);
    const key = backendKey(b as ServiceBackend);
    if (s.backends.some((x) => backendKey(x) === key))
      throw conflict(`${key} is already a backend of ${s.name}`, 'body');
    const next: Service = { ...s, backends: [...s.backends, b as ServiceBackend] };
    tx.update('service', next);
    return next;
  });
}

/** Finds a backend by endpoint id, endpoint name or address. */
function findBackend(ctx: OpsContext, tx: StoreTx, s: Service, ref: string): number {
  const addr = canonicalAddress(ref);
  const i = s.backends.findIndex((b) =>
    b.kind === 'address'
      ? b.address === addr
      : b.endpointId === ref || tx.get('endpoint', b.endpointId)?.name === ref,
  );
  if (i < 0) throw invalid('params/backend', `${ref} is not a backend of service ${s.name}`);
  return i;
}

export function removeBackend(ctx: OpsContext, actor: Actor, ref: string, backend: string): Service {
  return ctx.mutate(actor, 'service.backend.remove', (tx) => {
    const s = ctx.resolve(actor, 'service', ref, 'params/ref', undefined, tx);
    const i = findBackend(ctx, tx, s, backend);
    const next: Service = { ...s, backends: s.backends.filter((_b, j) => j !== i) };
    tx.update('service', next);
    return next;
  });
}

/** A probe's or an operator's verdict on one backend: unhealthy loses its sessions, draining takes no new ones. */
export function setBackendHealth(
  ctx: OpsContext,
  actor: Actor,
  ref: string,
  backend: string,
  health: BackendHealth,
): Service {
  return ctx.mutate(actor, 'service.backend.health', (tx) => {
    const s = ctx.resolve(actor, 'service', ref, 'params/ref', undefined, tx);
    const i = findBackend(ctx, tx, s, backend);
    const backends = s.backends.map((b, j) => (j === i ? { ...b, health } : b));
    const next: Service = { ...s, backends };
    tx.update('service', next);
    return next;
  });
}

function backendKey(b: ServiceBackend): string {
  return b.kind === 'endpoint' ? `endpoint ${b.endpointId}` : `address ${b.address}`;
}

export function deleteService(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'service.delete', (tx) => {
    const s = ctx.resolve(actor, 'service', ref, 'params/ref', undefined, tx);
    tx.remove('service', s.id);
  });
}

/** Drops an endpoint from every service that lists it (the endpoint is going away). */
export function dropBackend(tx: StoreTx, endpointId: Id): void {
  for (const s of tx.lookup('service', 'backend', endpointId)) {
    tx.update('service', {
      ...s,
      backends: s.backends.filter((b) => b.kind !== 'endpoint' || b.endpointId !== endpointId),
    });
  }
}
