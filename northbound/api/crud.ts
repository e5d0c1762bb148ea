// The five routes every noun has: create, list (paginated, filtered), get, update, delete. Handlers call the
// controller's operations; reads go to the store's in-memory model.
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { visible, type Actor } from '../../controller/ops/actor';
import type { OpsContext, Scope } from '../../controller/ops/context';
import type { AnyObject, Kind, ModelKinds, Role } from '../../controller/model/types';
import { READ, WRITE } from './auth';
import { Page, Problem, RefParams, listOf } from './schemas';

/** A query parameter that filters a list by a parent, given by id or name. */
export interface ParentFilter {
  readonly kind: Kind;
  readonly field: Scope['field'] | 'nodeId';
}

export interface CrudSpec<K extends Kind, C extends TObject, U extends TObject> {
  readonly kind: K;
  readonly path: string;
  readonly tag: string;
  readonly object: TSchema;
  readonly createBody: C;
  readonly patchBody: U;
  readonly filters?: Record<string, ParentFilter>;
  /** Extra list filters on plain fields, e.g. ?kind=pod. */
  readonly fieldFilters?: Record<string, TSchema>;
  readonly create: (actor: Actor, body: Static<C>) => ModelKinds[K];
  readonly update: (actor: Actor, ref: string, body: Static<U>) => ModelKinds[K];
  readonly remove: (actor: Actor, ref: string) => unknown;
  /** The object as the API shows it. */
  readonly view?: (o: ModelKinds[K]) => unknown;
  /** How a name resolves when the list filters give a parent. */
  readonly scopeFrom?: (q: Record<string, string | undefined>, actor: Actor) => Scope | undefined;
  readonly readRoles?: readonly Role[];
  readonly writeRoles?: readonly Role[];
}

export const errors = { '4xx': Problem } as const;

export function listPage<K extends Kind>(
  ctx: OpsContext,
  actor: Actor,
  kind: K,
  query: { limit?: number; cursor?: string },
  keep: (o: ModelKinds[K]) => boolean,
): { items: ModelKinds[K][]; next?: string } {
  const limit = query.limit ?? 100;
  const items: ModelKinds[K][] = [];
  for (const o of ctx.store.all(kind)) {
    if (query.cursor !== undefined && o.id <= query.cursor) continue;
    if (!visible(actor, kind, o as AnyObject) || !keep(o)) continue;
    if (items.length === limit) return { items, next: items[items.length - 1].id };
    items.push(o);
  }
  return { items };
}

export function crudRoutes<K extends Kind, C extends TObject, U extends TObject>(
  app: FastifyInstance,
  ctx: OpsContext,
  spec: CrudSpec<K, C, U>,
): void {
  const read = spec.readRoles ?? READ;
  const write = spec.writeRoles ?? WRITE;
  const view = spec.view ?? ((o: ModelKinds[K]) => o);
  const tags = [spec.tag];
  const filterQuery: Record<string, TSchema> = { ...Page, ...(spec.fieldFilters ?? {}) };
  for (const key of Object.keys(spec.filters ?? {}))
    filterQuery[key] = Type.Optional(Type.String({ description: 'id or name' }));
  const Query = Type.Object(filterQuery, { additionalProperties: false });

  app.post(spec.path, {
    config: { roles: write },
    schema: {
      tags,
      summary: `create a ${spec.kind}`,
      body: spec.createBody,
      response: { 201: spec.object, ...errors },
    },
    handler: async (req, reply) => reply.code(201).send(view(spec.create(req.actor, req.body as Static<C>))),
  });

  app.get(spec.path, {
    config: { roles: read },
    schema: {
      tags,
      summary: `list ${spec.kind}s`,
      querystring: Query,
      response: { 200: listOf(spec.object), ...errors },
    },
    handler: async (req) => {
      const q = req.query as Record<string, string | number | undefined> & {
        limit?: number;
        cursor?: string;
      };
      const checks: ((o: ModelKinds[K]) => boolean)[] = [];
      for (const [key, f] of Object.entries(spec.filters ?? {})) {
        const ref = q[key];
        if (ref === undefined) continue;
        const parent = ctx.resolve(req.actor, f.kind, String(ref), `querystring/${key}`);
        checks.push((o) => (o as unknown as Record<string, unknown>)[f.field] === parent.id);
      }
      for (const key of [...Object.keys(spec.fieldFilters ?? {}), 'name']) {
        const v = q[key];
        if (v !== undefined) checks.push((o) => (o as unknown as Record<string, unknown>)[key] === v);
      }
      const page = listPage(ctx, req.actor, spec.kind, q, (o) => checks.every((c) => c(o)));
      return { items: page.items.map(view), ...(page.next ? { next: page.next } : {}) };
    },
  });

  const one = `${spec.path}/:ref`;
  app.get(one, {
    config: { roles: read },
    schema: {
      tags,
      summary: `get a ${spec.kind} by id or name`,
      params: RefParams,
      response: { 200: spec.object, ...errors },
    },
    handler: async (req) => {
      const { ref } = req.params as { ref: string };
      return view(ctx.resolve(req.actor, spec.kind, ref, 'params/ref'));
    },
  });

  app.patch(one, {
    config: { roles: write },
    schema: {
      tags,
      summary: `change a ${spec.kind}`,
      params: RefParams,
      body: spec.patchBody,
      response: { 200: spec.object, ...errors },
    },
    handler: async (req) =>
      view(spec.update(req.actor, (req.params as { ref: string }).ref, req.body as Static<U>)),
  });

  app.delete(one, {
    config: { roles: write },
    schema: {
      tags,
      summary: `delete a ${spec.kind}`,
      params: RefParams,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      spec.remove(req.actor, (req.params as { ref: string }).ref);
      return reply.code(204).send();
    },
  });
}
