// `sdnctl ovsdb show|vtep-show --db TARGET`: a node's bridges, ports and interfaces (or a leaf's hardware_vtep
// contents) read through our own OVSDB client and printed as `ovs-vsctl show` / `vtep-ctl show` would, so an
// engineer can look at a switch without OVS tools installed.
import { Command } from 'commander';
import pino from 'pino';
import { HARDWARE_VTEP_TABLES, OPEN_VSWITCH_TABLES, type TableSpecs } from '../../../protocols/ovsdb';
import {
  type BridgeView,
  HardwareVtepDriver,
  OvsdbClient,
  PROFILES,
  type TlsFiles,
  type VSwitchView,
  VSwitchDriver,
  type VtepView,
} from '../../../southbound/ovsdb';

/** ovs-vsctl's quoting: bare when the string reads as an identifier, JSON-quoted otherwise. */
function quote(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) && !['true', 'false'].includes(s) ? s : JSON.stringify(s);
}

function map(m: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(m)
    .sort()
    .map((k) => `${quote(k)}=${quote(m[k]!)}`);
  return `{${pairs.join(', ')}}`;
}

function bridgeLines(b: BridgeView): string[] {
  const out = [`    Bridge ${quote(b.name)}`];
  for (const c of b.controllers) {
    out.push(`        Controller ${JSON.stringify(c.target)}`);
    if (c.isConnected) out.push('            is_connected: true');
  }
  if (b.failMode) out.push(`        fail_mode: ${b.failMode}`);
  if (b.datapathType) out.push(`        datapath_type: ${b.datapathType}`);
  for (const p of b.ports) {
    out.push(`        Port ${quote(p.name)}`);
    if (p.tag !== undefined) out.push(`            tag: ${p.tag}`);
    if (p.trunks.length > 0) out.push(`            trunks: [${p.trunks.join(', ')}]`);
    for (const i of p.interfaces) {
      out.push(`            Interface ${quote(i.name)}`);
      if (i.type) out.push(`                type: ${i.type}`);
      if (Object.keys(i.options).length > 0) out.push(`                options: ${map(i.options)}`);
      if (i.error) out.push(`                error: ${JSON.stringify(i.error)}`);
    }
  }
  return out;
}

export function formatVswitch(v: VSwitchView): string {
  const out = [v.uuid];
  for (const m of v.managers) {
    out.push(`    Manager ${JSON.stringify(m.target)}`);
    if (m.isConnected) out.push('        is_connected: true');
  }
  for (const b of v.bridges) out.push(...bridgeLines(b));
  if (v.ovsVersion) out.push(`    ovs_version: ${JSON.stringify(v.ovsVersion)}`);
  return out.join('\n') + '\n';
}

export function formatVtep(v: VtepView): string {
  const out: string[] = [];
  for (const ps of v.switches) {
    out.push(`Physical_Switch ${quote(ps.name)}`);
    if (ps.tunnelIps.length > 0)
      out.push(`    tunnel_ips: [${ps.tunnelIps.map((ip) => JSON.stringify(ip)).join(', ')}]`);
    for (const p of ps.ports) {
      out.push(`    Physical_Port ${quote(p.name)}`);
      if (p.bindings.length > 0) out.push('        vlan_bindings:');
      for (const b of p.bindings) out.push(`            ${b.vlan}=${JSON.stringify(b.logicalSwitch)}`);
    }
  }
  for (const ls of v.logicalSwitches) {
    out.push(`Logical_Switch ${quote(ls.name)}`);
    if (ls.vni !== undefined) out.push(`    tunnel_key: ${ls.vni}`);
    if (ls.replicationMode) out.push(`    replication_mode: ${ls.replicationMode}`);
    for (const m of v.ucastRemote.filter((x) => x.logicalSwitch === ls.name)) {
      out.push(
        `    ucast-mac-remote ${m.mac} -> vxlan_over_ipv4/${m.tunnelIp}${m.ipaddr ? ` (${m.ipaddr})` : ''}`,
      );
    }
    for (const m of v.mcastRemote.filter((x) => x.logicalSwitch === ls.name)) {
      out.push(
        `    mcast-mac-remote ${m.mac} -> ${m.tunnelIps.map((ip) => `vxlan_over_ipv4/${ip}`).join(', ')}`,
      );
    }
    for (const m of v.ucastLocal.filter((x) => x.logicalSwitch === ls.name)) {
      out.push(
        `    ucast-mac-local ${m.mac} -> vxlan_over_ipv4/${m.tunnelIp}${m.ipaddr ? ` (${m.ipaddr})` : ''}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

interface DbOptions {
  db: string;
  privateKey?: string;
  certificate?: string;
  caCert?: string;
  timeout: string;
}

async function withClient<T extends TableSpecs, R>(
  opts: DbOptions,
  database: string,
  tables: T,
  use: (c: OvsdbClient<T>) => R,
): Promise<R> {
  const tls: TlsFiles | undefined =
    opts.privateKey && opts.certificate && opts.caCert
      ? { privateKey: opts.privateKey, certificate: opts.certificate, caCert: opts.caCert }
      : undefined;
  const client = await OvsdbClient.open(
    { target: opts.db, database, tables, tls, log: pino({ level: 'silent' }), reconnect: false },
    Number(opts.timeout) * 1000,
  );
  try {
    return use(client);
  } finally {
    client.close();
  }
}

function dbOptions(cmd: Command): Command {
  return cmd
    .option(
      '--db <target>',
      'the OVSDB server: tcp:HOST:PORT, ssl:HOST:PORT or unix:PATH',
      'unix:/var/run/openvswitch/db.sock',
    )
    .option('--private-key <file>', 'PEM private key for ssl:')
    .option('--certificate <file>', 'PEM certificate for ssl:')
    .option('--ca-cert <file>', 'PEM CA certificate for ssl:')
    .option('--timeout <seconds>', 'give up connecting after this long', '10');
}

export function ovsdbCommand(): Command {
  const ovsdb = new Command('ovsdb').description("look at a switch's OVSDB without OVS tools");
  dbOptions(ovsdb.command('show').description("bridges, ports and interfaces, like 'ovs-vsctl show'")).action(
    async (opts: DbOptions) => {
      const text = await withClient(opts, 'Open_vSwitch', OPEN_VSWITCH_TABLES, (c) =>
        formatVswitch(new VSwitchDriver(c, PROFILES.ovs).view()),
      );
      process.stdout.write(text);
    },
  );
  dbOptions(
    ovsdb
      .command('vtep-show')
      .description('physical and logical switches and MACs of a hardware_vtep database'),
  ).action(async (opts: DbOptions) => {
    const text = await withClient(opts, 'hardware_vtep', HARDWARE_VTEP_TABLES, (c) =>
      formatVtep(new HardwareVtepDriver(c).view()),
    );
    process.stdout.write(text);
  });
  return ovsdb;
}
