// Who is asking. Roles decide which routes may be called (northbound/api/auth.ts); the tenant decides what is visible.
import type { AnyObject, Id, Kind, Role } from '../model/types';

export interface Actor {
  /** Token id, or "system". */
  readonly id: string;
  readonly role: Role;
  readonly tenantId?: Id;
  readonly nodeId?: Id;
}

export const SYSTEM: Actor = { id: 'system', role: 'admin' };

/** The tenant an object belongs to; undefined for cluster-wide objects (nodes, tokens of admins). */
export function tenantOf(kind: Kind, o: AnyObject): Id | undefined {
  if (kind === 'tenant') return o.id;
  if ('tenantId' in o) return o.tenantId;
  return undefined;
}

/** A tenant sees its own objects and nothing else; other roles see everything. */
export function visible(actor: Actor, kind: Kind, o: AnyObject): boolean {
  if (actor.role !== 'tenant') return true;
  if (kind === 'node' || kind === 'vlanBinding' || kind === 'vtep') return false;
  return tenantOf(kind, o) === actor.tenantId;
}
