// What the lab tells the controller: T tenants, each with one network holding the same IPv4 and IPv6 subnets
// (overlapping on purpose), a namespace binding per tenant; and every node, with a CNI token bound to it.
// Each object is recorded in the state file as it is made, so that `down` removes exactly those.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, ApiError, idOf, isRow, problem } from './api';
import type { ControllerOptions, LabPlan, NodePlan } from './layout';
import { sleep } from './exec';
import type { LabState, Registration } from './state';

export interface TenantNetwork {
  tenant: string;
  network: string;
  networkId: string;
  namespace: string;
}

export async function registerTenants(
  api: ApiClient,
  plan: LabPlan,
  ctl: ControllerOptions,
  state: LabState,
  save: () => void,
): Promise<Map<string, TenantNetwork>> {
  const record = (r: Registration): void => {
    state.registrations.push(r);
    save();
  };
  const out = new Map<string, TenantNetwork>();
  for (const t of plan.tenants) {
    const tenant = await api.ensure('/api/v1/tenants', { name: t.name }, { name: t.name }, { name: t.name });
    const tenantId = idOf(tenant.row);
    record({ kind: 'tenants', id: tenantId, name: t.name, created: tenant.created });
    const net = await api.ensure(
      '/api/v1/networks',
      { tenant: tenantId, name: t.network },
      { tenant: tenantId, name: t.network },
      { name: t.network },
    );
    const networkId = idOf(net.row);
    record({ kind: 'networks', id: networkId, name: `${t.name}/${t.network}`, created: net.created });
    for (const cidr of [ctl.subnet4, ctl.subnet6]) {
      const sub = await api.ensure(
        '/api/v1/subnets',
        { network: networkId, cidr },
        { network: networkId },
        { cidr },
      );
      record({
        kind: 'subnets',
        id: idOf(sub.row),
        name: `${t.name}/${t.network}/${cidr}`,
        created: sub.created,
      });
    }
    // A namespace bound to another network is not the lab's to move: ensure() then fails and says so.
    const binding = await api.ensure(
      '/api/v1/namespace-bindings',
      { namespace: t.namespace, network: networkId },
      { network: networkId },
      { namespace: t.namespace },
    );
    record({
      kind: 'namespace-bindings',
      id: idOf(binding.row),
      name: t.namespace,
      created: binding.created,
    });
    out.set(t.name, { tenant: t.name, network: t.network, networkId, namespace: t.namespace });
  }
  return out;
}

/** The body of POST /api/v1/nodes for a lab node. */
export function nodeRegistration(node: NodePlan): Record<string, unknown> {
  return {
    name: node.name,
    vswitch: 'ovs',
    overlay: node.overlay,
    ...(node.leafUplink ? { uplink: node.leafUplink } : {}),
    tunnelIp: node.tunnelIp,
    ovsdb: `tcp:127.0.0.1:${node.ovsdbPort}`,
    controllerTarget: `unix:${node.ofSocket}`,
    datapathId: node.dpid,
    datapathType: 'netdev',
  };
}

/**
 * Registers the node (replacing a stale registration of the same name left by an earlier lab: its ports and
 * sockets are gone) and writes a CNI token bound to it into DIR/nN/cni.token (mode 0600) for its agent.
 */
export async function registerNode(
  api: ApiClient,
  node: NodePlan,
  state: LabState,
  save: () => void,
): Promise<string> {
  const body = nodeRegistration(node);
  let res = await api.request('POST', '/api/v1/nodes', body);
  if (res.status === 409) {
    await api.remove(`/api/v1/nodes/${encodeURIComponent(node.name)}`);
    res = await api.request('POST', '/api/v1/nodes', body);
  }
  if (res.status < 200 || res.status >= 300 || !isRow(res.body)) {
    throw new ApiError(
      res.status,
      `POST /api/v1/nodes ${JSON.stringify(body)}: ${res.status} ${problem(res.body)}`,
    );
  }
  const created = res.body;
  state.registrations.push({ kind: 'nodes', id: idOf(created), name: node.name, created: true });
  save();
  const token = await api.create('/api/v1/tokens', { role: 'cni', node: node.name });
  state.registrations.push({ kind: 'tokens', id: idOf(token), name: `cni/${node.name}`, created: true });
  save();
  if (typeof token.token !== 'string') throw new Error('POST /api/v1/tokens answered without a token field');
  const file = join(node.dir, 'cni.token');
  writeFileSync(file, `${token.token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** Removes what the lab created, newest first; reused objects stay. Errors are collected, not thrown. */
export async function deregister(api: ApiClient, registrations: readonly Registration[]): Promise<string[]> {
  const errors: string[] = [];
  for (const r of [...registrations].reverse()) {
    if (!r.created) continue;
    await api.remove(`/api/v1/${r.kind}/${encodeURIComponent(r.id)}`).catch((err: unknown) => {
      errors.push(err instanceof Error ? err.message : String(err));
    });
  }
  return errors;
}

/**
 * Polls GET /api/v1/nodes/NAME until the controller reports the node `connected` (its OVSDB and OpenFlow sessions
 * are up), or fails after timeoutMs naming the nodes that are not, and where to look.
 */
export async function waitConnected(
  api: ApiClient,
  nodes: readonly NodePlan[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...nodes];
  const seen = new Map<string, string>();
  while (pending.length) {
    const states = await Promise.all(
      pending.map(async (n) => {
        const row = await api.get(`/api/v1/nodes/${encodeURIComponent(n.name)}`);
        const state = isRow(row) && typeof row.connection === 'string' ? row.connection : 'unknown';
        seen.set(n.name, state);
        return state;
      }),
    );
    pending = pending.filter((_, i) => states[i] !== 'connected');
    if (!pending.length) return;
    if (Date.now() > deadline) {
      const which = pending.map((n) => `${n.name} (${seen.get(n.name)}; see ${n.dir}/vsw.log)`).join(', ');
      throw new Error(`nodes not connected to the controller after ${timeoutMs} ms: ${which}`);
    }
    await sleep(100);
  }
}
