// Security groups and QoS on top of the pipeline fixture: group "web" (a1, a2 on n1; a3 on n2) accepts tcp/80 from
// group "client" (a5), tcp/8000-8003 from 192.168.0.0/16, and ICMP from anywhere; a1 has a QoS policy.
import type { QosPolicy, SecurityGroup, SecurityGroupRule } from '../../../controller/model/types.js';
import type { PipelineSnapshot } from '../../../controller/pipeline/snapshot.js';
import { cluster } from './fixture.js';

const at = '2026-01-01T00:00:00.000Z';

export function group(id: string, extra: Partial<SecurityGroup> = {}): SecurityGroup {
  return { id, tenantId: 'TA', name: id, description: '', createdAt: at, ...extra };
}

export function rule(id: string, groupId: string, r: Partial<SecurityGroupRule>): SecurityGroupRule {
  return {
    id,
    securityGroupId: groupId,
    tenantId: 'TA',
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'any',
    createdAt: at,
    ...r,
  };
}

export const QOS: QosPolicy = {
  id: 'Q1',
  tenantId: 'TA',
  name: 'gold',
  ingressRateKbps: 10_000,
  ingressBurstKb: 1000,
  egressRateKbps: 5_000,
  dscp: 46,
  createdAt: at,
};

export function sgCluster(): PipelineSnapshot {
  const base = cluster();
  const member = new Set(['a1', 'a2', 'a3']);
  return {
    ...base,
    endpoints: base.endpoints.map((e) =>
      member.has(e.id)
        ? { ...e, securityGroupIds: ['G-web'], ...(e.id === 'a1' ? { qosPolicyId: 'Q1' } : {}) }
        : e.id === 'a5'
          ? { ...e, securityGroupIds: ['G-client'] }
          : e,
    ),
    securityGroups: [group('G-web'), group('G-client', { allowWithinGroup: false })],
    securityGroupRules: [
      rule('R1', 'G-web', { protocol: 'tcp', portMin: 80, portMax: 80, remoteGroupId: 'G-client' }),
      rule('R2', 'G-web', { protocol: 'tcp', portMin: 8000, portMax: 8003, remoteCidr: '192.168.0.0/16' }),
      rule('R3', 'G-web', { protocol: 'icmp' }),
      rule('R4', 'G-web', { protocol: 'icmp', ethertype: 'IPv6' }),
    ],
    qosPolicies: [QOS],
  };
}
