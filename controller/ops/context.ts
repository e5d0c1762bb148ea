// What every operation needs: the store, the allocators, and resolution of references by id or by name.
import { Ipam } from '../ipam/ipam';
import { NumberSpace, VNI_MAX, VNI_MIN } from '../ipam/numbers';
import { isId, newId } from '../model/ids';
import type { AnyObject, Id, Kind, ModelKinds, Node } from '../model/types';
import type { ModelReader, ModelStore, StoreTx } from '../store/store';
import { visible, type Actor } from './actor';
import { invalid, notFound } from './errors';

export interface OpsOptions {
  /** How long a stable owner's addresses wait for it (ms). Default 10 minutes. */
  readonly retentionMs?: number;
  /** MTU of new networks when not given: 1450 = 1500 minus VXLAN over IPv4 overhead. */
  readonly defaultMtu?: number;
  /** Where ClusterIPs are allocated from when a Service gives none: one address from each (default v4 and v6). */
  readonly serviceCidrs?: readonly string[];
}

export const DEFAULT_SERVICE_CIDRS: readonly string[] = ['10.96.0.0/12', 'fd00:96::/108'];

export const DEFAULT_RETENTION_MS = 10 * 60 * 1000;
export const DEFAULT_MTU = 1450;

/** Optional parent filter when resolving by name: kind -> the field holding the parent id. */
export interface Scope {
  readonly field: 'tenantId' | 'networkId' | 'routerId' | 'securityGroupId';
  readonly id: Id;
}

export class OpsContext {
  readonly ipam: Ipam;
  readonly vnis: NumberSpace;
  readonly defaultMtu: number;
  readonly serviceCidrs: readonly string[];
  private readonly vlanSpaces = new Map<Id, NumberSpace>();

  constructor(
    readonly store: ModelStore,
    options: OpsOptions = {},
  ) {
    this.ipam = new Ipam(
      options.retentionMs ?? DEFAULT_RETENTION_MS,
      store.all('subnet'),
      store.allocations(),
    );
    this.vnis = new NumberSpace(
      VNI_MIN,
      VNI_MAX,
      [...store.all('network')].map((n) => n.vni),
    );
    this.defaultMtu = options.defaultMtu ?? DEFAULT_MTU;
    this.serviceCidrs = options.serviceCidrs ?? DEFAULT_SERVICE_CIDRS;
  }

  now(): string {
    return new Date().toISOString();
  }

  newId(): Id {
    return newId();
  }

  mutate<T>(actor: Actor, action: string, body: (tx: StoreTx) => T): T {
    return this.store.transact({ actor: actor.id, action }, body);
  }

  /** The VLAN space of a node, built on first use from its range and its bindings. */
  vlansOf(node: Node): NumberSpace {
    let s = this.vlanSpaces.get(node.id);
    if (!s || s.min !== node.vlanRange.min || s.max !== node.vlanRange.max) {
      const used = this.store.lookup('vlanBinding', 'node', node.id).map((b) => b.vlan);
      s = new NumberSpace(node.vlanRange.min, node.vlanRange.max, used);
      this.vlanSpaces.set(node.id, s);
    }
    return s;
  }

  forgetVlans(nodeId: Id): void {
    this.vlanSpaces.delete(nodeId);
  }

  /** An object the actor may see, by id. */
  byId<K extends Kind>(
    actor: Actor,
    kind: K,
    id: Id,
    field?: string,
    m: ModelReader = this.store,
  ): ModelKinds[K] {
    const o = m.get(kind, id);
    if (!o || !visible(actor, kind, o)) throw notFound(kind, id, field);
    return o;
  }

  /**
   * An object by id or by name. Names are unique within a parent; a bare name that matches objects under several
   * parents the actor can see is ambiguous, and the error says how to disambiguate.
   */
  resolve<K extends Kind>(
    actor: Actor,
    kind: K,
    ref: string,
    field?: string,
    scope?: Scope,
    m: ModelReader = this.store,
  ): ModelKinds[K] {
    if (isId(ref)) {
      const o = this.byId(actor, kind, ref, field, m);
      if (scope && (o as unknown as Record<string, unknown>)[scope.field] !== scope.id)
        throw notFound(kind, ref, field);
      return o;
    }
    const candidates = this.lookupByName(kind, ref, m).filter(
      (o) =>
        visible(actor, kind, o) &&
        (!scope || (o as unknown as Record<string, unknown>)[scope.field] === scope.id),
    );
    if (candidates.length === 0) throw notFound(kind, ref, field);
    if (candidates.length > 1) {
      throw invalid(
        field ?? 'ref',
        `${kind} name "${ref}" is ambiguous (${candidates.length} match); use the id or narrow by parent`,
      );
    }
    return candidates[0];
  }

  private lookupByName<K extends Kind>(kind: K, name: string, m: ModelReader): ModelKinds[K][] {
    switch (kind) {
      case 'namespaceBinding':
        return m.lookup('namespaceBinding', 'namespace', name) as ModelKinds[K][];
      case 'tenant':
      case 'network':
      case 'subnet':
      case 'router':
      case 'node':
      case 'endpoint':
      case 'securityGroup':
      case 'qosPolicy':
      case 'service':
        return (m.lookup as (k: Kind, i: string, key: string) => AnyObject[])(
          kind,
          'name',
          name,
        ) as ModelKinds[K][];
      default:
        return [];
    }
  }
}
