// Overview: nodes with their vSwitch kind, overlay model, OVSDB and OpenFlow sessions, flow counts; object counts;
// the recent events, streaming in live.
import { api } from '../api';
import { badge, card, h, mount, table, time } from '../dom';
import { debounce, type Page } from '../page';
import type { AuditEntry, NodeState, NodeView, Overview } from '../types';

const COUNT_LABELS: Record<string, string> = {
  tenant: 'Tenants',
  network: 'Networks',
  subnet: 'Subnets',
  router: 'Routers',
  node: 'Nodes',
  endpoint: 'Endpoints',
  service: 'Services',
  securityGroup: 'Security groups',
  qosPolicy: 'QoS policies',
};
const MAX_EVENTS = 50;

export function sessionBadge(s: string): HTMLElement {
  const ok = s === 'monitoring' || s === 'connected';
  return badge(s, ok ? 'ok' : s === 'none' ? 'bad' : 'warn');
}

export function overviewPage(): Page {
  let unsubscribe: (() => void) | undefined;
  return {
    async render(root, { stream }) {
      let data = await api<Overview>('/overview?recent=20');
      const nodesEl = h('div');
      const countsEl = h('div', { class: 'counts', id: 'counts' });
      const eventsEl = h('ol', { class: 'events', id: 'events' });
      const drawNodes = (nodes: NodeView[]) =>
        mount(
          nodesEl,
          table(
            ['Node', 'vSwitch', 'Overlay', 'Tunnel IP', 'OVSDB', 'OpenFlow', 'Flows', 'Endpoints', 'Problem'],
            nodes.map((n) => [
              h('a', { href: `#/flows?node=${encodeURIComponent(n.name)}` }, n.name),
              n.vswitch,
              n.overlay,
              n.tunnelIp,
              sessionBadge(n.state.ovsdb),
              sessionBadge(n.state.openflow),
              h('span', { class: 'num' }, n.state.flows ?? '–'),
              h('span', { class: 'num' }, n.endpoints),
              n.state.problem ?? '',
            ]),
            { id: 'nodes' },
          ),
        );
      const drawCounts = (counts: Record<string, number>) =>
        mount(
          countsEl,
          Object.entries(COUNT_LABELS).map(([k, label]) =>
            h(
              'div',
              { class: 'count', 'data-kind': k },
              h('b', null, counts[k] ?? 0),
              h('span', null, label),
            ),
          ),
        );
      const eventItem = (e: AuditEntry) =>
        h(
          'li',
          null,
          h('time', null, time(e.at)),
          ' ',
          h('b', null, e.action),
          ' by ',
          e.actor,
          ': ',
          e.changes
            .map((c) => `${c.op} ${c.kind} ${String(c.after?.name ?? c.before?.name ?? c.id)}`)
            .join(', '),
        );
      drawNodes(data.nodes);
      drawCounts(data.counts);
      mount(eventsEl, data.events.map(eventItem));
      mount(
        root,
        card('Nodes', nodesEl),
        card('Model', countsEl),
        card('Recent events', h('p', { class: 'hint' }, 'Live from the controller.'), eventsEl),
      );
      performance.mark('overview-rendered');

      const refresh = debounce(() => {
        void api<Overview>('/overview?recent=0').then((d) => {
          data = { ...d, events: data.events };
          drawNodes(d.nodes);
          drawCounts(d.counts);
        });
      }, 150);
      unsubscribe = stream.on((m) => {
        if (m.type === 'change') {
          eventsEl.prepend(eventItem(m.event));
          while (eventsEl.children.length > MAX_EVENTS) eventsEl.lastElementChild?.remove();
          refresh();
        } else if (m.type === 'nodeState') {
          const nodes = data.nodes.map((n) =>
            n.id === m.nodeId ? { ...n, state: m.state as NodeState } : n,
          );
          data = { ...data, nodes };
          drawNodes(nodes);
        }
      });
    },
    dispose() {
      unsubscribe?.();
    },
  };
}
