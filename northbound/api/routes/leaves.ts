// Leaf VTEPs as they are, and where each MAC lives: GET /vteps/:ref/state (the session to the leaf, the rows its
// hardware_vtep database holds, the MACs it learned on its ports) and GET /macs (every endpoint MAC with its VTEP,
// node or leaf port, and which leaves learned it). Read for admins and viewers: they name nodes and cabling.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Endpoint, Id, Network, Node, Vtep } from '../../../controller/model/types';
import type { OpsContext } from '../../../controller/ops/context';
import { desiredVtep, logicalSwitchName } from '../../../controller/reconcile/vtep-desired';
import type { LeafStatus, LeafView } from '../../../controller/reconcile/vtep-reconciler';
import { snapshotFromModel } from '../../../controller/pipeline/snapshot';
import { ADMIN_READ } from '../auth';
import { errors } from '../crud';
import * as S from '../schemas';

type RefReq = { params: { ref: string } };

const Mac = Type.Object({
  mac: Type.String(),
  logicalSwitch: Type.String(),
  tunnelIp: Type.String(),
  ipaddr: Type.String(),
});
const Binding = Type.Object({ port: Type.String(), vlan: Type.Integer(), logicalSwitch: Type.String() });
const LeafState = Type.Object({
  name: Type.String(),
  connection: Type.String({ description: '`monitoring`: the controller is in session with the leaf' }),
  problem: Type.Optional(Type.String()),
  inSync: Type.Boolean({
    description: 'the leaf holds exactly the bindings and remote MACs the controller wants',
  }),
  bindings: Type.Array(Binding),
  logicalSwitches: Type.Array(
    Type.Object({
      name: Type.String(),
      vni: Type.Optional(Type.Integer()),
      replicationMode: Type.Optional(Type.String()),
    }),
  ),
  ucastRemote: Type.Array(Mac),
  mcastRemote: Type.Array(
    Type.Object({ logicalSwitch: Type.String(), tunnelIps: Type.Array(Type.String()) }),
  ),
  learned: Type.Array(Type.Intersect([Mac, Type.Object({ endpoint: Type.Optional(Type.String()) })]), {
    description:
      "Ucast_Macs_Local: MACs the leaf learned on its ports, with the endpoint's name when the model has it",
  }),
});
const Location = Type.Object({
  kind: Type.Union([Type.Literal('node'), Type.Literal('leaf')]),
  name: Type.String({ description: 'the node or the leaf' }),
  tunnelIp: Type.Optional(Type.String({ description: 'the VXLAN endpoint in front of the MAC' })),
  port: Type.Optional(Type.String()),
  vlan: Type.Optional(Type.Integer()),
  overlay: Type.Optional(Type.String()),
});
const MacLocation = Type.Object({
  mac: Type.String(),
  networkId: S.IdT,
  vni: Type.Integer(),
  endpoint: Type.Optional(
    Type.Object({ id: S.IdT, name: Type.String(), kind: Type.String(), ips: Type.Array(Type.String()) }),
  ),
  location: Location,
  learnedBy: Type.Array(Type.String(), { description: 'leaves whose Ucast_Macs_Local holds this MAC' }),
});

const NOT_RUNNING: LeafStatus = { connection: 'unknown', actual: null };

export function leafRoutes(app: FastifyInstance, ctx: OpsContext, leaves?: LeafView): void {
  const statusOf = (v: Vtep): LeafStatus => leaves?.leafStatus(v.id) ?? NOT_RUNNING;

  app.get('/vteps/:ref/state', {
    config: { roles: ADMIN_READ },
    schema: {
      tags: ['vteps'],
      summary:
        'a leaf as it is: the session, its hardware_vtep rows, the MACs it learned (where bare metal lives)',
      params: S.RefParams,
      response: { 200: LeafState, ...errors },
    },
    handler: async (req) => {
      const v = ctx.resolve(req.actor, 'vtep', (req as RefReq).params.ref, 'params/ref');
      const st = statusOf(v);
      const actual = st.actual;
      const ps = actual?.switches.find((s) => s.name === v.physicalSwitch);
      const bindings = (ps?.ports ?? []).flatMap((p) => p.bindings.map((b) => ({ port: p.name, ...b })));
      const want = desiredVtep(snapshotFromModel(ctx.store), v);
      const same = (a: readonly string[], b: readonly string[]): boolean =>
        a.length === b.length && [...a].sort().join() === [...b].sort().join();
      const bindingKey = (b: { port: string; vlan: number; logicalSwitch: string }): string =>
        `${b.port}/${b.vlan}/${b.logicalSwitch}`;
      const macKey = (m: { logicalSwitch: string; mac: string; tunnelIp: string }): string =>
        `${m.logicalSwitch}/${m.mac.toLowerCase()}/${m.tunnelIp}`;
      const ours = new Set(want.logicalSwitches.map((l) => l.name));
      const macOwner = endpointsByMac(ctx);
      return {
        name: v.name,
        connection: st.connection,
        ...(st.problem !== undefined ? { problem: st.problem } : {}),
        inSync:
          actual !== null &&
          same(
            bindings.filter((b) => want.ports.includes(b.port)).map(bindingKey),
            want.bindings.map(bindingKey),
          ) &&
          same(
            actual.ucastRemote.filter((m) => ours.has(m.logicalSwitch)).map(macKey),
            want.ucastRemote.map(macKey),
          ),
        bindings,
        logicalSwitches: (actual?.logicalSwitches ?? []).map((l) => ({
          name: l.name,
          ...(l.vni !== undefined ? { vni: l.vni } : {}),
          ...(l.replicationMode !== undefined ? { replicationMode: l.replicationMode } : {}),
        })),
        ucastRemote: actual?.ucastRemote ?? [],
        mcastRemote: (actual?.mcastRemote ?? []).map((m) => ({
          logicalSwitch: m.logicalSwitch,
          tunnelIps: m.tunnelIps,
        })),
        learned: (actual?.ucastLocal ?? []).map((m) => {
          const e = macOwner.get(`${m.logicalSwitch}/${m.mac}`);
          return { ...m, ...(e ? { endpoint: e.name } : {}) };
        }),
      };
    },
  });

  app.get('/macs', {
    config: { roles: ADMIN_READ },
    schema: {
      tags: ['vteps'],
      summary:
        'where each MAC lives: its node or leaf port, the VXLAN endpoint in front of it, the leaves that learned it',
      querystring: Type.Object({ network: Type.Optional(S.Ref) }, { additionalProperties: false }),
      response: { 200: S.listOf(MacLocation), ...errors },
    },
    handler: async (req) => {
      const q = req.query as { network?: string };
      const only =
        q.network === undefined
          ? undefined
          : ctx.resolve(req.actor, 'network', q.network, 'querystring/network');
      const nodes = new Map<Id, Node>([...ctx.store.all('node')].map((n) => [n.id, n]));
      const vteps = [...ctx.store.all('vtep')];
      const vtepById = new Map<Id, Vtep>(vteps.map((v) => [v.id, v]));
      const leafOfNode = new Map<Id, Vtep>();
      for (const v of vteps) for (const u of v.uplinks) leafOfNode.set(u.nodeId, v);
      const networks = new Map<Id, Network>([...ctx.store.all('network')].map((n) => [n.id, n]));
      // Learned MACs per leaf, keyed by logical switch and MAC.
      const learned = new Map<string, string[]>();
      for (const v of vteps) {
        for (const m of statusOf(v).actual?.ucastLocal ?? []) {
          const k = `${m.logicalSwitch}/${m.mac}`;
          learned.set(k, [...(learned.get(k) ?? []), v.name]);
        }
      }
      const items = [];
      const seen = new Set<string>();
      for (const e of ctx.store.all('endpoint')) {
        if (only && e.networkId !== only.id) continue;
        const net = networks.get(e.networkId);
        if (!net) continue;
        const k = `${logicalSwitchName(net.vni)}/${e.mac}`;
        seen.add(k);
        items.push({
          mac: e.mac,
          networkId: net.id,
          vni: net.vni,
          endpoint: { id: e.id, name: e.name, kind: e.kind, ips: e.ips },
          location: locationOf(e, nodes, vtepById, leafOfNode, ctx),
          learnedBy: learned.get(k) ?? [],
        });
      }
      // MACs a leaf learned that no endpoint has: hosts behind a leaf port the model does not know.
      const byVni = new Map([...networks.values()].map((n) => [logicalSwitchName(n.vni), n]));
      for (const [k, names] of learned) {
        if (seen.has(k)) continue;
        const [ls, mac] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)];
        const net = byVni.get(ls);
        if (!net || (only && net.id !== only.id)) continue;
        const leaf = vteps.find((v) => v.name === names[0]);
        items.push({
          mac,
          networkId: net.id,
          vni: net.vni,
          location: {
            kind: 'leaf' as const,
            name: names[0] ?? '',
            ...(leaf ? { tunnelIp: leaf.tunnelIp } : {}),
          },
          learnedBy: names,
        });
      }
      items.sort((a, b) => a.vni - b.vni || a.mac.localeCompare(b.mac));
      return { items };
    },
  });
}

function endpointsByMac(ctx: OpsContext): Map<string, Endpoint> {
  const vniOf = new Map([...ctx.store.all('network')].map((n) => [n.id, n.vni]));
  const out = new Map<string, Endpoint>();
  for (const e of ctx.store.all('endpoint')) {
    const vni = vniOf.get(e.networkId);
    if (vni !== undefined) out.set(`${logicalSwitchName(vni)}/${e.mac}`, e);
  }
  return out;
}

function locationOf(
  e: Endpoint,
  nodes: Map<Id, Node>,
  vteps: Map<Id, Vtep>,
  leafOfNode: Map<Id, Vtep>,
  ctx: OpsContext,
) {
  if (e.physical) {
    const leaf = vteps.get(e.physical.vtepId);
    return {
      kind: 'leaf' as const,
      name: leaf?.name ?? e.physical.vtepId,
      ...(leaf ? { tunnelIp: leaf.tunnelIp } : {}),
      port: e.physical.port,
      vlan: e.physical.vlan,
    };
  }
  const node = nodes.get(e.nodeId);
  if (!node) return { kind: 'node' as const, name: e.nodeId };
  if (node.overlay === 'host')
    return { kind: 'node' as const, name: node.name, tunnelIp: node.tunnelIp, overlay: 'host' };
  const leaf = leafOfNode.get(node.id);
  const vlan = ctx.store.lookup('vlanBinding', 'nodeNetwork', `${node.id}/${e.networkId}`)[0]?.vlan;
  return {
    kind: 'node' as const,
    name: node.name,
    overlay: 'network',
    ...(leaf ? { tunnelIp: leaf.tunnelIp, port: leaf.uplinks.find((u) => u.nodeId === node.id)?.port } : {}),
    ...(vlan !== undefined ? { vlan } : {}),
  };
}
