// Dashboard figures (issue 10), measured in headless Debian chromium with the page's own performance marks:
//  - first meaningful paint of the Overview (the mark set once nodes, counts and events are in the DOM),
//  - Topology render time with 1,000 endpoints (from the page start to cytoscape's first render) and the time of a
//    zoom and a pan step on that graph,
//  - Flows filter time on a node with >= 10,000 flows (the text filter: filter and rebuild the table).
// The model is made through the REST API of a real controller process: 1 tenant, 1 network, a /16, 2 nodes, and
// ENDPOINTS endpoints (default 1,000) with ports on the first node. No switch is behind the nodes, so the Flows page
// shows that node's compiled flows (the same rows as live stats, without counters).
// Run: npx tsc -p . && npm run build:dashboard && node dist/bench/dashboard/index.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../../test/support/browser';
import { ControllerProcess, request } from '../../test/support/controller-process';

const ENDPOINTS = Number(process.env.ENDPOINTS ?? 1000);
const RUNS = 5;

declare const window: {
  sdnTopology?: {
    zoom(z?: number): number;
    panBy(p: { x: number; y: number }): void;
    one(e: string, f: () => void): void;
  };
};
declare const sessionStorage: { setItem(k: string, v: string): void };
declare function requestAnimationFrame(f: () => void): number;
declare const document: { querySelector(s: string): { textContent: string | null } | null };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
const ms = (x: number): string => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sdnb-dash-'));
  const ctl = new ControllerProcess(dataDir);
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    await ctl.start();
    browser = await launchBrowser();
    const token = ctl.adminToken();
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await request(ctl.url, token, method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };
    const t0 = Date.now();
    await call('POST', '/api/v1/tenants', { name: 'bench' });
    const net = await call('POST', '/api/v1/networks', { tenant: 'bench', name: 'pods' });
    await call('POST', '/api/v1/subnets', { network: String(net.id), cidr: '10.200.0.0/16' });
    for (const i of [1, 2])
      await call('POST', '/api/v1/nodes', {
        name: `b${i}`,
        vswitch: 'ovs',
        overlay: 'host',
        tunnelIp: `10.99.1.${i}`,
        ovsdb: `tcp:127.0.0.1:${9 + i}`,
      });
    const jobs = Array.from({ length: ENDPOINTS }, (_, i) => i);
    const worker = async () => {
      for (let i = jobs.shift(); i !== undefined; i = jobs.shift())
        await call('POST', '/api/v1/endpoints', {
          network: String(net.id),
          kind: 'pod',
          node: 'b1',
          name: `ep${i}`,
          portName: `vp${i}`,
        });
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const flows = await call('GET', '/api/v1/nodes/b1/flows?source=compiled&limit=1');
    process.stdout.write(
      `model: ${ENDPOINTS} endpoints through the API in ${Date.now() - t0} ms; node b1 has ${String(flows.total)} flows\n`,
    );

    await browser.context.addInitScript((t) => sessionStorage.setItem('sdn.token', t), token);
    const page = await browser.context.newPage();
    const base = `${ctl.url}/dashboard/${process.env.Q ?? ''}`;

    // Overview: a fresh navigation each run; the mark's startTime is ms since navigation start.
    const fmp: number[] = [];
    const fcp: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      await page.goto('about:blank');
      await page.goto(`${base}#/overview`);
      await page.waitForFunction(() => performance.getEntriesByName('overview-rendered').length > 0);
      fmp.push(
        await page.evaluate(() => performance.getEntriesByName('overview-rendered')[0]?.startTime ?? NaN),
      );
      fcp.push(
        await page.evaluate(
          () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        ),
      );
    }

    // Topology: from the page's start (fetch included) to cytoscape's first render; then zoom and pan steps.
    const topo: number[] = [];
    const phases = { fetch: [] as number[], build: [] as number[], draw: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      await page.goto('about:blank');
      await page.goto(`${base}#/topology`);
      await page.waitForFunction(
        () => performance.getEntriesByName('topology-render').length > 0,
        undefined,
        { timeout: 60_000 },
      );
      topo.push(
        await page.evaluate(() => performance.getEntriesByName('topology-render')[0]?.duration ?? NaN),
      );
      const at = (n: string) => page.evaluate((m) => performance.getEntriesByName(m)[0]?.startTime ?? NaN, n);
      const start = await at('topology-start');
      phases.fetch.push((await at('topology-fetched')) - start);
      phases.build.push((await at('topology-built')) - (await at('topology-fetched')));
      phases.draw.push((await at('topology-rendered')) - (await at('topology-built')));
    }
    const step = (kind: 'zoom' | 'pan') =>
      page.evaluate(
        (k) =>
          new Promise<number>((done) => {
            const cy = window.sdnTopology;
            if (!cy) return done(NaN);
            const t = performance.now();
            cy.one('render', () => requestAnimationFrame(() => done(performance.now() - t)));
            if (k === 'zoom') cy.zoom(cy.zoom() * 1.15);
            else cy.panBy({ x: 40, y: 25 });
          }),
        kind,
      );
    const zooms: number[] = [];
    const pans: number[] = [];
    for (let i = 0; i < 10; i++) zooms.push(await step('zoom'));
    for (let i = 0; i < 10; i++) pans.push(await step('pan'));

    // Flows: at least 10,000 flows on b1 (each endpoint brings about eight): more endpoints first.
    let flowCount = Number(flows.total);
    for (let i = ENDPOINTS; flowCount < 10_000; i += 50) {
      const more = Array.from({ length: 50 }, (_, k) => i + k);
      jobs.push(...more);
      await Promise.all(Array.from({ length: 8 }, worker));
      flowCount = Number((await call('GET', '/api/v1/nodes/b1/flows?source=compiled&limit=1')).total);
    }

    // Flows: the text filter over every flow of b1.
    await page.goto('about:blank');
    await page.goto(`${base}#/flows?node=b1`);
    await page.waitForSelector('#flows tbody tr', { timeout: 60_000 });
    const total = await page.evaluate(() => document.querySelector('#flows-summary')?.textContent ?? '');
    const filters: { q: string; ms: number; matched: string }[] = [];
    for (const q of [
      'nw_src=10.200.1.',
      'goto_table:50',
      'ct_state',
      'vp999',
      'dl_dst=',
      'priority=100',
      '',
    ]) {
      await page.evaluate(() => performance.clearMeasures('flows-filter'));
      await page.fill('#flow-filter', q);
      await page.waitForFunction(() => performance.getEntriesByName('flows-filter').length > 0);
      filters.push({
        q,
        ms: await page.evaluate(() => performance.getEntriesByName('flows-filter')[0]?.duration ?? NaN),
        matched: (await page.evaluate(() => document.querySelector('#flows-matched')?.textContent)) ?? '',
      });
    }

    process.stdout.write(
      [
        `overview first meaningful paint: median ${ms(median(fmp))} (runs: ${fmp.map(ms).join(', ')}); first contentful paint median ${ms(median(fcp))}`,
        `topology with ${ENDPOINTS} endpoints, page start to first render: median ${ms(median(topo))} (runs: ${topo.map(ms).join(', ')})`,
        `topology phases (median): fetch /topology ${ms(median(phases.fetch))}, build graph ${ms(median(phases.build))}, first draw ${ms(median(phases.draw))}`,
        `topology zoom step: median ${median(zooms).toFixed(1)} ms, max ${Math.max(...zooms).toFixed(1)} ms; pan step: median ${median(pans).toFixed(1)} ms, max ${Math.max(...pans).toFixed(1)} ms`,
        `flows: ${total}`,
        ...filters.map((f) => `flows filter "${f.q}": ${f.ms.toFixed(1)} ms (${f.matched} rows match)`),
        `flows filter: median ${median(filters.map((f) => f.ms)).toFixed(1)} ms, max ${Math.max(...filters.map((f) => f.ms)).toFixed(1)} ms`,
      ].join('\n') + '\n',
    );
  } finally {
    await browser?.close();
    await ctl.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench dashboard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
