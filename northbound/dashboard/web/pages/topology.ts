// Topology: tenants, routers, networks/subnets, endpoints grouped by node, VXLAN tunnels between host-overlay nodes
// and leaf VTEPs of network-overlay nodes, drawn with cytoscape. Positions are computed here (a preset layout), so a
// thousand endpoints place in milliseconds; new endpoints from the event stream are added in place, no reload.
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import { api, ApiError } from '../api';
import { card, h, mount } from '../dom';
import { debounce, type Page } from '../page';
import type { EndpointView, Topology } from '../types';

/** Endpoint grid: wide enough for a namespace/pod label, tall enough for two label lines. */
const GAP = 64;
const COL = 110;
const TOP_ROW = 0;
const NET_ROW = 140;
const NODE_ROW = 320;
const TOPOLOGY_KINDS = new Set([
  'tenant',
  'network',
  'subnet',
  'router',
  'routerInterface',
  'node',
  'endpoint',
]);

declare global {
  interface Window {
    /** The graph, for the browser console and the tests. */
    sdnTopology?: Core;
  }
}

interface Placed {
  readonly elements: ElementDefinition[];
  /** The model object behind each element id, for the details panel (kept out of cytoscape's element data). */
  readonly models: Map<string, unknown>;
}

/** Every element with its position; ids are the model's ids (prefixed by kind where two kinds could collide). */
export function layout(t: Topology): Placed {
  const els: ElementDefinition[] = [];
  const models = new Map<string, unknown>();
  let x = 0;
  for (const tenant of t.tenants) {
    const nets = t.networks.filter((n) => n.tenantId === tenant.id);
    const routers = t.routers.filter((r) => r.tenantId === tenant.id);
    const width = Math.max(1, nets.length + routers.length) * 180;
    els.push({
      group: 'nodes',
      data: { id: `t:${tenant.id}`, label: tenant.name, kind: 'tenant' },
      position: { x: x + width / 2, y: TOP_ROW },
      classes: 'tenant',
    });
    nets.forEach((n, i) => {
      models.set(`n:${n.id}`, n);
      const subnets = t.subnets.filter((s) => s.networkId === n.id).map((s) => s.cidr);
      els.push({
        group: 'nodes',
        data: {
          id: `n:${n.id}`,
          label: `${n.name}\nVNI ${n.vni}\n${subnets.join('\n')}`,
          kind: 'network',
        },
        position: { x: x + 90 + i * 180, y: NET_ROW },
        classes: 'network',
      });
      els.push({
        group: 'edges',
        data: { id: `tn:${n.id}`, source: `t:${tenant.id}`, target: `n:${n.id}` },
        classes: 'owns',
      });
    });
    routers.forEach((r, i) => {
      models.set(`r:${r.id}`, r);
      els.push({
        group: 'nodes',
        data: { id: `r:${r.id}`, label: r.name, kind: 'router' },
        position: { x: x + 90 + (nets.length + i) * 180, y: NET_ROW - 40 },
        classes: 'router',
      });
      for (const sid of r.subnetIds) {
        const s = t.subnets.find((x) => x.id === sid);
        if (s)
          els.push({
            group: 'edges',
            data: { id: `rs:${r.id}:${sid}`, source: `r:${r.id}`, target: `n:${s.networkId}` },
            classes: 'routes',
          });
      }
    });
    x += width + 60;
  }

  let nx = 0;
  const hostOverlay: string[] = [];
  for (const node of t.nodes) {
    const eps = t.endpoints.filter((e) => e.nodeId === node.id);
    const cols = Math.max(2, Math.ceil(Math.sqrt(eps.length)));
    const rows = Math.max(1, Math.ceil(eps.length / cols));
    // The node is a box drawn behind its endpoints, not a cytoscape compound: a compound parent of a thousand
    // children costs more to build than the children themselves.
    models.set(`h:${node.id}`, node);
    els.push({
      group: 'nodes',
      data: {
        id: `h:${node.id}`,
        label: `${node.name} (${node.vswitch}, ${node.tunnelIp}) · ${eps.length} endpoints`,
        kind: 'node',
        w: (cols - 1) * COL + 110,
        h: (rows - 1) * GAP + 70,
      },
      position: { x: nx + ((cols - 1) * COL) / 2, y: NODE_ROW + ((rows - 1) * GAP) / 2 + 6 },
      classes: `host ${node.overlay}`,
    });
    eps.forEach((e, i) => {
      models.set(`e:${e.id}`, e);
      els.push(endpointElement(e, nx + (i % cols) * COL, NODE_ROW + Math.floor(i / cols) * GAP));
    });
    if (node.overlay === 'network') {
      els.push({
        group: 'nodes',
        data: { id: `leaf:${node.id}`, label: `leaf VTEP of ${node.name}`, kind: 'leaf' },
        position: { x: nx + ((cols - 1) * COL) / 2, y: NODE_ROW - 90 },
        classes: 'leaf',
      });
      els.push({
        group: 'edges',
        data: { id: `vl:${node.id}`, source: `h:${node.id}`, target: `leaf:${node.id}` },
        classes: 'vlan',
      });
    } else hostOverlay.push(node.id);
    nx += cols * COL + 120;
  }
  for (let i = 0; i < hostOverlay.length; i++)
    for (let j = i + 1; j < hostOverlay.length; j++)
      els.push({
        group: 'edges',
        data: {
          id: `vx:${hostOverlay[i]}:${hostOverlay[j]}`,
          source: `h:${hostOverlay[i]}`,
          target: `h:${hostOverlay[j]}`,
          label: 'VXLAN',
        },
        classes: 'tunnel',
      });
  return { elements: els, models };
}

function endpointElement(e: EndpointView, x: number, y: number): ElementDefinition {
  return {
    group: 'nodes',
    data: {
      id: `e:${e.id}`,
      label: `${e.name}\n${e.ips[0] ?? ''}`,
      kind: 'endpoint',
      network: `n:${e.networkId}`,
    },
    position: { x, y },
    classes: `endpoint ${e.kind}`,
  };
}

/** Endpoint -> network edges, drawn apart so that a large graph can hide them while panning. */
function memberEdges(t: Topology): ElementDefinition[] {
  return t.endpoints.map((e) => ({
    group: 'edges',
    data: { id: `en:${e.id}`, source: `e:${e.id}`, target: `n:${e.networkId}` },
    classes: 'member',
  }));
}

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-size': 10,
      'text-wrap': 'wrap',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      color: '#1d2733',
      // Labels too small to read are not drawn: with a thousand endpoints this is most of a frame's cost.
      'min-zoomed-font-size': 7,
    },
  },
  {
    selector: '.tenant',
    style: { shape: 'round-rectangle', 'background-color': '#5b6b7f', width: 40, height: 24 },
  },
  { selector: '.network', style: { shape: 'hexagon', 'background-color': '#2f80ed', width: 36, height: 32 } },
  { selector: '.router', style: { shape: 'diamond', 'background-color': '#f2994a', width: 30, height: 30 } },
  {
    selector: '.host',
    style: {
      'background-color': '#eef2f7',
      'border-color': '#9aa8b8',
      'border-width': 1,
      shape: 'round-rectangle',
      width: 'data(w)',
      height: 'data(h)',
      'text-valign': 'top',
      'font-size': 12,
      'z-index-compare': 'manual',
      'z-index': 0,
    },
  },
  {
    selector: '.endpoint',
    style: {
      'background-color': '#27ae60',
      width: 16,
      height: 16,
      'font-size': 8,
      'z-index-compare': 'manual',
      'z-index': 10,
    },
  },
  { selector: '.endpoint.vm', style: { shape: 'rectangle', 'background-color': '#9b51e0' } },
  { selector: '.endpoint.baremetal', style: { shape: 'barrel', 'background-color': '#4f4f4f' } },
  { selector: '.leaf', style: { shape: 'tag', 'background-color': '#eb5757', width: 34, height: 22 } },
  { selector: 'edge', style: { width: 1, 'line-color': '#c4ccd6', 'curve-style': 'haystack' } },
  {
    selector: '.tunnel',
    style: {
      width: 3,
      'line-style': 'dashed',
      'line-color': '#2f80ed',
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-size': 10,
    },
  },
  { selector: '.vlan', style: { width: 2, 'line-color': '#eb5757', 'curve-style': 'bezier' } },
  { selector: '.routes', style: { 'line-color': '#f2994a', width: 2 } },
  { selector: '.member', style: { opacity: 0.35 } },
  { selector: ':selected', style: { 'border-width': 3, 'border-color': '#f2c94c' } },
];

export function topologyPage(): Page {
  let cy: Core | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    async render(root, { stream }) {
      performance.mark('topology-start');
      const t = await api<Topology>('/topology');
      performance.mark('topology-fetched');
      const graph = h('div', { id: 'graph', class: 'graph' });
      const details = h(
        'aside',
        { id: 'details', class: 'details' },
        h('p', { class: 'hint' }, 'Click an element for details.'),
      );
      const count = h('span', { id: 'topology-count' });
      mount(
        root,
        card(
          'Topology',
          h('p', { class: 'hint' }, count, ' · scroll to zoom, drag to pan'),
          h('div', { class: 'split' }, graph, details),
        ),
      );
      let placed = layout(t);
      cy = cytoscape({
        container: graph,
        elements: [...placed.elements, ...memberEdges(t)],
        style: STYLE,
        layout: { name: 'preset', fit: true, padding: 30 },
        wheelSensitivity: 0.3,
        minZoom: 0.05,
        maxZoom: 4,
        // Keeps a large graph interactive: draw a cached bitmap while the view moves.
        textureOnViewport: t.endpoints.length > 300,
        hideEdgesOnViewport: t.endpoints.length > 300,
        pixelRatio: 1,
      });
      window.sdnTopology = cy;
      performance.mark('topology-built');
      const setCount = (tp: Topology) =>
        (count.textContent = `${tp.nodes.length} nodes, ${tp.networks.length} networks, ${tp.endpoints.length} endpoints`);
      setCount(t);
      cy.one('render', () => {
        performance.mark('topology-rendered');
        performance.measure('topology-render', 'topology-start', 'topology-rendered');
      });
      let current = t;
      // Until the engineer pans or zooms, the view follows the graph as it grows.
      let userMoved = false;
      cy.on('dragpan scrollzoom pinchzoom', () => (userMoved = true));
      cy.on('tap', 'node', (e) => {
        const id = String(e.target.id());
        showDetails(details, e.target.data() as Record<string, unknown>, placed.models.get(id), current);
      });

      const sync = debounce(() => {
        void api<Topology>('/topology').then((next) => {
          if (!cy) return;
          placed = layout(next);
          current = next;
          const wanted = placed.elements.concat(memberEdges(next));
          const ids = new Set(wanted.map((e) => e.data.id as string));
          cy.batch(() => {
            cy!
              .elements()
              .filter((e) => !ids.has(e.id()))
              .remove();
            for (const e of wanted) {
              const have = cy!.getElementById(e.data.id as string);
              if (have.nonempty()) {
                have.data(e.data);
                if (e.position && have.isNode()) have.position(e.position);
              }
            }
            cy!.add(wanted.filter((e) => cy!.getElementById(e.data.id as string).empty()));
          });
          setCount(next);
          if (!userMoved) cy.fit(undefined, 30);
        });
      }, 150);
      unsubscribe = stream.on((m) => {
        if (m.type === 'change' && m.event.changes.some((c) => TOPOLOGY_KINDS.has(c.kind))) sync();
      });
    },
    dispose() {
      unsubscribe?.();
      cy?.destroy();
      if (window.sdnTopology === cy) window.sdnTopology = undefined;
      cy = undefined;
    },
  };
}

function showDetails(el: HTMLElement, data: Record<string, unknown>, object: unknown, t: Topology): void {
  const model = object as Record<string, unknown> | undefined;
  const kind = String(data.kind);
  const links: HTMLElement[] = [];
  if (kind === 'endpoint' && model) {
    const node = t.nodes.find((n) => n.id === model.nodeId);
    if (node)
      links.push(
        h(
          'a',
          {
            href: `#/flows?node=${encodeURIComponent(node.name)}&endpoint=${encodeURIComponent(String(model.id))}`,
          },
          'its flows',
        ),
      );
    links.push(h('a', { href: `#/trace?source=${encodeURIComponent(String(model.id))}` }, 'trace from it'));
  }
  if (kind === 'node' && model)
    links.push(
      h('a', { href: `#/flows?node=${encodeURIComponent(String(model.name))}` }, 'flows of this node'),
    );
  mount(
    el,
    h('h3', null, `${kind}: ${String(model?.name ?? data.label)}`),
    links.length
      ? h(
          'p',
          { class: 'links' },
          links.flatMap((l, i) => (i ? [' · ', l] : [l])),
        )
      : null,
    kind === 'endpoint' && model ? endpointActions(model) : null,
    model ? h('pre', null, JSON.stringify(model, null, 2)) : null,
  );
}

/**
 * Changing needs an admin (or the endpoint's tenant) token; a viewer gets the controller's 403 reason here. Pods are
 * left to their container runtime (CNI DEL), so only endpoints without a pod owner can be deleted from here.
 */
function endpointActions(ep: Record<string, unknown>): HTMLElement {
  if (ep.owner)
    return h('p', { class: 'hint' }, `A pod of ${String(ep.owner)}: its runtime removes it (CNI DEL).`);
  const result = h('span', { id: 'delete-result' });
  let armed = false;
  const button: HTMLButtonElement = h(
    'button',
    {
      id: 'delete-endpoint',
      class: 'danger',
      onclick: () => {
        if (!armed) {
          armed = true;
          button.textContent = `Really delete ${String(ep.name)}?`;
          return;
        }
        button.disabled = true;
        api(`/endpoints/${encodeURIComponent(String(ep.id))}`, { method: 'DELETE' }).then(
          () => {
            result.className = 'hint';
            result.textContent = 'deleted';
          },
          (err: unknown) => {
            result.className = 'error';
            result.textContent = err instanceof ApiError ? err.message : String(err);
            armed = false;
            button.disabled = false;
            button.textContent = 'Delete endpoint';
          },
        );
      },
    },
    'Delete endpoint',
  );
  return h('p', null, button, ' ', result);
}
