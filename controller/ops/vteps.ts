// Leaf VTEPs: the hardware_vtep switches of the network-overlay model. A leaf names the network-overlay nodes whose
// uplink plugs into one of its physical ports; the VTEP reconciler programs it from the model.
import { versionOf } from '../ipam/address';
import type { Vtep, VtepUplink } from '../model/types';
import type { StoreTx } from '../store/store';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, forbidden, invalid } from './errors';

export interface VtepInput {
  name: string;
  ovsdb: string;
  tunnelIp: string;
  /** The leaf's Physical_Switch name; the VTEP's name when not given. */
  physicalSwitch?: string;
  /** node (name or id) -> the leaf's physical port its uplink plugs into. */
  uplinks?: { node: string; port: string }[];
}

export type VtepUpdate = Partial<Omit<VtepInput, 'name'>>;

export function createVtep(ctx: OpsContext, actor: Actor, input: VtepInput): Vtep {
  if (actor.role !== 'admin') throw forbidden('only an admin registers leaf VTEPs');
  if (versionOf(input.tunnelIp) !== 4)
    throw invalid('body/tunnelIp', `"${input.tunnelIp}" is not an IPv4 address (vxlan_over_ipv4)`);
  return ctx.mutate(actor, 'vtep.create', (tx) => {
    if (tx.lookup('vtep', 'name', input.name).length > 0)
      throw conflict(`VTEP "${input.name}" already exists`, 'body/name');
    const v: Vtep = {
      id: ctx.newId(),
      name: input.name,
      ovsdb: input.ovsdb,
      tunnelIp: input.tunnelIp,
      physicalSwitch: input.physicalSwitch ?? input.name,
      uplinks: resolveUplinks(ctx, actor, input.uplinks ?? [], tx),
      createdAt: ctx.now(),
    };
    tx.create('vtep', v);
    return v;
  });
}

export function updateVtep(ctx: OpsContext, actor: Actor, ref: string, input: VtepUpdate): Vtep {
  if (actor.role !== 'admin') throw forbidden('only an admin changes leaf VTEPs');
  if (input.tunnelIp !== undefined && versionOf(input.tunnelIp) !== 4)
    throw invalid('body/tunnelIp', `"${input.tunnelIp}" is not an IPv4 address (vxlan_over_ipv4)`);
  return ctx.mutate(actor, 'vtep.update', (tx) => {
    const v = ctx.resolve(actor, 'vtep', ref, 'params/ref', undefined, tx);
    const { uplinks, ...rest } = input;
    const next: Vtep = {
      ...v,
      ...rest,
      ...(uplinks !== undefined ? { uplinks: resolveUplinks(ctx, actor, uplinks, tx, v.id) } : {}),
    };
    tx.update('vtep', next);
    return next;
  });
}

export function deleteVtep(ctx: OpsContext, actor: Actor, ref: string): void {
  if (actor.role !== 'admin') throw forbidden('only an admin removes leaf VTEPs');
  ctx.mutate(actor, 'vtep.delete', (tx) => {
    const v = ctx.resolve(actor, 'vtep', ref, 'params/ref', undefined, tx);
    const behind = tx.countUnder('endpoint', 'node', v.id);
    if (behind > 0)
      throw conflict(
        `${behind} bare-metal endpoints sit behind VTEP ${v.name}; delete them first`,
        'params/ref',
      );
    tx.remove('vtep', v.id);
  });
}

function resolveUplinks(
  ctx: OpsContext,
  actor: Actor,
  refs: readonly { node: string; port: string }[],
  tx: StoreTx,
  selfId?: string,
): VtepUplink[] {
  const seen = new Set<string>();
  return refs.map((u, i) => {
    const n = ctx.resolve(actor, 'node', u.node, `body/uplinks/${i}/node`, undefined, tx);
    if (n.overlay !== 'network')
      throw invalid(
        `body/uplinks/${i}/node`,
        `node ${n.name} is a host-overlay node; only network-overlay nodes uplink to a leaf`,
      );
    if (seen.has(n.id)) throw invalid(`body/uplinks/${i}/node`, `node ${n.name} is listed twice`);
    seen.add(n.id);
    const other = tx.lookup('vtep', 'uplinkNode', n.id).find((x) => x.id !== selfId);
    if (other)
      throw conflict(`node ${n.name} already uplinks to VTEP ${other.name}`, `body/uplinks/${i}/node`);
    return { nodeId: n.id, port: u.port };
  });
}
