// API tokens: a random secret shown once; the store keeps only its SHA-256 (the secret has 256 bits of entropy,
// so a slow password hash would add nothing but latency to every request).
import { createHash, randomBytes } from 'node:crypto';
import type { Id, Role, Token } from '../model/types';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { forbidden, invalid } from './errors';

export const TOKEN_PREFIX = 'sdn_';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export interface TokenInput {
  role: Role;
  tenant?: string;
  node?: string;
  description?: string;
}

export function createToken(
  ctx: OpsContext,
  actor: Actor,
  input: TokenInput,
): { token: Token; secret: string } {
  if (actor.role !== 'admin') throw forbidden('only an admin creates tokens');
  if (input.role === 'tenant' && input.tenant === undefined)
    throw invalid('body/tenant', 'a tenant token needs a tenant');
  if (input.role !== 'tenant' && input.tenant !== undefined) {
    throw invalid('body/tenant', `a ${input.role} token is not bound to a tenant`);
  }
  if (input.role === 'cni' && input.node === undefined)
    throw invalid('body/node', 'a cni token needs a node');
  if (input.role !== 'cni' && input.node !== undefined)
    throw invalid('body/node', `a ${input.role} token is not bound to a node`);
  const secret = newSecret();
  const token = ctx.mutate(actor, 'token.create', (tx) => {
    let tenantId: Id | undefined;
    let nodeId: Id | undefined;
    if (input.tenant !== undefined)
      tenantId = ctx.resolve(actor, 'tenant', input.tenant, 'body/tenant', undefined, tx).id;
    if (input.node !== undefined)
      nodeId = ctx.resolve(actor, 'node', input.node, 'body/node', undefined, tx).id;
    const t: Token = {
      id: ctx.newId(),
      role: input.role,
      ...(tenantId ? { tenantId } : {}),
      ...(nodeId ? { nodeId } : {}),
      secretHash: hashSecret(secret),
      description: input.description ?? '',
      createdAt: ctx.now(),
    };
    tx.create('token', t);
    return t;
  });
  return { token, secret };
}

export function deleteToken(ctx: OpsContext, actor: Actor, id: string): void {
  if (actor.role !== 'admin') throw forbidden('only an admin deletes tokens');
  ctx.mutate(actor, 'token.delete', (tx) => {
    const t = ctx.byId(actor, 'token', id, 'params/ref', tx);
    tx.remove('token', t.id);
  });
}

/** The token a secret belongs to, if any. */
export function authenticate(ctx: OpsContext, secret: string): Token | undefined {
  return ctx.store.lookup('token', 'hash', hashSecret(secret))[0];
}

/** The first admin token, made when the store has none. Returns the secret to hand to the operator. */
export function bootstrapAdmin(ctx: OpsContext): string | undefined {
  for (const t of ctx.store.all('token')) if (t.role === 'admin') return undefined;
  const { secret } = createToken(
    ctx,
    { id: 'system', role: 'admin' },
    { role: 'admin', description: 'bootstrap' },
  );
  return secret;
}
