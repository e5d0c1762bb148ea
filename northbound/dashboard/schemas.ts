// Wire shapes of the dashboard's /api/v1 routes (TypeBox). Requests are strict; the read models list their top-level
// fields and let rows carry what views.ts puts in them.
import { Type } from '@sinclair/typebox';
import { Ref } from '../api/schemas.js';

const strict = { additionalProperties: false } as const;
const Row = Type.Object({}, { additionalProperties: true });
const Rows = Type.Array(Row);

/** Routes that take no parameters still refuse unknown ones: a typo must not pass for a filter. */
export const NoQuery = Type.Object({}, strict);

export const OverviewQuery = Type.Object(
  { recent: Type.Optional(Type.Integer({ minimum: 0, maximum: 500, default: 20 })) },
  strict,
);
export const Overview = Type.Object({
  nodes: Rows,
  counts: Type.Record(Type.String(), Type.Integer()),
  events: Rows,
});

export const Topology = Type.Object({
  tenants: Rows,
  routers: Rows,
  networks: Rows,
  subnets: Rows,
  nodes: Rows,
  endpoints: Rows,
  vlanBindings: Rows,
});

export const IpamSummary = Type.Object({ subnets: Rows, vlanBindings: Rows });
export const ServiceSummary = Type.Object({ items: Rows });
export const SecuritySummary = Type.Object({ securityGroups: Rows, qosPolicies: Rows });

export const AuditQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
  strict,
);
export const AuditList = Type.Object({ items: Rows });

export const Pipeline = Type.Object({
  tables: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      doc: Type.String(),
      matches: Type.Array(Type.String()),
      next: Type.Array(Type.String()),
      miss: Type.String(),
    }),
  ),
  features: Type.Array(Type.Object({ name: Type.String(), value: Type.Integer(), doc: Type.String() })),
});

export const FlowsParams = Type.Object({ ref: Ref }, strict);
export const FlowsQuery = Type.Object(
  {
    table: Type.Optional(Type.Integer({ minimum: 0, maximum: 254, description: 'only this table' })),
    feature: Type.Optional(
      Type.String({ description: 'cookie feature, e.g. l2, sg, session; "foreign" for not ours' }),
    ),
    endpoint: Type.Optional(
      Type.String({ description: 'endpoint id or name: flows about its MAC, addresses, port or cookie' }),
    ),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'substring of the ovs-ofctl text' })),
    source: Type.Optional(
      Type.Union([Type.Literal('live'), Type.Literal('compiled')], {
        description:
          'live flow stats from the switch (default; compiled when it is not connected) or the compiled pipeline',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 100000 })),
  },
  strict,
);
export const FlowRow = Type.Object({
  table: Type.Integer(),
  tableName: Type.String(),
  priority: Type.Integer(),
  cookie: Type.String(),
  feature: Type.String(),
  packets: Type.String({ description: 'decimal, 64-bit' }),
  bytes: Type.String({ description: 'decimal, 64-bit' }),
  durationSec: Type.Integer(),
  text: Type.String({ description: 'ovs-ofctl syntax without counters' }),
});
export const Flows = Type.Object({
  node: Type.String(),
  source: Type.Union([Type.Literal('live'), Type.Literal('compiled')]),
  total: Type.Integer({ description: 'flows before filtering' }),
  matched: Type.Integer({ description: 'flows after filtering (items may be fewer: limit)' }),
  items: Type.Array(FlowRow),
});

export const TraceBody = Type.Object(
  {
    sourceEndpoint: Type.String({ minLength: 1, description: 'endpoint id or name' }),
    destination: Type.Object(
      {
        ip: Type.String({ minLength: 2, maxLength: 45 }),
        protocol: Type.Union([
          Type.Literal('tcp'),
          Type.Literal('udp'),
          Type.Literal('icmp'),
          Type.Literal('sctp'),
        ]),
        port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
      },
      strict,
    ),
  },
  strict,
);
export const TraceStep = Type.Object({
  node: Type.String(),
  phase: Type.Union([Type.Literal('arp'), Type.Literal('ip')]),
  table: Type.Integer(),
  tableName: Type.String(),
  depth: Type.Integer(),
  flow: Type.Optional(Type.String()),
  cookie: Type.Optional(Type.String()),
  feature: Type.Optional(Type.String()),
  priority: Type.Optional(Type.Integer()),
  note: Type.Optional(Type.String()),
});
export const Trace = Type.Object({
  packet: Type.String(),
  steps: Type.Array(TraceStep),
  verdict: Type.Object({
    kind: Type.Union(['delivered', 'dropped', 'controller', 'host', 'output'].map((k) => Type.Literal(k))),
    summary: Type.String(),
    decidedBy: Type.Optional(Type.String()),
    decidedByNode: Type.Optional(Type.String()),
    endpoint: Type.Optional(Type.String()),
    node: Type.Optional(Type.String()),
  }),
});

export const ProbeFlow = Type.Object({
  node: Type.String(),
  table: Type.Integer(),
  tableName: Type.String(),
  priority: Type.Integer(),
  cookie: Type.String(),
  feature: Type.String(),
  text: Type.String({ description: 'ovs-ofctl syntax without counters' }),
  packets: Type.String({ description: 'packets the flow counted during the probe (decimal, 64-bit)' }),
  traced: Type.Boolean({ description: 'the compiled trace walked this flow' }),
});
export const Probe = Type.Object({
  trace: Trace,
  injected: Type.Object({ node: Type.String(), inPort: Type.Integer(), bytes: Type.Integer() }),
  flows: Type.Array(ProbeFlow),
  traced: Type.Integer({ description: 'flows the compiled trace walked' }),
  tracedMoved: Type.Integer({ description: 'of those, flows whose packet counter moved' }),
  agrees: Type.Boolean({ description: 'every flow of the trace counted the probe' }),
  summary: Type.String(),
});
