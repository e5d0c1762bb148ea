// Sub-resources: router interfaces, security group rules, a node's VLAN bindings, a leaf VTEP's rows.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OpsContext } from '../../../controller/ops/context';
import * as ops from '../../../controller/ops';
import { ADMIN_READ, READ, WRITE } from '../auth';
import { errors } from '../crud';
import * as S from '../schemas';
import { snapshotFromModel } from '../../../controller/pipeline/snapshot';
import { desiredVtep, vtepRowCounts } from '../../../controller/reconcile/vtep-desired';

type RefReq = { params: { ref: string } };
type SubReq = { params: { ref: string; id: string } };

export function partRoutes(app: FastifyInstance, ctx: OpsContext): void {
  const routerTags = ['routers'];
  app.get('/routers/:ref/interfaces', {
    config: { roles: READ },
    schema: {
      tags: routerTags,
      summary: "list a router's interfaces",
      params: S.RefParams,
      response: { 200: S.listOf(S.RouterInterface), ...errors },
    },
    handler: async (req) => {
      const r = ctx.resolve(req.actor, 'router', (req as RefReq).params.ref, 'params/ref');
      return { items: ctx.store.lookup('routerInterface', 'router', r.id) };
    },
  });
  app.post('/routers/:ref/interfaces', {
    config: { roles: WRITE },
    schema: {
      tags: routerTags,
      summary: 'put the router on a subnet, at its gateway address',
      params: S.RefParams,
      body: S.RouterInterfaceBody,
      response: { 201: S.RouterInterface, ...errors },
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(
          ops.addRouterInterface(ctx, req.actor, (req as RefReq).params.ref, req.body as { subnet: string }),
        ),
  });
  app.delete('/routers/:ref/interfaces/:id', {
    config: { roles: WRITE },
    schema: {
      tags: routerTags,
      summary: 'take the router off a subnet',
      params: S.SubParams,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      const { ref, id } = (req as SubReq).params;
      ops.removeRouterInterface(ctx, req.actor, ref, id);
      return reply.code(204).send();
    },
  });

  const sgTags = ['security groups'];
  app.get('/security-groups/:ref/rules', {
    config: { roles: READ },
    schema: {
      tags: sgTags,
      summary: "list a security group's rules",
      params: S.RefParams,
      response: { 200: S.listOf(S.Rule), ...errors },
    },
    handler: async (req) => {
      const g = ctx.resolve(req.actor, 'securityGroup', (req as RefReq).params.ref, 'params/ref');
      return { items: ctx.store.lookup('securityGroupRule', 'group', g.id) };
    },
  });
  app.post('/security-groups/:ref/rules', {
    config: { roles: WRITE },
    schema: {
      tags: sgTags,
      summary: 'add a rule',
      params: S.RefParams,
      body: S.RuleBody,
      response: { 201: S.Rule, ...errors },
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(ops.addRule(ctx, req.actor, (req as RefReq).params.ref, req.body as ops.RuleInput)),
  });
  app.delete('/security-groups/:ref/rules/:id', {
    config: { roles: WRITE },
    schema: {
      tags: sgTags,
      summary: 'remove a rule',
      params: S.SubParams,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      const { ref, id } = (req as SubReq).params;
      ops.removeRule(ctx, req.actor, ref, id);
      return reply.code(204).send();
    },
  });

  app.get('/nodes/:ref/vlan-bindings', {
    config: { roles: ADMIN_READ },
    schema: {
      tags: ['nodes'],
      summary: 'VLAN <-> VNI bindings of a network-overlay node',
      params: S.RefParams,
      response: { 200: S.listOf(S.VlanBinding), ...errors },
    },
    handler: async (req) => {
      const n = ctx.resolve(req.actor, 'node', (req as RefReq).params.ref, 'params/ref');
      return { items: ctx.store.lookup('vlanBinding', 'node', n.id).sort((a, b) => a.vlan - b.vlan) };
    },
  });

  app.get('/vteps/:ref/rows', {
    config: { roles: ADMIN_READ },
    schema: {
      tags: ['vteps'],
      summary:
        'the hardware_vtep rows the controller keeps on a leaf: logical switches, VLAN bindings, where each remote MAC lives',
      params: S.RefParams,
      response: { 200: S.VtepRows, ...errors },
    },
    handler: async (req) => {
      const v = ctx.resolve(req.actor, 'vtep', (req as RefReq).params.ref, 'params/ref');
      const d = desiredVtep(snapshotFromModel(ctx.store), v);
      return { ...d, counts: vtepRowCounts(d) };
    },
  });
}
