// Flows: a node's flow table in ovs-ofctl syntax from live flow stats (the counters update every 2 s), filtered by
// table, cookie feature, endpoint or text, next to a table-by-table view of the pipeline (docs/pipeline.md).
import { OBJECT_MASK, objectIdOf } from '../../../../controller/pipeline/cookies';
import { api } from '../api';
import { card, h, mount } from '../dom';
import type { Page } from '../page';
import type { EndpointView, FlowRow, Flows, PipelineDecl, Topology } from '../types';

const SHOWN = 500;
const POLL_MS = 2000;

interface Filter {
  table?: number;
  feature?: string;
  endpoint?: EndpointView;
  q?: string;
}

/** The same rule as the server's filterFlows: MAC, addresses, ofport, or the endpoint's cookie object. */
export function filterRows(rows: readonly FlowRow[], f: Filter): FlowRow[] {
  const q = f.q?.toLowerCase();
  const ep = f.endpoint;
  const object = ep ? objectIdOf(ep.id) : undefined;
  const tokens = ep
    ? [
        ep.mac,
        ...ep.ips.map((ip) => `=${ip}`),
        ...(ep.ofport ? [`in_port=${ep.ofport},`, `output:${ep.ofport}`] : []),
      ]
    : [];
  return rows.filter(
    (r) =>
      (f.table === undefined || r.table === f.table) &&
      (f.feature === undefined || r.feature === f.feature) &&
      (!q || r.text.toLowerCase().includes(q)) &&
      (!ep || (BigInt(r.cookie) & OBJECT_MASK) === object || tokens.some((t) => r.text.includes(t))),
  );
}

export function flowsPage(): Page {
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    async render(root, { params }) {
      const [topo, pipeline] = await Promise.all([
        api<Topology>('/topology'),
        api<PipelineDecl>('/pipeline'),
      ]);
      if (topo.nodes.length === 0) {
        mount(root, card('Flows', h('p', { class: 'hint' }, 'No nodes registered.')));
        return;
      }
      const nodeName = params.get('node') ?? topo.nodes[0].name;
      const node = topo.nodes.find((n) => n.name === nodeName || n.id === nodeName) ?? topo.nodes[0];
      let rows: FlowRow[] = [];
      let source = 'live';
      const filter: Filter = {};
      const epParam = params.get('endpoint');
      if (epParam) filter.endpoint = topo.endpoints.find((e) => e.name === epParam || e.id === epParam);

      const nodeSel = h(
        'select',
        {
          id: 'flow-node',
          onchange: () => (location.hash = `#/flows?node=${encodeURIComponent(nodeSel.value)}`),
        },
        topo.nodes.map((n) => h('option', { value: n.name, selected: n.id === node.id }, n.name)),
      );
      const tableSel = h(
        'select',
        {
          id: 'flow-table',
          onchange: () => (
            (filter.table = tableSel.value === '' ? undefined : Number(tableSel.value)),
            draw()
          ),
        },
        h('option', { value: '' }, 'all tables'),
        pipeline.tables.map((t) => h('option', { value: t.id }, `${t.id} ${t.name}`)),
      );
      const featureSel = h(
        'select',
        { id: 'flow-feature', onchange: () => ((filter.feature = featureSel.value || undefined), draw()) },
        h('option', { value: '' }, 'all features'),
        [...pipeline.features.map((f) => f.name), 'foreign'].map((f) => h('option', { value: f }, f)),
      );
      const epSel = h(
        'select',
        {
          id: 'flow-endpoint',
          onchange: () => ((filter.endpoint = topo.endpoints.find((e) => e.id === epSel.value)), draw()),
        },
        h('option', { value: '' }, 'any endpoint'),
        topo.endpoints
          .filter((e) => e.nodeId === node.id)
          .map((e) =>
            h(
              'option',
              { value: e.id, selected: e.id === filter.endpoint?.id },
              `${e.name} ${e.ips.join(' ')}`,
            ),
          ),
      );
      const text = h('input', {
        id: 'flow-filter',
        type: 'search',
        placeholder: 'filter: text of the flow, e.g. nw_dst=10.1.0.5 or ct_state',
        oninput: () => {
          filter.q = text.value.trim() || undefined;
          performance.mark('flows-filter-start');
          draw();
          performance.measure('flows-filter', 'flows-filter-start');
        },
      });
      const summary = h('p', { id: 'flows-summary', class: 'hint' });
      const list = h('div', { class: 'flows' });
      const pipeEl = h('div');

      const draw = () => {
        const shown = filterRows(rows, filter);
        let packets = 0n;
        for (const r of shown) packets += BigInt(r.packets);
        mount(
          summary,
          `${source === 'live' ? 'Live flow stats' : 'Compiled flows (switch not connected)'} of ${node.name}: `,
          h('b', { id: 'flows-matched' }, shown.length),
          ` of ${rows.length} flows match`,
          shown.length > SHOWN ? ` (first ${SHOWN} shown)` : '',
          ' · packets: ',
          h('b', { id: 'flows-packets' }, packets.toString()),
        );
        const body = h('tbody');
        for (const r of shown.slice(0, SHOWN)) {
          body.append(
            h(
              'tr',
              null,
              h('td', { class: 'num' }, r.table),
              h('td', { class: 'num' }, r.priority),
              h('td', null, r.feature),
              h('td', { class: 'num packets' }, r.packets),
              h('td', { class: 'num' }, r.bytes),
              h('td', { class: 'flow' }, r.text),
            ),
          );
        }
        mount(
          list,
          h(
            'table',
            { id: 'flows' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['table', 'prio', 'feature', 'n_packets', 'n_bytes', 'flow'].map((c) => h('th', null, c)),
              ),
            ),
            body,
          ),
        );
        drawPipeline();
      };
      const drawPipeline = () => {
        const per = new Map<number, { flows: number; packets: bigint }>();
        for (const r of rows) {
          const p = per.get(r.table) ?? { flows: 0, packets: 0n };
          p.flows++;
          p.packets += BigInt(r.packets);
          per.set(r.table, p);
        }
        mount(
          pipeEl,
          h(
            'ol',
            { class: 'pipeline', id: 'pipeline' },
            pipeline.tables.map((t) =>
              h(
                'li',
                {
                  class: filter.table === t.id ? 'active' : undefined,
                  onclick: () => {
                    filter.table = filter.table === t.id ? undefined : t.id;
                    tableSel.value = filter.table === undefined ? '' : String(t.id);
                    draw();
                  },
                },
                h('b', null, `${t.id} ${t.name}`),
                h(
                  'span',
                  { class: 'num' },
                  `${per.get(t.id)?.flows ?? 0} flows · ${(per.get(t.id)?.packets ?? 0n).toString()} pkts`,
                ),
                h('small', null, t.doc),
                h(
                  'small',
                  { class: 'miss' },
                  `miss: ${t.miss}${t.next.length ? ` · next: ${t.next.join(', ')}` : ''}`,
                ),
              ),
            ),
          ),
        );
      };
      const load = async () => {
        const f = await api<Flows>(`/nodes/${encodeURIComponent(node.id)}/flows`);
        rows = f.items;
        source = f.source;
        draw();
      };
      await load();
      mount(
        root,
        card('Pipeline', h('p', { class: 'hint' }, 'Click a table to filter by it.'), pipeEl),
        card(
          'Flows',
          h('div', { class: 'filters' }, nodeSel, tableSel, featureSel, epSel, text),
          summary,
          list,
        ),
      );
      performance.mark('flows-rendered');
      timer = setInterval(() => void load().catch(() => undefined), POLL_MS);
    },
    dispose() {
      if (timer) clearInterval(timer);
    },
  };
}
