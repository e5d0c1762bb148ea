// /api/v1/tokens: admin only. The secret is in the create response and nowhere else, ever.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OpsContext } from '../../../controller/ops/context';
import { createToken, deleteToken, type TokenInput } from '../../../controller/ops/tokens';
import type { Token } from '../../../controller/model/types';
import { ADMIN } from '../auth';
import { errors, listPage } from '../crud';
import * as S from '../schemas';

function view(t: Token) {
  const { secretHash: _h, ...rest } = t;
  return rest;
}

export function tokenRoutes(app: FastifyInstance, ctx: OpsContext): void {
  const tags = ['tokens'];
  app.post('/tokens', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'create a token (the secret is shown once)',
      body: S.TokenBody,
      response: { 201: S.TokenCreated, ...errors },
    },
    handler: async (req, reply) => {
      const { token, secret } = createToken(ctx, req.actor, req.body as TokenInput);
      return reply.code(201).send({ ...view(token), token: secret });
    },
  });
  app.get('/tokens', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'list tokens (without secrets)',
      querystring: Type.Object(S.Page, { additionalProperties: false }),
      response: { 200: S.listOf(S.Token), ...errors },
    },
    handler: async (req) => {
      const page = listPage(
        ctx,
        req.actor,
        'token',
        req.query as { limit?: number; cursor?: string },
        () => true,
      );
      return { items: page.items.map(view), ...(page.next ? { next: page.next } : {}) };
    },
  });
  app.get('/tokens/:ref', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'get a token by id',
      params: S.RefParams,
      response: { 200: S.Token, ...errors },
    },
    handler: async (req) =>
      view(ctx.byId(req.actor, 'token', (req.params as { ref: string }).ref, 'params/ref')),
  });
  app.delete('/tokens/:ref', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'revoke a token',
      params: S.RefParams,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      deleteToken(ctx, req.actor, (req.params as { ref: string }).ref);
      return reply.code(204).send();
    },
  });
}
