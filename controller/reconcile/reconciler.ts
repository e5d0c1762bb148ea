// The reconciler: keeps every node's switch at the state the model asks for. On a model change it recompiles the
// nodes the change names and pushes only the difference: bridge, tunnel and endpoint ports over OVSDB, flows and
// groups over OpenFlow (flow sync ends with barriers). When a switch (re)connects the same run happens, and equal
// state means zero FLOW_MODs and zero OVSDB writes, so a controller restart never flaps traffic.
// It is the `Dataplane` the CNI path awaits: an ADD returns once the pod's port is attached and its flows confirmed.
import type { Logger } from 'pino';
import { Group, PortNo, Table, type FlowStats } from '../../protocols/openflow13/index.js';
import type { FlowEntry, OpenFlowServer, SwitchSession } from '../../southbound/openflow/index.js';
import type { TlsFiles } from '../../southbound/ovsdb/index.js';
import type { Dataplane, DataplaneStatus } from '../dataplane.js';
import type { ChangeEvent, ModelEvents } from '../events.js';
import type { Endpoint, Id, Node } from '../model/types.js';
import {
  compileContext,
  compileNode,
  endpointAdded,
  endpointRemoved,
  featuresFor,
  featureMask,
  nodeContext,
  portsWanted,
  oursMask,
  snapshotFromModel,
  type CompiledNode,
  type EndpointDelta,
  type FlowSpec,
  type GroupSpec,
  type PipelineSnapshot,
} from '../pipeline/index.js';
import type { ModelReader } from '../store/store.js';
import { MeterSync } from './meter-sync.js';
import { routerAdvertFor } from './router-advert.js';
import { NodeSwitch, datapathIdOf } from './node-switch.js';
import { profileFor, type EndpointPortSpec, type VSwitchDriver } from '../../southbound/ovsdb/index.js';
import { SerialRunner } from './serial-runner.js';
import { bindVmEndpoints, interfacesChanged } from './vm-ports.js';

export interface ReconcilerOptions {
  readonly model: ModelReader;
  readonly events: ModelEvents;
  readonly openflow: OpenFlowServer;
  readonly log: Logger;
  /** The OpenFlow target a node's bridge dials when the node does not name one. */
  readonly defaultControllerTarget: string;
  /** The node-local address egress is SNATed to (pipeline/egress-transit.ts); absent: its default. */
  readonly egressTransitIp?: string;
  /** ClusterIP packet-ins per second a switch's meter lets through (pipeline/meters.ts); absent: its default. */
  readonly serviceMissRate?: number;
  /** How long a CNI ADD waits for a node's bridge to dial in before it fails (try again later). */
  readonly sessionWaitMs?: number;
  /** Key, certificate and CA the OVSDB client presents to nodes registered with an ssl: target. */
  readonly ovsdbTls?: TlsFiles;
  /** Told when a node's OpenFlow session comes up or goes down (the model's Node.connection). */
  readonly onConnection?: (nodeId: Id, state: 'connected' | 'disconnected') => void;
  /** Counters for /metrics. */
  readonly metrics?: ReconcilerMetrics;
}

/** What the reconciler counts; prom-client's Counter and Gauge fit. */
export interface ReconcilerMetrics {
  readonly flowModsSent: { inc(labels: { command: string }, value: number): void };
  readonly switchSessions: { set(value: number): void };
}

/** Marks the OVSDB rows the controller owns, so that it removes only its own ports. */
const MANAGED = 'sdn-managed';

export class Reconciler implements Dataplane {
  private readonly switches = new Map<Id, NodeSwitch>();
  private readonly runners = new Map<Id, SerialRunner>();
  private readonly watchedClients = new WeakSet<object>();
  private readonly answering = new WeakSet<SwitchSession>();
  private readonly meters = new WeakMap<NodeSwitch, { session: SwitchSession; sync: MeterSync }>();
  private readonly log: Logger;
  private readonly ownership;
  /** Endpoint just created by a CNI ADD -> settles its wait with the runs its change event starts elsewhere. */
  private readonly createdRuns = new Map<Id, (runs: Promise<unknown>) => void>();
  /** Endpoint -> node, for endpoints a CNI ADD attached before the change event of their creation came. */
  private readonly attachedAhead = new Map<Id, Id>();
  /** Endpoint -> the run its deletion's change event started, which a CNI DEL awaits instead of another. */
  private readonly detachRuns = new Map<Id, Promise<void>>();
  /** Nodes whose next run must compile in full: anything but CNI ADDs asked for it. */
  private readonly fullRuns = new Set<Id>();
  /** Node -> endpoints CNI ADDs asked for since its last run: added alone when nothing else changed. */
  private readonly pendingAdds = new Map<Id, Set<Id>>();
  /** Node -> pods deleted since its last run (as they were): removed alone when nothing else changed. */
  private readonly pendingRemoves = new Map<Id, Map<Id, Endpoint>>();
  private readonly onChange = (e: ChangeEvent): void => this.changed(e);
  private readonly onSwitchUp = (s: SwitchSession): void => this.switchUp(s);

  constructor(private readonly options: ReconcilerOptions) {
    this.log = options.log.child({ component: 'reconciler' });
    const ours = oursMask();
    const session = featureMask('session');
    // Flows the switch learns itself (health probe replies, NXAST_LEARN) expire on their own; the sync leaves them.
    const learned = featureMask('health');
    this.ownership = {
      value: ours.cookie,
      mask: ours.mask,
      exclude: [
        { value: session.cookie, mask: session.mask },
        { value: learned.cookie, mask: learned.mask },
      ],
    };
  }

  /** Subscribes to model changes and switch sessions, and reconciles every node once. */
  start(): void {
    this.options.events.on('change', this.onChange);
    this.options.openflow.on('switchUp', this.onSwitchUp);
    for (const s of this.options.openflow.switches.values()) this.switchUp(s);
    for (const node of this.options.model.all('node')) void this.schedule(node.id);
  }

  stop(): void {
    this.options.events.off('change', this.onChange);
    this.options.openflow.off('switchUp', this.onSwitchUp);
    for (const s of this.switches.values()) s.close();
    this.switches.clear();
  }

  // ---- Dataplane -------------------------------------------------------------------------------------------------

  /**
   * Called by a CNI ADD as soon as its endpoint is in the model, while the store syncs the commit to disk: the run
   * requested here reads the endpoint, so the change event that follows the sync need not start another one.
   */
  async endpointAttached(ep: Endpoint, created = false): Promise<void> {
    let elsewhere: Promise<unknown> | undefined;
    if (created) {
      const runs = new Promise<Promise<unknown>>((settle) => this.createdRuns.set(ep.id, settle));
      elsewhere = runs.then((r) => r);
    }
    this.attachedAhead.set(ep.id, ep.nodeId);
    let adds = this.pendingAdds.get(ep.nodeId);
    if (!adds) this.pendingAdds.set(ep.nodeId, (adds = new Set()));
    adds.add(ep.id);
    await this.request(ep.nodeId, true);
    const sw = this.switches.get(ep.nodeId);
    if (!sw?.session) throw new Error(`node's switch has not connected: ${sw?.problem ?? 'unknown node'}`);
    const portError = ep.portName ? sw.portErrors.get(ep.portName) : undefined;
    if (portError) throw new Error(portError);
    // The other nodes learn of the pod in the runs its change event starts once the commit is on disk.
    await elsewhere;
  }

  /** Called after the detach is durable: its change event has already started the run that removes the port. */
  async endpointDetached(ep: Endpoint): Promise<void> {
    this.attachedAhead.delete(ep.id);
    this.createdRuns.get(ep.id)?.(Promise.resolve());
    this.createdRuns.delete(ep.id);
    const started = this.detachRuns.get(ep.id);
    this.detachRuns.delete(ep.id);
    await (started ?? this.reconcile(ep.nodeId, false));
  }

  nodeStatus(nodeId: Id): DataplaneStatus {
    const sw = this.switches.get(nodeId);
    if (!sw) return { ready: false, detail: 'not reconciled yet' };
    if (!sw.ovsdb || sw.ovsdb.state !== 'monitoring')
      return { ready: false, detail: `OVSDB ${sw.ovsdb?.state ?? 'not connected'}` };
    if (!sw.session) return { ready: false, detail: 'the bridge has not dialed the OpenFlow listener' };
    return sw.problem ? { ready: false, detail: sw.problem } : { ready: true };
  }

  /** Per-node state for the API and the dashboard. */
  nodeState(nodeId: Id): {
    ovsdb: string;
    openflow: string;
    dpid?: string;
    flows?: number;
    problem?: string;
  } {
    const sw = this.switches.get(nodeId);
    if (!sw) return { ovsdb: 'none', openflow: 'none', problem: 'not reconciled yet' };
    return {
      ovsdb: sw.ovsdb?.state ?? 'none',
      openflow: sw.session ? 'connected' : 'waiting',
      dpid: sw.dpid,
      ...(sw.flowSync?.tracked ? { flows: sw.flowSync.tracked.size } : {}),
      ...(sw.rejectedFlows > 0 ? { rejectedFlows: sw.rejectedFlows } : {}),
      ...(sw.problem ? { problem: sw.problem } : {}),
    };
  }

  /** The compiled pipeline of a node as the reconciler last saw the model (for trace and the dashboard). */
  compile(nodeId: Id): CompiledNode | undefined {
    const node = this.options.model.get('node', nodeId);
    return node ? compileNode(this.snapshot(this.switches.get(nodeId)), node.name) : undefined;
  }

  /** Live flow entries (with counters) of a node's switch, all cookies; undefined while it is not connected. */
  async flowStats(nodeId: Id): Promise<FlowStats[] | undefined> {
    const session = this.switches.get(nodeId)?.session;
    if (!session) return undefined;
    const parts = await session.multipart({
      type: 'multipartRequest',
      kind: 'flow',
      flags: 0,
      tableId: Table.ALL,
      outPort: PortNo.ANY,
      outGroup: Group.ANY,
      cookie: 0n,
      cookieMask: 0n,
      match: [],
    });
    return parts.flatMap((p) => (p.kind === 'flow' ? [...p.stats] : []));
  }

  /** The OpenFlow session of a node's switch, for packet-out probes; undefined while it is not connected. */
  session(nodeId: Id): SwitchSession | undefined {
    return this.switches.get(nodeId)?.session;
  }

  // ---- scheduling -------------------------------------------------------------------------------------------------

  /** Reconciles one node in full; concurrent requests for the same node share the next run. */
  reconcile(nodeId: Id, waitForSession: boolean): Promise<void> {
    this.fullRuns.add(nodeId);
    return this.request(nodeId, waitForSession);
  }

  /** The next run of a node: in full if someone asked for that since the last one, else only the pending adds. */
  private request(nodeId: Id, waitForSession: boolean): Promise<void> {
    let runner = this.runners.get(nodeId);
    if (!runner) this.runners.set(nodeId, (runner = new SerialRunner()));
    return runner.request(() => this.run(nodeId, waitForSession));
  }

  private schedule(nodeId: Id): Promise<void> {
    const run = this.reconcile(nodeId, false);
    run.catch((err: unknown) => {
      this.log.warn(
        { nodeId, err: err instanceof Error ? err.message : String(err) },
        'reconcile failed; retried on the next change or reconnect',
      );
    });
    return run;
  }

  private changed(e: ChangeEvent): void {
    const covered = this.coveredByAttach(e);
    const removed = covered === undefined ? podRemovals(e) : undefined;
    // Any other change may touch what the per-pod path reads (networks, groups, services): compile afresh.
    if (covered === undefined && removed === undefined)
      for (const sw of this.switches.values()) sw.context = undefined;
    const runs = new Map<Id, Promise<void>>();
    for (const nodeId of e.nodes) {
      if (nodeId === covered) continue;
      let run: Promise<void>;
      if (nodeId === removed?.nodeId) {
        let pending = this.pendingRemoves.get(nodeId);
        if (!pending) this.pendingRemoves.set(nodeId, (pending = new Map()));
        for (const ep of removed.endpoints) pending.set(ep.id, ep);
        run = this.request(nodeId, false);
        run.catch((err: unknown) => {
          this.log.warn(
            { nodeId, err: err instanceof Error ? err.message : String(err) },
            'pod removal failed',
          );
        });
      } else run = this.schedule(nodeId);
      runs.set(nodeId, run);
      for (const c of e.changes) {
        if (c.kind !== 'endpoint' || c.op !== 'deleted' || c.before?.nodeId !== nodeId) continue;
        this.detachRuns.set(c.id, run);
        const forget = (): void => {
          // Kept only until the run is over: a DEL that comes later starts its own.
          if (this.detachRuns.get(c.id) === run) this.detachRuns.delete(c.id);
        };
        run.then(forget, forget);
      }
    }
    // A CNI ADD that created one of these endpoints waits for the other nodes' runs (their failure is theirs).
    for (const c of e.changes) {
      if (c.kind !== 'endpoint' || c.op !== 'created' || !c.after) continue;
      const settle = this.createdRuns.get(c.id);
      if (!settle) continue;
      this.createdRuns.delete(c.id);
      const own = c.after.nodeId;
      settle(Promise.allSettled([...runs].filter(([n]) => n !== own).map(([, r]) => r)));
    }
  }

  /**
   * The node whose run an ADD already started for this event: the event only creates endpoints that
   * endpointAttached saw first, all on that node. Other nodes the event names are reconciled as usual.
   */
  private coveredByAttach(e: ChangeEvent): Id | undefined {
    let node: Id | undefined;
    let covered = e.changes.length > 0;
    for (const c of e.changes) {
      const ahead = c.kind === 'endpoint' ? this.attachedAhead.get(c.id) : undefined;
      if (c.kind === 'endpoint') this.attachedAhead.delete(c.id);
      if (ahead === undefined || c.op !== 'created' || (node !== undefined && ahead !== node))
        covered = false;
      node ??= ahead;
    }
    return covered ? node : undefined;
  }

  private switchUp(session: SwitchSession): void {
    // Router solicitations the pipeline sends up are answered here (one small packet-out each), once per session.
    if (!this.answering.has(session)) {
      this.answering.add(session);
      session.on('packetIn', (pin) => {
        const out = routerAdvertFor(this.options.model, pin);
        if (out) session.send(out);
      });
    }
    this.options.metrics?.switchSessions.set(this.options.openflow.switches.size);
    let sw = [...this.switches.values()].find((s) => s.dpid === session.dpid);
    if (!sw) {
      // A bridge whose node is not (yet) in our map: find it by the datapath id it should have.
      const node = [...this.options.model.all('node')].find((n) => datapathIdOf(n) === session.dpid);
      if (!node) {
        session.log.info({ dpid: session.dpid }, 'a switch of no known node connected; ignored');
        return;
      }
      sw = this.switchFor(node);
    }
    const nodeId = sw.node.id;
    sw.attachSession(session, this.ownership);
    this.options.onConnection?.(nodeId, 'connected');
    session.once('close', (reason) => {
      sw.log.info({ reason }, 'OpenFlow session closed');
      this.options.metrics?.switchSessions.set(this.options.openflow.switches.size);
      // A replaced session is followed by its successor's 'connected'; only a lost one is a disconnect.
      if (!this.options.openflow.switches.has(session.dpid))
        this.options.onConnection?.(nodeId, 'disconnected');
    });
    void this.schedule(nodeId);
  }

  private switchFor(node: Node): NodeSwitch {
    const known = this.switches.get(node.id);
    if (known && known.node.ovsdb === node.ovsdb && known.dpid === datapathIdOf(node)) return known;
    known?.close();
    const sw = new NodeSwitch(node, datapathIdOf(node), this.log, this.options.ovsdbTls);
    this.switches.set(node.id, sw);
    // Said once when the node is first seen: features its vSwitch cannot run are off there, not broken.
    const { unsupported } = featuresFor(profileFor(node.vswitch).capabilities);
    if (unsupported.length > 0)
      sw.log.warn(
        { vswitch: node.vswitch, unsupported },
        'features off on this node: its vSwitch lacks what they need',
      );
    const live = this.options.openflow.switches.get(sw.dpid);
    if (live) sw.attachSession(live, this.ownership);
    return sw;
  }

  // ---- one run ------------------------------------------------------------------------------------------------------

  private async run(nodeId: Id, waitForSession: boolean): Promise<void> {
    const node = this.options.model.get('node', nodeId);
    if (!node) {
      this.switches.get(nodeId)?.close();
      this.switches.delete(nodeId);
      this.runners.delete(nodeId);
      return;
    }
    const sw = this.switchFor(node);
    // Consumed at the start: what is asked during this run is for the next one.
    const full = this.fullRuns.delete(nodeId);
    const adds = this.pendingAdds.get(nodeId);
    const removes = this.pendingRemoves.get(nodeId);
    this.pendingAdds.delete(nodeId);
    this.pendingRemoves.delete(nodeId);
    try {
      if (
        !full &&
        (adds || removes) &&
        (!removes || (await this.removeIncrementally(sw, [...removes.values()]))) &&
        (!adds || (await this.addIncrementally(sw, adds)))
      )
        return;
    } catch (err) {
      // The switch may hold part of the change: a full run follows this one (once; it is not retried itself).
      void this.schedule(nodeId);
      throw err;
    }
    sw.context = undefined;
    try {
      await this.ensurePorts(node, sw);
      const session = await sw.waitForSession(waitForSession ? (this.options.sessionWaitMs ?? 10_000) : 0);
      if (!session || !sw.flowSync || !sw.groupSync) {
        sw.problem = 'the bridge has not dialed the OpenFlow listener';
        return;
      }
      const context = nodeContext(this.snapshot(sw), node.name);
      const compiled = compileContext(context);
      const meters = this.meterSync(sw, session);
      await meters.put(compiled.meters);
      // Groups before the flows that use them, and deleted only after no flow names them.
      await sw.groupSync.put(compiled.groups);
      const result = await sw.flowSync.sync(compiled.flows.map(toFlowEntry));
      const m = this.options.metrics?.flowModsSent;
      if (m) {
        m.inc({ command: 'add' }, result.added);
        m.inc({ command: 'modify_strict' }, result.modified);
        m.inc({ command: 'delete_strict' }, result.deleted);
      }
      await sw.groupSync.prune(compiled.groups);
      await meters.prune(compiled.meters);
      if (result.added + result.modified + result.deleted > 0 || result.errors.length > 0) {
        sw.log.info(
          {
            added: result.added,
            modified: result.modified,
            deleted: result.deleted,
            errors: result.errors.length,
          },
          'flows reconciled',
        );
      }
      // Rejected flows are logged with the flow that caused them; the node still forwards with the rest.
      sw.rejectedFlows = sw.flowSync.rejectedCount;
      sw.problem = undefined;
      sw.context = context;
    } catch (err) {
      sw.problem = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  /**
   * The per-pod path: admits the endpoints CNI ADDs asked for into the context of the node's last full compile,
   * attaches their ports, and pushes only their flows and their networks' flood groups, confirmed like a full run.
   * False (nothing sent) when it does not apply: no context or session, or an endpoint whose flows reach beyond
   * its own (security groups, QoS meters, an address a Service names, a network new to the node); then the caller
   * compiles the node in full.
   */
  private async addIncrementally(sw: NodeSwitch, ids: ReadonlySet<Id>): Promise<boolean> {
    const { context, session, flowSync, groupSync, driver } = sw;
    if (!context || !session || !flowSync || !groupSync || !driver || driver.client.state !== 'monitoring')
      return false;
    const eps: Endpoint[] = [];
    for (const id of ids) {
      // Already in the context: the full run that made it (or an earlier add) put it on the switch.
      if (context.localEndpoints.some((v) => v.ep.id === id)) continue;
      const ep = this.options.model.get('endpoint', id);
      if (!ep || !this.addsAlone(ep, sw)) return false;
      eps.push(ep);
    }
    if (eps.length === 0) return true;
    // From here on the context is changed: any way out but success drops it.
    sw.context = undefined;
    const deltas: EndpointDelta[] = [];
    for (const ep of eps) {
      const d = endpointAdded(context, ep);
      if (!d) return false;
      deltas.push(d);
    }
    const groups = new Map<number, GroupSpec>();
    for (const d of deltas) for (const g of d.groups) groups.set(g.groupId, g); // later deltas see more members
    // Ports, groups and flows go out together, and the answer waits for all three: a flow may name an ofport
    // before its port exists (what it outputs there is dropped meanwhile), the ofport being pinned by
    // ofport_request; and the groups only change buckets, no flow needs them to exist first.
    const bridge = context.profile.integrationBridge;
    const [ofports, , result] = await Promise.all([
      Promise.all(
        deltas.map((d) => {
          const { ep, ofport } = d.endpoint;
          if (ep.portName === undefined || ofport === undefined) return Promise.resolve(-1);
          return driver.attachPort(this.endpointPort(bridge, ep.portName, ofport, ep));
        }),
      ),
      groupSync.put([...groups.values()]),
      flowSync.patch(deltas.flatMap((d) => d.flows.map(toFlowEntry))),
    ]);
    // The switch did not honour an ofport_request: a full run puts the flows on the port it gave.
    if (deltas.some((d, i) => d.endpoint.ofport !== ofports[i])) return false;
    this.options.metrics?.flowModsSent.inc({ command: 'add' }, result.added);
    this.options.metrics?.flowModsSent.inc({ command: 'modify_strict' }, result.modified);
    sw.rejectedFlows = flowSync.rejectedCount;
    sw.log.debug({ endpoints: eps.length, added: result.added, errors: result.errors.length }, 'pods added');
    sw.context = context;
    return true;
  }

  /**
   * The per-pod path of deleted pods: evicts them from the context, pushes their networks' flood groups, deletes
   * their flows and detaches their ports. False (nothing sent) when it does not apply; then the caller compiles
   * the node in full.
   */
  private async removeIncrementally(sw: NodeSwitch, eps: readonly Endpoint[]): Promise<boolean> {
    const { context, session, flowSync, groupSync, driver } = sw;
    if (!context || !session || !flowSync || !groupSync || !driver || driver.client.state !== 'monitoring')
      return false;
    // Not in the context: the full run that made it already left the pod out.
    const gone = eps.filter((ep) => context.localEndpoints.some((v) => v.ep.id === ep.id));
    if (gone.length === 0) return true;
    if (!gone.every((ep) => this.addsAlone(ep, sw))) return false;
    sw.context = undefined;
    const deltas: EndpointDelta[] = [];
    for (const ep of gone) {
      const d = endpointRemoved(context, ep.id);
      if (!d) return false;
      deltas.push(d);
    }
    const groups = new Map<number, GroupSpec>();
    for (const d of deltas) for (const g of d.groups) groups.set(g.groupId, g); // later deltas see fewer members
    // Together, as for adds: flows and buckets naming a port that is already gone only drop packets.
    const [, result] = await Promise.all([
      groupSync.put([...groups.values()]),
      flowSync.patch(
        [],
        deltas.flatMap((d) => d.flows.map(toFlowEntry)),
      ),
      ...gone.map((ep) => (ep.portName === undefined ? undefined : driver.detachPort(ep.portName))),
    ]);
    this.options.metrics?.flowModsSent.inc({ command: 'delete_strict' }, result.deleted);
    sw.log.debug({ endpoints: gone.length, deleted: result.deleted }, 'pods removed');
    sw.context = context;
    return true;
  }

  /** Whether an endpoint's flows are its own and its network's flood group, nothing else on the node. */
  private addsAlone(ep: Endpoint, sw: NodeSwitch): boolean {
    if (ep.kind !== 'pod' || ep.nodeId !== sw.node.id || ep.portName === undefined) return false;
    if (ep.securityGroupIds.length > 0 || ep.qosPolicyId !== undefined) return false;
    for (const svc of this.options.model.all('service')) {
      for (const b of svc.backends) if (b.kind === 'address' && ep.ips.includes(b.address)) return false;
    }
    return true;
  }

  /** The OVSDB port of a local endpoint, marked as ours, with the pod's identity for `ovs-vsctl find`. */
  private endpointPort(
    bridge: string,
    name: string,
    ofportRequest: number,
    ep: Endpoint | undefined,
  ): EndpointPortSpec {
    return {
      bridge,
      name,
      mac: ep?.mac ?? '',
      ifaceId: ep?.id ?? name,
      ofportRequest,
      externalIds: {
        [MANAGED]: 'true',
        ...(ep?.containerId ? { 'container-id': ep.containerId } : {}),
        ...(ep?.owner ? { 'k8s-pod-namespace': ep.owner.namespace, 'k8s-pod-name': ep.owner.name } : {}),
      },
    };
  }

  /** Bridge (with its controller), tunnel port, endpoint ports; ports of ours that left the model are removed. */
  private async ensurePorts(node: Node, sw: NodeSwitch): Promise<void> {
    const driver = await sw.ensureOvsdb();
    this.watchVmPorts(node.id, driver);
    // Only the ports: no need to compile every flow for that.
    const wanted = portsWanted(nodeContext(this.snapshot(sw), node.name));
    await driver.ensureIntegrationBridge({
      name: wanted.bridge.name,
      datapathType: node.datapathType,
      datapathId: sw.dpid,
      hwaddr: wanted.bridge.hwaddr,
      controllers: [node.controllerTarget ?? this.options.defaultControllerTarget],
    });
    await driver.ensurePort({
      bridge: wanted.bridge.name,
      name: wanted.tunnel.name,
      type: wanted.tunnel.type,
      options: wanted.tunnel.options,
      ofportRequest: wanted.tunnel.ofportRequest,
    });
    if (wanted.uplink) {
      await driver.ensureUplinkPort({
        bridge: wanted.bridge.name,
        device: wanted.uplink.name,
        vlans: wanted.uplink.trunks,
        ofportRequest: wanted.uplink.ofportRequest,
      });
    }
    const keep = new Set(wanted.endpoints.map((p) => p.name));
    for (const p of wanted.endpoints) {
      const iface = driver.interface(p.name);
      const ep = p.endpointId ? this.options.model.get('endpoint', p.endpointId) : undefined;
      if (ep?.kind === 'vm') continue; // the hypervisor plugs it (vm-ports.ts)
      if (
        iface &&
        iface.ofport.length > 0 &&
        (iface.ofport[0] ?? -1) > 0 &&
        iface.external_ids.get(MANAGED) === 'true'
      )
        continue;
      // One port that cannot be opened (its veth is gone with an abandoned sandbox, until the runtime's DEL or GC)
      // fails only the ADD of its own endpoint, never the other pods of the node.
      await driver.attachPort(this.endpointPort(wanted.bridge.name, p.name, p.ofportRequest, ep)).then(
        () => sw.portErrors.delete(p.name),
        (err: unknown) => {
          const why = err instanceof Error ? err.message : String(err);
          if (sw.portErrors.get(p.name) !== why) sw.log.warn({ port: p.name, err: why }, 'port not attached');
          sw.portErrors.set(p.name, why);
        },
      );
    }
    for (const name of sw.portErrors.keys()) if (!keep.has(name)) sw.portErrors.delete(name);
    for (const p of wanted.endpoints) {
      const iface = driver.interface(p.name);
      if (!iface) continue;
      const rate = p.policing?.rateKbps ?? 0;
      const burst = p.policing?.burstKb ?? 0;
      if (iface.ingress_policing_rate === rate && iface.ingress_policing_burst === burst) continue;
      // A switch that cannot police keeps forwarding (the egress meter still limits the pod); say why, once per run.
      await driver.setIngressPolicing(p.name, p.policing ?? null).catch((err: unknown) => {
        sw.log.warn(
          { port: p.name, err: err instanceof Error ? err.message : String(err) },
          'ingress policing not set',
        );
      });
    }
    for (const iface of driver.client.replica.rows('Interface')) {
      if (iface.external_ids.get(MANAGED) === 'true' && !keep.has(iface.name))
        await driver.detachPort(iface.name);
    }
  }

  /** A VM plugged into or unplugged from a node's bridge reconciles that node (once per OVSDB client). */
  private watchVmPorts(nodeId: Id, driver: VSwitchDriver): void {
    if (this.watchedClients.has(driver.client)) return;
    this.watchedClients.add(driver.client);
    driver.client.on('change', (batch) => {
      if (!interfacesChanged(batch)) return;
      if (this.options.model.lookup('endpoint', 'node', nodeId).some((e) => e.kind === 'vm'))
        void this.schedule(nodeId);
    });
  }

  /** The meter sync of the switch's current session (a new session reads the switch's meters again). */
  private meterSync(sw: NodeSwitch, session: SwitchSession): MeterSync {
    let m = this.meters.get(sw);
    if (!m || m.session !== session) this.meters.set(sw, (m = { session, sync: new MeterSync(session) }));
    return m.sync;
  }

  /** The model, with each local endpoint's ofport as the switch reports it (pinned by ofport_request). */
  private snapshot(sw: NodeSwitch | undefined): PipelineSnapshot {
    const { egressTransitIp, serviceMissRate } = this.options;
    const base = {
      ...snapshotFromModel(this.options.model),
      ...(egressTransitIp !== undefined ? { egressTransitIp } : {}),
      ...(serviceMissRate !== undefined ? { serviceMissRate } : {}),
    };
    const driver = sw?.driver;
    if (!driver) return base;
    const endpoints = bindVmEndpoints(base.endpoints, sw.node.id, driver).map((ep) => {
      if (ep.nodeId !== sw.node.id || ep.ofport !== undefined || !ep.portName) return ep;
      const ofport = driver.interface(ep.portName)?.ofport[0];
      return ofport !== undefined && ofport > 0 ? { ...ep, ofport } : ep;
    });
    return { ...base, endpoints };
  }
}

/**
 * The pods an event deletes, when that is all it does and they are all on one node (a CNI DEL, a GC): the per-pod
 * path may remove them. Undefined for anything else.
 */
function podRemovals(e: ChangeEvent): { nodeId: Id; endpoints: Endpoint[] } | undefined {
  const endpoints: Endpoint[] = [];
  for (const c of e.changes) {
    if (c.kind !== 'endpoint' || c.op !== 'deleted' || c.before?.kind !== 'pod') return undefined;
    if (endpoints.length > 0 && endpoints[0]?.nodeId !== c.before.nodeId) return undefined;
    endpoints.push(c.before);
  }
  const first = endpoints[0];
  return first ? { nodeId: first.nodeId, endpoints } : undefined;
}

export function toFlowEntry(f: FlowSpec): FlowEntry {
  return {
    tableId: f.table,
    priority: f.priority,
    match: f.match,
    instructions: f.instructions,
    cookie: f.cookie,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
    flags: f.flags,
  };
}
