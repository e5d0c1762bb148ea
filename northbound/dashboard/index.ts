// The dashboard as one registration: its /api/v1 read routes, the ws event stream, and the web UI's files.
import type { FastifyInstance } from 'fastify';
import type { OpsContext } from '../../controller/ops/context.js';
import { registerEventStream, type EventStreamOptions } from '../events/stream.js';
import { dashboardApiRoutes } from './routes.js';
import { registerDashboardStatic } from './static.js';
import type { ServiceStatsSource } from './service-stats.js';
import type { SwitchView } from './switches.js';

export type { SwitchView } from './switches.js';
export type { ServiceStatsSource } from './service-stats.js';

export interface DashboardOptions {
  readonly switches?: SwitchView;
  readonly services?: ServiceStatsSource;
  readonly events?: EventStreamOptions;
  /** Where the built web UI is; default dist/dashboard. */
  readonly webRoot?: string;
}

export async function registerDashboard(
  app: FastifyInstance,
  ctx: OpsContext,
  options: DashboardOptions,
): Promise<void> {
  await app.register(async (api) => dashboardApiRoutes(api, ctx, options.switches, options.services), {
    prefix: '/api/v1',
  });
  registerEventStream(app, ctx, options.switches, {
    ...options.events,
    ...(options.services ? { services: options.services } : {}),
  });
  await registerDashboardStatic(app, options.webRoot);
}
