// Trace: pick a source endpoint and a destination; the controller walks the compiled pipeline of the source's node
// table by table (and on to the node a tunnel leads to) and says where the packet ends and which flow decided it.
import { api, ApiError } from '../api';
import { card, h, mount } from '../dom';
import type { Page } from '../page';
import type { Probe, Topology, Trace } from '../types';

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
      const probeResult = h('div', { id: 'probe-result' });
      const failed = (el: HTMLElement) => (err: unknown) =>
        mount(el, h('p', { class: 'error' }, err instanceof ApiError ? err.message : String(err)));
      const request = () => {
        const p = protocol.value;
        return {
          sourceEndpoint: source.value,
          destination: {
            ip: ip.value.trim(),
            protocol: p,
            ...(p !== 'icmp' && port.value ? { port: Number(port.value) } : {}),
          },
        };
      };
      const form = h(
        'form',
        {
          class: 'filters',
          id: 'trace-form',
          onsubmit: (e: Event) => {
            e.preventDefault();
            mount(result, h('p', { class: 'hint' }, 'tracing…'));
            mount(probeResult);
            api<Trace>('/trace', { method: 'POST', body: request() }).then(
              (t) => show(result, t),
              failed(result),
            );
          },
        },
        source,
        ip,
        ips,
        protocol,
        port,
        h('button', { type: 'submit', id: 'trace-run' }, 'Trace'),
        h(
          'button',
          {
            type: 'button',
            id: 'probe-run',
            title: 'admin: send this packet into the source port for real and show the counters that moved',
            onclick: () => {
              mount(probeResult, h('p', { class: 'hint' }, 'injecting…'));
              api<Probe>('/trace/probe', { method: 'POST', body: request() }).then((r) => {
                show(result, r.trace);
                showProbe(probeResult, r);
              }, failed(probeResult));
            },
          },
          'Inject probe',
        ),
      );
      mount(root, card('Trace a packet', form, result, probeResult));
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

/** What the real packet did: the flows whose counters moved, the traced ones first. */
function showProbe(root: HTMLElement, r: Probe): void {
  mount(
    root,
    h('h3', null, 'Probe injected'),
    h(
      'div',
      {
        class: `verdict ${r.agrees ? 'delivered' : 'dropped'}`,
        id: 'probe-summary',
        'data-agrees': String(r.agrees),
      },
      h('b', null, `${r.tracedMoved}/${r.traced}`),
      ' ',
      r.summary,
    ),
    h(
      'p',
      { class: 'hint' },
      `packet-out of ${r.injected.bytes} bytes on ${r.injected.node}, in_port=${r.injected.inPort}, actions=output:TABLE`,
    ),
    h(
      'table',
      { id: 'probe-flows' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['node', 'table', 'prio', 'feature', 'packets', 'in trace', 'flow'].map((c) => h('th', null, c)),
        ),
      ),
      h(
        'tbody',
        null,
        r.flows.map((f) =>
          h(
            'tr',
            {
              class: [f.traced ? 'traced' : 'untraced', f.packets !== '0' ? 'moved' : 'still'].join(' '),
              'data-moved': String(f.packets !== '0'),
              'data-traced': String(f.traced),
            },
            h('td', null, f.node),
            h('td', null, `${f.table} ${f.tableName}`),
            h('td', { class: 'num' }, f.priority),
            h('td', null, f.feature),
            h('td', { class: 'num' }, f.packets === '0' ? '0' : `+${f.packets}`),
            h('td', null, f.traced ? 'yes' : 'no'),
            h('td', { class: 'flow' }, f.text),
          ),
        ),
      ),
    ),
  );
}
