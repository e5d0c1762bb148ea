// The CNI operations the node agent calls, always for the node its token is bound to. Idempotent by
// (node, containerId, ifname), as the CNI spec asks of ADD retries, DEL and GC.
import type { Dataplane } from '../dataplane';
import type { Endpoint, Id, Network } from '../model/types';
import type { StoreTx } from '../store/store';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { forbidden, invalid, notFound } from './errors';
import { addressesOf, attachEndpoint, detachEndpoint } from './endpoints';

export interface CniAddRequest {
  containerId: string;
  ifname: string;
  netns: string;
  hostIfName: string;
  k8sNamespace?: string;
  k8sPodName?: string;
  network?: string;
  ips?: string[];
  mac?: string;
}

export interface CniAttachment {
  containerId: string;
  ifname: string;
}

export interface CniResult {
  endpointId: Id;
  network: Id;
  mac: string;
  mtu: number;
  ips: { address: string; gateway?: string }[];
  routes: { dst: string; gw: string }[];
  dns: { nameservers?: string[]; search?: string[]; options?: string[] };
}

function nodeOf(actor: Actor): Id {
  if (actor.role !== 'cni' || !actor.nodeId) throw forbidden('CNI calls need a cni token bound to a node');
  return actor.nodeId;
}

function attachmentKey(nodeId: Id, a: CniAttachment): string {
  return `${nodeId}/${a.containerId}/${a.ifname}`;
}

function findAttachment(ctx: OpsContext, nodeId: Id, a: CniAttachment): Endpoint | undefined {
  return ctx.store.lookup('endpoint', 'attachment', attachmentKey(nodeId, a))[0];
}

/** `network` if given, else the namespace's binding, else the default network. */
function chooseNetwork(ctx: OpsContext, actor: Actor, tx: StoreTx, req: CniAddRequest): Network {
  if (req.network !== undefined)
    return ctx.resolve(actor, 'network', req.network, 'body/network', undefined, tx);
  if (req.k8sNamespace !== undefined) {
    const b = tx.lookup('namespaceBinding', 'namespace', req.k8sNamespace)[0];
    if (b) return ctx.byId(actor, 'network', b.networkId, 'body/k8sNamespace', tx);
  }
  for (const n of tx.all('network')) if (n.isDefault) return n;
  const ns = req.k8sNamespace ? `namespace ${req.k8sNamespace}` : 'the pod';
  throw invalid(
    'body/network',
    `no network for ${ns}: pass "network", bind the namespace with POST /api/v1/namespace-bindings, or set isDefault on a network`,
  );
}

export function cniResult(ctx: OpsContext, e: Endpoint): CniResult {
  const network = ctx.store.get('network', e.networkId);
  if (!network) throw notFound('network', e.networkId);
  const addrs = addressesOf(ctx, e);
  const routes: CniResult['routes'] = [];
  for (const v of [4, 6] as const) {
    const gw = addrs.find((a) => a.version === v && a.gateway)?.gateway;
    if (gw) routes.push({ dst: v === 4 ? '0.0.0.0/0' : '::/0', gw });
  }
  return {
    endpointId: e.id,
    network: network.id,
    mac: e.mac,
    mtu: network.mtu,
    ips: addrs.map((a) => ({ address: a.address, ...(a.gateway ? { gateway: a.gateway } : {}) })),
    routes,
    dns: clusterDns(ctx, network.id, network.dns ?? {}),
  };
}

/** The DNS Service of a network, by its well-known name (as CoreDNS's Service in Kubernetes). */
export const CLUSTER_DNS_SERVICE = 'kube-dns';

/** The network's DNS settings, with the ClusterIPs of its `kube-dns` Service first among the nameservers. */
function clusterDns(ctx: OpsContext, networkId: Id, dns: CniResult['dns']): CniResult['dns'] {
  const svc = ctx.store.lookup('service', 'name', CLUSTER_DNS_SERVICE).find((s) => s.networkId === networkId);
  if (!svc) return { ...dns };
  const nameservers = [
    ...svc.clusterIps,
    ...(dns.nameservers ?? []).filter((n) => !svc.clusterIps.includes(n)),
  ];
  return { ...dns, nameservers };
}

function endpointName(tx: StoreTx, networkId: Id, req: CniAddRequest): string {
  const base =
    req.k8sNamespace && req.k8sPodName
      ? `${req.k8sNamespace}/${req.k8sPodName}`
      : req.containerId.slice(0, 12);
  const name = req.ifname === 'eth0' ? base : `${base}:${req.ifname}`;
  // A pod re-created under the same name may arrive before its predecessor's DEL.
  const taken = tx.lookup('endpoint', 'name', name).some((e) => e.networkId === networkId);
  return taken ? `${name}@${req.containerId.slice(0, 12)}` : name;
}

export async function cniAdd(
  ctx: OpsContext,
  dp: Dataplane,
  actor: Actor,
  req: CniAddRequest,
): Promise<CniResult> {
  const nodeId = nodeOf(actor);
  let ep = findAttachment(ctx, nodeId, req);
  let created = false as boolean;
  if (!ep) {
    ep = ctx.mutate(actor, 'cni.add', (tx) => {
      const again = tx.lookup('endpoint', 'attachment', attachmentKey(nodeId, req))[0];
      if (again) return again;
      created = true;
      const node = ctx.byId(actor, 'node', nodeId, undefined, tx);
      const network = chooseNetwork(ctx, actor, tx, req);
      const owner =
        req.k8sNamespace && req.k8sPodName
          ? { namespace: req.k8sNamespace, name: req.k8sPodName }
          : undefined;
      return attachEndpoint(ctx, tx, {
        network,
        node,
        kind: 'pod',
        name: endpointName(tx, network.id, req),
        ips: req.ips,
        mac: req.mac,
        owner,
        containerId: req.containerId,
        ifname: req.ifname,
        portName: req.hostIfName,
      });
    });
  }
  // The switch is programmed while the commit is synced to disk; the runtime hears back only once both are done,
  // so the answer still means "the allocation is on disk and the pod's flows are on the switch".
  const programmed = dp.endpointAttached(ep, created);
  programmed.catch(() => undefined); // awaited below
  try {
    await ctx.store.durable();
  } catch (e) {
    // The store undid the commit: take the port and flows it no longer has off the switch again (which also ends
    // the wait for the change event that will not come).
    await dp.endpointDetached(ep).catch(() => undefined);
    await programmed.catch(() => undefined);
    throw e;
  }
  await programmed;
  return cniResult(ctx, ep);
}

export async function cniDel(
  ctx: OpsContext,
  dp: Dataplane,
  actor: Actor,
  req: CniAttachment,
): Promise<void> {
  const nodeId = nodeOf(actor);
  const ep = findAttachment(ctx, nodeId, req);
  if (!ep) return;
  ctx.mutate(actor, 'cni.del', (tx) => detachEndpoint(ctx, tx, ep));
  await ctx.store.durable();
  await dp.endpointDetached(ep);
}

export function cniCheck(ctx: OpsContext, actor: Actor, req: CniAttachment): CniResult {
  const nodeId = nodeOf(actor);
  const ep = findAttachment(ctx, nodeId, req);
  if (!ep) throw notFound('endpoint', `${req.containerId}/${req.ifname}`);
  return cniResult(ctx, ep);
}

/** Releases every pod attachment of the node that the runtime no longer lists. */
export async function cniGc(
  ctx: OpsContext,
  dp: Dataplane,
  actor: Actor,
  valid: readonly CniAttachment[],
): Promise<(CniAttachment & { endpointId: Id })[]> {
  const nodeId = nodeOf(actor);
  const keep = new Set(valid.map((a) => attachmentKey(nodeId, a)));
  const stale = ctx.store
    .lookup('endpoint', 'node', nodeId)
    .filter(
      (e) =>
        e.containerId !== undefined &&
        e.ifname !== undefined &&
        !keep.has(attachmentKey(nodeId, e as CniAttachment)),
    );
  if (stale.length === 0) return [];
  ctx.mutate(actor, 'cni.gc', (tx) => {
    for (const e of stale) detachEndpoint(ctx, tx, e);
  });
  await ctx.store.durable();
  for (const e of stale) await dp.endpointDetached(e);
  return stale.map((e) => ({
    containerId: e.containerId as string,
    ifname: e.ifname as string,
    endpointId: e.id,
  }));
}

export function cniStatus(ctx: OpsContext, dp: Dataplane, actor: Actor): { ready: boolean; detail?: string } {
  const nodeId = nodeOf(actor);
  if (!ctx.store.isOpen()) return { ready: false, detail: 'the controller store is closed' };
  if (!ctx.store.get('node', nodeId)) return { ready: false, detail: `node ${nodeId} is not registered` };
  return dp.nodeStatus(nodeId);
}
