// A Service's backends one at a time: add, remove, and the health verdict of a probe or an operator (unhealthy: its
// sessions are deleted from the switches at once; draining: it keeps them and takes no new connections).
import type { FastifyInstance } from 'fastify';
import * as ops from '../../../controller/ops';
import type { OpsContext } from '../../../controller/ops/context';
import type { BackendInput } from '../../../controller/ops/services';
import type { BackendHealth } from '../../../controller/model/types';
import { WRITE } from '../auth';
import { errors } from '../crud';
import * as S from '../schemas';

type RefReq = { params: { ref: string }; body: BackendInput };
type BackendReq = { params: { ref: string; backend: string } };

export function serviceBackendRoutes(app: FastifyInstance, ctx: OpsContext): void {
  const tags = ['services'];
  app.post('/services/:ref/backends', {
    config: { roles: WRITE },
    schema: {
      tags,
      summary: 'add a backend (an endpoint of the network, or an address outside the cluster)',
      params: S.RefParams,
      body: S.ServiceBackendBody,
      response: { 201: S.Service, ...errors },
    },
    handler: async (req, reply) => {
      const r = req as unknown as RefReq;
      return reply.code(201).send(ops.addBackend(ctx, req.actor, r.params.ref, r.body));
    },
  });
  app.delete('/services/:ref/backends/:backend', {
    config: { roles: WRITE },
    schema: {
      tags,
      summary: 'remove a backend (endpoint id or name, or address); its sessions are deleted',
      params: S.BackendParams,
      response: { 200: S.Service, ...errors },
    },
    handler: async (req) => {
      const r = req as unknown as BackendReq;
      return ops.removeBackend(ctx, req.actor, r.params.ref, r.params.backend);
    },
  });
  app.put('/services/:ref/backends/:backend/health', {
    config: { roles: WRITE },
    schema: {
      tags,
      summary: "set a backend's health",
      params: S.BackendParams,
      body: S.BackendHealthBody,
      response: { 200: S.Service, ...errors },
    },
    handler: async (req) => {
      const r = req as unknown as BackendReq & { body: { health: BackendHealth } };
      return ops.setBackendHealth(ctx, req.actor, r.params.ref, r.params.backend, r.body.health);
    },
  });
}
