// The hardware-VTEP driver (schema hardware_vtep, vtep(5)): how the controller drives the leaf switch of the
// network-overlay model. A Logical_Switch per network (tunnel_key = VNI, replication_mode source_node so BUM
// reaches every remote: OVS-LAB.md step 6), Physical_Port vlan_bindings mapping (port, VLAN) to it, remote MACs
// behind Physical_Locators (one per remote VTEP IP), and the MACs the leaf learned (Ucast_Macs_Local).
// Rows without an index (the MAC tables) are guarded with `wait` so that racing writers do not duplicate them.
import type { HardwareVtepTables, NamedUuid, RowOf } from '../../../protocols/ovsdb';
import type { OvsdbClient } from '../client';
import type { Replica } from '../replica';
import type { Transaction } from '../transaction';

type V = HardwareVtepTables;
type LogicalSwitchRow = RowOf<V['Logical_Switch']>;

/** The only encapsulation vtep(5) defines. */
export const VXLAN_OVER_IPV4 = 'vxlan_over_ipv4';
/** The MAC of a Mcast_Macs_Remote row that stands for all unknown unicast, broadcast and multicast. */
export const UNKNOWN_DST = 'unknown-dst';

export interface VtepMac {
  readonly mac: string;
  readonly logicalSwitch: string;
  readonly tunnelIp: string;
  readonly ipaddr: string;
}

export interface VtepMcast {
  readonly mac: string;
  readonly logicalSwitch: string;
  readonly tunnelIps: readonly string[];
}

export interface LogicalSwitchView {
  readonly name: string;
  readonly vni: number | undefined;
  readonly replicationMode: string | undefined;
  readonly description: string;
}

export interface PhysicalSwitchView {
  readonly name: string;
  readonly description: string;
  readonly tunnelIps: readonly string[];
  readonly managementIps: readonly string[];
  readonly ports: readonly {
    readonly name: string;
    readonly bindings: readonly { vlan: number; logicalSwitch: string }[];
  }[];
}

export interface VtepView {
  readonly switches: readonly PhysicalSwitchView[];
  readonly logicalSwitches: readonly LogicalSwitchView[];
  readonly ucastRemote: readonly VtepMac[];
  readonly mcastRemote: readonly VtepMcast[];
  readonly ucastLocal: readonly VtepMac[];
}

/** What a caller wants on a leaf (HardwareVtepDriver.converge). */
export interface VtepRowsWanted {
  readonly physicalSwitch: string;
  readonly ownerPrefix: string;
  readonly logicalSwitches: readonly { name: string; vni: number; description: string }[];
  readonly bindings: readonly { port: string; vlan: number; logicalSwitch: string }[];
  readonly ucastRemote: readonly { logicalSwitch: string; mac: string; tunnelIp: string; ipaddr: string }[];
  readonly mcastRemote: readonly { logicalSwitch: string; tunnelIps: readonly string[] }[];
}

export class VtepError extends Error {
  override readonly name = 'VtepError';
}

const byName = <A extends { name: string }>(a: A, b: A) => a.name.localeCompare(b.name);
const byMac = <A extends { logicalSwitch: string; mac: string }>(a: A, b: A) =>
  a.logicalSwitch.localeCompare(b.logicalSwitch) || a.mac.localeCompare(b.mac);

export class HardwareVtepDriver {
  constructor(readonly client: OvsdbClient<V>) {}

  private get replica(): Replica<V> {
    return this.client.replica;
  }

  logicalSwitch(name: string): LogicalSwitchRow | undefined {
    return this.replica.find('Logical_Switch', (l) => l.name === name);
  }

  private requireLs(r: Replica<V>, name: string): LogicalSwitchRow {
    const ls = r.find('Logical_Switch', (l) => l.name === name);
    if (!ls) throw new VtepError(`no logical switch ${name}`);
    return ls;
  }

  private globalRow(r: Replica<V>): RowOf<V['Global']> {
    const g: RowOf<V['Global']> | undefined = r.rows('Global').next().value;
    if (!g) throw new VtepError('the Global table is empty (vtep-ctl init, or the leaf has not registered)');
    return g;
  }

  /** A physical switch row with its tunnel IPs; a real leaf registers itself, an emulator (ovs-vtep) needs this. */
  async ensurePhysicalSwitch(
    name: string,
    opts: { tunnelIps: readonly string[]; managementIps?: readonly string[]; description?: string },
  ): Promise<void> {
    await this.client.transactWithRetry((txn, r) => {
      const ps = r.find('Physical_Switch', (p) => p.name === name);
      const row = {
        tunnel_ips: opts.tunnelIps,
        management_ips: opts.managementIps ?? [],
        description: opts.description ?? '',
      };
      if (!ps) {
        txn.waitAbsent('Physical_Switch', 'name', name);
        const ref = txn.insert('Physical_Switch', { name, ...row });
        txn.mutate('Global', [['_uuid', '==', this.globalRow(r)._uuid]], [['switches', 'insert', [ref]]]);
        return;
      }
      const same =
        ps.description === row.description &&
        sameSet(ps.tunnel_ips, row.tunnel_ips) &&
        sameSet(ps.management_ips, row.management_ips);
      if (same) return false;
      txn.update('Physical_Switch', [['_uuid', '==', ps._uuid]], row);
    });
  }

  async ensurePhysicalPort(switchName: string, portName: string): Promise<void> {
    await this.client.transactWithRetry((txn, r) => {
      const ps = r.find('Physical_Switch', (p) => p.name === switchName);
      if (!ps) throw new VtepError(`no physical switch ${switchName}`);
      if (this.findPort(r, switchName, portName)) return false;
      txn.verify('Physical_Switch', ps, ['ports']);
      const ref = txn.insert('Physical_Port', { name: portName });
      txn.mutate('Physical_Switch', [['_uuid', '==', ps._uuid]], [['ports', 'insert', [ref]]]);
    });
  }

  private findPort(r: Replica<V>, switchName: string, portName: string) {
    const ps = r.find('Physical_Switch', (p) => p.name === switchName);
    if (!ps) return undefined;
    return ps.ports.map((u) => r.get('Physical_Port', u)).find((p) => p?.name === portName);
  }

  /** One logical switch per network: tunnel_key = VNI, replication source_node. */
  async ensureLogicalSwitch(name: string, vni: number, description = ''): Promise<LogicalSwitchView> {
    if (!Number.isInteger(vni) || vni < 1 || vni > 0xffffff)
      throw new VtepError(`VNI ${vni} is not in 1..16777215`);
    await this.client.transactWithRetry((txn, r) => {
      const ls = r.find('Logical_Switch', (l) => l.name === name);
      const row = { tunnel_key: [vni], replication_mode: ['source_node'], description };
      if (!ls) {
        txn.waitAbsent('Logical_Switch', 'name', name);
        txn.insert('Logical_Switch', { name, ...row });
        return;
      }
      if (
        ls.tunnel_key[0] === vni &&
        ls.replication_mode[0] === 'source_node' &&
        ls.description === description
      )
        return false;
      txn.update('Logical_Switch', [['_uuid', '==', ls._uuid]], row);
    });
    return this.logicalSwitchView(this.logicalSwitch(name)!);
  }

  /** Removes a logical switch with the bindings and remote MACs that refer to it. */
  async deleteLogicalSwitch(name: string): Promise<boolean> {
    const done = await this.client.transactWithRetry((txn, r) => {
      const ls = r.find('Logical_Switch', (l) => l.name === name);
      if (!ls) return false;
      for (const port of r.rows('Physical_Port')) {
        const vlans = [...port.vlan_bindings].filter(([, u]) => u === ls._uuid).map(([vlan]) => vlan);
        if (vlans.length > 0)
          txn.mutate('Physical_Port', [['_uuid', '==', port._uuid]], [['vlan_bindings', 'delete', vlans]]);
      }
      for (const table of ['Ucast_Macs_Remote', 'Mcast_Macs_Remote', 'Ucast_Macs_Local'] as const) {
        txn.delete(table, [['logical_switch', '==', ls._uuid]]);
      }
      txn.delete('Mcast_Macs_Local', [['logical_switch', '==', ls._uuid]]);
      txn.delete('Logical_Switch', [['_uuid', '==', ls._uuid]]);
    });
    return done !== undefined;
  }

  /** Maps (physical port, VLAN) to the logical switch: the leaf's half of the host-local VLAN model. */
  async bindVlan(switchName: string, portName: string, vlan: number, logicalSwitch: string): Promise<void> {
    if (!Number.isInteger(vlan) || vlan < 0 || vlan > 4095)
      throw new VtepError(`VLAN ${vlan} is not in 0..4095`);
    await this.client.transactWithRetry((txn, r) => {
      const port = this.findPort(r, switchName, portName);
      if (!port) throw new VtepError(`physical switch ${switchName} has no port ${portName}`);
      const ls = this.requireLs(r, logicalSwitch);
      const current = port.vlan_bindings.get(vlan);
      if (current === ls._uuid) return false;
      const where = [['_uuid', '==', port._uuid] as const];
      txn.verify('Physical_Port', port, ['vlan_bindings']);
      if (current !== undefined) txn.mutate('Physical_Port', where, [['vlan_bindings', 'delete', [vlan]]]);
      txn.mutate('Physical_Port', where, [['vlan_bindings', 'insert', new Map([[vlan, ls._uuid]])]]);
    });
  }

  async unbindVlan(switchName: string, portName: string, vlan: number): Promise<boolean> {
    const done = await this.client.transactWithRetry((txn, r) => {
      const port = this.findPort(r, switchName, portName);
      if (!port || !port.vlan_bindings.has(vlan)) return false;
      txn.mutate('Physical_Port', [['_uuid', '==', port._uuid]], [['vlan_bindings', 'delete', [vlan]]]);
    });
    return done !== undefined;
  }

  /** The locator for a remote VTEP IP: the existing row, or one inserted in this transaction. */
  private locator(
    txn: Transaction,
    r: Replica<V>,
    ip: string,
    made: Map<string, NamedUuid>,
  ): string | NamedUuid {
    const existing = r.find(
      'Physical_Locator',
      (l) => l.dst_ip === ip && l.encapsulation_type === VXLAN_OVER_IPV4,
    );
    if (existing) return existing._uuid;
    let ref = made.get(ip);
    if (!ref) {
      // Physical_Locator is indexed on (encapsulation_type, dst_ip, tunnel_key): guard against a racing insert.
      txn.wait(
        'Physical_Locator',
        [
          ['dst_ip', '==', ip],
          ['encapsulation_type', '==', VXLAN_OVER_IPV4],
        ],
        ['_uuid'],
        [],
      );
      ref = txn.insert('Physical_Locator', { encapsulation_type: VXLAN_OVER_IPV4, dst_ip: ip });
      made.set(ip, ref);
    }
    return ref;
  }

  /** A MAC of the logical switch that lives behind the remote VTEP `tunnelIp` (a pod on a host-overlay node). */
  async setUcastRemote(logicalSwitch: string, mac: string, tunnelIp: string, ipaddr = ''): Promise<void> {
    const macLc = mac.toLowerCase();
    await this.client.transactWithRetry((txn, r) => {
      const ls = this.requireLs(r, logicalSwitch);
      const row = r.find('Ucast_Macs_Remote', (m) => m.MAC === macLc && m.logical_switch === ls._uuid);
      const locator = this.locator(txn, r, tunnelIp, new Map());
      if (!row) {
        txn.wait(
          'Ucast_Macs_Remote',
          [
            ['MAC', '==', macLc],
            ['logical_switch', '==', ls._uuid],
          ],
          ['_uuid'],
          [],
        );
        txn.insert('Ucast_Macs_Remote', { MAC: macLc, logical_switch: ls._uuid, locator, ipaddr });
        return;
      }
      if (row.locator === locator && row.ipaddr === ipaddr) return false;
      txn.verify('Ucast_Macs_Remote', row, ['locator', 'ipaddr']);
      txn.update('Ucast_Macs_Remote', [['_uuid', '==', row._uuid]], { locator, ipaddr });
    });
  }

  async removeUcastRemote(logicalSwitch: string, mac: string): Promise<boolean> {
    const done = await this.client.transactWithRetry((txn, r) => {
      const ls = r.find('Logical_Switch', (l) => l.name === logicalSwitch);
      if (!ls) return false;
      const row = r.find(
        'Ucast_Macs_Remote',
        (m) => m.MAC === mac.toLowerCase() && m.logical_switch === ls._uuid,
      );
      if (!row) return false;
      txn.delete('Ucast_Macs_Remote', [['_uuid', '==', row._uuid]]);
    });
    return done !== undefined;
  }

  /** Where BUM traffic of the logical switch goes (mac `unknown-dst`): every remote VTEP IP given. */
  async setMcastRemote(
    logicalSwitch: string,
    tunnelIps: readonly string[],
    mac = UNKNOWN_DST,
  ): Promise<void> {
    if (tunnelIps.length === 0)
      throw new VtepError('a multicast remote needs at least one tunnel IP (remove it instead)');
    await this.client.transactWithRetry((txn, r) => {
      const ls = this.requireLs(r, logicalSwitch);
      const row = r.find('Mcast_Macs_Remote', (m) => m.MAC === mac && m.logical_switch === ls._uuid);
      if (row && sameSet(this.locatorIps(r, row.locator_set), tunnelIps)) return false;
      // Physical_Locator_Set is immutable: a new set replaces the old one, which is then collected.
      const made = new Map<string, NamedUuid>();
      const locators = tunnelIps.map((ip) => this.locator(txn, r, ip, made));
      const set = txn.insert('Physical_Locator_Set', { locators });
      if (!row) {
        txn.wait(
          'Mcast_Macs_Remote',
          [
            ['MAC', '==', mac],
            ['logical_switch', '==', ls._uuid],
          ],
          ['_uuid'],
          [],
        );
        txn.insert('Mcast_Macs_Remote', { MAC: mac, logical_switch: ls._uuid, locator_set: set, ipaddr: '' });
        return;
      }
      txn.verify('Mcast_Macs_Remote', row, ['locator_set']);
      txn.update('Mcast_Macs_Remote', [['_uuid', '==', row._uuid]], { locator_set: set });
    });
  }

  async removeMcastRemote(logicalSwitch: string, mac = UNKNOWN_DST): Promise<boolean> {
    const done = await this.client.transactWithRetry((txn, r) => {
      const ls = r.find('Logical_Switch', (l) => l.name === logicalSwitch);
      const row = ls && r.find('Mcast_Macs_Remote', (m) => m.MAC === mac && m.logical_switch === ls._uuid);
      if (!row) return false;
      txn.delete('Mcast_Macs_Remote', [['_uuid', '==', row._uuid]]);
    });
    return done !== undefined;
  }

  /**
   * Brings the logical switches a caller owns (description starting with `want.ownerPrefix`), their VLAN bindings on
   * the given ports and their remote MACs to `want` in ONE transaction, touching nothing else. The physical switch
   * and ports must exist (ensurePhysicalSwitch / ensurePhysicalPort). Returns how many rows it wrote.
   */
  async converge(want: VtepRowsWanted): Promise<number> {
    let written = 0;
    await this.client.transactWithRetry((txn, r) => {
      written = 0;
      const ps = r.find('Physical_Switch', (p) => p.name === want.physicalSwitch);
      if (!ps) throw new VtepError(`no physical switch ${want.physicalSwitch}`);
      const owned = new Map<string, LogicalSwitchRow>();
      for (const l of r.rows('Logical_Switch'))
        if (l.description.startsWith(want.ownerPrefix)) owned.set(l.name, l);
      // Logical switches: the uuid (or named-uuid) each wanted one goes by in this transaction.
      const lsRef = new Map<string, string | NamedUuid>();
      const uuidOfLs = new Map<string, string>();
      for (const ls of want.logicalSwitches) {
        const cur = r.find('Logical_Switch', (l) => l.name === ls.name);
        const row = { tunnel_key: [ls.vni], replication_mode: ['source_node'], description: ls.description };
        if (!cur) {
          txn.waitAbsent('Logical_Switch', 'name', ls.name);
          lsRef.set(ls.name, txn.insert('Logical_Switch', { name: ls.name, ...row }));
          written++;
          continue;
        }
        lsRef.set(ls.name, cur._uuid);
        uuidOfLs.set(cur._uuid, ls.name);
        if (
          cur.tunnel_key[0] !== ls.vni ||
          cur.replication_mode[0] !== 'source_node' ||
          cur.description !== ls.description
        ) {
          txn.update('Logical_Switch', [['_uuid', '==', cur._uuid]], row);
          written++;
        }
      }
      const gone = [...owned.values()].filter((l) => !lsRef.has(l.name));
      const goneUuids = new Set(gone.map((l) => l._uuid));
      const ownedUuids = new Set([...owned.values()].map((l) => l._uuid));

      // Bindings, port by port: ours not wanted go, wanted ones are set; other owners' VLANs stay.
      const wantedByPort = new Map<string, Map<number, string | NamedUuid>>();
      for (const b of want.bindings) {
        const ref = lsRef.get(b.logicalSwitch);
        if (ref === undefined) throw new VtepError(`binding to ${b.logicalSwitch}, which is not wanted`);
        let m = wantedByPort.get(b.port);
        if (!m) wantedByPort.set(b.port, (m = new Map()));
        m.set(b.vlan, ref);
      }
      for (const u of ps.ports) {
        const port = r.get('Physical_Port', u);
        if (!port) continue;
        const wanted = wantedByPort.get(port.name) ?? new Map<number, string | NamedUuid>();
        wantedByPort.delete(port.name);
        const del: number[] = [];
        const ins = new Map<number, string | NamedUuid>();
        for (const [vlan, ls] of port.vlan_bindings) {
          const w = wanted.get(vlan);
          if (w === undefined ? ownedUuids.has(ls) || goneUuids.has(ls) : w !== ls) del.push(vlan);
        }
        for (const [vlan, ref] of wanted) if (port.vlan_bindings.get(vlan) !== ref) ins.set(vlan, ref);
        if (del.length === 0 && ins.size === 0) continue;
        const where = [['_uuid', '==', port._uuid] as const];
        txn.verify('Physical_Port', port, ['vlan_bindings']);
        if (del.length > 0) txn.mutate('Physical_Port', where, [['vlan_bindings', 'delete', del]]);
        if (ins.size > 0) txn.mutate('Physical_Port', where, [['vlan_bindings', 'insert', ins]]);
        written += del.length + ins.size;
      }
      const missing = [...wantedByPort.keys()];
      if (missing.length > 0)
        throw new VtepError(`physical switch ${want.physicalSwitch} has no port ${missing.join(', ')}`);

      // Remote unicast MACs of the wanted switches.
      const made = new Map<string, NamedUuid>();
      const wantedUcast = new Set<string>();
      const curUcast = new Map<string, RowOf<V['Ucast_Macs_Remote']>>();
      for (const m of r.rows('Ucast_Macs_Remote')) curUcast.set(`${m.logical_switch}/${m.MAC}`, m);
      for (const m of want.ucastRemote) {
        const ref = lsRef.get(m.logicalSwitch);
        if (ref === undefined) throw new VtepError(`MAC ${m.mac} in ${m.logicalSwitch}, which is not wanted`);
        const mac = m.mac.toLowerCase();
        const cur = typeof ref === 'string' ? curUcast.get(`${ref}/${mac}`) : undefined;
        if (typeof ref === 'string') wantedUcast.add(`${ref}/${mac}`);
        const existing = r.find(
          'Physical_Locator',
          (l) => l.dst_ip === m.tunnelIp && l.encapsulation_type === VXLAN_OVER_IPV4,
        );
        if (cur && existing && cur.locator === existing._uuid && cur.ipaddr === m.ipaddr) continue;
        const locator = this.locator(txn, r, m.tunnelIp, made);
        if (cur) {
          txn.verify('Ucast_Macs_Remote', cur, ['locator', 'ipaddr']);
          txn.update('Ucast_Macs_Remote', [['_uuid', '==', cur._uuid]], { locator, ipaddr: m.ipaddr });
        } else txn.insert('Ucast_Macs_Remote', { MAC: mac, logical_switch: ref, locator, ipaddr: m.ipaddr });
        written++;
      }
      for (const [key, row] of curUcast) {
        if (!uuidOfLs.has(row.logical_switch) || !ownedUuids.has(row.logical_switch) || wantedUcast.has(key))
          continue;
        txn.delete('Ucast_Macs_Remote', [['_uuid', '==', row._uuid]]);
        written++;
      }

      // unknown-dst of the wanted switches.
      const wantedMcast = new Set<string>();
      for (const m of want.mcastRemote) {
        const ref = lsRef.get(m.logicalSwitch);
        if (ref === undefined) throw new VtepError(`multicast of ${m.logicalSwitch}, which is not wanted`);
        const cur =
          typeof ref === 'string'
            ? r.find('Mcast_Macs_Remote', (x) => x.MAC === UNKNOWN_DST && x.logical_switch === ref)
            : undefined;
        if (cur) wantedMcast.add(cur._uuid);
        if (cur && sameSet(this.locatorIps(r, cur.locator_set), m.tunnelIps)) continue;
        const set = txn.insert('Physical_Locator_Set', {
          locators: m.tunnelIps.map((ip) => this.locator(txn, r, ip, made)),
        });
        if (cur) {
          txn.verify('Mcast_Macs_Remote', cur, ['locator_set']);
          txn.update('Mcast_Macs_Remote', [['_uuid', '==', cur._uuid]], { locator_set: set });
        } else
          txn.insert('Mcast_Macs_Remote', {
            MAC: UNKNOWN_DST,
            logical_switch: ref,
            locator_set: set,
            ipaddr: '',
          });
        written++;
      }
      for (const row of r.rows('Mcast_Macs_Remote')) {
        if (
          row.MAC !== UNKNOWN_DST ||
          !uuidOfLs.has(row.logical_switch) ||
          !ownedUuids.has(row.logical_switch)
        )
          continue;
        if (wantedMcast.has(row._uuid)) continue;
        txn.delete('Mcast_Macs_Remote', [['_uuid', '==', row._uuid]]);
        written++;
      }

      // Our switches no longer wanted, with what hangs off them (their bindings went above).
      for (const ls of gone) {
        for (const table of [
          'Ucast_Macs_Remote',
          'Mcast_Macs_Remote',
          'Ucast_Macs_Local',
          'Mcast_Macs_Local',
        ] as const)
          txn.delete(table, [['logical_switch', '==', ls._uuid]]);
        txn.delete('Logical_Switch', [['_uuid', '==', ls._uuid]]);
        written++;
      }
      if (written === 0) return false;
    });
    return written;
  }

  private locatorIps(r: Replica<V>, setUuid: string): string[] {
    const set = r.get('Physical_Locator_Set', setUuid);
    return (set?.locators ?? []).flatMap((u) => {
      const l = r.get('Physical_Locator', u);
      return l ? [l.dst_ip] : [];
    });
  }

  private macView(row: RowOf<V['Ucast_Macs_Local']>): VtepMac {
    const r = this.replica;
    return {
      mac: row.MAC,
      logicalSwitch: r.get('Logical_Switch', row.logical_switch)?.name ?? row.logical_switch,
      tunnelIp: r.get('Physical_Locator', row.locator)?.dst_ip ?? '',
      ipaddr: row.ipaddr,
    };
  }

  /** The MACs the leaf learned on its ports (Ucast_Macs_Local), optionally of one logical switch. */
  localMacs(logicalSwitch?: string): VtepMac[] {
    return [...this.replica.rows('Ucast_Macs_Local')]
      .map((m) => this.macView(m))
      .filter((m) => logicalSwitch === undefined || m.logicalSwitch === logicalSwitch)
      .sort(byMac);
  }

  remoteMacs(logicalSwitch?: string): VtepMac[] {
    return [...this.replica.rows('Ucast_Macs_Remote')]
      .map((m) => this.macView(m))
      .filter((m) => logicalSwitch === undefined || m.logicalSwitch === logicalSwitch)
      .sort(byMac);
  }

  private logicalSwitchView(ls: LogicalSwitchRow): LogicalSwitchView {
    return {
      name: ls.name,
      vni: ls.tunnel_key[0],
      replicationMode: ls.replication_mode[0],
      description: ls.description,
    };
  }

  view(): VtepView {
    const r = this.replica;
    const lsName = (u: string) => r.get('Logical_Switch', u)?.name ?? u;
    return {
      switches: [...r.rows('Physical_Switch')]
        .map((ps) => ({
          name: ps.name,
          description: ps.description,
          tunnelIps: [...ps.tunnel_ips].sort(),
          managementIps: [...ps.management_ips].sort(),
          ports: ps.ports
            .flatMap((u) => {
              const p = r.get('Physical_Port', u);
              if (!p) return [];
              const bindings = [...p.vlan_bindings]
                .map(([vlan, ls]) => ({ vlan, logicalSwitch: lsName(ls) }))
                .sort((a, b) => a.vlan - b.vlan);
              return [{ name: p.name, bindings }];
            })
            .sort(byName),
        }))
        .sort(byName),
      logicalSwitches: [...r.rows('Logical_Switch')].map((l) => this.logicalSwitchView(l)).sort(byName),
      ucastRemote: this.remoteMacs(),
      mcastRemote: [...r.rows('Mcast_Macs_Remote')]
        .map((m) => ({
          mac: m.MAC,
          logicalSwitch: lsName(m.logical_switch),
          tunnelIps: this.locatorIps(r, m.locator_set).sort(),
        }))
        .sort(byMac),
      ucastLocal: this.localMacs(),
    };
  }
}

function sameSet<A>(a: readonly A[], b: readonly A[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
