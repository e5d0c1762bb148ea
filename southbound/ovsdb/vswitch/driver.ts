// The vSwitch driver: the node's integration bridge, its tunnel and uplink ports, endpoint ports, and per-port
// policing and QoS, written through OVSDB and read back from the replica. It speaks of bridges, ports, VLANs and
// MACs only; which pod or tenant a port belongs to is the caller's business (it may pass external_ids).
// Every write is idempotent (it compares with the replica and writes only the difference) and guarded with
// `wait`/verify so that two writers racing on the same bridge both end up with a consistent result.
import type { DatumIn, OpenVswitchTables, RowIn, RowOf } from '../../../protocols/ovsdb';
import type { OvsdbClient } from '../client';
import type { Replica } from '../replica';
import type { Transaction } from '../transaction';
import type { DatapathType, VSwitchProfile } from '../../../protocols/ovsdb/vswitch-profiles';

type T = OpenVswitchTables;
type BridgeRow = RowOf<T['Bridge']>;
type PortRow = RowOf<T['Port']>;
type InterfaceRow = RowOf<T['Interface']>;

export interface IntegrationBridgeSpec {
  /** Default: the profile's integration bridge name. */
  readonly name?: string;
  /** netdev (userspace) or system (kernel) datapath; default from the profile. */
  readonly datapathType?: DatapathType;
  /** 16 hex digits, other_config:datapath-id (OVS-LAB.md G7: switches are told apart by DPID). */
  readonly datapathId: string;
  /** OpenFlow controller targets, e.g. tcp:10.0.0.1:6653. Set in the transaction that creates the bridge (G2). */
  readonly controllers: readonly string[];
  readonly externalIds?: Readonly<Record<string, string>>;
  /** other_config:hwaddr: the bridge's own MAC, when flows must address the host stack by a known MAC. */
  readonly hwaddr?: string;
}

export interface PortSpec {
  readonly bridge?: string;
  readonly name: string;
  /** Interface type: '' (a system device such as a veth), internal, vxlan, patch, ... */
  readonly type?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly ofportRequest?: number;
  /** Access VLAN (Port.tag). */
  readonly tag?: number;
  /** Trunk VLANs (Port.trunks; empty = all). */
  readonly trunks?: readonly number[];
  readonly portExternalIds?: Readonly<Record<string, string>>;
  readonly interfaceExternalIds?: Readonly<Record<string, string>>;
}

export interface EndpointPortSpec {
  readonly bridge?: string;
  /** The device's name on the node (a veth end or a tap). */
  readonly name: string;
  readonly mac: string;
  /** external_ids:iface-id, the endpoint's identity for flows and for `ovs-vsctl find`. */
  readonly ifaceId: string;
  readonly ofportRequest?: number;
  /** Host-local VLAN of the network-overlay model. */
  readonly vlan?: number;
  /** More interface external_ids (the caller's: container id, owner); ours win on conflicts. */
  readonly externalIds?: Readonly<Record<string, string>>;
  /** How long to wait for the switch to give the port an ofport (default 5 s). */
  readonly ofportTimeoutMs?: number;
}

export interface PolicingSpec {
  readonly rateKbps: number;
  readonly burstKb: number;
}

export interface EgressQosSpec {
  /** Egress ceiling in bits per second. */
  readonly maxRateBps: number;
  /** Burst in bytes (egress-policer's cbs); default a tenth of a second at maxRate. */
  readonly burstBytes?: number;
}

export interface InterfaceView {
  readonly name: string;
  readonly type: string;
  readonly ofport: number | undefined;
  readonly ofportRequest: number | undefined;
  readonly options: Readonly<Record<string, string>>;
  readonly externalIds: Readonly<Record<string, string>>;
  readonly macInUse: string | undefined;
  readonly linkState: string | undefined;
  readonly error: string | undefined;
  readonly ingressPolicing: PolicingSpec;
}

export interface QosView {
  readonly type: string;
  readonly otherConfig: Readonly<Record<string, string>>;
  readonly queues: Readonly<Record<number, Readonly<Record<string, string>>>>;
}

export interface PortView {
  readonly name: string;
  readonly tag: number | undefined;
  readonly trunks: readonly number[];
  readonly externalIds: Readonly<Record<string, string>>;
  readonly qos: QosView | undefined;
  readonly interfaces: readonly InterfaceView[];
}

export interface ControllerView {
  readonly target: string;
  readonly connectionMode: string | undefined;
  readonly maxBackoffMs: number | undefined;
  readonly isConnected: boolean;
  readonly role: string | undefined;
}

export interface BridgeView {
  readonly name: string;
  readonly datapathType: string;
  readonly datapathId: string | undefined;
  readonly protocols: readonly string[];
  readonly failMode: string | undefined;
  readonly otherConfig: Readonly<Record<string, string>>;
  readonly externalIds: Readonly<Record<string, string>>;
  readonly controllers: readonly ControllerView[];
  readonly ports: readonly PortView[];
}

export interface VSwitchView {
  readonly uuid: string;
  readonly ovsVersion: string | undefined;
  readonly managers: readonly { readonly target: string; readonly isConnected: boolean }[];
  readonly bridges: readonly BridgeView[];
}

/** The switch could not bring up a port (Interface.error), or it lacks a capability we were asked to use. */
export class VSwitchError extends Error {
  override readonly name = 'VSwitchError';
}

/** external_ids keys OVS tools and CNI plugins agree on (ovn-architecture(7), Interface table). */
export const IFACE_ID = 'iface-id';
export const ATTACHED_MAC = 'attached-mac';
export const IFACE_STATUS = 'iface-status';
/** Marks the QoS rows this driver made (QoS is a root table: nothing deletes it but us). */
const QOS_OWNER = 'sdn-port';

const record = (m: ReadonlyMap<string, string>): Record<string, string> => Object.fromEntries(m);
const first = <A>(xs: readonly A[]): A | undefined => xs[0];
const sameSet = <A>(a: readonly A[], b: readonly A[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));

function sameRecord(m: ReadonlyMap<string, string>, want: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(want);
  return m.size === keys.length && keys.every((k) => m.get(k) === want[k]);
}

/** Mutations that make the map hold `want` for its keys and leave other keys alone (delete then insert). */
function mapUpsert(
  column: string,
  current: ReadonlyMap<string, string>,
  want: Readonly<Record<string, string>>,
) {
  const changed = Object.entries(want).filter(([k, v]) => current.get(k) !== v);
  if (changed.length === 0) return [];
  const keys = changed.map(([k]) => k).filter((k) => current.has(k));
  const out: [string, 'delete' | 'insert', DatumIn][] = [];
  if (keys.length > 0) out.push([column, 'delete', keys]);
  out.push([column, 'insert', Object.fromEntries(changed)]);
  return out;
}

export class VSwitchDriver {
  constructor(
    readonly client: OvsdbClient<T>,
    readonly profile: VSwitchProfile,
  ) {}

  private get replica(): Replica<T> {
    return this.client.replica;
  }

  bridge(name: string = this.profile.integrationBridge): BridgeRow | undefined {
    return this.replica.findBy('Bridge', 'name', name);
  }

  port(name: string): PortRow | undefined {
    return this.replica.findBy('Port', 'name', name);
  }

  interface(name: string): InterfaceRow | undefined {
    return this.replica.findBy('Interface', 'name', name);
  }

  private root(r: Replica<T>): RowOf<T['Open_vSwitch']> {
    const root: RowOf<T['Open_vSwitch']> | undefined = r.rows('Open_vSwitch').next().value;
    if (!root) throw new VSwitchError('the Open_vSwitch table is empty (run `ovs-vsctl init` on the node)');
    return root;
  }

  private controllerRow(target: string): RowIn {
    return {
      target,
      connection_mode: [this.profile.controller.connectionMode],
      max_backoff: [this.profile.controller.maxBackoffMs],
    };
  }

  /**
   * Creates the integration bridge, or converges an existing one: datapath type, OpenFlow13 only, fail_mode
   * secure (G3), datapath-id, disable-in-band, and the controller targets. A new bridge gets its controllers in
   * the same transaction, before any flow exists, because OVS flushes every flow when a bridge's controller list
   * goes from empty to non-empty (OVS-LAB.md G2).
   */
  async ensureIntegrationBridge(spec: IntegrationBridgeSpec): Promise<BridgeView> {
    const name = spec.name ?? this.profile.integrationBridge;
    const datapathType = spec.datapathType ?? this.profile.defaultDatapathType;
    if (!this.profile.capabilities.datapathTypes.includes(datapathType)) {
      throw new VSwitchError(`a ${this.profile.kind} switch has no ${datapathType} datapath`);
    }
    if (!/^[0-9a-f]{16}$/.test(spec.datapathId)) {
      throw new VSwitchError(`datapath id "${spec.datapathId}" must be 16 lowercase hex digits`);
    }
    const otherConfig: Record<string, string> = { 'datapath-id': spec.datapathId, 'disable-in-band': 'true' };
    if (spec.hwaddr) otherConfig.hwaddr = spec.hwaddr;
    await this.client.transactWithRetry((txn, r) => {
      const br = r.findBy('Bridge', 'name', name);
      if (!br) {
        txn.waitAbsent('Bridge', 'name', name);
        const controllers = spec.controllers.map((t) => txn.insert('Controller', this.controllerRow(t)));
        const iface = txn.insert('Interface', { name, type: 'internal' });
        const port = txn.insert('Port', { name, interfaces: [iface] });
        const bridge = txn.insert('Bridge', {
          name,
          ports: [port],
          controller: controllers,
          datapath_type: datapathType,
          protocols: ['OpenFlow13'],
          fail_mode: ['secure'],
          other_config: otherConfig,
          external_ids: spec.externalIds ?? {},
        });
        txn.mutate('Open_vSwitch', [['_uuid', '==', this.root(r)._uuid]], [['bridges', 'insert', [bridge]]]);
        txn.comment(`sdn: create bridge ${name}`);
        return;
      }
      const where = [['_uuid', '==', br._uuid] as const];
      const row: Record<string, DatumIn> = {};
      if (br.datapath_type !== datapathType) row.datapath_type = datapathType;
      if (!sameSet(br.protocols, ['OpenFlow13'])) row.protocols = ['OpenFlow13'];
      if (first(br.fail_mode) !== 'secure') row.fail_mode = ['secure'];
      const current = br.controller.map((u) => r.get('Controller', u));
      const targets = current.map((c) => c?.target);
      if (!sameSet(targets, spec.controllers)) {
        if (targets.length === 0 || spec.controllers.length === 0) {
          this.client.log.warn(
            { bridge: name, from: targets, to: spec.controllers },
            'controller list of an existing bridge goes from/to empty: OVS flushes its flows (OVS-LAB.md G2); reinstall them',
          );
        }
        // Replace the list in one step (non-empty to non-empty does not flush flows); old rows are collected.
        txn.verify('Bridge', br, ['controller']);
        row.controller = spec.controllers.map((t) => txn.insert('Controller', this.controllerRow(t)));
      } else {
        for (const c of current) {
          if (
            c &&
            (first(c.connection_mode) !== this.profile.controller.connectionMode ||
              first(c.max_backoff) !== this.profile.controller.maxBackoffMs)
          ) {
            txn.update('Controller', [['_uuid', '==', c._uuid]], this.controllerRow(c.target));
          }
        }
      }
      txn.update('Bridge', where, row);
      txn.mutate('Bridge', where, [
        ...mapUpsert('other_config', br.other_config, otherConfig),
        ...mapUpsert('external_ids', br.external_ids, spec.externalIds ?? {}),
      ]);
    });
    return this.bridgeView(name);
  }

  /**
   * Creates a port with one interface, or converges it: type, options, ofport_request, VLAN tag and trunks, and the
   * given external_ids keys (others are left alone). A port that exists on another bridge is an error.
   */
  async ensurePort(spec: PortSpec): Promise<void> {
    const bridgeName = spec.bridge ?? this.profile.integrationBridge;
    await this.client.transactWithRetry((txn, r) => {
      const br = r.findBy('Bridge', 'name', bridgeName);
      if (!br)
        throw new VSwitchError(`bridge ${bridgeName} does not exist (ensure the integration bridge first)`);
      const port = r.findBy('Port', 'name', spec.name);
      const ifaceRow: Record<string, DatumIn> = {
        name: spec.name,
        type: spec.type ?? '',
        options: spec.options ?? {},
        ofport_request: spec.ofportRequest === undefined ? [] : [spec.ofportRequest],
      };
      if (!port) {
        // No `wait` for the name's absence: ovsdb-server would answer it by scanning the whole Port table (its
        // queries use no index but _uuid's). The schema's unique index on Port.name refuses a second port of
        // this name at commit, which the retry treats as a failed guard.
        const iface = txn.insert('Interface', { ...ifaceRow, external_ids: spec.interfaceExternalIds ?? {} });
        const p = txn.insert('Port', {
          name: spec.name,
          interfaces: [iface],
          tag: spec.tag === undefined ? [] : [spec.tag],
          trunks: spec.trunks ?? [],
          external_ids: spec.portExternalIds ?? {},
        });
        txn.mutate('Bridge', [['_uuid', '==', br._uuid]], [['ports', 'insert', [p]]]);
        txn.comment(`sdn: add port ${spec.name} to ${bridgeName}`);
        return;
      }
      if (!r.includes('Bridge', br._uuid, 'ports', port._uuid)) {
        throw new VSwitchError(`port ${spec.name} exists on another bridge than ${bridgeName}`);
      }
      const portWhere = [['_uuid', '==', port._uuid] as const];
      const portRow: Record<string, DatumIn> = {};
      if (!sameSet(port.tag, spec.tag === undefined ? [] : [spec.tag]))
        portRow.tag = spec.tag === undefined ? [] : [spec.tag];
      if (!sameSet(port.trunks, spec.trunks ?? [])) portRow.trunks = spec.trunks ?? [];
      txn.update('Port', portWhere, portRow);
      txn.mutate('Port', portWhere, mapUpsert('external_ids', port.external_ids, spec.portExternalIds ?? {}));
      for (const u of port.interfaces) {
        const iface = r.get('Interface', u);
        if (!iface || iface.name !== spec.name) continue;
        const where = [['_uuid', '==', iface._uuid] as const];
        const row: Record<string, DatumIn> = {};
        if (iface.type !== ifaceRow.type) row.type = ifaceRow.type!;
        if (!sameRecord(iface.options, spec.options ?? {})) row.options = ifaceRow.options!;
        if (!sameSet(iface.ofport_request, ifaceRow.ofport_request as number[]))
          row.ofport_request = ifaceRow.ofport_request!;
        txn.update('Interface', where, row);
        txn.mutate(
          'Interface',
          where,
          mapUpsert('external_ids', iface.external_ids, spec.interfaceExternalIds ?? {}),
        );
      }
    });
  }

  /** The flow-based VXLAN port of the host-overlay model (remote_ip=flow, key=flow) at its pinned ofport. */
  async ensureTunnelPort(
    opts: { bridge?: string; localIp?: string; extraOptions?: Record<string, string> } = {},
  ): Promise<PortView> {
    if (!this.profile.capabilities.flowBasedTunnel)
      throw new VSwitchError(`a ${this.profile.kind} switch has no flow-based tunnel`);
    const options: Record<string, string> = { ...this.profile.tunnelOptions, ...opts.extraOptions };
    if (opts.localIp) options.local_ip = opts.localIp;
    await this.ensurePort({
      bridge: opts.bridge,
      name: this.profile.tunnelPort,
      type: 'vxlan',
      options,
      ofportRequest: this.profile.tunnelOfport,
    });
    return this.portView(this.profile.tunnelPort)!;
  }

  /** The uplink of the network-overlay model: a trunk carrying the host-local VLANs towards the leaf VTEP. */
  async ensureUplinkPort(opts: {
    bridge?: string;
    device: string;
    vlans?: readonly number[];
    ofportRequest?: number;
  }): Promise<PortView> {
    await this.ensurePort({
      bridge: opts.bridge,
      name: opts.device,
      trunks: [...(opts.vlans ?? [])].sort((a, b) => a - b),
      ofportRequest: opts.ofportRequest,
      portExternalIds: { 'sdn-role': 'uplink' },
    });
    return this.portView(opts.device)!;
  }

  /**
   * Attaches an endpoint's device to the bridge and waits until the switch has opened it, returning its ofport.
   * A device the switch cannot open (Interface.error) fails with the switch's own words.
   */
  async attachPort(spec: EndpointPortSpec): Promise<number> {
    await this.ensurePort({
      bridge: spec.bridge,
      name: spec.name,
      ofportRequest: spec.ofportRequest,
      tag: spec.vlan,
      interfaceExternalIds: {
        ...spec.externalIds,
        [IFACE_ID]: spec.ifaceId,
        [ATTACHED_MAC]: spec.mac,
        [IFACE_STATUS]: 'active',
      },
    });
    return this.waitForOfport(spec.name, spec.ofportTimeoutMs ?? 5000);
  }

  async waitForOfport(name: string, timeoutMs: number): Promise<number> {
    const state = () => {
      const iface = this.interface(name);
      const ofport = iface ? first(iface.ofport) : undefined;
      return { iface, ofport, error: iface ? first(iface.error) : undefined };
    };
    await this.client.waitFor(
      () => {
        const s = state();
        return (s.ofport !== undefined && s.ofport > 0) || s.error !== undefined;
      },
      timeoutMs,
      `an ofport for ${name}`,
    );
    const s = state();
    if (s.ofport === undefined || s.ofport <= 0)
      throw new VSwitchError(`port ${name}: ${s.error ?? 'no ofport'}`);
    return s.ofport;
  }

  /** Removes the port (its interface goes with it) and the QoS row we made for it. Absent: nothing to do. */
  async detachPort(name: string): Promise<boolean> {
    const result = await this.client.transactWithRetry((txn, r) => {
      const port = r.findBy('Port', 'name', name);
      if (!port) return false;
      const br = r.find('Bridge', (b) => r.includes('Bridge', b._uuid, 'ports', port._uuid));
      if (br) txn.mutate('Bridge', [['_uuid', '==', br._uuid]], [['ports', 'delete', [port._uuid]]]);
      this.deleteOurQos(txn, r, port);
      txn.comment(`sdn: remove port ${name}`);
    });
    return result !== undefined;
  }

  private deleteOurQos(txn: Transaction, r: Replica<T>, port: PortRow): void {
    const qos = first(port.qos) ? r.get('QoS', first(port.qos)!) : undefined;
    if (!qos || qos.external_ids.get(QOS_OWNER) !== port.name) return;
    txn.update('Port', [['_uuid', '==', port._uuid]], { qos: [] });
    txn.delete('QoS', [['_uuid', '==', qos._uuid]]);
    for (const q of qos.queues.values()) txn.delete('Queue', [['_uuid', '==', q]]);
  }

  /** Polices what the endpoint sends into the switch (Interface ingress_policing_*); null removes it. */
  async setIngressPolicing(name: string, spec: PolicingSpec | null): Promise<void> {
    if (!this.profile.capabilities.ingressPolicing)
      throw new VSwitchError(`a ${this.profile.kind} switch cannot police ingress`);
    const rate = spec?.rateKbps ?? 0;
    const burst = spec?.burstKb ?? 0;
    await this.client.transactWithRetry((txn, r) => {
      const iface = r.findBy('Interface', 'name', name);
      if (!iface) throw new VSwitchError(`no interface ${name}`);
      if (iface.ingress_policing_rate === rate && iface.ingress_policing_burst === burst) return false;
      txn.update('Interface', [['_uuid', '==', iface._uuid]], {
        ingress_policing_rate: rate,
        ingress_policing_burst: burst,
      });
    });
  }

  /** Shapes what the switch sends to the endpoint (Port.qos), with the profile's QoS type; null removes it. */
  async setEgressQos(name: string, spec: EgressQosSpec | null): Promise<void> {
    const type = this.profile.capabilities.egressQos;
    if (!type && spec) throw new VSwitchError(`a ${this.profile.kind} switch cannot shape egress`);
    await this.client.transactWithRetry((txn, r) => {
      const port = r.findBy('Port', 'name', name);
      if (!port) throw new VSwitchError(`no port ${name}`);
      const qos = first(port.qos) ? r.get('QoS', first(port.qos)!) : undefined;
      if (!spec) {
        if (!qos) return false;
        this.deleteOurQos(txn, r, port);
        return;
      }
      const otherConfig: Record<string, string> =
        type === 'linux-htb'
          ? { 'max-rate': String(spec.maxRateBps) }
          : {
              cir: String(Math.floor(spec.maxRateBps / 8)),
              cbs: String(spec.burstBytes ?? Math.floor(spec.maxRateBps / 80)),
            };
      if (qos && qos.type === type && sameRecord(qos.other_config, otherConfig)) return false;
      if (qos && qos.external_ids.get(QOS_OWNER) === name) {
        txn.update('QoS', [['_uuid', '==', qos._uuid]], { type: type!, other_config: otherConfig });
        for (const q of qos.queues.values())
          txn.update('Queue', [['_uuid', '==', q]], { other_config: otherConfig });
        return;
      }
      txn.verify('Port', port, ['qos']);
      const queues =
        type === 'linux-htb'
          ? new Map([
              [0, txn.insert('Queue', { other_config: otherConfig, external_ids: { [QOS_OWNER]: name } })],
            ])
          : new Map();
      const ref = txn.insert('QoS', {
        type: type!,
        other_config: otherConfig,
        queues,
        external_ids: { [QOS_OWNER]: name },
      });
      txn.update('Port', [['_uuid', '==', port._uuid]], { qos: [ref] });
    });
  }

  // ---- read back (for the reconciler and the dashboard) ----

  interfaceView(iface: InterfaceRow): InterfaceView {
    return {
      name: iface.name,
      type: iface.type,
      ofport: first(iface.ofport),
      ofportRequest: first(iface.ofport_request),
      options: record(iface.options),
      externalIds: record(iface.external_ids),
      macInUse: first(iface.mac_in_use),
      linkState: first(iface.link_state),
      error: first(iface.error),
      ingressPolicing: { rateKbps: iface.ingress_policing_rate, burstKb: iface.ingress_policing_burst },
    };
  }

  portView(name: string): PortView | undefined {
    const port = this.port(name);
    return port ? this.portViewOf(port) : undefined;
  }

  private portViewOf(port: PortRow): PortView {
    const r = this.replica;
    const qosRow = first(port.qos) ? r.get('QoS', first(port.qos)!) : undefined;
    const qos: QosView | undefined = qosRow && {
      type: qosRow.type,
      otherConfig: record(qosRow.other_config),
      queues: Object.fromEntries(
        [...qosRow.queues].map(([k, u]) => [
          k,
          record(r.get('Queue', u)?.other_config ?? new Map<string, string>()),
        ]),
      ),
    };
    return {
      name: port.name,
      tag: first(port.tag),
      trunks: [...port.trunks].sort((a, b) => a - b),
      externalIds: record(port.external_ids),
      qos,
      interfaces: port.interfaces.flatMap((u) => {
        const i = r.get('Interface', u);
        return i ? [this.interfaceView(i)] : [];
      }),
    };
  }

  bridgeView(name: string = this.profile.integrationBridge): BridgeView {
    const br = this.bridge(name);
    if (!br) throw new VSwitchError(`bridge ${name} does not exist`);
    return this.bridgeViewOf(br);
  }

  private bridgeViewOf(br: BridgeRow): BridgeView {
    const r = this.replica;
    return {
      name: br.name,
      datapathType: br.datapath_type,
      datapathId: first(br.datapath_id),
      protocols: [...br.protocols].sort(),
      failMode: first(br.fail_mode),
      otherConfig: record(br.other_config),
      externalIds: record(br.external_ids),
      controllers: br.controller
        .flatMap((u) => {
          const c = r.get('Controller', u);
          return c
            ? [
                {
                  target: c.target,
                  connectionMode: first(c.connection_mode),
                  maxBackoffMs: first(c.max_backoff),
                  isConnected: c.is_connected,
                  role: first(c.role),
                },
              ]
            : [];
        })
        .sort((a, b) => a.target.localeCompare(b.target)),
      ports: br.ports
        .flatMap((u) => {
          const p = r.get('Port', u);
          return p ? [this.portViewOf(p)] : [];
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** Everything the replica knows about this switch, sorted by name (what `sdnctl ovsdb show` prints). */
  view(): VSwitchView {
    const r = this.replica;
    const root = this.root(r);
    return {
      uuid: root._uuid,
      ovsVersion: first(root.ovs_version),
      managers: root.manager_options.flatMap((u) => {
        const m = r.get('Manager', u);
        return m ? [{ target: m.target, isConnected: m.is_connected }] : [];
      }),
      bridges: root.bridges
        .flatMap((u) => {
          const b = r.get('Bridge', u);
          return b ? [this.bridgeViewOf(b)] : [];
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
}
