// Which nodes' desired switch state a change can alter. Pure over a model reader; the store calls it for every change
// (with the model as it is after the change, and the object before and after) to fill ChangeEvent.nodes.
import type { Change } from '../events';
import type { Id, ModelKinds } from './types';
import type { GroupName, IndexName } from './indexes';
import type { Kind } from './types';

export interface AffectedReader {
  get<K extends Kind>(kind: K, id: Id): ModelKinds[K] | undefined;
  all<K extends Kind>(kind: K): IterableIterator<ModelKinds[K]>;
  lookup<K extends Kind>(kind: K, index: IndexName<K>, key: string): ModelKinds[K][];
  members<K extends Kind>(kind: K, group: GroupName<K>, key: string): IterableIterator<string>;
}

/** Nodes hosting an endpoint of the network or holding a VLAN for it (from a group index, not a walk). */
export function nodesOfNetwork(m: AffectedReader, networkId: Id, into: Set<Id>): void {
  for (const n of m.members('endpoint', 'nodesOfNetwork', networkId)) into.add(n);
  for (const b of m.lookup('vlanBinding', 'network', networkId)) into.add(b.nodeId);
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
      const moved = !c.before || !c.after || c.before.tunnelIp !== c.after.tunnelIp;
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
        nodesOfNetwork(m, o.networkId, into);
        if ('nodeId' in o) into.add(o.nodeId);
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
  }
}
