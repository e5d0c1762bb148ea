// A horizontal stacked bar chart in SVG, drawn by hand: one bar per subnet, used / retained / free.
export interface Bar {
  readonly label: string;
  readonly parts: readonly { readonly value: number; readonly className: string; readonly title: string }[];
  readonly total: number;
}

const NS = 'http://www.w3.org/2000/svg';
const ROW = 26;
const LABEL = 220;
const WIDTH = 720;

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export function stackedBars(bars: readonly Bar[]): SVGSVGElement {
  const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${bars.length * ROW + 4}`, class: 'chart', role: 'img' });
  const span = WIDTH - LABEL - 70;
  bars.forEach((b, i) => {
    const y = i * ROW + 2;
    const label = el('text', { x: 0, y: y + 16, class: 'label' });
    label.textContent = b.label;
    svg.append(label);
    svg.append(el('rect', { x: LABEL, y, width: span, height: 20, class: 'track' }));
    let x = LABEL;
    for (const p of b.parts) {
      // Never thinner than a pixel when non-zero, so a few used addresses in a /16 still show.
      const w = p.value === 0 ? 0 : Math.max(1, (p.value / Math.max(b.total, 1)) * span);
      const r = el('rect', { x, y, width: w, height: 20, class: p.className });
      const t = el('title', {});
      t.textContent = p.title;
      r.append(t);
      svg.append(r);
      x += w;
    }
    const used = b.parts.reduce((a, p) => a + (p.className === 'free' ? 0 : p.value), 0);
    const pct = el('text', { x: LABEL + span + 6, y: y + 16, class: 'pct' });
    pct.textContent = `${((used / Math.max(b.total, 1)) * 100).toFixed(b.total > 10000 ? 3 : 1)}%`;
    svg.append(pct);
  });
  return svg;
}
