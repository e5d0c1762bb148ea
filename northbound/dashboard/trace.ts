// POST /api/v1/trace: where would a packet from this endpoint to that address go? Like ovn-trace, it walks the
// compiled pipeline of the source's node table by table (controller/pipeline/trace.ts); a packet that leaves through
// the tunnel continues on the node whose tunnel IP it was sent to. First the source resolves its next hop by ARP
// exactly as the pod would (the switch answers known addresses), then the IP packet runs.
import type { Match } from '../../protocols/openflow13/index.js';
import { formatFlow, formatMatch } from '../../protocols/openflow13/ofctl/index.js';
import type { Endpoint, Id, Node, Subnet } from '../../controller/model/types.js';
import type { ModelReader } from '../../controller/store/store.js';
import {
  CONTROLLER_PORT,
  LOCAL_PORT,
  TUNNEL_OFPORT,
  featureOf,
  tableById,
  type CompiledNode,
  type FlowSpec,
} from '../../controller/pipeline/index.js';
import { PipelineTracer, type Packet, type TraceResult } from '../../controller/pipeline/trace.js';
import { inSubnet } from './addresses.js';

export type TraceProtocol = 'tcp' | 'udp' | 'icmp' | 'sctp';

export interface TraceRequest {
  readonly sourceEndpoint: Endpoint;
  readonly destination: { readonly ip: string; readonly protocol: TraceProtocol; readonly port?: number };
}

export interface TraceStepView {
  readonly node: string;
  readonly phase: 'arp' | 'ip';
  readonly table: number;
  readonly tableName: string;
  readonly depth: number;
  /** Absent on a table miss. */
  readonly flow?: string;
  readonly cookie?: string;
  readonly feature?: string;
  readonly priority?: number;
  readonly note?: string;
}

export type VerdictKind = 'delivered' | 'dropped' | 'controller' | 'host' | 'output';

export interface TraceVerdict {
  readonly kind: VerdictKind;
  readonly summary: string;
  /** The flow that decided the outcome, in ovs-ofctl syntax (the drop rule, the allowing rule, the output). */
  readonly decidedBy?: string;
  readonly decidedByNode?: string;
  readonly endpoint?: string;
  readonly node?: string;
}

export interface TraceView {
  readonly packet: string;
  readonly steps: TraceStepView[];
  readonly verdict: TraceVerdict;
}

const PROTO: Record<TraceProtocol, { v4: number; v6: number }> = {
  tcp: { v4: 6, v6: 6 },
  udp: { v4: 17, v6: 17 },
  sctp: { v4: 132, v6: 132 },
  icmp: { v4: 1, v6: 58 },
};
const SECURITY_TABLES = new Set(['egress_security', 'ingress_security']);
const MAX_HOPS = 4;

export class TraceError extends Error {}

export function trace(
  model: ModelReader,
  compile: (nodeId: Id) => CompiledNode | undefined,
  req: TraceRequest,
): TraceView {
  return traceRun(model, compile, req).view;
}

/** A trace and what injecting its packet for real needs: the packet's fields, the node and port it enters at. */
export interface TraceRun {
  readonly view: TraceView;
  readonly nodeId: Id;
  readonly inPort: number;
  /** Absent when the packet is never sent (its next hop does not resolve). */
  readonly packet?: Packet;
}

export function traceRun(
  model: ModelReader,
  compile: (nodeId: Id) => CompiledNode | undefined,
  req: TraceRequest,
): TraceRun {
  const src = req.sourceEndpoint;
  const v6 = req.destination.ip.includes(':');
  const srcIp = src.ips.find((ip) => ip.includes(':') === v6);
  if (!srcIp) throw new TraceError(`endpoint ${src.name} has no IPv${v6 ? 6 : 4} address to send from`);
  const node = model.get('node', src.nodeId);
  const compiled = compile(src.nodeId);
  if (!node || !compiled) throw new TraceError(`the node of endpoint ${src.name} is unknown`);
  const inPort = ofportOf(compiled, src);
  if (inPort === undefined)
    throw new TraceError(`endpoint ${src.name} has no switch port on ${node.name} yet`);

  const steps: TraceStepView[] = [];
  const subnets = model.lookup('subnet', 'network', src.networkId);
  const onLink = subnets.find((s) => s.cidr.includes(':') === v6 && inSubnet(req.destination.ip, s.cidr));
  const own = subnets.find((s) => inSubnet(srcIp, s.cidr));
  const nextHop = onLink ? req.destination.ip : own?.gateway;
  let dstMac: string | undefined;
  if (nextHop && !v6) {
    const tracer = new PipelineTracer(compiled.flows, compiled.groups, { strict: false });
    const arp = tracer.inject({
      in_port: inPort,
      eth_src: src.mac,
      eth_dst: 'ff:ff:ff:ff:ff:ff',
      eth_type: 0x0806,
      arp_op: 1,
      arp_sha: src.mac,
      arp_spa: srcIp,
      arp_tha: '00:00:00:00:00:00',
      arp_tpa: nextHop,
    });
    steps.push(...viewSteps(node.name, 'arp', arp));
    const answer = arp.outputs.find((o) => o.port === inPort && Number(o.packet.arp_op) === 2);
    if (!answer) {
      const last = lastHit(arp);
      const view: TraceView = {
        packet: `arp who-has ${nextHop} tell ${srcIp}`,
        steps,
        verdict: {
          kind: 'dropped',
          summary: `no answer to ARP for ${nextHop}: no endpoint or gateway has that address in network of ${src.name}, so the packet is never sent`,
          ...(last ? { decidedBy: formatFlow(flowMod(last)), decidedByNode: node.name } : {}),
        },
      };
      return { view, nodeId: node.id, inPort };
    }
    dstMac = String(answer.packet.arp_sha);
  } else if (nextHop) {
    dstMac = macOfAddress(model, src.networkId, nextHop, subnets);
  }
  if (!dstMac)
    throw new TraceError(
      `no next hop for ${req.destination.ip}: not on a subnet of the network and no gateway`,
    );

  const proto = PROTO[req.destination.protocol];
  const packet: Packet = {
    in_port: inPort,
    eth_src: src.mac,
    eth_dst: dstMac,
    eth_type: v6 ? 0x86dd : 0x0800,
    ip_proto: v6 ? proto.v6 : proto.v4,
    ip_ttl: 64,
    ...(v6
      ? { ipv6_src: srcIp, ipv6_dst: req.destination.ip }
      : { ipv4_src: srcIp, ipv4_dst: req.destination.ip }),
    ...l4(req.destination.protocol, req.destination.port ?? 0, v6),
  };
  const text = formatMatch(Object.entries(packet).map(([field, value]) => ({ field, value })) as Match);
  const view = { packet: text, steps, verdict: walk(model, compile, node, compiled, packet, steps) };
  return { view, nodeId: node.id, inPort, packet };
}

/** Runs the packet on a node; a tunnel output continues on the node it was sent to. */
function walk(
  model: ModelReader,
  compile: (nodeId: Id) => CompiledNode | undefined,
  first: Node,
  firstCompiled: CompiledNode,
  packet: Packet,
  steps: TraceStepView[],
): TraceVerdict {
  let node = first;
  let compiled = firstCompiled;
  let pkt = packet;
  let allowedBy: { flow: FlowSpec; node: string } | undefined;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const result = new PipelineTracer(compiled.flows, compiled.groups, { strict: false }).inject(pkt);
    steps.push(...viewSteps(node.name, 'ip', result));
    for (const s of result.steps) {
      const name = tableById(s.table)?.name ?? '';
      if (s.flow && SECURITY_TABLES.has(name) && s.flow.priority > 0)
        allowedBy = { flow: s.flow, node: node.name };
    }
    const last = lastHit(result);
    const decided = (f: FlowSpec | undefined, n: string) =>
      f ? { decidedBy: formatFlow(flowMod(f)), decidedByNode: n } : {};
    if (result.outputs.length === 0) {
      const step = result.steps[result.steps.length - 1];
      const where = step ? (tableById(step.table)?.name ?? `table ${step.table}`) : 'table 0';
      return {
        kind: 'dropped',
        summary: result.ttlExpired
          ? `dropped on ${node.name}: TTL expired`
          : step && !step.flow
            ? `dropped on ${node.name}: no flow matches in ${where}`
            : `dropped on ${node.name} by a flow of ${where}`,
        ...decided(last, node.name),
      };
    }
    const local = result.outputs.find((o) => endpointAt(model, compiled, node, o.port));
    if (local) {
      const ep = endpointAt(model, compiled, node, local.port) as Endpoint;
      const by = allowedBy ?? { flow: last as FlowSpec, node: node.name };
      return {
        kind: 'delivered',
        summary: `delivered to ${ep.name} on ${node.name} (port ${local.port})`,
        endpoint: ep.name,
        node: node.name,
        ...decided(by.flow, by.node),
      };
    }
    const tunnel = result.outputs.find((o) => o.port === TUNNEL_OFPORT);
    if (tunnel) {
      const dst = String(tunnel.packet.tun_ipv4_dst ?? '');
      const next = [...model.all('node')].find((n) => n.tunnelIp === dst);
      const nextCompiled = next ? compile(next.id) : undefined;
      if (!next || !nextCompiled) {
        return {
          kind: 'output',
          summary: `sent over VXLAN (VNI ${String(tunnel.packet.tun_id ?? '?')}) to ${dst}, which is no node of the model`,
          ...decided(last, node.name),
        };
      }
      pkt = arriving(tunnel.packet, node.tunnelIp);
      node = next;
      compiled = nextCompiled;
      continue;
    }
    if (result.outputs.some((o) => o.port === CONTROLLER_PORT))
      return {
        kind: 'controller',
        summary: `sent to the controller (packet-in) by ${node.name}`,
        ...decided(last, node.name),
      };
    if (result.outputs.some((o) => o.port === LOCAL_PORT))
      return {
        kind: 'host',
        summary: `delivered to the host stack of ${node.name}`,
        ...decided(last, node.name),
      };
    const ports = [...new Set(result.outputs.map((o) => o.port))].join(', ');
    return {
      kind: 'output',
      summary: `output on ${node.name} to port ${ports}`,
      ...decided(last, node.name),
    };
  }
  return { kind: 'dropped', summary: `more than ${MAX_HOPS} tunnel hops: a loop` };
}

/** The packet as the receiving node's tunnel port hands it in: tunnel metadata kept, pipeline state reset. */
function arriving(out: Packet, fromTunnelIp: string): Packet {
  const p: Packet = {};
  for (const [k, v] of Object.entries(out) as [keyof Packet, Packet[keyof Packet]][]) {
    if (v === undefined || /^reg\d+$/.test(k) || k === 'metadata' || k === 'ct_state' || k === 'ct_mark')
      continue;
    if (k === 'tun_ipv4_dst') continue;
    p[k] = v;
  }
  p.in_port = TUNNEL_OFPORT;
  p.tun_ipv4_src = fromTunnelIp;
  p.tun_ipv4_dst = String(out.tun_ipv4_dst ?? '');
  return p;
}

function endpointAt(
  model: ModelReader,
  compiled: CompiledNode,
  node: Node,
  port: number,
): Endpoint | undefined {
  const p = compiled.ports.endpoints.find((e) => e.ofportRequest === port);
  const ep = p?.endpointId ? model.get('endpoint', p.endpointId) : undefined;
  return ep && ep.nodeId === node.id ? ep : undefined;
}

function ofportOf(compiled: CompiledNode, ep: Endpoint): number | undefined {
  return compiled.ports.endpoints.find((p) => p.endpointId === ep.id)?.ofportRequest ?? ep.ofport;
}

function macOfAddress(model: ModelReader, networkId: Id, ip: string, subnets: Subnet[]): string | undefined {
  for (const ep of model.lookup('endpoint', 'network', networkId)) if (ep.ips.includes(ip)) return ep.mac;
  for (const s of subnets) {
    if (s.gateway !== ip) continue;
    const iface = model.lookup('routerInterface', 'subnet', s.id)[0];
    if (iface) return iface.mac;
  }
  return undefined;
}

function l4(protocol: TraceProtocol, port: number, v6: boolean): Packet {
  switch (protocol) {
    case 'tcp':
      return { tcp_src: 40000, tcp_dst: port };
    case 'udp':
      return { udp_src: 40000, udp_dst: port };
    case 'sctp':
      return { sctp_src: 40000, sctp_dst: port };
    case 'icmp':
      return v6 ? { icmpv6_type: 128, icmpv6_code: 0 } : { icmpv4_type: 8, icmpv4_code: 0 };
  }
}

function lastHit(r: TraceResult): FlowSpec | undefined {
  for (let i = r.steps.length - 1; i >= 0; i--) {
    const f = r.steps[i]?.flow;
    if (f) return f;
  }
  return undefined;
}

function viewSteps(node: string, phase: 'arp' | 'ip', r: TraceResult): TraceStepView[] {
  return r.steps.map((s) => {
    const tableName = tableById(s.table)?.name ?? '';
    const note = s.skipped.length > 0 ? `not simulated: ${s.skipped.join(', ')}` : undefined;
    if (!s.flow)
      return { node, phase, table: s.table, tableName, depth: s.depth, note: 'no flow matches: drop' };
    return {
      node,
      phase,
      table: s.table,
      tableName,
      depth: s.depth,
      flow: formatFlow(flowMod(s.flow)),
      cookie: `0x${s.flow.cookie.toString(16)}`,
      feature: featureOf(s.flow.cookie) ?? 'foreign',
      priority: s.flow.priority,
      ...(note ? { note } : {}),
    };
  });
}

function flowMod(f: FlowSpec): Parameters<typeof formatFlow>[0] {
  return {
    command: 0,
    tableId: f.table,
    priority: f.priority,
    match: f.match,
    instructions: f.instructions,
    cookie: f.cookie,
    cookieMask: 0n,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    flags: f.flags,
    bufferId: 0xffffffff,
    outPort: 0,
    outGroup: 0,
  };
}
