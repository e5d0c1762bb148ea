// The packet-in half of ClusterIP load balancing. The first packet of a connection to a ClusterIP:port reaches the
// controller through service-lb's miss flow; the handler parses it, picks a backend (placed connection, ClientIP
// affinity, then the policy), installs the connection's forward and reverse flows on that switch and sends the packet
// back through the pipeline (OFPP_TABLE), so the first packet is not lost and the second never comes here. A Service
// with no backend that can take the connection refuses it at once: TCP RST, or ICMP port unreachable.
// Open connections are counted from the flows' FLOW_REMOVED (least-connections reads the counts). A backend removed
// or unhealthy loses its sessions on every switch with one masked delete of its `session` cookie.
// Tens of thousands of new connections a second come this way, so the common packet-in (untagged, no IP options or
// extension headers, TCP/UDP/SCTP) is read by offset, keyed on numbers, and answered from byte templates of the
// session flows (session-template.ts) written straight into the session's output; anything else is parsed whole
// and encoded as flows (handleUncommon). Both give the same bytes for the same decision.
import type { Logger } from 'pino';
import type { FlowRemoved, Match, PacketIn } from '../../protocols/openflow13/index.js';
import { OFP_NO_BUFFER, PortNo } from '../../protocols/openflow13/index.js';
import {
  buildDestinationUnreachable,
  buildTcpReset,
  formatIpv4,
  formatIpv6,
  formatMac,
  IpProto,
  newPacketTuple,
  parseFlowKey,
  readPacketTuple,
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
import { connectionKey, type Choice } from './balancer.js';
import { ConnectionCounts } from './connections.js';
import { allFamilyServices, type FamilyService } from './model-view.js';
import { ipv4Number, ServiceTable, type ServiceEntry } from './service-table.js';
import {
  deleteByCookie,
  deleteStrict,
  flowMod,
  forwardFlow,
  reverseFlow,
  type SessionSpec,
} from './session-flows.js';
import { LiveSessions } from './live-sessions.js';
import { SessionKinds, type SessionKind } from './session-kinds.js';
import { SessionTemplate, type ClientFields } from './session-template.js';
import { PROTOCOL_NUMBER, type BackendHealth, type LbBackend } from './types.js';

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

/** How a switch answers new connections of one ClusterIP:port entry to one backend: from a byte template. */
interface Answer {
  readonly tpl: SessionTemplate;
  kind: SessionKind;
}

interface SwitchState {
  /** Its open connections: (slot, client) -> kind. */
  readonly live: LiveSessions;
  /** Per ClusterIP:port entry and backend; null: the flows cannot be templated (encoded per connection). */
  readonly answers: WeakMap<ServiceEntry, Map<string, Answer | null>>;
}

/** What the packet-in path needs of an entry, computed once per entry. */
interface EntryKeys {
  /** The (routing domain, ClusterIP, port, protocol) slot, as a number (slotIds). */
  readonly slot: number;
  /** Position of the entry's port in its Service (ports are distinct there): part of the numeric connection key. */
  readonly portIndex: number;
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
  private readonly sessions = new Map<SwitchSession, SwitchState>();
  private readonly entryKeys = new WeakMap<ServiceEntry, EntryKeys>();
  /** Slots by their text (what FLOW_REMOVED's match gives) -> the number the live tables key them by. */
  private readonly slotIds = new Map<string, number>();
  private readonly kinds = new SessionKinds();
  /** The packet-in being handled, read by offset (one object, refilled per packet). */
  private readonly tuple = newPacketTuple();
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
    this.sessions.set(session, { live: new LiveSessions(), answers: new WeakMap() });
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
    for (const s of this.sessions.keys()) if (!s.closed) s.send(deleteByCookie(c));
    // Its connections' entries in the live tables now name released kinds: their FLOW_REMOVED (reason DELETE)
    // finds no kind and is not counted again, and the entry goes then. Nothing per connection is done here.
    this.kinds.release(backendId);
    // FLOW_REMOVED (reason DELETE) will not find the sessions any more: count them closed here.
    this.connections.forget(backendId);
    this.counters.backendPurges++;
  }

  handlePacketIn(session: SwitchSession, p: PacketIn): void {
    this.counters.packetIns++;
    const t = this.tuple;
    if (!readPacketTuple(p.data, t)) {
      this.handleUncommon(session, p);
      return;
    }
    // The common packet, read by offset: no FlowKey, no address text unless the balancer needs it.
    const f = p.data;
    const v4 = t.ipVersion === 4;
    const entry = v4
      ? this.table.lookupV4(t.dst4, t.protocol, t.dstPort)
      : this.table.lookup(formatIpv6(f, t.srcOffset + 16), t.protocol, t.dstPort);
    const fam = entry ? this.families.get(entry.service.id) : undefined;
    if (!entry || !fam) {
      this.counters.ignored++;
      return;
    }
    const keys = this.keysOf(entry, fam);
    const clientIp = v4 ? formatIpv4(f, t.srcOffset) : formatIpv6(f, t.srcOffset);
    const src4 = v4 ? t.src4 : undefined;
    const inPort = inPortOf(p.match);
    const choice = entry.balancer.choose(
      clientIp,
      connectionOf(src4, clientIp, t.srcPort, t.protocol, t.dstPort, keys.portIndex),
    );
    if (choice.kind === 'none') {
      this.refuse(session, p, t.protocol, inPort);
      return;
    }
    const state = this.sessions.get(session);
    const answer = state && this.answerOf(session, state, entry, fam, choice.backend, f);
    if (!answer) {
      this.place(session, p, inPort, entry, fam, choice, {
        ip: clientIp,
        port: t.srcPort,
        mac: formatMac(f, 6),
        gatewayMac: formatMac(f, 0),
      });
      return;
    }
    const tpl = answer.tpl;
    const data = p.bufferId === OFP_NO_BUFFER ? f : EMPTY;
    const at = session.claimOutput(tpl.size(data.length));
    const xids = [session.reserveXid(), session.reserveXid(), session.reserveXid()] as const;
    tpl.write(session.output, at, f, t, xids, p.bufferId, inPort, data);
    session.countSent('flowMod', 2);
    session.countSent('packetOut', 1);
    this.opened(state, keys.slot, clientKey(src4, clientIp, t.srcPort), answer.kind.index, choice);
  }

  /** A packet-in the fast path does not read (VLAN tag, IP options or extensions, not TCP/UDP/SCTP): parsed whole. */
  private handleUncommon(session: SwitchSession, p: PacketIn): void {
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
    const keys = this.keysOf(entry, fam);
    const src4 = key.ipVersion === 4 ? ipv4Number(key.src) : undefined;
    const inPort = inPortOf(p.match);
    const choice = entry.balancer.choose(
      key.src,
      connectionOf(src4, key.src, key.srcPort, key.protocol, key.dstPort, keys.portIndex),
    );
    if (choice.kind === 'none') {
      this.refuse(session, p, key.protocol, inPort);
      return;
    }
    this.place(session, p, inPort, entry, fam, choice, {
      ip: key.src,
      port: key.srcPort,
      mac: key.ethSrc,
      gatewayMac: key.ethDst,
    });
  }

  /** Installs a connection's flows through the encoder (no template for it). */
  private place(
    session: SwitchSession,
    p: PacketIn,
    inPort: number,
    entry: ServiceEntry,
    fam: FamilyService,
    choice: Extract<Choice, { kind: 'backend' }>,
    client: ClientFields,
  ): void {
    const spec = this.specOf(session, entry, fam, choice.backend, client);
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
    const kind = this.kinds.intern(choice.backend.id, spec);
    const src4 = spec.ipVersion === 4 ? ipv4Number(client.ip) : undefined;
    const slot = this.keysOf(entry, fam).slot;
    this.opened(
      this.sessions.get(session),
      slot,
      clientKey(src4, client.ip, client.port),
      kind.index,
      choice,
    );
  }

  /** Counts a connection placed (not a retransmit of one placed already) and remembers its flows. */
  private opened(
    state: SwitchState | undefined,
    slot: number,
    client: number | string,
    kind: number,
    choice: Extract<Choice, { kind: 'backend' }>,
  ): void {
    const isNew = state ? state.live.add(slot, client, kind) : true;
    if (choice.via !== 'connection' || isNew) {
      this.connections.opened(choice.backend.id);
      this.counters.placed++;
    }
  }

  /** The flows of a connection to `backend` through `entry`, from this switch, for `client`. */
  private specOf(
    session: SwitchSession,
    entry: ServiceEntry,
    fam: FamilyService,
    b: LbBackend,
    client: ClientFields,
  ): SessionSpec {
    const ipVersion = fam.family;
    return {
      domain: fam.domain,
      ipVersion,
      protocol: PROTOCOL_NUMBER[entry.port.protocol],
      client: { ip: client.ip, port: client.port },
      vip: { ip: entry.vip, port: entry.port.port },
      backend: { ip: b.address, port: b.port ?? entry.port.targetPort },
      backendObjectId: 0n,
      ...(fam.macs.has(b.id) ? { backendMac: fam.macs.get(b.id) as string } : {}),
      ...(fam.external.has(b.id) ? this.snatOf(session, ipVersion) : {}),
      clientL2: { clientMac: client.mac, gatewayMac: client.gatewayMac },
      cookie: this.cookieOf(b.id),
      idleTimeout: this.idle,
    };
  }

  /** The answer of this switch to connections through `entry` to `b`, made from the first one's frame. */
  private answerOf(
    session: SwitchSession,
    state: SwitchState,
    entry: ServiceEntry,
    fam: FamilyService,
    b: LbBackend,
    frame: Uint8Array,
  ): Answer | null {
    let byBackend = state.answers.get(entry);
    if (!byBackend) state.answers.set(entry, (byBackend = new Map()));
    let answer = byBackend.get(b.id);
    if (answer === undefined) {
      const specFor = (c: ClientFields): SessionSpec => this.specOf(session, entry, fam, b, c);
      const tpl = SessionTemplate.build(b.id, specFor, frame, this.tuple);
      answer = tpl ? { tpl, kind: this.kinds.intern(b.id, tpl.spec) } : null;
      if (!answer)
        this.log.warn(
          { service: fam.serviceId, backend: b.id },
          'session flows not templated; encoded per connection',
        );
      byBackend.set(b.id, answer);
    }
    // The backend's kinds were released (it left or failed, and came back under this same entry): ask again.
    if (answer && !this.kinds.holds(answer.kind)) answer.kind = this.kinds.intern(b.id, answer.tpl.spec);
    return answer;
  }

  private keysOf(entry: ServiceEntry, fam: FamilyService): EntryKeys {
    let k = this.entryKeys.get(entry);
    if (k === undefined) {
      const protocol = PROTOCOL_NUMBER[entry.port.protocol];
      const text = slotKey(fam.domain, entry.vip, entry.port.port, protocol);
      let slot = this.slotIds.get(text);
      if (slot === undefined) this.slotIds.set(text, (slot = this.slotIds.size));
      k = {
        slot,
        portIndex: entry.service.ports.indexOf(entry.port),
      };
      this.entryKeys.set(entry, k);
    }
    return k;
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

  private refuse(session: SwitchSession, p: PacketIn, protocol: number, inPort: number): void {
    const reply = protocol === IpProto.TCP ? buildTcpReset(p.data) : buildDestinationUnreachable(p.data);
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
    const k = matchKey(m.match);
    const slot = k && this.slotIds.get(k.slot);
    const state = this.sessions.get(session);
    if (!k || slot === undefined || !state) return;
    const kind = this.kinds.get(state.live.take(slot, k.client));
    if (!kind) return;
    this.connections.closed(kind.backendId);
    this.counters.closed++;
    session.send(deleteStrict(SessionKinds.reverseFlowOf(kind, k.src, k.sport)));
  }

  private sweep(): void {
    for (const f of this.families.values()) this.table.balancer(f.lb.id)?.sweep();
  }

  /**
   * Live connections a switch carries (for inspection and tests); those of a purged backend count until the switch
   * reports their flows deleted.
   */
  liveSessions(session: SwitchSession): number {
    return this.sessions.get(session)?.live.size ?? 0;
  }
}

function inPortOf(match: Match): number {
  for (const f of match) if (f.field === 'in_port') return f.value as number;
  return PortNo.CONTROLLER;
}

/**
 * Names a connection to the balancer. IPv4: address, port and the Service port's index in one exact number
 * (32 + 16 + 5 bits) rather than a string; otherwise connectionKey's text.
 */
function connectionOf(
  src4: number | undefined,
  src: string,
  srcPort: number,
  protocol: number,
  dstPort: number,
  portIndex: number,
): number | string {
  return src4 !== undefined && portIndex < 32
    ? (src4 * 0x10000 + srcPort) * 32 + portIndex
    : connectionKey({ src, srcPort, protocol, dstPort });
}

/** A client within a slot of LiveSessions: IPv4 address * 65536 + port, or "address|port". */
function clientKey(src4: number | undefined, src: string, port: number): number | string {
  return src4 !== undefined ? src4 * 0x10000 + port : `${src}|${port}`;
}

function slotKey(domain: number, vip: string, port: number, protocol: number): string {
  return `${domain}|${vip}|${port}|${protocol}`;
}

/** The session of a forward flow's match, as the switch reports it in FLOW_REMOVED. */
function matchKey(
  match: Match,
): { slot: string; client: number | string; src: string; sport: number } | undefined {
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
  const port = sport ?? 0;
  return {
    slot: slotKey(domain, dst, dport ?? 0, proto),
    client: clientKey(ipv4Number(src), src, port),
    src,
    sport: port,
  };
}
