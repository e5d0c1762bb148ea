// /api/v1 routes of the model's nouns.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OpsContext } from '../../../controller/ops/context';
import * as ops from '../../../controller/ops';
import type { Subnet } from '../../../controller/model/types';
import { ADMIN, ADMIN_READ } from '../auth';
import { crudRoutes } from '../crud';
import * as S from '../schemas';

export function modelRoutes(app: FastifyInstance, ctx: OpsContext): void {
  crudRoutes(app, ctx, {
    kind: 'tenant',
    path: '/tenants',
    tag: 'tenants',
    object: S.Tenant,
    createBody: S.TenantBody,
    patchBody: S.TenantPatch,
    create: (a, b) => ops.createTenant(ctx, a, b),
    update: (a, r, b) => ops.updateTenant(ctx, a, r, b),
    remove: (a, r) => ops.deleteTenant(ctx, a, r),
  });

  crudRoutes(app, ctx, {
    kind: 'network',
    path: '/networks',
    tag: 'networks',
    object: S.Network,
    createBody: S.NetworkBody,
    patchBody: S.NetworkPatch,
    filters: { tenant: { kind: 'tenant', field: 'tenantId' } },
    create: (a, b) => ops.createNetwork(ctx, a, b),
    update: (a, r, b) => ops.updateNetwork(ctx, a, r, b),
    remove: (a, r) => ops.deleteNetwork(ctx, a, r),
  });

  const subnetView = (s: Subnet) => {
    const st = ctx.ipam.stats(s.id);
    return {
      ...s,
      stats: { size: String(st.size), free: String(st.free), used: st.used, retained: st.retained },
    };
  };
  crudRoutes(app, ctx, {
    kind: 'subnet',
    path: '/subnets',
    tag: 'subnets',
    object: S.Subnet,
    createBody: S.SubnetBody,
    patchBody: S.SubnetPatch,
    filters: {
      network: { kind: 'network', field: 'networkId' },
      tenant: { kind: 'tenant', field: 'tenantId' },
    },
    create: (a, b) => ops.createSubnet(ctx, a, b),
    update: (a, r, b) => ops.updateSubnet(ctx, a, r, b),
    remove: (a, r) => ops.deleteSubnet(ctx, a, r),
    view: subnetView,
  });

  crudRoutes(app, ctx, {
    kind: 'router',
    path: '/routers',
    tag: 'routers',
    object: S.Router,
    createBody: S.RouterBody,
    patchBody: S.RouterPatch,
    filters: { tenant: { kind: 'tenant', field: 'tenantId' } },
    create: (a, b) => ops.createRouter(ctx, a, b),
    update: (a, r, b) => ops.updateRouter(ctx, a, r, b),
    remove: (a, r) => ops.deleteRouter(ctx, a, r),
  });

  crudRoutes(app, ctx, {
    kind: 'node',
    path: '/nodes',
    tag: 'nodes',
    object: S.Node,
    createBody: S.NodeBody,
    patchBody: S.NodePatch,
    fieldFilters: { overlay: Type.Optional(Type.String()), vswitch: Type.Optional(Type.String()) },
    create: (a, b) => ops.createNode(ctx, a, b),
    update: (a, r, b) => ops.updateNode(ctx, a, r, b),
    remove: (a, r) => ops.deleteNode(ctx, a, r),
    readRoles: ADMIN_READ,
    writeRoles: ADMIN,
  });

  crudRoutes(app, ctx, {
    kind: 'vtep',
    path: '/vteps',
    tag: 'vteps',
    object: S.Vtep,
    createBody: S.VtepBody,
    patchBody: S.VtepPatch,
    create: (a, b) => ops.createVtep(ctx, a, b),
    update: (a, r, b) => ops.updateVtep(ctx, a, r, b),
    remove: (a, r) => ops.deleteVtep(ctx, a, r),
    readRoles: ADMIN_READ,
    writeRoles: ADMIN,
  });

  crudRoutes(app, ctx, {
    kind: 'endpoint',
    path: '/endpoints',
    tag: 'endpoints',
    object: S.Endpoint,
    createBody: S.EndpointBody,
    patchBody: S.EndpointPatch,
    filters: {
      network: { kind: 'network', field: 'networkId' },
      tenant: { kind: 'tenant', field: 'tenantId' },
      node: { kind: 'node', field: 'nodeId' },
    },
    fieldFilters: { kind: Type.Optional(Type.String()) },
    create: (a, b) => ops.createEndpoint(ctx, a, b),
    update: (a, r, b) => ops.updateEndpoint(ctx, a, r, b),
    remove: (a, r) => ops.deleteEndpoint(ctx, a, r),
  });

  crudRoutes(app, ctx, {
    kind: 'securityGroup',
    path: '/security-groups',
    tag: 'security groups',
    object: S.SecurityGroup,
    createBody: S.SecurityGroupBody,
    patchBody: S.SecurityGroupPatch,
    filters: { tenant: { kind: 'tenant', field: 'tenantId' } },
    create: (a, b) => ops.createSecurityGroup(ctx, a, b),
    update: (a, r, b) => ops.updateSecurityGroup(ctx, a, r, b),
    remove: (a, r) => ops.deleteSecurityGroup(ctx, a, r),
  });

  crudRoutes(app, ctx, {
    kind: 'qosPolicy',
    path: '/qos-policies',
    tag: 'qos policies',
    object: S.Qos,
    createBody: S.QosBody,
    patchBody: S.QosPatch,
    filters: { tenant: { kind: 'tenant', field: 'tenantId' } },
    create: (a, b) => ops.createQosPolicy(ctx, a, b),
    update: (a, r, b) => ops.updateQosPolicy(ctx, a, r, b),
    remove: (a, r) => ops.deleteQosPolicy(ctx, a, r),
  });

  crudRoutes(app, ctx, {
    kind: 'service',
    path: '/services',
    tag: 'services',
    object: S.Service,
    createBody: S.ServiceBody,
    patchBody: S.ServicePatch,
    filters: {
      network: { kind: 'network', field: 'networkId' },
      tenant: { kind: 'tenant', field: 'tenantId' },
    },
    create: (a, b) => ops.createService(ctx, a, b),
    update: (a, r, b) => ops.updateService(ctx, a, r, b),
    remove: (a, r) => ops.deleteService(ctx, a, r),
  });

  crudRoutes(app, ctx, {
    kind: 'namespaceBinding',
    path: '/namespace-bindings',
    tag: 'namespace bindings',
    object: S.Binding,
    createBody: S.BindingBody,
    patchBody: S.BindingPatch,
    filters: { network: { kind: 'network', field: 'networkId' } },
    create: (a, b) => ops.createBinding(ctx, a, b),
    update: (a, r, b) => ops.updateBinding(ctx, a, r, b),
    remove: (a, r) => ops.deleteBinding(ctx, a, r),
  });
}
