// Which nodes' desired switch state a change can alter. Pure over a model reader; the store calls it for every change
// (with the model as it is after the change, and the object before and after) to fill ChangeEvent.nodes.
import type { Change } from '../events';
import type { Id, ModelKinds } from './types';
import type { GroupName, IndexName } from './indexes';
import type { Kind } from './types';
import { leafGatewayNode } from './leaf-gateway';

export interface AffectedReader {
  get<K extends Kind>(kind: K, id: Id): ModelKinds[K] | undefined;
  all<K extends Kind>(kind: K): IterableIterator<ModelKinds[K]>;
  lookup<K extends Kind>(kind: K, index: IndexName<K>, key: string): ModelKinds[K][];
  members<K extends Kind>(kind: K, group: GroupName<K>, key: string): IterableIterator<string>;
}

/**
 * Nodes hosting an endpoint of the network or holding a VLAN for it (from a group index, not a walk), and the leaf
 * gateway when bare metal is in it (a leaf among the members: model/leaf-gateway.ts).
 */
export function nodesOfNetwork(m: AffectedReader, networkId: Id, into: Set<Id>): void {
  let bareMetal = false;
  for (const n of m.members('endpoint', 'nodesOfNetwork', networkId)) {
    into.add(n);
    bareMetal ||= m.get('vtep', n) !== undefined;
  }
  for (const b of m.lookup('vlanBinding', 'network', networkId)) into.add(b.nodeId);
  if (bareMetal) {
    const gw = leafGatewayNode(m.all('node'));
    if (gw) into.add(gw.id);
  }
}

/** nodesOfNetwork for every network routed with this one: each of their nodes routes to its addresses. */
export function nodesOfDomain(m: AffectedReader, networkId: Id, into: Set<Id>): void {
  nodesOfNetwork(m, networkId, into);
  const routers = new Set<Id>();
  for (const s of m.lookup('subnet', 'network', networkId))
    for (const i of m.lookup('routerInterface', 'subnet', s.id)) routers.add(i.routerId);
  const seen = new Set<Id>([networkId]);
  for (const r of routers) {
    for (const i of m.lookup('routerInterface', 'router', r)) {
      const s = m.get('subnet', i.subnetId);
      if (!s || seen.has(s.networkId)) continue;
      seen.add(s.networkId);
      nodesOfNetwork(m, s.networkId, into);
    }
  }
}

function nodesOfGroup(m: AffectedReader, groupId: Id, into: Set<Id>): void {
  for (const e of m.lookup('endpoint', 'securityGroup', groupId)) into.add(e.nodeId);
  // Rules of other groups that name this one as remote match on its members' addresses.
  for (const r of m.lookup('securityGroupRule', 'remoteGroup', groupId)) {
    for (const e of m.lookup('endpoint', 'securityGroup', r.securityGroupId)) into.add(e.nodeId);
  }
}

export function affectedNodes(m: AffectedReader, c: Change, into: Set<Id>): void {
  switch (c.kind) {
    case 'tenant':
    case 'token':
    case 'namespaceBinding':
      return;
    case 'node': {
      // A node's overlay model decides which node is the leaf gateway (model/leaf-gateway.ts): the old and the new
      // one both change, so a changed overlay names every node as a new or moved node does.
      const moved =
        !c.before ||
        !c.after ||
        c.before.tunnelIp !== c.after.tunnelIp ||
        c.before.overlay !== c.after.overlay;
      if (moved) for (const n of m.all('node')) into.add(n.id);
      into.add(c.id);
      return;
    }
    case 'network':
      return nodesOfNetwork(m, c.id, into);
    case 'subnet':
    case 'service':
    case 'endpoint': {
      for (const o of [c.before, c.after]) {
        if (!o) continue;
        if (c.kind === 'service') nodesOfNetwork(m, o.networkId, into);
        else nodesOfDomain(m, o.networkId, into);
        if ('nodeId' in o) into.add(o.nodeId);
        // The last server of a network gone: the leaf gateway drops its part (no leaf among the members any more).
        if ('physical' in o && o.physical) {
          const gw = leafGatewayNode(m.all('node'));
          if (gw) into.add(gw.id);
        }
        // Its addresses are remote-group matches wherever a rule names one of its groups.
        if ('securityGroupIds' in o) for (const g of o.securityGroupIds) nodesOfGroup(m, g, into);
      }
      return;
    }
    case 'router':
      for (const i of m.lookup('routerInterface', 'router', c.id)) {
        const s = m.get('subnet', i.subnetId);
        if (s) nodesOfNetwork(m, s.networkId, into);
      }
      return;
    case 'routerInterface': {
      // Every network on the router learns or loses a route to this subnet.
      const o = c.after ?? c.before;
      if (!o) return;
      for (const i of [...m.lookup('routerInterface', 'router', o.routerId), o]) {
        const s = m.get('subnet', i.subnetId);
        if (s) nodesOfNetwork(m, s.networkId, into);
      }
      return;
    }
    case 'securityGroup':
      return nodesOfGroup(m, c.id, into);
    case 'securityGroupRule': {
      const o = c.after ?? c.before;
      if (o) nodesOfGroup(m, o.securityGroupId, into);
      return;
    }
    case 'qosPolicy':
      for (const e of m.lookup('endpoint', 'qosPolicy', c.id)) into.add(e.nodeId);
      return;
    case 'vlanBinding': {
      const o = c.after ?? c.before;
      if (o) into.add(o.nodeId);
      return;
    }
    case 'vtep':
      // Host-overlay nodes reach MACs behind a leaf at its tunnel IP; its uplinked nodes change their path.
      for (const n of m.all('node')) into.add(n.id);
      return;
  }
}
