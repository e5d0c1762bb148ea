// The dashboard shell: login with an API token, a nav bar, hash routes to the pages, the live event stream.
import './style.css';
import { api, ApiError, setToken, token, whenUnauthorized } from './api';
import { h, mount } from './dom';
import type { Page, PageFactory } from './page';
import { auditPage } from './pages/audit';
import { flowsPage } from './pages/flows';
import { ipamPage } from './pages/ipam';
import { overviewPage } from './pages/overview';
import { securityPage } from './pages/security';
import { servicesPage } from './pages/services';
import { topologyPage } from './pages/topology';
import { tracePage } from './pages/trace';
import { EventStream } from './stream';

const PAGES: { path: string; title: string; page: PageFactory }[] = [
  { path: 'overview', title: 'Overview', page: overviewPage },
  { path: 'topology', title: 'Topology', page: topologyPage },
  { path: 'flows', title: 'Flows', page: flowsPage },
  { path: 'ipam', title: 'IPAM', page: ipamPage },
  { path: 'services', title: 'Services', page: servicesPage },
  { path: 'security', title: 'Security groups & QoS', page: securityPage },
  { path: 'trace', title: 'Trace', page: tracePage },
  { path: 'audit', title: 'Audit', page: auditPage },
];

const app = document.getElementById('app') as HTMLElement;
let stream: EventStream | undefined;
let current: Page | undefined;

function showLogin(message?: string): void {
  current?.dispose?.();
  current = undefined;
  stream?.close();
  stream = undefined;
  setToken(undefined);
  const input = h('input', {
    id: 'token',
    type: 'password',
    placeholder: 'API token',
    autocomplete: 'off',
    required: true,
  });
  const error = h('p', { class: 'error', id: 'login-error' }, message ?? '');
  const form = h(
    'form',
    {
      id: 'login',
      class: 'login',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const t = input.value.trim();
        // Any read proves the token; the controller says which roles may read.
        api('/overview?recent=0', { token: t }).then(
          () => {
            setToken(t);
            start();
          },
          (err: unknown) => {
            error.textContent =
              err instanceof ApiError && err.status === 401
                ? 'That token is not valid.'
                : String((err as Error).message);
          },
        );
      },
    },
    h('h1', null, 'sdn-controller'),
    h('p', null, 'Log in with an API token (viewer to look, admin to change).'),
    input,
    h('button', { type: 'submit' }, 'Log in'),
    error,
  );
  mount(app, form);
  input.focus();
}

function start(): void {
  const t = token();
  if (!t) return showLogin();
  stream = new EventStream(t);
  const live = h('span', { id: 'live', class: 'live connecting' }, 'connecting');
  stream.onState = (s) => {
    live.className = `live ${s}`;
    live.textContent = s === 'open' ? 'live' : s;
  };
  const nav = h(
    'nav',
    null,
    h('strong', { class: 'brand' }, 'sdn-controller'),
    PAGES.map((p) => h('a', { href: `#/${p.path}`, 'data-page': p.path }, p.title)),
    h('span', { class: 'spacer' }),
    live,
    h('button', { id: 'logout', class: 'link', onclick: () => showLogin() }, 'Log out'),
  );
  const main = h('main', { id: 'page' });
  mount(app, nav, main);
  window.onhashchange = () => void route(main);
  void route(main);
}

async function route(main: HTMLElement): Promise<void> {
  if (!stream) return;
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const entry = PAGES.find((p) => p.path === path) ?? PAGES[0];
  if (entry.path !== path) {
    location.hash = `#/${entry.path}`;
    return;
  }
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('active', a.getAttribute('data-page') === entry.path);
  current?.dispose?.();
  const page = entry.page();
  current = page;
  document.title = `${entry.title} · sdn-controller`;
  const root = h('div', { class: `page page-${entry.path}` });
  mount(main, root);
  try {
    await page.render(root, { stream, params: new URLSearchParams(query ?? '') });
  } catch (err) {
    if (current === page)
      mount(root, h('p', { class: 'error' }, `Could not load: ${(err as Error).message}`));
  }
}

whenUnauthorized(() => showLogin('The controller no longer accepts the token; log in again.'));
if (token()) start();
else showLogin();
