// Bearer-token authentication and role checks. Each route declares the roles that may call it in its config;
// routes without `roles` are public (health, metrics, docs).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../controller/ops/actor';
import type { OpsContext } from '../../controller/ops/context';
import { authenticate } from '../../controller/ops/tokens';
import type { Role } from '../../controller/model/types';
import { FailedLoginLimiter } from './login-limit';
import { HttpProblem } from './problem';

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    actor: Actor;
  }
}

export const READ: readonly Role[] = ['admin', 'tenant', 'viewer'];
export const WRITE: readonly Role[] = ['admin', 'tenant'];
export const ADMIN_READ: readonly Role[] = ['admin', 'viewer'];
export const ADMIN: readonly Role[] = ['admin'];
export const CNI: readonly Role[] = ['cni'];

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

export function registerAuth(
  app: FastifyInstance,
  ctx: OpsContext,
  limiter: FailedLoginLimiter = new FailedLoginLimiter(),
): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (req, reply) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const secret = bearer(req);
    const wait = limiter.retryAfterMs(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new HttpProblem(
        429,
        'Too many failed logins',
        `too many requests with an invalid token from ${req.ip}; try again in ${Math.ceil(wait / 1000)} s`,
      );
    }
    // Tokens are looked up by their SHA-256 hash (the store holds only hashes): what the lookup's timing could
    // reveal is a prefix of a hash, which says nothing about any secret.
    const token = secret === undefined ? undefined : authenticate(ctx, secret);
    if (!token) {
      if (secret !== undefined) limiter.fail(req.ip);
      reply.header('www-authenticate', 'Bearer realm="sdn-controller"');
      throw new HttpProblem(
        401,
        'Unauthorized',
        secret === undefined
          ? 'an Authorization: Bearer <token> header is required'
          : 'the token is not valid',
      );
    }
    req.actor = {
      id: token.id,
      role: token.role,
      ...(token.tenantId ? { tenantId: token.tenantId } : {}),
      ...(token.nodeId ? { nodeId: token.nodeId } : {}),
    };
    if (!roles.includes(token.role)) {
      throw new HttpProblem(
        403,
        'Forbidden',
        `a ${token.role} token may not ${req.method} ${req.routeOptions.url}; this needs ${roles.join(' or ')}`,
      );
    }
  });
}
