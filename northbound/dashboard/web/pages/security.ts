// Security groups (rules and the endpoints they apply to) and QoS policies (limits and where they apply).
import { api } from '../api';
import { card, h, mount, table } from '../dom';
import type { Page } from '../page';
import type { Security } from '../types';

export function securityPage(): Page {
  return {
    async render(root) {
      const s = await api<Security>('/security-summary');
      const groups =
        s.securityGroups.length === 0
          ? h('p', { class: 'hint' }, 'No security groups: endpoints without one are not filtered.')
          : s.securityGroups.map((g) =>
              h(
                'div',
                { class: 'group', 'data-group': g.name },
                h('h3', null, `${g.name} `, h('small', null, `${g.tenant} · ${g.description}`)),
                table(
                  ['Direction', 'Ethertype', 'Protocol', 'Ports', 'Remote'],
                  g.rules.map((r) => [r.direction, r.ethertype, r.protocol, r.ports, r.remote]),
                ),
                h('p', null, 'Applies to: ', g.appliesTo.length ? g.appliesTo.join(', ') : 'no endpoint'),
              ),
            );
      const qos =
        s.qosPolicies.length === 0
          ? h('p', { class: 'hint' }, 'No QoS policies.')
          : table(
              ['Policy', 'Tenant', 'Ingress kbit/s', 'Egress kbit/s', 'DSCP', 'Applies to'],
              s.qosPolicies.map((q) => [
                q.name,
                q.tenant,
                q.ingressRateKbps ?? 'unlimited',
                q.egressRateKbps ?? 'unlimited',
                q.dscp ?? '–',
                q.appliesTo.join(', ') || 'no endpoint',
              ]),
            );
      mount(root, card('Security groups', groups), card('QoS policies', qos));
    },
  };
}
