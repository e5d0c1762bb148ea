// The controller's HTTP face: /api/v1 (the model), /cni/v1 (node agents), /healthz, /readyz, /metrics, /docs.
// buildApp only assembles; the caller listens (northbound/server.ts) or injects (tests).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import type { Dataplane } from '../../controller/dataplane';
import type { Logger } from '../../controller/log';
import { ControllerMetrics } from '../../controller/metrics';
import type { OpsContext } from '../../controller/ops/context';
import { registerDashboard, type ServiceStatsSource, type SwitchView } from '../dashboard';
import { registerAuth } from './auth';
import { DEFAULT_MAX_IN_FLIGHT, registerOverload } from './overload';
import { problemOf, sendProblem } from './problem';
import { cniRoutes } from './routes/cni';
import { modelRoutes } from './routes/model';
import { partRoutes } from './routes/parts';
import { leafRoutes } from './routes/leaves';
import type { LeafView } from '../../controller/reconcile/vtep-reconciler';
import { serviceBackendRoutes } from './routes/service-backends';
import { serviceStatsRoutes } from './routes/service-stats';
import { tokenRoutes } from './routes/tokens';

export interface ReadinessCheck {
  readonly name: string;
  /** undefined when fine, else why not. */
  readonly check: () => string | undefined;
}

export interface ApiDeps {
  readonly ctx: OpsContext;
  readonly dataplane: Dataplane;
  readonly metrics?: ControllerMetrics;
  /** Pino logger for requests; false or absent: no request log. */
  readonly logger?: Logger | false;
  /** Beyond "the store is open": e.g. "the OpenFlow listener is up". */
  readonly readiness?: readonly ReadinessCheck[];
  /** Node switch state, compiled pipelines and live flows for the dashboard (the reconciler); absent: model only. */
  readonly switches?: SwitchView;
  /** Backend health and open sessions of the ClusterIP load balancer; absent: health from the model only. */
  readonly services?: ServiceStatsSource;
  /** Leaf VTEPs as the VTEP reconciler sees them (connection, the rows they hold, learned MACs). */
  readonly leaves?: LeafView;
  /** API requests handled at once before new ones get 503 + Retry-After (overload.ts); default 1024. */
  readonly maxInFlight?: number;
  /** PEM key and certificate: the API and dashboard serve https only. */
  readonly https?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const { ctx } = deps;
  const metrics = deps.metrics ?? new ControllerMetrics();
  if (!deps.metrics) metrics.watch(ctx.store.events);
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // Unknown fields are an error, not silently dropped: a typo must not turn into a default.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    bodyLimit: 8 * 1024 * 1024,
    ...(deps.https ? { https: { key: deps.https.key, cert: deps.https.cert } } : {}),
    // One line per request at debug level (below) instead of fastify's two at info: CNI ADDs come in bursts.
    logController: new LogController({ disableRequestLogging: true }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'sdn-controller',
        version: '1',
        description: 'Network model, IPAM and CNI endpoints of the SDN controller',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Before authentication: a refused request must not cost a token lookup.
  registerOverload(app, { maxInFlight: deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT });
  registerAuth(app, ctx);
  app.setErrorHandler((err, req, reply) => {
    const p = problemOf(err as FastifyError, req);
    if (p.status >= 500) req.log.error({ err }, 'request failed');
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, {
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      detail: `no route ${req.method} ${req.url}`,
      instance: req.url,
    }),
  );

  // Nothing is answered before the mutations it may reflect are on disk (the store groups commits; see SqliteStore).
  app.addHook('onSend', async () => {
    await ctx.store.durable();
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const failing: string[] = [];
    if (!ctx.store.isOpen()) failing.push('store: closed');
    for (const r of deps.readiness ?? []) {
      const why = r.check();
      if (why !== undefined) failing.push(`${r.name}: ${why}`);
    }
    return reply.code(failing.length === 0 ? 200 : 503).send({ ready: failing.length === 0, failing });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  await app.register(
    async (api) => {
      modelRoutes(api, ctx);
      partRoutes(api, ctx);
      leafRoutes(api, ctx, deps.leaves);
      serviceBackendRoutes(api, ctx);
      serviceStatsRoutes(api, ctx, deps.services);
      tokenRoutes(api, ctx);
    },
    { prefix: '/api/v1' },
  );
  await app.register(async (cni) => cniRoutes(cni, ctx, deps.dataplane), { prefix: '/cni/v1' });
  await registerDashboard(app, ctx, {
    ...(deps.switches ? { switches: deps.switches } : {}),
    ...(deps.services ? { services: deps.services } : {}),
  });
  await app.ready();
  return app;
}
