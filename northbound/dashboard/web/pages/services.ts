// Services: ClusterIPs, ports, backends (where they run, whether they still exist), policy and affinity.
import { api } from '../api';
import { badge, card, h, mount, table } from '../dom';
import type { Page } from '../page';
import type { ServiceView } from '../types';

export function servicesPage(): Page {
  return {
    async render(root) {
      const { items } = await api<{ items: ServiceView[] }>('/service-summary');
      mount(
        root,
        card(
          'Services',
          items.length === 0
            ? h('p', { class: 'hint' }, 'No services yet (POST /api/v1/services).')
            : table(
                ['Service', 'Tenant / network', 'ClusterIPs', 'Ports', 'Backends', 'Policy', 'Affinity'],
                items.map((s) => [
                  s.name,
                  `${s.tenant} / ${s.network}`,
                  s.clusterIps.join(', '),
                  s.ports.map((p) => `${p.protocol}/${p.port}→${p.targetPort}`).join(', '),
                  h(
                    'ul',
                    { class: 'plain' },
                    s.backends.map((b) =>
                      h(
                        'li',
                        null,
                        badge(b.present ? 'up' : 'gone', b.present ? 'ok' : 'bad'),
                        ` ${b.name} ${b.ips.join(', ')}${b.node ? ` on ${b.node}` : ''} (weight ${b.weight})`,
                      ),
                    ),
                  ),
                  s.policy,
                  s.sessionAffinity,
                ]),
                { id: 'services' },
              ),
        ),
      );
    },
  };
}
