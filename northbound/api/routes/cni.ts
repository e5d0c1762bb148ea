// /cni/v1: what the node agent calls. Only cni tokens, and only for the node the token is bound to.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Dataplane } from '../../../controller/dataplane';
import type { OpsContext } from '../../../controller/ops/context';
import {
  cniAdd,
  cniCheck,
  cniDel,
  cniGc,
  cniStatus,
  type CniAddRequest,
  type CniAttachment,
} from '../../../controller/ops/cni';
import { CNI } from '../auth';
import { errors } from '../crud';
import * as S from '../schemas';

export function cniRoutes(app: FastifyInstance, ctx: OpsContext, dp: Dataplane): void {
  const tags = ['cni'];
  const config = { roles: CNI };
  app.post('/add', {
    config,
    schema: {
      tags,
      summary: 'attach a container interface; idempotent by (containerId, ifname)',
      body: S.CniAddBody,
      response: { 200: S.CniResult, ...errors },
    },
    handler: async (req) => cniAdd(ctx, dp, req.actor, req.body as CniAddRequest),
  });
  app.post('/del', {
    config,
    schema: {
      tags,
      summary: 'detach; unknown attachments are fine',
      body: S.CniAttachment,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      await cniDel(ctx, dp, req.actor, req.body as CniAttachment);
      return reply.code(204).send();
    },
  });
  app.post('/check', {
    config,
    schema: {
      tags,
      summary: 'the attachment as the controller has it, or 404',
      body: S.CniAttachment,
      response: { 200: S.CniResult, ...errors },
    },
    handler: async (req) => cniCheck(ctx, req.actor, req.body as CniAttachment),
  });
  app.post('/gc', {
    config,
    schema: {
      tags,
      summary: "release the node's attachments the runtime no longer lists",
      body: S.CniGcBody,
      response: { 200: S.CniGcResult, ...errors },
    },
    handler: async (req) => ({
      released: await cniGc(
        ctx,
        dp,
        req.actor,
        (req.body as { validAttachments: CniAttachment[] }).validAttachments,
      ),
    }),
  });
  app.get('/status', {
    config,
    schema: {
      tags,
      summary: 'ready to serve ADD on this node?',
      response: { 200: S.CniStatus, 503: S.CniStatus, ...errors },
    },
    handler: async (req, reply) => {
      const s = cniStatus(ctx, dp, req.actor);
      return reply.code(s.ready ? 200 : 503).send(s);
    },
  });
}
