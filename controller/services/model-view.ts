// The stored Services (controller/model) as the load balancer sees them: one LbService per Service and address
// family, since a ClusterIP of one family is balanced over backend addresses of the same family. Endpoint backends
// take the endpoint's address of that family; an endpoint without one is left out of that family.
import type { Id, Service } from '../model/types.js';
import type { ModelReader } from '../store/store.js';
import { domainNumber, SnapshotIndex } from '../pipeline/context.js';
import { snapshotFromModel } from '../pipeline/snapshot.js';
import type { LbBackend, LbPolicy, LbService } from './types.js';
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS } from './types.js';

export interface FamilyService {
  readonly lb: LbService;
  readonly serviceId: Id;
  readonly family: 4 | 6;
  /** ROUTE_DOMAIN of the Service's network. */
  readonly domain: number;
  /** Backend ids that are addresses outside the cluster. */
  readonly external: ReadonlySet<string>;
  /** MAC of each endpoint backend, for the L2 rewrite of the forward flow. */
  readonly macs: ReadonlyMap<string, string>;
}

const POLICY: Readonly<Record<Service['policy'], LbPolicy>> = {
  'round-robin': 'round-robin',
  'source-hash': 'source-ip-hash',
  // Random is weighted with equal weights: a smooth spread, not a coin toss per connection.
  random: 'weighted',
  'least-connections': 'least-connections',
  weighted: 'weighted',
};

const familyOf = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);

/** The id a backend is known by: its endpoint id, or `addr:<address>` for an address outside the cluster. */
export function backendIdOf(b: Service['backends'][number]): string {
  return b.kind === 'endpoint' ? b.endpointId : `addr:${b.address}`;
}

export function familyServices(
  model: ModelReader,
  svc: Service,
  domain: number,
  health: (serviceId: Id, backendId: string) => LbBackend['health'],
): FamilyService[] {
  const out: FamilyService[] = [];
  for (const family of [4, 6] as const) {
    const vips = svc.clusterIps.filter((ip) => familyOf(ip) === family);
    if (vips.length === 0) continue;
    const backends: LbBackend[] = [];
    const external = new Set<string>();
    const macs = new Map<string, string>();
    for (const b of svc.backends) {
      const id = backendIdOf(b);
      let address: string | undefined;
      if (b.kind === 'address') {
        if (familyOf(b.address) === family) address = b.address;
        external.add(id);
      } else {
        const ep = model.get('endpoint', b.endpointId);
        address = ep?.ips.find((ip) => familyOf(ip) === family);
        if (ep) macs.set(id, ep.mac);
      }
      if (address === undefined) continue;
      // The stored verdict (REST health route) wins unless the controller's own one says worse.
      const h = health(svc.id, id);
      backends.push({ id, address, weight: b.weight, health: h !== 'healthy' ? h : (b.health ?? 'healthy') });
    }
    out.push({
      serviceId: svc.id,
      family,
      domain,
      external,
      macs,
      lb: {
        id: `${svc.id}/${family}`,
        vips,
        ports: svc.ports.map((p) => ({
          ...(p.name !== undefined ? { name: p.name } : {}),
          protocol: p.protocol === 'tcp' ? 'TCP' : p.protocol === 'udp' ? 'UDP' : 'SCTP',
          port: p.port,
          targetPort: p.targetPort,
        })),
        backends,
        policy: POLICY[svc.policy],
        affinity:
          svc.sessionAffinity === 'client-ip'
            ? {
                kind: 'ClientIP',
                timeoutSeconds: svc.affinityTimeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS,
              }
            : { kind: 'None' },
      },
    });
  }
  return out;
}

/** Every Service of the model, per family, with its routing domain. */
export function allFamilyServices(
  model: ModelReader,
  health: (serviceId: Id, backendId: string) => LbBackend['health'],
): FamilyService[] {
  if (model.count('service') === 0) return [];
  const index = new SnapshotIndex(snapshotFromModel(model));
  const out: FamilyService[] = [];
  for (const svc of model.all('service'))
    out.push(...familyServices(model, svc, domainNumber(index.domainKeyOf(svc.networkId)), health));
  return out;
}
