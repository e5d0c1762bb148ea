// Nodes: the hosts whose virtual switch the controller programs.
import { versionOf } from '../ipam/address';
import type { DatapathType, Node, OverlayModel, VlanRange, VswitchKind } from '../model/types';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, forbidden, heldBy, invalid, type Holder } from './errors';

export const DEFAULT_VLAN_RANGE: VlanRange = { min: 100, max: 4094 };

export interface NodeInput {
  name: string;
  vswitch: VswitchKind;
  overlay: OverlayModel;
  tunnelIp: string;
  ovsdb: string;
  controllerTarget?: string;
  datapathId?: string;
  datapathType?: DatapathType;
  uplink?: string;
  vlanRange?: VlanRange;
}

export type NodeUpdate = Partial<Omit<NodeInput, 'name'>>;

function check(input: NodeUpdate): void {
  if (input.tunnelIp !== undefined && versionOf(input.tunnelIp) === undefined) {
    throw invalid('body/tunnelIp', `"${input.tunnelIp}" is not an IPv4 or IPv6 address`);
  }
  if (input.vlanRange && input.vlanRange.min > input.vlanRange.max) {
    throw invalid('body/vlanRange', `VLAN range ${input.vlanRange.min}-${input.vlanRange.max} is empty`);
  }
  if (input.datapathId !== undefined) {
    if (!/^[0-9a-fA-F]{16}$/.test(input.datapathId.replace(/:/g, ''))) {
      throw invalid('body/datapathId', `"${input.datapathId}" is not a datapath id (16 hex digits)`);
    }
  }
}

function normalizeDpid(d: string | undefined): string | undefined {
  return d === undefined ? undefined : d.replace(/:/g, '').toLowerCase();
}

export function createNode(ctx: OpsContext, actor: Actor, input: NodeInput): Node {
  if (actor.role !== 'admin') throw forbidden('only an admin registers nodes');
  check(input);
  return ctx.mutate(actor, 'node.create', (tx) => {
    if (tx.lookup('node', 'name', input.name).length > 0) {
      throw conflict(`node "${input.name}" already exists`, 'body/name');
    }
    const dpid = normalizeDpid(input.datapathId);
    const n: Node = {
      id: ctx.newId(),
      name: input.name,
      vswitch: input.vswitch,
      overlay: input.overlay,
      tunnelIp: input.tunnelIp,
      ovsdb: input.ovsdb,
      ...(input.controllerTarget !== undefined ? { controllerTarget: input.controllerTarget } : {}),
      ...(dpid !== undefined ? { datapathId: dpid } : {}),
      datapathType: input.datapathType ?? 'system',
      ...(input.uplink !== undefined ? { uplink: input.uplink } : {}),
      vlanRange: input.vlanRange ?? DEFAULT_VLAN_RANGE,
      connection: 'unknown',
      createdAt: ctx.now(),
    };
    tx.create('node', n);
    return n;
  });
}

export function updateNode(ctx: OpsContext, actor: Actor, ref: string, input: NodeUpdate): Node {
  if (actor.role !== 'admin') throw forbidden('only an admin changes nodes');
  check(input);
  return ctx.mutate(actor, 'node.update', (tx) => {
    const n = ctx.resolve(actor, 'node', ref, 'params/ref', undefined, tx);
    if (input.vlanRange) {
      const outside = tx
        .lookup('vlanBinding', 'node', n.id)
        .filter((b) => b.vlan < (input.vlanRange?.min ?? 0) || b.vlan > (input.vlanRange?.max ?? 0));
      if (outside.length > 0) {
        throw conflict(
          `VLANs ${outside.map((b) => b.vlan).join(', ')} are bound on ${n.name} and lie outside the new range`,
          'body/vlanRange',
        );
      }
    }
    if (
      input.overlay !== undefined &&
      input.overlay !== n.overlay &&
      tx.countUnder('endpoint', 'node', n.id) > 0
    ) {
      throw conflict(
        `node ${n.name} has endpoints; move them before changing its overlay model`,
        'body/overlay',
      );
    }
    const dpid = normalizeDpid(input.datapathId);
    const next: Node = { ...n, ...input, ...(dpid !== undefined ? { datapathId: dpid } : {}) };
    tx.update('node', next);
    tx.onRollback(() => ctx.forgetVlans(n.id));
    ctx.forgetVlans(n.id);
    return next;
  });
}

/** Records what the southbound side learned: connection state and the datapath id. */
export function setNodeConnection(
  ctx: OpsContext,
  actor: Actor,
  nodeId: string,
  state: Node['connection'],
): void {
  ctx.mutate(actor, 'node.connection', (tx) => {
    const n = ctx.byId(actor, 'node', nodeId, undefined, tx);
    if (n.connection !== state) tx.update('node', { ...n, connection: state });
  });
}

export function deleteNode(ctx: OpsContext, actor: Actor, ref: string): void {
  if (actor.role !== 'admin') throw forbidden('only an admin removes nodes');
  ctx.mutate(actor, 'node.delete', (tx) => {
    const n = ctx.resolve(actor, 'node', ref, 'params/ref', undefined, tx);
    const holders: Holder[] = [
      ...tx
        .lookup('endpoint', 'node', n.id)
        .map((o) => ({ kind: 'endpoint' as const, id: o.id, name: o.name })),
      ...tx.lookup('token', 'node', n.id).map((o) => ({ kind: 'token' as const, id: o.id })),
    ];
    if (holders.length > 0) throw heldBy(`node ${n.name}`, holders);
    for (const b of tx.lookup('vlanBinding', 'node', n.id)) tx.remove('vlanBinding', b.id);
    tx.remove('node', n.id);
    ctx.forgetVlans(n.id);
  });
}
