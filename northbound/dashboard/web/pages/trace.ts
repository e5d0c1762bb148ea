// Trace: pick a source endpoint and a destination; the controller walks the compiled pipeline of the source's node
// table by table (and on to the node a tunnel leads to) and says where the packet ends and which flow decided it.
import { api, ApiError } from '../api';
import { card, h, mount } from '../dom';
import type { Page } from '../page';
import type { Topology, Trace } from '../types';

export function tracePage(): Page {
  return {
    async render(root, { params }) {
      const topo = await api<Topology>('/topology');
      const nodeName = new Map(topo.nodes.map((n) => [n.id, n.name]));
      const source = h(
        'select',
        { id: 'trace-source', required: true },
        topo.endpoints.map((e) =>
          h(
            'option',
            { value: e.id, selected: e.id === params.get('source') || e.name === params.get('source') },
            `${e.name} ${e.ips.join(' ')} (${nodeName.get(e.nodeId) ?? '?'})`,
          ),
        ),
      );
      const ip = h('input', {
        id: 'trace-ip',
        required: true,
        placeholder: 'destination IP',
        list: 'trace-ips',
        value: params.get('ip') ?? '',
      });
      const ips = h(
        'datalist',
        { id: 'trace-ips' },
        topo.endpoints.flatMap((e) => e.ips.map((a) => h('option', { value: a }, e.name))),
      );
      const protocol = h(
        'select',
        { id: 'trace-protocol' },
        ['icmp', 'tcp', 'udp', 'sctp'].map((p) => h('option', { value: p }, p)),
      );
      const port = h('input', {
        id: 'trace-port',
        type: 'number',
        min: 0,
        max: 65535,
        placeholder: 'port',
        value: '80',
      });
      const result = h('div', { id: 'trace-result' });
      const form = h(
        'form',
        {
          class: 'filters',
          id: 'trace-form',
          onsubmit: (e: Event) => {
            e.preventDefault();
            mount(result, h('p', { class: 'hint' }, 'tracing…'));
            const p = protocol.value;
            api<Trace>('/trace', {
              method: 'POST',
              body: {
                sourceEndpoint: source.value,
                destination: {
                  ip: ip.value.trim(),
                  protocol: p,
                  ...(p !== 'icmp' && port.value ? { port: Number(port.value) } : {}),
                },
              },
            }).then(
              (t) => show(result, t),
              (err: unknown) =>
                mount(
                  result,
                  h('p', { class: 'error' }, err instanceof ApiError ? err.message : String(err)),
                ),
            );
          },
        },
        source,
        ip,
        ips,
        protocol,
        port,
        h('button', { type: 'submit', id: 'trace-run' }, 'Trace'),
      );
      mount(root, card('Trace a packet', form, result));
    },
  };
}

function show(root: HTMLElement, t: Trace): void {
  const v = t.verdict;
  mount(
    root,
    h(
      'div',
      { class: `verdict ${v.kind}`, id: 'verdict', 'data-verdict': v.kind },
      h('b', null, v.kind.toUpperCase()),
      ' ',
      v.summary,
    ),
    v.decidedBy
      ? h(
          'div',
          null,
          h('p', null, `Decided by this flow${v.decidedByNode ? ` on ${v.decidedByNode}` : ''}:`),
          h('pre', { id: 'decided-by' }, v.decidedBy),
        )
      : null,
    h('p', { class: 'hint' }, 'Packet: ', h('code', null, t.packet)),
    h(
      'table',
      { id: 'trace-steps' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['node', 'phase', 'table', 'prio', 'feature', 'flow'].map((c) => h('th', null, c)),
        ),
      ),
      h(
        'tbody',
        null,
        t.steps.map((s) =>
          h(
            'tr',
            { class: s.flow && s.flow === v.decidedBy ? 'decided' : s.flow ? undefined : 'miss' },
            h('td', null, s.node),
            h('td', null, s.phase),
            h('td', null, `${'↳'.repeat(s.depth)}${s.table} ${s.tableName}`),
            h('td', { class: 'num' }, s.priority ?? ''),
            h('td', null, s.feature ?? ''),
            h(
              'td',
              { class: 'flow' },
              s.flow ?? s.note ?? '',
              s.flow && s.note ? h('small', null, ` (${s.note})`) : null,
            ),
          ),
        ),
      ),
    ),
  );
}
