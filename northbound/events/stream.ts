// GET /api/v1/events as a WebSocket: the model's change events as they commit, and node switch-state changes
// (OVSDB/OpenFlow session, flow count) as they happen. Browsers cannot set an Authorization header on a WebSocket,
// so the token travels as a subprotocol "bearer.<token>" next to "sdn.v1"; a wrong or missing one gets a 401
// before the handshake. Viewer or admin tokens only, like the dashboard's routes. The load balancer's per-backend
// health and open sessions go out as `serviceStats` when they change (compared at the same poll as node states).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ChangeEvent } from '../../controller/events.js';
import type { OpsContext } from '../../controller/ops/context.js';
import { authenticate } from '../../controller/ops/tokens.js';
import type { Id } from '../../controller/model/types.js';
import { ADMIN_READ } from '../api/auth.js';
import { allServiceStats, type ServiceStats, type ServiceStatsSource } from '../dashboard/service-stats.js';
import type { NodeSwitchState, SwitchView } from '../dashboard/switches.js';
import { auditView } from '../dashboard/views.js';

export const EVENTS_PATH = '/api/v1/events';
export const EVENTS_PROTOCOL = 'sdn.v1';
const BEARER_PREFIX = 'bearer.';

/** What a client receives, one JSON text frame each. */
export type StreamMessage =
  | { readonly type: 'hello'; readonly nodes: Record<Id, NodeSwitchState> }
  | {
      readonly type: 'change';
      readonly event: ReturnType<typeof auditView> & { readonly nodes: readonly Id[] };
    }
  | { readonly type: 'nodeState'; readonly nodeId: Id; readonly state: NodeSwitchState }
  | ({ readonly type: 'serviceStats' } & ServiceStats);

export interface EventStreamOptions {
  /** How often node switch states are compared for changes. Default 1000 ms. */
  readonly statePollMs?: number;
  /** Backend health and sessions of the load balancer; absent: no serviceStats messages. */
  readonly services?: ServiceStatsSource;
}

export function registerEventStream(
  app: FastifyInstance,
  ctx: OpsContext,
  switches: SwitchView | undefined,
  options: EventStreamOptions = {},
): void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  const states = new Map<Id, string>();
  const serviceStates = new Map<Id, string>();
  const currentStates = (): Record<Id, NodeSwitchState> => {
    const out: Record<Id, NodeSwitchState> = {};
    if (switches) for (const n of ctx.store.all('node')) out[n.id] = switches.nodeState(n.id);
    return out;
  };
  const broadcast = (m: StreamMessage): void => {
    if (wss.clients.size === 0) return;
    const text = JSON.stringify(m);
    for (const c of wss.clients) if (c.readyState === c.OPEN) c.send(text);
  };

  const onChange = (e: ChangeEvent): void =>
    broadcast({ type: 'change', event: { ...auditView(e), nodes: e.nodes } });
  ctx.store.events.on('change', onChange);
  const poll = setInterval(() => {
    if (wss.clients.size === 0) {
      serviceStates.clear(); // a new client has read the summary: what it missed is sent again
      return;
    }
    for (const [id, state] of Object.entries(currentStates())) {
      const text = JSON.stringify(state);
      if (states.get(id) === text) continue;
      states.set(id, text);
      broadcast({ type: 'nodeState', nodeId: id, state });
    }
    if (!options.services) return;
    const seen = new Set<Id>();
    for (const stats of allServiceStats(ctx.store, options.services)) {
      seen.add(stats.serviceId);
      const text = JSON.stringify(stats);
      if (serviceStates.get(stats.serviceId) === text) continue;
      serviceStates.set(stats.serviceId, text);
      broadcast({ type: 'serviceStats', ...stats });
    }
    for (const id of serviceStates.keys()) if (!seen.has(id)) serviceStates.delete(id);
  }, options.statePollMs ?? 1000);
  poll.unref();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== EVENTS_PATH) return; // not ours: another upgrade handler may want it
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const secret = offered.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
    const token = secret ? authenticate(ctx, secret) : undefined;
    if (!token || !ADMIN_READ.includes(token.role)) {
      const status = token ? '403 Forbidden' : '401 Unauthorized';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ws.send(JSON.stringify({ type: 'hello', nodes: currentStates() } satisfies StreamMessage));
    });
  };
  app.server.on('upgrade', onUpgrade);

  app.addHook('onClose', async () => {
    clearInterval(poll);
    ctx.store.events.off('change', onChange);
    app.server.off('upgrade', onUpgrade);
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}
