// Security groups with their rules, and QoS policies.
import { parseCidr } from '../ipam/address';
import type {
  Direction,
  Ethertype,
  QosPolicy,
  RuleProtocol,
  SecurityGroup,
  SecurityGroupRule,
} from '../model/types';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict, heldBy, invalid, notFound, type Holder } from './errors';

/** A group's defaults: ingress deny, egress allow, members accept each other, unless set. */
export interface SecurityGroupDefaults {
  ingressDefault?: 'deny' | 'allow';
  egressDefault?: 'deny' | 'allow';
  allowWithinGroup?: boolean;
}

export interface SecurityGroupInput extends SecurityGroupDefaults {
  tenant: string;
  name: string;
  description?: string;
}

export function createSecurityGroup(ctx: OpsContext, actor: Actor, input: SecurityGroupInput): SecurityGroup {
  return ctx.mutate(actor, 'securityGroup.create', (tx) => {
    const tenant = ctx.resolve(actor, 'tenant', input.tenant, 'body/tenant', undefined, tx);
    if (tx.lookup('securityGroup', 'name', input.name).some((g) => g.tenantId === tenant.id)) {
      throw conflict(`tenant ${tenant.name} already has a security group "${input.name}"`, 'body/name');
    }
    const g: SecurityGroup = {
      id: ctx.newId(),
      tenantId: tenant.id,
      name: input.name,
      description: input.description ?? '',
      ...(input.ingressDefault !== undefined ? { ingressDefault: input.ingressDefault } : {}),
      ...(input.egressDefault !== undefined ? { egressDefault: input.egressDefault } : {}),
      ...(input.allowWithinGroup !== undefined ? { allowWithinGroup: input.allowWithinGroup } : {}),
      createdAt: ctx.now(),
    };
    tx.create('securityGroup', g);
    return g;
  });
}

export function updateSecurityGroup(
  ctx: OpsContext,
  actor: Actor,
  ref: string,
  input: { name?: string; description?: string } & SecurityGroupDefaults,
): SecurityGroup {
  return ctx.mutate(actor, 'securityGroup.update', (tx) => {
    const g = ctx.resolve(actor, 'securityGroup', ref, 'params/ref', undefined, tx);
    if (
      input.name !== undefined &&
      input.name !== g.name &&
      tx.lookup('securityGroup', 'name', input.name).some((o) => o.tenantId === g.tenantId)
    ) {
      throw conflict(`the tenant already has a security group "${input.name}"`, 'body/name');
    }
    const next: SecurityGroup = { ...g, ...input };
    tx.update('securityGroup', next);
    return next;
  });
}

export function deleteSecurityGroup(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'securityGroup.delete', (tx) => {
    const g = ctx.resolve(actor, 'securityGroup', ref, 'params/ref', undefined, tx);
    const holders: Holder[] = [
      ...tx
        .lookup('endpoint', 'securityGroup', g.id)
        .map((e) => ({ kind: 'endpoint' as const, id: e.id, name: e.name })),
      ...tx
        .lookup('securityGroupRule', 'remoteGroup', g.id)
        .filter((r) => r.securityGroupId !== g.id)
        .map((r) => ({ kind: 'securityGroupRule' as const, id: r.id })),
    ];
    if (holders.length > 0) throw heldBy(`security group ${g.name}`, holders);
    for (const r of tx.lookup('securityGroupRule', 'group', g.id)) tx.remove('securityGroupRule', r.id);
    tx.remove('securityGroup', g.id);
  });
}

export interface RuleInput {
  direction: Direction;
  ethertype?: Ethertype;
  protocol?: RuleProtocol;
  portMin?: number;
  portMax?: number;
  remoteCidr?: string;
  remoteGroup?: string;
}

const PORTED: readonly RuleProtocol[] = ['tcp', 'udp', 'sctp'];

export function addRule(
  ctx: OpsContext,
  actor: Actor,
  groupRef: string,
  input: RuleInput,
): SecurityGroupRule {
  const ethertype = input.ethertype ?? 'IPv4';
  const protocol = input.protocol ?? 'any';
  if ((input.portMin !== undefined || input.portMax !== undefined) && !PORTED.includes(protocol)) {
    throw invalid('body/portMin', `port ranges apply to tcp, udp and sctp, not to protocol ${protocol}`);
  }
  if (protocol === 'icmp' && ethertype === 'IPv6')
    throw invalid('body/protocol', 'use icmpv6 with ethertype IPv6');
  if (protocol === 'icmpv6' && ethertype === 'IPv4')
    throw invalid('body/protocol', 'use icmp with ethertype IPv4');
  const portMin = input.portMin ?? input.portMax;
  const portMax = input.portMax ?? input.portMin;
  if (portMin !== undefined && portMax !== undefined && portMin > portMax) {
    throw invalid('body/portMax', `port range ${portMin}-${portMax} is empty`);
  }
  if (input.remoteCidr !== undefined && input.remoteGroup !== undefined) {
    throw invalid('body/remoteGroup', 'give remoteCidr or remoteGroup, not both');
  }
  let remoteCidr: string | undefined;
  if (input.remoteCidr !== undefined) {
    try {
      const c = parseCidr(input.remoteCidr);
      if ((c.version === 4) !== (ethertype === 'IPv4')) {
        throw new Error(`${input.remoteCidr} is IPv${c.version} but the rule's ethertype is ${ethertype}`);
      }
      remoteCidr = input.remoteCidr;
    } catch (e) {
      throw invalid('body/remoteCidr', (e as Error).message);
    }
  }
  return ctx.mutate(actor, 'securityGroup.rule.add', (tx) => {
    const g = ctx.resolve(actor, 'securityGroup', groupRef, 'params/ref', undefined, tx);
    const remote =
      input.remoteGroup === undefined
        ? undefined
        : ctx.resolve(
            actor,
            'securityGroup',
            input.remoteGroup,
            'body/remoteGroup',
            { field: 'tenantId', id: g.tenantId },
            tx,
          );
    const r: SecurityGroupRule = {
      id: ctx.newId(),
      securityGroupId: g.id,
      tenantId: g.tenantId,
      direction: input.direction,
      ethertype,
      protocol,
      ...(portMin !== undefined ? { portMin, portMax } : {}),
      ...(remoteCidr !== undefined ? { remoteCidr } : {}),
      ...(remote ? { remoteGroupId: remote.id } : {}),
      createdAt: ctx.now(),
    };
    tx.create('securityGroupRule', r);
    return r;
  });
}

export function removeRule(ctx: OpsContext, actor: Actor, groupRef: string, id: string): void {
  ctx.mutate(actor, 'securityGroup.rule.remove', (tx) => {
    const g = ctx.resolve(actor, 'securityGroup', groupRef, 'params/ref', undefined, tx);
    const r = ctx.byId(actor, 'securityGroupRule', id, 'params/id', tx);
    if (r.securityGroupId !== g.id) throw notFound('securityGroupRule', id, 'params/id');
    tx.remove('securityGroupRule', r.id);
  });
}

export interface QosInput {
  tenant: string;
  name: string;
  ingressRateKbps?: number;
  ingressBurstKb?: number;
  egressRateKbps?: number;
  egressBurstKb?: number;
  dscp?: number;
}

function checkBursts(q: Partial<QosInput>): void {
  if (q.ingressBurstKb !== undefined && q.ingressRateKbps === undefined) {
    throw invalid('body/ingressBurstKb', 'a burst needs a rate: give ingressRateKbps too');
  }
  if (q.egressBurstKb !== undefined && q.egressRateKbps === undefined) {
    throw invalid('body/egressBurstKb', 'a burst needs a rate: give egressRateKbps too');
  }
}

export function createQosPolicy(ctx: OpsContext, actor: Actor, input: QosInput): QosPolicy {
  checkBursts(input);
  return ctx.mutate(actor, 'qosPolicy.create', (tx) => {
    const tenant = ctx.resolve(actor, 'tenant', input.tenant, 'body/tenant', undefined, tx);
    if (tx.lookup('qosPolicy', 'name', input.name).some((q) => q.tenantId === tenant.id)) {
      throw conflict(`tenant ${tenant.name} already has a QoS policy "${input.name}"`, 'body/name');
    }
    const { tenant: _t, ...rest } = input;
    const q: QosPolicy = { ...rest, id: ctx.newId(), tenantId: tenant.id, createdAt: ctx.now() };
    tx.create('qosPolicy', q);
    return q;
  });
}

export function updateQosPolicy(
  ctx: OpsContext,
  actor: Actor,
  ref: string,
  input: Partial<Omit<QosInput, 'tenant'>>,
): QosPolicy {
  return ctx.mutate(actor, 'qosPolicy.update', (tx) => {
    const q = ctx.resolve(actor, 'qosPolicy', ref, 'params/ref', undefined, tx);
    const next: QosPolicy = { ...q, ...input };
    checkBursts(next);
    if (
      input.name !== undefined &&
      input.name !== q.name &&
      tx.lookup('qosPolicy', 'name', input.name).some((o) => o.tenantId === q.tenantId)
    ) {
      throw conflict(`the tenant already has a QoS policy "${input.name}"`, 'body/name');
    }
    tx.update('qosPolicy', next);
    return next;
  });
}

export function deleteQosPolicy(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'qosPolicy.delete', (tx) => {
    const q = ctx.resolve(actor, 'qosPolicy', ref, 'params/ref', undefined, tx);
    const holders = tx
      .lookup('endpoint', 'qosPolicy', q.id)
      .map((e) => ({ kind: 'endpoint' as const, id: e.id, name: e.name }));
    if (holders.length > 0) throw heldBy(`QoS policy ${q.name}`, holders);
    tx.remove('qosPolicy', q.id);
  });
}
