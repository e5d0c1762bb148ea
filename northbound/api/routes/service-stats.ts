// GET /services/:ref/stats: each backend's health as the load balancer applies it and its open sessions, read-only.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OpsContext } from '../../../controller/ops/context';
import { serviceStats, type ServiceStatsSource } from '../../dashboard/service-stats';
import { READ } from '../auth';
import { errors } from '../crud';
import * as S from '../schemas';

const Health = Type.Union([Type.Literal('healthy'), Type.Literal('draining'), Type.Literal('unhealthy')]);
const sessions = Type.Integer({
  minimum: 0,
  description: 'open connections (placed by the load balancer, not yet removed by the switches)',
});
export const ServiceStatsSchema = Type.Object({
  serviceId: Type.String(),
  sessions: Type.Optional(sessions),
  backends: Type.Array(
    Type.Object({
      id: Type.String({ description: 'endpoint id, or addr:<address> for an address outside the cluster' }),
      health: Health,
      sessions: Type.Optional(sessions),
    }),
  ),
});

export function serviceStatsRoutes(
  app: FastifyInstance,
  ctx: OpsContext,
  source: ServiceStatsSource | undefined,
): void {
  app.get('/services/:ref/stats', {
    config: { roles: READ },
    schema: {
      tags: ['services'],
      summary:
        "each backend's health and open sessions as the load balancer sees them (sessions absent without one)",
      params: S.RefParams,
      response: { 200: ServiceStatsSchema, ...errors },
    },
    handler: async (req) => {
      const svc = ctx.resolve(req.actor, 'service', (req.params as { ref: string }).ref, 'params/ref');
      return serviceStats(svc, source);
    },
  });
}
