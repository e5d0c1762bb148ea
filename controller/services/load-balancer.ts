// The packet-in half of ClusterIP load balancing. The first packet of a connection to a ClusterIP:port reaches the
// controller through service-lb's miss flow; the handler parses it, picks a backend (placed connection, ClientIP
// affinity, then the policy), installs the connection's forward and reverse flows on that switch and sends the packet
// back through the pipeline (OFPP_TABLE), so the first packet is not lost and the second never comes here. A Service
// with no backend that can take the connection refuses it at once: TCP RST, or ICMP port unreachable.
// Open connections are counted from the flows' FLOW_REMOVED (least-connections reads the counts). A backend removed
// or unhealthy loses its sessions on every switch with one masked delete of its `session` cookie.
import type { Logger } from 'pino';
import type { FlowRemoved, Match, PacketIn } from '../../protocols/openflow13/index.js';
import { OFP_NO_BUFFER, PortNo } from '../../protocols/openflow13/index.js';
import {
  buildDestinationUnreachable,
  buildTcpReset,
  IpProto,
  parseFlowKey,
  type FlowKey,
} from '../../protocols/packets/index.js';
import type { PacketInDispatcher, SwitchSession } from '../../southbound/openflow/index.js';
import type { ChangeEvent, ModelEvents } from '../events.js';
import type { Id } from '../model/types.js';
import { cookie, featureMask, objectIdOf } from '../pipeline/cookies.js';
import { tableId } from '../pipeline/tables.js';
import { hostMac } from '../pipeline/context.js';
import { DEFAULT_EGRESS_TRANSIT_IP } from '../pipeline/egress-transit.js';
import { datapathIdOf } from '../reconcile/node-switch.js';
import type { ModelReader } from '../store/store.js';
import { connectionKey } from './balancer.js';
import { ConnectionCounts } from './connections.js';
import { allFamilyServices, type FamilyService } from './model-view.js';
import { ServiceTable } from './service-table.js';
import {
  deleteByCookie,
  deleteStrict,
  flowMod,
  forwardFlow,
  reverseFlow,
  type SessionSpec,
} from './session-flows.js';
import type { BackendHealth } from './types.js';

export interface LoadBalancerOptions {
  readonly model: ModelReader;
  readonly events?: ModelEvents;
  readonly log: Logger;
  /** Milliseconds, monotonic. */
  readonly clock?: () => number;
  /** Idle timeout of a connection's flows, seconds; default 60 (TCP keeps its flows alive with ACKs). */
  readonly idleTimeoutSeconds?: number;
  /** Where external backends' connections are SNATed to, as egress-nat does; default DEFAULT_EGRESS_TRANSIT_IP. */
  readonly egressTransitIp?: string;
}

export interface LbCounters {
  packetIns: number;
  /** Connections given a backend and flows. */
  placed: number;
  /** Connections refused at once (no backend): RST or ICMP unreachable sent. */
  refused: number;
  /** Not a parsable IP packet, or a ClusterIP:port no Service owns (a stale miss flow). */
  ignored: number;
  /** FLOW_REMOVED of a connection's forward flow. */
  closed: number;
  /** Session flows deleted because their backend left or failed (masked deletes sent). */
  backendPurges: number;
}

interface Live {
  readonly backendId: string;
  readonly reverse: ReturnType<typeof reverseFlow>;
}

const SERVICE_LB = tableId('service_lb');
const SESSION = featureMask('session');
const TO_TABLE = [{ type: 'output', port: PortNo.TABLE, maxLen: 0 }] as const;
const EMPTY = new Uint8Array(0);

export class LoadBalancer {
  readonly counters: LbCounters = {
    packetIns: 0,
    placed: 0,
    refused: 0,
    ignored: 0,
    closed: 0,
    backendPurges: 0,
  };
  readonly connections = new ConnectionCounts();
  private readonly table: ServiceTable;
  private readonly log: Logger;
  private readonly idle: number;
  private readonly sessions = new Map<SwitchSession, Map<string, Live>>();
  private families = new Map<string, FamilyService>();
  private readonly health = new Map<string, BackendHealth>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly onChange = (e: ChangeEvent): void => {
    if (e.changes.some((c) => c.kind === 'service' || c.kind === 'endpoint' || c.kind === 'network'))
      this.sync();
  };

  constructor(private readonly options: LoadBalancerOptions) {
    this.log = options.log.child({ component: 'load-balancer' });
    this.idle = options.idleTimeoutSeconds ?? 60;
    this.table = new ServiceTable({
      clock: options.clock ?? (() => performance.now()),
      connections: this.connections,
    });
  }

  /** Reads the Services, follows model changes, and takes the packet-ins of service_lb's miss flows. */
  start(dispatcher?: PacketInDispatcher): void {
    this.sync();
    this.options.events?.on('change', this.onChange);
    dispatcher?.subscribe(
      { tableId: SERVICE_LB, cookie: featureMask('service').cookie, cookieMask: featureMask('service').mask },
      (s, p) => this.handlePacketIn(s, p),
    );
    this.sweepTimer = setInterval(() => this.sweep(), 10_000);
    this.sweepTimer.unref();
  }

  stop(): void {
    this.options.events?.off('change', this.onChange);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** Follows a switch's FLOW_REMOVED (connection accounting); call once per session, e.g. on switchUp. */
  attach(session: SwitchSession): void {
    if (this.sessions.has(session)) return;
    this.sessions.set(session, new Map());
    const onRemoved = (m: FlowRemoved): void => this.flowRemoved(session, m);
    session.on('flowRemoved', onRemoved);
    session.once('close', () => {
      session.off('flowRemoved', onRemoved);
      this.sessions.delete(session);
    });
  }

  /** Operator or probe verdict on one backend of a Service; unhealthy drops its sessions. */
  setHealth(serviceId: Id, backendId: string, health: BackendHealth): boolean {
    this.health.set(`${serviceId}|${backendId}`, health);
    const before = this.families;
    this.sync();
    return [...before.values()].some(
      (f) => f.serviceId === serviceId && f.lb.backends.some((b) => b.id === backendId),
    );
  }

  healthOf(serviceId: Id, backendId: string): BackendHealth {
    return this.health.get(`${serviceId}|${backendId}`) ?? 'healthy';
  }

  /** Open connections per backend id. */
  openConnections(backendId: string): number {
    return this.connections.get(backendId);
  }

  /** Re-reads every Service from the model; sessions of backends that left or failed are deleted. */
  sync(): void {
    const next = new Map<string, FamilyService>();
    for (const f of allFamilyServices(this.options.model, (s, b) => this.healthOf(s, b))) {
      const r = this.table.upsert(f.lb);
      if (!r.ok) {
        this.log.warn({ service: f.serviceId, reason: r.reason }, 'service not balanced');
        continue;
      }
      next.set(f.lb.id, f);
    }
    const gone = new Set<string>();
    for (const [id, f] of this.families) {
      if (!next.has(id)) this.table.remove(id);
      const now = next.get(id);
      for (const b of f.lb.backends) {
        const nb = now?.lb.backends.find((x) => x.id === b.id);
        if (nb === undefined || (nb.health === 'unhealthy' && b.health !== 'unhealthy')) gone.add(b.id);
      }
    }
    this.families = next;
    for (const id of gone) this.purgeBackend(id);
  }

  /** Deletes every session flow of a backend on every switch. */
  purgeBackend(backendId: string): void {
    const c = cookie('session', objectIdOf(backendId));
    for (const [s, live] of this.sessions) {
      if (s.closed) continue;
      s.send(deleteByCookie(c));
      for (const [k, l] of live) if (l.backendId === backendId) live.delete(k);
    }
    // FLOW_REMOVED (reason DELETE) will not find the sessions any more: count them closed here.
    this.connections.forget(backendId);
    this.counters.backendPurges++;
  }

  handlePacketIn(session: SwitchSession, p: PacketIn): void {
    this.counters.packetIns++;
    const parsed = parseFlowKey(p.data);
    if (!parsed.ok) {
      this.counters.ignored++;
      return;
    }
    const key = parsed.value;
    const entry = this.table.lookup(key.dst, key.protocol, key.dstPort);
    const fam = entry ? this.families.get(entry.service.id) : undefined;
    if (!entry || !fam) {
      this.counters.ignored++;
      return;
    }
    const inPort = inPortOf(p.match);
    const choice = entry.balancer.choose(key.src, connectionKey(key));
    if (choice.kind === 'none') {
      this.refuse(session, p, key, inPort);
      return;
    }
    const b = choice.backend;
    const spec: SessionSpec = {
      domain: fam.domain,
      ipVersion: key.ipVersion,
      protocol: key.protocol,
      client: { ip: key.src, port: key.srcPort },
      vip: { ip: key.dst, port: key.dstPort },
      backend: { ip: b.address, port: b.port ?? entry.port.targetPort },
      backendObjectId: 0n,
      ...(fam.macs.has(b.id) ? { backendMac: fam.macs.get(b.id) as string } : {}),
      ...(fam.external.has(b.id) ? this.snatOf(session, key.ipVersion) : {}),
      clientL2: { clientMac: key.ethSrc, gatewayMac: key.ethDst },
      cookie: this.cookieOf(b.id),
      idleTimeout: this.idle,
    };
    const fwd = forwardFlow(spec);
    const rev = reverseFlow(spec);
    // In order on one connection: the switch has the flows before it runs the packet through the table.
    session.sendAll([
      flowMod(fwd),
      flowMod(rev),
      {
        type: 'packetOut',
        bufferId: p.bufferId,
        inPort,
        actions: TO_TABLE,
        data: p.bufferId === OFP_NO_BUFFER ? p.data : EMPTY,
      },
    ]);
    const live = this.sessions.get(session);
    const k = sessionKey(spec.domain, key.src, key.srcPort, key.dst, key.dstPort, key.protocol);
    if (choice.via !== 'connection' || !live?.has(k)) {
      this.connections.opened(b.id);
      this.counters.placed++;
    }
    live?.set(k, { backendId: b.id, reverse: rev });
  }

  private readonly nodes = new WeakMap<SwitchSession, { ip: string; hostMac: string } | null>();
  /**
   * SNAT of an external backend's connections: the node-local transit address, as egress-nat, so that the node's
   * kernel MASQUERADEs them to its own address and the replies come back through this node (IPv4 only, as egress-nat).
   */
  private snatOf(session: SwitchSession, v: 4 | 6): { snat?: { ip: string; hostMac: string } } {
    let n = this.nodes.get(session);
    if (n === undefined) {
      n = null;
      const ip = this.options.egressTransitIp ?? DEFAULT_EGRESS_TRANSIT_IP;
      for (const node of this.options.model.all('node')) {
        if (datapathIdOf(node) === session.dpid) n = { ip, hostMac: hostMac(node) };
      }
      this.nodes.set(session, n);
    }
    return n && v === 4 ? { snat: n } : {};
  }

  private readonly cookies = new Map<string, bigint>();
  private cookieOf(backendId: string): bigint {
    let c = this.cookies.get(backendId);
    if (c === undefined) this.cookies.set(backendId, (c = cookie('session', objectIdOf(backendId))));
    return c;
  }

  private refuse(session: SwitchSession, p: PacketIn, key: FlowKey, inPort: number): void {
    const reply = key.protocol === IpProto.TCP ? buildTcpReset(p.data) : buildDestinationUnreachable(p.data);
    this.counters.refused++;
    if (!reply.ok) return; // e.g. a RST itself: nothing is sent about it
    session.send({
      type: 'packetOut',
      bufferId: OFP_NO_BUFFER,
      inPort: PortNo.CONTROLLER,
      actions: [{ type: 'output', port: inPort, maxLen: 0 }],
      data: reply.value,
    });
  }

  private flowRemoved(session: SwitchSession, m: FlowRemoved): void {
    if ((m.cookie & SESSION.mask) !== SESSION.cookie) return;
    const live = this.sessions.get(session);
    const k = matchKey(m.match);
    const l = k === undefined ? undefined : live?.get(k);
    if (!l || !live || k === undefined) return;
    live.delete(k);
    this.connections.closed(l.backendId);
    this.counters.closed++;
    session.send(deleteStrict(l.reverse));
  }

  private sweep(): void {
    for (const f of this.families.values()) this.table.balancer(f.lb.id)?.sweep();
  }

  /** Live connections a switch carries (for inspection and tests). */
  liveSessions(session: SwitchSession): number {
    return this.sessions.get(session)?.size ?? 0;
  }
}

function inPortOf(match: Match): number {
  for (const f of match) if (f.field === 'in_port') return f.value as number;
  return PortNo.CONTROLLER;
}

function sessionKey(
  domain: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  proto: number,
): string {
  return `${domain}|${src}|${sport}|${dst}|${dport}|${proto}`;
}

/** The session key of a forward flow's match, as the switch reports it in FLOW_REMOVED. */
function matchKey(match: Match): string | undefined {
  let domain: number | undefined;
  let src: string | undefined;
  let dst: string | undefined;
  let sport: number | undefined;
  let dport: number | undefined;
  let proto: number | undefined;
  for (const f of match) {
    switch (f.field) {
      case 'reg2':
        domain = f.value as number;
        break;
      case 'ipv4_src':
      case 'ipv6_src':
        src = f.value as string;
        break;
      case 'ipv4_dst':
      case 'ipv6_dst':
        dst = f.value as string;
        break;
      case 'ip_proto':
        proto = f.value as number;
        break;
      case 'tcp_src':
      case 'udp_src':
      case 'sctp_src':
        sport = f.value as number;
        break;
      case 'tcp_dst':
      case 'udp_dst':
      case 'sctp_dst':
        dport = f.value as number;
        break;
      default:
    }
  }
  if (domain === undefined || src === undefined || dst === undefined || proto === undefined) return undefined;
  return sessionKey(domain, src, sport ?? 0, dst, dport ?? 0, proto);
}
