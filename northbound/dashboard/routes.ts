// The /api/v1 routes the dashboard reads (viewer or admin token): summaries, a node's flows, the pipeline, trace and
// the audit log. They are ordinary API routes, usable with curl and sdnctl as well.
import type { FastifyInstance } from 'fastify';
import { Feature, FEATURE_DOCS, TABLES, type FeatureName } from '../../controller/pipeline/index.js';
import type { OpsContext } from '../../controller/ops/context.js';
import { invalid } from '../../controller/ops/errors.js';
import { ADMIN, ADMIN_READ } from '../api/auth.js';
import { errors } from '../api/crud.js';
import { HttpProblem } from '../api/problem.js';
import { filterFlows, rowOfSpec, rowOfStats } from './flows.js';
import { probe, ProbeError } from './probe.js';
import * as S from './schemas.js';
import type { ServiceStatsSource } from './service-stats.js';
import type { SwitchView } from './switches.js';
import { trace, TraceError, type TraceProtocol } from './trace.js';
import { auditView, ipam, overview, security, services, topology } from './views.js';

const tags = ['dashboard'];

export function dashboardApiRoutes(
  app: FastifyInstance,
  ctx: OpsContext,
  switches: SwitchView | undefined,
  serviceSource?: ServiceStatsSource,
): void {
  const { store } = ctx;
  const read = { roles: ADMIN_READ };

  app.get('/overview', {
    config: read,
    schema: {
      tags,
      summary: 'nodes with their switch sessions, object counts, recent events',
      querystring: S.OverviewQuery,
      response: { 200: S.Overview, ...errors },
    },
    handler: async (req) => overview(store, switches, (req.query as { recent?: number }).recent ?? 20),
  });
  app.get('/topology', {
    config: read,
    schema: {
      tags,
      summary: 'tenants, routers, networks, subnets, nodes and endpoints in one read',
      querystring: S.NoQuery,
      response: { 200: S.Topology, ...errors },
    },
    handler: async () => topology(store, switches),
  });
  app.get('/ipam', {
    config: read,
    schema: {
      tags,
      summary: 'per subnet: size, free, used, retained, allocations with owners; VLAN<->VNI bindings',
      querystring: S.NoQuery,
      response: { 200: S.IpamSummary, ...errors },
    },
    handler: async () => ipam(store, ctx.ipam),
  });
  app.get('/service-summary', {
    config: read,
    schema: {
      tags,
      summary: 'services with their backends resolved, their health and open sessions',
      querystring: S.NoQuery,
      response: { 200: S.ServiceSummary, ...errors },
    },
    handler: async () => ({ items: services(store, serviceSource) }),
  });
  app.get('/security-summary', {
    config: read,
    schema: {
      tags,
      summary: 'security groups with rules and endpoints; QoS policies with endpoints',
      querystring: S.NoQuery,
      response: { 200: S.SecuritySummary, ...errors },
    },
    handler: async () => security(store),
  });
  app.get('/audit', {
    config: read,
    schema: {
      tags,
      summary: 'who changed what, when, with before/after (newest first)',
      querystring: S.AuditQuery,
      response: { 200: S.AuditList, ...errors },
    },
    handler: async (req) => ({
      items: store.audit((req.query as { limit?: number }).limit ?? 100).map(auditView),
    }),
  });
  app.get('/pipeline', {
    config: read,
    schema: {
      tags,
      summary: 'the tables of the pipeline and the cookie features (docs/pipeline.md)',
      querystring: S.NoQuery,
      response: { 200: S.Pipeline, ...errors },
    },
    handler: async () => ({
      tables: TABLES.map((t) => ({
        id: t.id,
        name: t.name,
        doc: t.doc,
        matches: [...t.matches],
        next: [...t.next],
        miss: t.miss.kind === 'drop' ? 'drop' : `goto ${t.miss.table}`,
      })),
      features: (Object.keys(Feature) as FeatureName[]).map((name) => ({
        name,
        value: Feature[name],
        doc: FEATURE_DOCS[name],
      })),
    }),
  });

  app.get('/nodes/:ref/flows', {
    config: read,
    schema: {
      tags,
      summary: "a node's flow table in ovs-ofctl syntax, with live counters",
      params: S.FlowsParams,
      querystring: S.FlowsQuery,
      response: { 200: S.Flows, ...errors },
    },
    handler: async (req) => {
      const q = req.query as {
        table?: number;
        feature?: string;
        endpoint?: string;
        q?: string;
        source?: 'live' | 'compiled';
        limit?: number;
      };
      const node = ctx.resolve(req.actor, 'node', (req.params as { ref: string }).ref, 'params/ref');
      const endpoint =
        q.endpoint !== undefined
          ? ctx.resolve(req.actor, 'endpoint', q.endpoint, 'querystring/endpoint')
          : undefined;
      const live = q.source !== 'compiled' && switches ? await switches.flowStats(node.id) : undefined;
      const rows = live ? live.map(rowOfStats) : (switches?.compile(node.id)?.flows ?? []).map(rowOfSpec);
      const matched = filterFlows(rows, {
        ...(q.table !== undefined ? { table: q.table } : {}),
        ...(q.feature !== undefined ? { feature: q.feature } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(q.q ? { q: q.q } : {}),
      });
      return {
        node: node.name,
        source: live ? 'live' : 'compiled',
        total: rows.length,
        matched: matched.length,
        items: matched.slice(0, q.limit ?? 100000),
      };
    },
  });

  app.post('/trace', {
    config: read,
    schema: {
      tags,
      summary: 'walk the compiled pipeline table by table for a packet from an endpoint (like ovn-trace)',
      body: S.TraceBody,
      response: { 200: S.Trace, ...errors },
    },
    handler: async (req) => {
      if (!switches)
        throw new HttpProblem(
          503,
          'Service Unavailable',
          'no pipeline to trace: the controller runs without switches',
        );
      const body = req.body as {
        sourceEndpoint: string;
        destination: { ip: string; protocol: TraceProtocol; port?: number };
      };
      const src = ctx.resolve(req.actor, 'endpoint', body.sourceEndpoint, 'body/sourceEndpoint');
      try {
        return trace(store, (id) => switches.compile(id), {
          sourceEndpoint: src,
          destination: body.destination,
        });
      } catch (err) {
        if (err instanceof TraceError) throw invalid('body', err.message);
        throw err;
      }
    },
  });

  app.post('/trace/probe', {
    // It sends traffic into a switch: admin only.
    config: { roles: ADMIN },
    schema: {
      tags,
      summary:
        "trace, then inject the packet for real (packet-out into the source port's pipeline) and show which flow counters moved",
      body: S.TraceBody,
      response: { 200: S.Probe, ...errors },
    },
    handler: async (req) => {
      if (!switches?.session)
        throw new HttpProblem(
          503,
          'Service Unavailable',
          'no switches to probe: the controller runs without them',
        );
      const body = req.body as {
        sourceEndpoint: string;
        destination: { ip: string; protocol: TraceProtocol; port?: number };
      };
      const src = ctx.resolve(req.actor, 'endpoint', body.sourceEndpoint, 'body/sourceEndpoint');
      try {
        return await probe(store, switches, { sourceEndpoint: src, destination: body.destination });
      } catch (err) {
        if (err instanceof ProbeError && err.status === 400) throw invalid('body', err.message);
        if (err instanceof ProbeError) throw new HttpProblem(503, 'Service Unavailable', err.message);
        throw err;
      }
    },
  });
}
