// IPAM: per subnet utilisation (a chart), allocations with owners, retained addresses, VLAN<->VNI bindings per node.
import { api } from '../api';
import { badge, card, h, mount, table, time } from '../dom';
import { stackedBars } from '../chart';
import { debounce, type Page } from '../page';
import type { Ipam } from '../types';

export function ipamPage(): Page {
  let unsubscribe: (() => void) | undefined;
  return {
    async render(root, { stream }) {
      const draw = (d: Ipam) => {
        const bars = d.subnets.map((s) => {
          const total = Number(s.size);
          return {
            label: `${s.tenant}/${s.network} ${s.cidr}`,
            total,
            parts: [
              { value: s.used, className: 'used', title: `${s.used} used` },
              { value: s.retained, className: 'retained', title: `${s.retained} retained` },
              { value: Number(s.free), className: 'free', title: `${s.free} free` },
            ],
          };
        });
        mount(
          root,
          card(
            'Utilisation',
            h(
              'p',
              { class: 'legend' },
              h('i', { class: 'used' }),
              'used ',
              h('i', { class: 'retained' }),
              'retained ',
              h('i', { class: 'free' }),
              'free',
            ),
            stackedBars(bars),
          ),
          card(
            'Allocations',
            d.subnets.map((s) =>
              h(
                'details',
                { open: d.subnets.length <= 6, 'data-subnet': s.cidr },
                h(
                  'summary',
                  null,
                  `${s.tenant}/${s.network} ${s.name} ${s.cidr}: ${s.used} used, ${s.retained} retained, ${s.free} free of ${s.size}`,
                ),
                table(
                  ['Address', 'State', 'Endpoint', 'Owner', 'Retained until'],
                  s.allocations.map((a) => [
                    a.address,
                    badge(a.state, a.state === 'used' ? 'ok' : 'warn'),
                    a.endpoint ?? '–',
                    a.owner ?? '–',
                    a.retainUntil ? time(a.retainUntil) : '',
                  ]),
                ),
              ),
            ),
          ),
          card(
            'VLAN ↔ VNI bindings (network overlay nodes)',
            d.vlanBindings.length === 0
              ? h('p', { class: 'hint' }, 'None: every node is a host-overlay VTEP.')
              : table(
                  ['Node', 'Network', 'VLAN', 'VNI'],
                  d.vlanBindings.map((b) => [b.node, b.network, b.vlan, b.vni]),
                ),
          ),
        );
      };
      draw(await api<Ipam>('/ipam'));
      const refresh = debounce(() => void api<Ipam>('/ipam').then(draw), 200);
      unsubscribe = stream.on((m) => {
        if (m.type === 'change') refresh();
      });
    },
    dispose() {
      unsubscribe?.();
    },
  };
}
