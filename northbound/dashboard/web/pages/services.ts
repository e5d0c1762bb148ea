// Services: ClusterIPs, ports, backends (where they run, whether they still exist, their health and open sessions),
// policy and affinity. Health and sessions follow the load balancer live (serviceStats on the event stream); a model
// change to a Service re-reads the summary.
import { api } from '../api';
import { badge, card, h, mount, table } from '../dom';
import { debounce, type Page } from '../page';
import type { BackendHealth, ServiceStats, ServiceView } from '../types';

const HEALTH_BADGE: Record<BackendHealth, 'ok' | 'warn' | 'bad'> = {
  healthy: 'ok',
  draining: 'warn',
  unhealthy: 'bad',
};

export function servicesPage(): Page {
  let unsubscribe: (() => void) | undefined;
  return {
    async render(root, { stream }) {
      const draw = (items: ServiceView[]): void =>
        mount(
          root,
          card(
            'Services',
            items.length === 0
              ? h('p', { class: 'hint' }, 'No services yet (POST /api/v1/services).')
              : table(
                  [
                    'Service',
                    'Tenant / network',
                    'ClusterIPs',
                    'Ports',
                    'Backends (health, open sessions)',
                    'Sessions',
                    'Policy',
                    'Affinity',
                  ],
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
                          { 'data-service': s.id, 'data-backend': b.id },
                          badge(b.present ? 'up' : 'gone', b.present ? 'ok' : 'bad'),
                          ' ',
                          healthBadge(b.health),
                          ` ${b.name} ${b.ips.join(', ')}${b.node ? ` on ${b.node}` : ''} (weight ${b.weight}) `,
                          h('b', { class: 'sessions num', title: 'open sessions' }, b.sessions ?? '–'),
                        ),
                      ),
                    ),
                    h('b', { class: 'num service-sessions', 'data-service': s.id }, s.sessions ?? '–'),
                    s.policy,
                    s.sessionAffinity,
                  ]),
                  { id: 'services' },
                ),
          ),
        );
      const load = async (): Promise<void> =>
        draw((await api<{ items: ServiceView[] }>('/service-summary')).items);
      await load();
      const reload = debounce(() => void load(), 150);
      unsubscribe = stream.on((m) => {
        if (m.type === 'serviceStats') update(root, m);
        else if (
          m.type === 'change' &&
          m.event.changes.some((c) => c.kind === 'service' || c.kind === 'endpoint')
        )
          reload();
      });
    },
    dispose() {
      unsubscribe?.();
    },
  };
}

function healthBadge(health: BackendHealth): HTMLElement {
  const el = badge(health, HEALTH_BADGE[health]);
  el.classList.add('health');
  return el;
}

/** Writes one Service's live figures into the rows already drawn. */
function update(root: HTMLElement, stats: ServiceStats): void {
  const total = root.querySelector(`.service-sessions[data-service="${CSS.escape(stats.serviceId)}"]`);
  if (total && stats.sessions !== undefined) total.textContent = String(stats.sessions);
  for (const b of stats.backends) {
    const li = root.querySelector(
      `li[data-service="${CSS.escape(stats.serviceId)}"][data-backend="${CSS.escape(b.id)}"]`,
    );
    if (!li) continue;
    li.querySelector('.health')?.replaceWith(healthBadge(b.health));
    const n = li.querySelector('.sessions');
    if (n && b.sessions !== undefined) n.textContent = String(b.sessions);
  }
}
