// The dashboard (issue 10) in a real browser: headless Debian chromium against a real controller process with the
// two-node lab behind it. Every page shows the lab's data; a pod added through the CNI plugin appears live; a ping
// moves a flow counter; a connection to a ClusterIP moves the Services page's session count live; trace gives the
// right verdict and the flow that decided it, and its probe (a real packet-out) moves the counters of the flows the
// trace names. Screenshots of every page go to test-output/dashboard/.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { createCniPod, deleteCniPod } from '../../northbound/cli/lab/cni-pods.js';
import { deleteNamespace } from '../../northbound/cli/lab/namespaces.js';
import { readState } from '../../northbound/cli/lab/state.js';
import type { PodPlan } from '../../northbound/cli/lab/layout.js';
import { launchBrowser, login, type Browser } from '../support/browser.js';
import { ControllerProcess, request, startLabController } from '../support/controller-process.js';
import { Lab, inNetns, ping, type LabPod, type LabStatus } from '../support/lab.js';
import { cleanupStaleSandboxes, requireRootAndOvs } from '../support/ovs.js';

// The little of the browser's globals that the functions run inside the page use (the test build has no DOM lib).
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
interface GraphNodes {
  readonly length: number;
  map<T>(f: (n: { data(key: string): unknown }) => T): T[];
  some(f: (n: { data(key: string): unknown }) => boolean): boolean;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { readonly length: number };
};
declare const window: {
  sdnTopology?: {
    nodes(selector: string): GraphNodes;
    edges(selector: string): GraphNodes;
    getElementById(id: string): { nonempty(): boolean; emit(event: string): void };
  };
};

const OUT = resolve(__dirname, '../../../test-output/dashboard');
const PAGES = ['overview', 'topology', 'flows', 'ipam', 'services', 'security', 'trace', 'audit'] as const;

describe('e2e: the dashboard in headless chromium against the lab', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let lab: Lab | undefined;
  let browser: Browser | undefined;
  let status: LabStatus;
  let viewer: string;
  let extra: { pod: PodPlan; ips: string[]; cleanup: () => Promise<void> } | undefined;
  const timings: Record<string, number> = {};
  const namespaceOf = new Map<string, string>();
  /** The endpoint the CNI ADD made for a lab pod: named namespace/pod. */
  const ep = (p: LabPod): string => `${namespaceOf.get(p.tenant as string)}/${p.name}`;
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

  before(async () => {
    requireRootAndOvs();
    await cleanupStaleSandboxes();
    mkdirSync(OUT, { recursive: true });
    controller = await startLabController();
    lab = await Lab.up(controller, { nodes: 2, pods: 2, tenants: 2 });
    status = await lab.status();
    for (const t of readState(lab.dir)?.plan.tenants ?? []) namespaceOf.set(t.name, t.namespace);
    const admin = controller.adminToken();
    const v = await request(controller.url, admin, 'POST', '/api/v1/tokens', {
      role: 'viewer',
      description: 'dashboard e2e',
    });
    assert.equal(v.status, 201, JSON.stringify(v.json));
    viewer = String(v.json.token);
    // Something for the Services and Security pages: a service over tenant 1's pods, a group and a QoS policy.
    const [a, b] = podsOf(tenants()[0] as string);
    const nets = await request(controller.url, admin, 'GET', `/api/v1/networks?tenant=${tenants()[0]}`);
    const net = (nets.json.items as { id: string; name: string }[]).find(
      (n) => n.name === (a as LabPod).network,
    )?.id;
    const svc = await request(controller.url, admin, 'POST', '/api/v1/services', {
      network: net,
      name: 'web',
      clusterIps: ['10.96.0.10'],
      ports: [{ protocol: 'tcp', port: 80, targetPort: 8080 }],
      backends: [{ endpoint: ep(a as LabPod) }, { endpoint: ep(b as LabPod) }],
    });
    assert.equal(svc.status, 201, JSON.stringify(svc.json));
    const sg = await request(controller.url, admin, 'POST', '/api/v1/security-groups', {
      tenant: tenants()[0],
      name: 'web-only',
      description: 'http from anywhere',
    });
    assert.equal(sg.status, 201, JSON.stringify(sg.json));
    const rule = await request(
      controller.url,
      admin,
      'POST',
      `/api/v1/security-groups/${String(sg.json.id)}/rules`,
      {
        direction: 'ingress',
        protocol: 'tcp',
        portMin: 80,
        portMax: 80,
      },
    );
    assert.equal(rule.status, 201, JSON.stringify(rule.json));
    const qos = await request(controller.url, admin, 'POST', '/api/v1/qos-policies', {
      tenant: tenants()[0],
      name: 'bronze',
      egressRateKbps: 10000,
    });
    assert.equal(qos.status, 201, JSON.stringify(qos.json));
    browser = await launchBrowser();
  });

  after(async () => {
    writeFileSync(join(OUT, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
    await browser?.close();
    await extra?.cleanup().catch(() => undefined);
    await lab?.down();
    await controller?.kill('SIGTERM');
    if (controller) rmSync(controller.dataDir, { recursive: true, force: true });
  });

  const podsOf = (tenant: string): LabPod[] => status.pods.filter((p) => p.tenant === tenant);
  const tenants = (): string[] =>
    [...new Set(status.pods.map((p) => p.tenant))].filter((t): t is string => t !== null);
  const v4 = (p: LabPod): string => p.ips.find((ip) => !ip.includes(':')) as string;

  async function openPage(name: string, query = '', token = viewer): Promise<Page> {
    const page = await (browser as Browser).context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page, (controller as ControllerProcess).url, token);
    await page.goto(`${(controller as ControllerProcess).url}/dashboard/#/${name}${query}`);
    assert.deepEqual(errors, [], 'no script errors');
    return page;
  }

  it('fetches nothing without a token: API and event stream answer 401, the UI asks to log in', async () => {
    const c = controller as ControllerProcess;
    for (const path of [
      '/api/v1/overview',
      '/api/v1/topology',
      '/api/v1/audit',
      `/api/v1/nodes/${status.nodes[0]?.name}/flows`,
    ]) {
      const r = await fetch(c.url + path);
      assert.equal(r.status, 401, path);
    }
    const refused = await new Promise<number>((done) => {
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/api/v1/events`, ['sdn.v1', 'bearer.wrong']);
      ws.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
      ws.on('open', () => done(101));
      ws.on('error', () => undefined);
    });
    assert.equal(refused, 401);
    const page = await (browser as Browser).context.newPage();
    await page.goto(`${c.url}/dashboard/#/topology`);
    await page.waitForSelector('#login');
    await page.fill('#token', 'not-a-token');
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() =>
      document.querySelector('#login-error')?.textContent?.includes('not valid'),
    );
    await page.close();
  });

  it('logs in with a viewer token; every page renders the lab data (screenshots in test-output/dashboard)', async () => {
    const page = await openPage('overview');
    // A fresh load (the token stays in the tab's session): the Overview's paint mark, in ms since navigation start,
    // is the lab figure of docs/benchmarks.md (recorded, never asserted).
    await page.reload();
    await page.waitForFunction(() => performance.getEntriesByName('overview-rendered').length > 0);
    timings.overviewFirstMeaningfulPaintMs = await page.evaluate(
      () => performance.getEntriesByName('overview-rendered')[0]?.startTime ?? -1,
    );
    const wait = (f: () => boolean | undefined) => page.waitForFunction(f, undefined, { timeout: 15_000 });
    const expectText = async (selector: string, ...texts: string[]) => {
      const text = await page.textContent(selector);
      for (const t of texts) assert.ok(text?.includes(t), `${selector} shows "${t}"`);
    };
    // Overview: both nodes with live sessions and flow counts.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#nodes tbody tr').length === 2 &&
        !document.querySelector('#nodes')?.textContent?.includes('waiting'),
    );
    await expectText('#nodes', ...status.nodes.map((n) => n.name), 'monitoring', 'connected');
    await expectText('#counts [data-kind=endpoint] b', '4');
    await page.screenshot({ path: join(OUT, 'overview.png'), fullPage: true });

    for (const name of PAGES.slice(1)) {
      await page.click(`nav a[data-page=${name}]`);
      switch (name) {
        case 'topology':
          await wait(() => (window.sdnTopology?.nodes('.endpoint').length ?? 0) >= 4);
          {
            const labels = await page.evaluate(
              () => window.sdnTopology?.nodes('.endpoint').map((n) => String(n.data('label'))) ?? [],
            );
            for (const p of status.pods)
              assert.ok(
                labels.some((l) => l.startsWith(ep(p))),
                `topology shows ${ep(p)}`,
              );
            const tunnels = await page.evaluate(() => window.sdnTopology?.edges('.tunnel').length);
            assert.equal(tunnels, 1, 'one VXLAN tunnel between the two nodes');
          }
          await page.waitForTimeout(300);
          break;
        case 'flows':
          await page.waitForSelector('#flows tbody tr');
          await expectText('#flows-summary', 'Live flow stats');
          await expectText('#flows', 'cookie=0x5dc0', 'priority=');
          await expectText('#pipeline', 'classify', 'spoof_guard', 'l2', 'output');
          {
            const before = Number(await page.textContent('#flows-matched'));
            await page.selectOption('#flow-table', '50');
            const after = Number(await page.textContent('#flows-matched'));
            assert.ok(after > 0 && after < before, `table filter narrows (${before} -> ${after})`);
            await page.selectOption('#flow-table', '');
            await page.fill('#flow-filter', 'goto_table:5');
            await wait(() =>
              document.querySelector('#flows tbody tr')?.textContent?.includes('goto_table:5'),
            );
            await page.fill('#flow-filter', '');
          }
          break;
        case 'ipam':
          await page.waitForSelector('svg.chart rect.used');
          await expectText('main', ...status.pods.map(v4), ...status.pods.map((p) => p.name));
          break;
        case 'services':
          await page.waitForSelector('#services');
          await expectText(
            '#services',
            'web',
            '10.96.0.10',
            'tcp/80→8080',
            ...podsOf(tenants()[0] as string).map((p) => p.name),
          );
          break;
        case 'security':
          await page.waitForSelector('[data-group=web-only]');
          await expectText('main', 'web-only', 'ingress', 'tcp', '80', 'bronze', '10000');
          break;
        case 'trace':
          await page.waitForSelector('#trace-source option', { state: 'attached' });
          await expectText('#trace-source', ...status.pods.map((p) => p.name));
          break;
        case 'audit':
          await page.waitForSelector('#audit tbody tr');
          await expectText('#audit', 'cni.add', 'service.create', 'node');
          break;
      }
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: name !== 'topology' });
    }
    await page.close();
  });

  it('shows a pod added through the CNI plugin on the topology and the overview without a reload', async () => {
    const overview = await openPage('overview');
    await overview.waitForSelector('#counts [data-kind=endpoint]');
    const topology = await openPage('topology');
    await topology.waitForFunction(() => (window.sdnTopology?.nodes('.endpoint').length ?? 0) >= 4);
    const state = readState((lab as Lab).dir);
    assert.ok(state?.controller, 'the lab state names its controller');
    const node = state.plan.nodes[0];
    const tenant = state.plan.tenants[0];
    const net = await request(
      (controller as ControllerProcess).url,
      (controller as ControllerProcess).adminToken(),
      'GET',
      `/api/v1/networks?tenant=${tenant.name}`,
    );
    const networkId = String(
      (net.json.items as { id: string; name: string }[]).find((n) => n.name === tenant.network)?.id,
    );
    const pod: PodPlan = {
      ...state.plan.pods[0],
      name: 'late-pod',
      node: node.name,
      netns: `${state.plan.prefix}-late`,
      tenant: tenant.name,
    };
    const tn = { tenant: tenant.name, network: tenant.network, networkId, namespace: tenant.namespace };
    extra = {
      pod,
      ips: [],
      cleanup: async () => {
        await deleteCniPod(state.controller!, node, pod, tenant.namespace).catch(() => undefined);
        await deleteNamespace(pod.netns).catch(() => undefined);
      },
    };
    const loads = { overview: 0, topology: 0 };
    overview.on('load', () => loads.overview++);
    topology.on('load', () => loads.topology++);
    const made = await createCniPod(state.controller, node, pod, tn);
    await topology.waitForFunction(
      (name) => window.sdnTopology?.nodes('.endpoint').some((n) => String(n.data('label')).includes(name)),
      'late-pod',
      { timeout: 15_000 },
    );
    await overview.waitForFunction(
      () => document.querySelector('#counts [data-kind=endpoint] b')?.textContent === '5',
      undefined,
      { timeout: 15_000 },
    );
    await overview.waitForFunction(() => document.querySelector('#events')?.textContent?.includes('cni.add'));
    assert.deepEqual(loads, { overview: 0, topology: 0 }, 'neither page reloaded');
    assert.ok(made.ips.length > 0);
    extra.ips = made.ips;
    await topology.screenshot({ path: join(OUT, 'topology-live.png') });
    await overview.close();
    await topology.close();
  });

  it('lets an admin change, and shows a viewer why not: deleting an endpoint from the topology', async () => {
    const c = controller as ControllerProcess;
    const admin = c.adminToken();
    const [a] = podsOf(tenants()[0] as string) as [LabPod];
    const nets = await request(c.url, admin, 'GET', `/api/v1/networks?tenant=${tenants()[0]}`);
    const network = (nets.json.items as { id: string; name: string }[]).find((n) => n.name === a.network)?.id;
    const made = await request(c.url, admin, 'POST', '/api/v1/endpoints', {
      network,
      kind: 'vm',
      node: a.node,
      name: 'probe-vm',
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const id = `e:${String(made.json.id)}`;
    const select = async (page: Page) => {
      await page.waitForFunction((e) => window.sdnTopology?.getElementById(e).nonempty(), id);
      // A block body: returning the collection would make playwright serialize the whole graph.
      await page.evaluate((e) => {
        window.sdnTopology?.getElementById(e).emit('tap');
      }, id);
      await page.click('#delete-endpoint');
      await page.click('#delete-endpoint');
    };
    const viewerPage = await openPage('topology');
    await select(viewerPage);
    await viewerPage.waitForFunction(() => document.querySelector('#delete-result')?.textContent !== '');
    assert.match((await viewerPage.textContent('#delete-result')) ?? '', /a viewer token may not DELETE/);
    const adminPage = await (browser as Browser).context.newPage();
    await login(adminPage, c.url, admin);
    await adminPage.goto(`${c.url}/dashboard/#/topology`);
    await select(adminPage);
    await adminPage.waitForFunction(
      () => document.querySelector('#delete-result')?.textContent === 'deleted',
    );
    // The viewer's graph loses it through the event stream.
    await viewerPage.waitForFunction((e) => !window.sdnTopology?.getElementById(e).nonempty(), id, {
      timeout: 15_000,
    });
    assert.equal(
      (await request(c.url, admin, 'GET', `/api/v1/endpoints/${String(made.json.id)}`)).status,
      404,
    );
    await viewerPage.close();
    await adminPage.close();
  });

  it('moves a flow counter after a ping', async () => {
    const [a, b] = podsOf(tenants()[0] as string) as [LabPod, LabPod];
    const page = await openPage(
      'flows',
      `?node=${encodeURIComponent(a.node)}&endpoint=${encodeURIComponent(ep(a))}`,
    );
    await page.waitForSelector('#flows tbody tr');
    const before = BigInt((await page.textContent('#flows-packets')) ?? '0');
    assert.ok(await ping(a.netns, v4(b), 3), `${a.name} pings ${b.name}`);
    await page.waitForFunction(
      (n) => BigInt(document.querySelector('#flows-packets')?.textContent ?? '0') >= BigInt(n) + 3n,
      before.toString(),
      {
        timeout: 10_000,
      },
    );
    await page.screenshot({ path: join(OUT, 'flows-after-ping.png'), fullPage: true });
    await page.close();
  });

  it('moves the session count of a backend live after a connection through the ClusterIP', async () => {
    const [, b] = podsOf(tenants()[0] as string) as [LabPod, LabPod];
    const page = await openPage('services');
    await page.waitForSelector('#services .service-sessions');
    const total = async () => Number(await page.textContent('#services .service-sessions'));
    const before = await total();
    assert.ok(Number.isInteger(before), 'a session count is shown, not a dash');
    assert.match((await page.textContent('#services')) ?? '', /healthy/);
    const loads = { n: 0 };
    page.on('load', () => loads.n++);
    // The SYN reaches the controller (packet-in), which places the connection on a backend and counts it; the
    // count stays until the session's flows idle out (60 s), long after this test has looked.
    await inNetns(b.netns, 'nc', '-z', '-w', '2', '10.96.0.10', '80');
    await page.waitForFunction(
      (n) => Number(document.querySelector('#services .service-sessions')?.textContent) > n,
      before,
      { timeout: 15_000 },
    );
    const backends = await page.evaluate(() => {
      const out: string[] = [];
      const all = document.querySelectorAll('#services li[data-backend] .sessions') as unknown as {
        forEach(f: (e: PageElement) => void): void;
      };
      all.forEach((e) => out.push(e.textContent ?? ''));
      return out;
    });
    assert.ok(
      backends.some((n) => Number(n) > 0),
      `one backend shows the session (${backends.join(', ')})`,
    );
    const api = await request(
      (controller as ControllerProcess).url,
      viewer,
      'GET',
      '/api/v1/services/web/stats',
    );
    assert.equal(api.status, 200, JSON.stringify(api.json));
    assert.ok(Number(api.json.sessions) > before, 'GET /services/web/stats agrees');
    // An operator drains a backend: the page shows it without a reload, and back.
    const admin = (controller as ControllerProcess).adminToken();
    const backend = `/api/v1/services/web/backends/${encodeURIComponent(ep(b))}/health`;
    const health = (h: string) =>
      request((controller as ControllerProcess).url, admin, 'PUT', backend, { health: h });
    assert.equal((await health('draining')).status, 200);
    await page.waitForFunction(
      () => document.querySelector('#services')?.textContent?.includes('draining'),
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.screenshot({ path: join(OUT, 'services-sessions.png'), fullPage: true });
    assert.equal((await health('healthy')).status, 200);
    await page.waitForFunction(
      () => !document.querySelector('#services')?.textContent?.includes('draining'),
      undefined,
      {
        timeout: 15_000,
      },
    );
    assert.equal(loads.n, 0, 'no reload: counts and health came over the event stream');
    await page.close();
  });

  it('traces an allowed and a denied packet with the verdict and the flow that decided it', async () => {
    const [t1] = tenants() as [string];
    const [a, b] = podsOf(t1) as [LabPod, LabPod];
    const page = await openPage('trace', `?source=${encodeURIComponent(ep(a))}`);
    await page.waitForSelector('#trace-source option', { state: 'attached' });

    await page.fill('#trace-ip', v4(b));
    await page.selectOption('#trace-protocol', 'icmp');
    await page.click('#trace-run');
    await page.waitForSelector('#verdict');
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'delivered');
    assert.match(
      (await page.textContent('#verdict')) ?? '',
      new RegExp(`delivered to ${escape(ep(b))} on ${b.node}`),
    );
    assert.match((await page.textContent('#decided-by')) ?? '', /cookie=0x5dc0.*priority=\d+/);
    assert.ok(
      (await page.$$('#trace-steps tr.decided')).length >= 1,
      'the deciding flow is marked in the steps',
    );
    await page.screenshot({ path: join(OUT, 'trace-allowed.png'), fullPage: true });

    // Denied: to the address of the pod added to the first tenant of the plan, from a pod of another tenant, where
    // no endpoint has that address (the lab's tenants reuse one CIDR, so only that pod's address is unique).
    const late = extra?.ips.find((ip) => !ip.includes(':'));
    const lateTenant = readState((lab as Lab).dir)?.plan.tenants[0]?.name;
    const stranger = status.pods.find((p) => p.tenant !== lateTenant);
    assert.ok(late && stranger, 'the pod added by the CNI test exists, and a pod of another tenant');
    assert.ok(
      !podsOf(stranger.tenant as string).some((p) => v4(p) === late),
      'the address is not in the other tenant',
    );
    await page.selectOption('#trace-source', {
      label: (await page.textContent(`#trace-source option:has-text("${ep(stranger)} ")`))?.trim() ?? '',
    });
    await page.fill('#trace-ip', late);
    await page.click('#trace-run');
    await page.waitForFunction(
      () => document.querySelector('#verdict')?.getAttribute('data-verdict') === 'dropped',
    );
    assert.match((await page.textContent('#verdict')) ?? '', new RegExp(escape(late)));
    assert.match(
      (await page.textContent('#decided-by')) ?? '',
      /cookie=0x5dc0.*actions=drop/,
      'the drop flow decided it',
    );
    await page.screenshot({ path: join(OUT, 'trace-denied.png'), fullPage: true });
    await page.close();
  });
  it('injects the traced packet as a probe (admin) and shows that the counters of the traced flows moved', async () => {
    const c = controller as ControllerProcess;
    const [a, b] = podsOf(tenants()[0] as string) as [LabPod, LabPod];
    const query = `?source=${encodeURIComponent(ep(a))}`;
    const viewerPage = await openPage('trace', query);
    await viewerPage.waitForSelector('#trace-source option', { state: 'attached' });
    await viewerPage.fill('#trace-ip', v4(b));
    await viewerPage.selectOption('#trace-protocol', 'icmp');
    await viewerPage.click('#probe-run');
    await viewerPage.waitForSelector('#probe-result .error');
    assert.match((await viewerPage.textContent('#probe-result')) ?? '', /viewer/, 'a viewer may not inject');
    await viewerPage.close();

    const page = await openPage('trace', query, c.adminToken());
    await page.waitForSelector('#trace-source option', { state: 'attached' });
    await page.fill('#trace-ip', v4(b));
    await page.selectOption('#trace-protocol', 'icmp');
    await page.click('#probe-run');
    await page.waitForSelector('#probe-summary', { timeout: 15_000 });
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'delivered');
    const rows = await page.$$eval('#probe-flows tbody tr', (trs) =>
      trs.map((tr) => ({
        traced: tr.getAttribute('data-traced') === 'true',
        moved: tr.getAttribute('data-moved') === 'true',
        text: tr.textContent ?? '',
      })),
    );
    const traced = rows.filter((r) => r.traced);
    assert.ok(traced.length >= 4, `the trace names the flows of several tables (${traced.length})`);
    assert.deepEqual(
      traced.filter((r) => !r.moved).map((r) => r.text),
      [],
      'every flow the trace names counted the probe',
    );
    assert.equal(await page.getAttribute('#probe-summary', 'data-agrees'), 'true');
    await page.screenshot({ path: join(OUT, 'trace-probe.png'), fullPage: true });

    // Only addresses of the model: the API refuses anything else before a packet is built.
    const outside = await request(c.url, c.adminToken(), 'POST', '/api/v1/trace/probe', {
      sourceEndpoint: ep(a),
      destination: { ip: '198.51.100.7', protocol: 'icmp' },
    });
    assert.equal(outside.status, 400, JSON.stringify(outside.json));
    assert.match(String(outside.json.detail), /no address of the model/);
    await page.close();
  });
});
