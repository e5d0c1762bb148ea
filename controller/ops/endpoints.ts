// Endpoints: a port on a node's switch in one network, with its addresses, MAC and VLAN binding.
// attachEndpoint/detachEndpoint run inside the caller's transaction; the API and CNI paths share them.
import { parseCidr } from '../ipam/address';
import { deriveMac, normalizeMac } from '../ipam/mac';
import type {
  Endpoint,
  EndpointKind,
  EndpointOwner,
  Id,
  Network,
  Node,
  PhysicalAttachment,
  Subnet,
} from '../model/types';
import { placeBareMetal } from './baremetal';
import type { StoreTx } from '../store/store';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, exhausted, invalid, notFound } from './errors';
import { dropBackend } from './services';

export interface EndpointInput {
  network: string;
  kind: EndpointKind;
  /** Pods and VMs: the node whose switch holds the port. */
  node?: string;
  /** Bare metal: the leaf VTEP, its physical port and the VLAN the server's frames carry there (0: untagged). */
  vtep?: string;
  port?: string;
  vlan?: number;
  name: string;
  ips?: string[];
  mac?: string;
  securityGroups?: string[];
  qosPolicy?: string;
  owner?: EndpointOwner;
  portName?: string;
}

export interface EndpointUpdate {
  name?: string;
  securityGroups?: string[];
  /** null detaches the policy. */
  qosPolicy?: string | null;
  portName?: string;
  ofport?: number;
}

export interface AttachSpec {
  readonly network: Network;
  /** Where the port is: a node's switch, or (bare metal) a leaf's physical port. */
  readonly node: Node | PhysicalAttachment;
  readonly kind: EndpointKind;
  readonly name: string;
  readonly ips?: readonly string[];
  readonly mac?: string;
  readonly securityGroupIds?: readonly Id[];
  readonly qosPolicyId?: Id;
  readonly owner?: EndpointOwner;
  readonly containerId?: string;
  readonly ifname?: string;
  readonly portName?: string;
  /** Request field names for error messages ("body/ips" for the API). */
  readonly fields?: { ips: string; mac: string; network: string };
}

const API_FIELDS = { ips: 'body/ips', mac: 'body/mac', network: 'body/network' };

export function ownerKey(o: EndpointOwner): string {
  return `${o.namespace}/${o.name}`;
}

function chooseAddresses(
  ctx: OpsContext,
  tx: StoreTx,
  spec: AttachSpec,
  id: Id,
  subnets: Subnet[],
): string[] {
  const f = spec.fields ?? API_FIELDS;
  const owner = spec.owner ? ownerKey(spec.owner) : undefined;
  if (spec.ips && spec.ips.length > 0) {
    const out: string[] = [];
    for (const [i, ip] of spec.ips.entries()) {
      const s = ctx.ipam.subnetOf(subnets, ip);
      if (!s) throw invalid(`${f.ips}/${i}`, `${ip} is in no subnet of network ${spec.network.name}`);
      const r = ctx.ipam.claim(tx, s.id, ip, id, owner);
      if (!r.ok) throw conflict(r.reason, `${f.ips}/${i}`);
      out.push(ctx.ipam.allocationsOf(id).slice(-1)[0].address);
    }
    return out;
  }
  if (subnets.length === 0) {
    throw conflict(
      `network ${spec.network.name} has no subnet; create one with POST /api/v1/subnets`,
      f.network,
    );
  }
  const reclaimed = owner
    ? ctx.ipam.reclaim(
        tx,
        owner,
        subnets.map((s) => s.id),
        id,
      )
    : [];
  const out = reclaimed.map((a) => a.address);
  const versions = [...new Set(subnets.map((s) => s.ipVersion))];
  for (const v of versions) {
    const ofVersion = subnets.filter((s) => s.ipVersion === v);
    if (reclaimed.some((a) => ofVersion.some((s) => s.id === a.subnetId))) continue;
    let got: string | undefined;
    for (const s of ofVersion) {
      got = ctx.ipam.allocate(tx, s.id, id, owner);
      if (got !== undefined) break;
    }
    if (got === undefined) {
      throw exhausted(
        `no free IPv${v} address in network ${spec.network.name} (subnets ${ofVersion.map((s) => s.cidr).join(', ')} are full)`,
        f.network,
      );
    }
    out.push(got);
  }
  return out;
}

export function attachEndpoint(ctx: OpsContext, tx: StoreTx, spec: AttachSpec): Endpoint {
  const f = spec.fields ?? API_FIELDS;
  const id = ctx.newId();
  const subnets = tx.lookup('subnet', 'network', spec.network.id);
  const ips = chooseAddresses(ctx, tx, spec, id, subnets);
  const macTaken = (m: string): boolean => tx.countUnder('endpoint', 'mac', `${spec.network.id}/${m}`) > 0;
  let mac: string;
  if (spec.mac !== undefined) {
    const m = normalizeMac(spec.mac);
    if ('reason' in m) throw invalid(f.mac, m.reason);
    if (macTaken(m.mac)) throw conflict(`MAC ${m.mac} is in use in network ${spec.network.name}`, f.mac);
    mac = m.mac;
  } else mac = deriveMac(ips[0], id, macTaken);
  const where = spec.node;
  if ('vtepId' in where) {
    // The leaf learns the server's MAC on its port; the VLAN there is the server's, not one of a node's range.
  } else if (where.overlay === 'network') bindVlan(ctx, tx, where, spec.network);
  const e: Endpoint = {
    id,
    networkId: spec.network.id,
    tenantId: spec.network.tenantId,
    nodeId: 'vtepId' in where ? where.vtepId : where.id,
    ...('vtepId' in where ? { physical: { ...where } } : {}),
    kind: spec.kind,
    name: spec.name,
    mac,
    ips,
    ...(spec.portName !== undefined ? { portName: spec.portName } : {}),
    securityGroupIds: [...(spec.securityGroupIds ?? [])],
    ...(spec.qosPolicyId !== undefined ? { qosPolicyId: spec.qosPolicyId } : {}),
    ...(spec.owner ? { owner: spec.owner } : {}),
    ...(spec.containerId !== undefined ? { containerId: spec.containerId } : {}),
    ...(spec.ifname !== undefined ? { ifname: spec.ifname } : {}),
    createdAt: ctx.now(),
  };
  tx.create('endpoint', e);
  return e;
}

/** Takes a VLAN for the network on a network-overlay node when this is the network's first endpoint there. */
function bindVlan(ctx: OpsContext, tx: StoreTx, node: Node, network: Network): void {
  if (tx.lookup('vlanBinding', 'nodeNetwork', `${node.id}/${network.id}`).length > 0) return;
  const vlan = ctx.vlansOf(node).takeLowest(tx);
  if (vlan === undefined) {
    const { min, max } = node.vlanRange;
    throw exhausted(
      `node ${node.name} has no free VLAN: all of ${min}-${max} are bound to other networks; widen its vlanRange or place the endpoint on another node`,
      'body/node',
    );
  }
  tx.create('vlanBinding', {
    id: ctx.newId(),
    nodeId: node.id,
    networkId: network.id,
    vlan,
    vni: network.vni,
    createdAt: ctx.now(),
  });
}

export function detachEndpoint(ctx: OpsContext, tx: StoreTx, e: Endpoint): void {
  ctx.ipam.release(tx, e.id);
  dropBackend(tx, e.id);
  tx.remove('endpoint', e.id);
  if (tx.countUnder('endpoint', 'nodeNetwork', `${e.nodeId}/${e.networkId}`) === 0) {
    for (const b of tx.lookup('vlanBinding', 'nodeNetwork', `${e.nodeId}/${e.networkId}`)) {
      tx.remove('vlanBinding', b.id);
      const node = tx.get('node', e.nodeId);
      if (node) ctx.vlansOf(node).release(tx, b.vlan);
    }
  }
}

function invalidMissing(field: string, why: string): never {
  throw invalid(field, why);
}

function resolveGroups(
  ctx: OpsContext,
  actor: Actor,
  tx: StoreTx,
  tenantId: Id,
  refs: readonly string[],
): Id[] {
  const ids = refs.map(
    (r, i) =>
      ctx.resolve(
        actor,
        'securityGroup',
        r,
        `body/securityGroups/${i}`,
        { field: 'tenantId', id: tenantId },
        tx,
      ).id,
  );
  return [...new Set(ids)];
}

export function createEndpoint(ctx: OpsContext, actor: Actor, input: EndpointInput): Endpoint {
  return ctx.mutate(actor, 'endpoint.create', (tx) => {
    const network = ctx.resolve(actor, 'network', input.network, 'body/network', undefined, tx);
    // Nodes and leaves are cluster-wide: a tenant places endpoints on nodes it cannot list.
    const node =
      input.kind === 'baremetal'
        ? placeBareMetal(ctx, actor, tx, network, input)
        : input.node === undefined
          ? invalidMissing('body/node', `a ${input.kind} endpoint needs the node whose switch holds its port`)
          : ctx.resolve({ ...actor, role: 'admin' }, 'node', input.node, 'body/node', undefined, tx);
    if (tx.lookup('endpoint', 'name', input.name).some((e) => e.networkId === network.id)) {
      throw conflict(`network ${network.name} already has an endpoint "${input.name}"`, 'body/name');
    }
    const scope = { field: 'tenantId' as const, id: network.tenantId };
    return attachEndpoint(ctx, tx, {
      network,
      node,
      kind: input.kind,
      name: input.name,
      ips: input.ips,
      mac: input.mac,
      securityGroupIds: resolveGroups(ctx, actor, tx, network.tenantId, input.securityGroups ?? []),
      qosPolicyId:
        input.qosPolicy === undefined
          ? undefined
          : ctx.resolve(actor, 'qosPolicy', input.qosPolicy, 'body/qosPolicy', scope, tx).id,
      owner: input.owner,
      portName: input.portName,
    });
  });
}

export function updateEndpoint(ctx: OpsContext, actor: Actor, ref: string, input: EndpointUpdate): Endpoint {
  return ctx.mutate(actor, 'endpoint.update', (tx) => {
    const e = ctx.resolve(actor, 'endpoint', ref, 'params/ref', undefined, tx);
    if (
      input.name !== undefined &&
      input.name !== e.name &&
      tx.lookup('endpoint', 'name', input.name).some((o) => o.networkId === e.networkId)
    ) {
      throw conflict(`the network already has an endpoint "${input.name}"`, 'body/name');
    }
    const scope = { field: 'tenantId' as const, id: e.tenantId };
    const { qosPolicyId: _q, ...rest } = e;
    const qos =
      input.qosPolicy === undefined
        ? e.qosPolicyId
        : input.qosPolicy === null
          ? undefined
          : ctx.resolve(actor, 'qosPolicy', input.qosPolicy, 'body/qosPolicy', scope, tx).id;
    const next: Endpoint = {
      ...rest,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.portName !== undefined ? { portName: input.portName } : {}),
      ...(input.ofport !== undefined ? { ofport: input.ofport } : {}),
      ...(input.securityGroups
        ? { securityGroupIds: resolveGroups(ctx, actor, tx, e.tenantId, input.securityGroups) }
        : {}),
      ...(qos !== undefined ? { qosPolicyId: qos } : {}),
    };
    tx.update('endpoint', next);
    return next;
  });
}

export function deleteEndpoint(ctx: OpsContext, actor: Actor, ref: string): Endpoint {
  return ctx.mutate(actor, 'endpoint.delete', (tx) => {
    const e = ctx.resolve(actor, 'endpoint', ref, 'params/ref', undefined, tx);
    detachEndpoint(ctx, tx, e);
    return e;
  });
}

/** Addresses of an endpoint with their prefix length and gateway, for CNI results and the API. */
export function addressesOf(
  ctx: OpsContext,
  e: Endpoint,
): { address: string; gateway?: string; subnetId: Id; version: 4 | 6 }[] {
  const subnets = ctx.store.lookup('subnet', 'network', e.networkId);
  return e.ips.map((ip) => {
    const s = ctx.ipam.subnetOf(subnets, ip);
    if (!s) throw notFound('subnet', ip);
    const c = parseCidr(s.cidr);
    return {
      address: `${ip}/${c.prefix}`,
      ...(s.gateway ? { gateway: s.gateway } : {}),
      subnetId: s.id,
      version: s.ipVersion,
    };
  });
}
