// The controller's configuration: command-line options, each with an environment variable of the same meaning.
// Flags win over the environment, the environment over defaults.
import { Command, InvalidArgumentError } from 'commander';
import { parseCidr } from './ipam/address';
import { DEFAULT_EGRESS_TRANSIT_IP, ipv4Octets } from './pipeline/egress-transit';
import { SERVICE_MISS_RATE_PPS } from './pipeline/meters';
import type { StoreSync } from './store/sqlite-store';

export type ListenAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export interface ControllerConfig {
  readonly dataDir: string;
  readonly apiListen: ListenAddress;
  /** Where switches connect for OpenFlow (the southbound listener is started by its own module). */
  readonly openflowListen: ListenAddress;
  /** Where switches configured with an active manager connect for OVSDB; absent: the controller only dials nodes. */
  readonly ovsdbListen?: ListenAddress;
  /** How commits reach the disk (env SDN_STORE_SYNC; see StoreSync in store/sqlite-store.ts). */
  readonly storeSync: StoreSync;
  /** Packet-ins per second the controller takes from one switch (its own limit, after the switch's meter). */
  readonly packetInRate: number;
  /** Where ClusterIPs are allocated from (--service-cidr, comma-separated; default 10.96.0.0/12,fd00:96::/108). */
  readonly serviceCidrs: readonly string[];
  /** The node-local address egress out of the cluster is SNATed to (--egress-transit; every node's sdn-agent the same). */
  readonly egressTransitIp: string;
  /** New ClusterIP connections per second one switch's meter lets through to the controller. */
  readonly serviceMissRate: number;
  /**
   * PEM files (--tls-key/--tls-cert/--tls-ca, env SDN_TLS_KEY/SDN_TLS_CERT/SDN_TLS_CA). With key and cert the REST
   * API serves https and the OpenFlow listener TLS; with a CA as well, switches must present a certificate it signed
   * (mutual TLS). Without them both listeners are plain text.
   */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca?: string };
}

export const DEFAULTS = {
  dataDir: './data',
  apiListen: '127.0.0.1:8080',
  openflowListen: '127.0.0.1:6653',
} as const;

/** "HOST:PORT", "[V6]:PORT", ":PORT" (all interfaces) or "unix:/path". */
function positiveInteger(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${v}" is not a positive integer`);
  return n;
}

export function parseListen(value: string): ListenAddress {
  if (value.startsWith('unix:')) {
    const path = value.slice(5);
    if (!path) throw new InvalidArgumentError(`"${value}" names no socket path`);
    return { kind: 'unix', path };
  }
  const idx = value.lastIndexOf(':');
  const portText = value.slice(idx + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (idx < 0 || !(port >= 0 && port <= 65535)) {
    throw new InvalidArgumentError(`"${value}" is not HOST:PORT (or unix:/path)`);
  }
  const host = value.slice(0, idx).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  return { kind: 'tcp', host, port };
}

export function formatListen(a: ListenAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const program = new Command('sdn-controller')
    .description('SDN controller for Kubernetes container networking')
    .option(
      '--data-dir <dir>',
      'where the store and admin.token live (env SDN_DATA_DIR)',
      env.SDN_DATA_DIR ?? DEFAULTS.dataDir,
    )
    .option(
      '--api-listen <host:port>',
      'REST API, CNI endpoints and dashboard (env SDN_API_LISTEN)',
      parseListen,
      parseListen(env.SDN_API_LISTEN ?? DEFAULTS.apiListen),
    )
    .option(
      '--openflow-listen <host:port>',
      'OpenFlow listener switches connect to (env SDN_OPENFLOW_LISTEN)',
      parseListen,
      parseListen(env.SDN_OPENFLOW_LISTEN ?? DEFAULTS.openflowListen),
    )
    .option(
      '--ovsdb-listen <host:port>',
      'OVSDB listener for switches with an active manager (env SDN_OVSDB_LISTEN; default: off)',
      parseListen,
      env.SDN_OVSDB_LISTEN ? parseListen(env.SDN_OVSDB_LISTEN) : undefined,
    )
    .option(
      '--service-miss-rate <n>',
      "new ClusterIP connections per second a switch's meter sends to the controller; above it the switch drops them (env SDN_SERVICE_MISS_RATE)",
      positiveInteger,
      Number(env.SDN_SERVICE_MISS_RATE ?? SERVICE_MISS_RATE_PPS),
    )
    .option(
      '--egress-transit <ip>',
      "node-local IPv4 address egress is SNATed to before the node MASQUERADEs it; sdn-agent's --egress-transit must match (env SDN_EGRESS_TRANSIT)",
      (v: string) => {
        try {
          ipv4Octets(v);
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message);
        }
        return v;
      },
      env.SDN_EGRESS_TRANSIT ?? DEFAULT_EGRESS_TRANSIT_IP,
    )
    .option(
      '--packet-in-rate <n>',
      'packet-ins per second taken from one switch (env SDN_PACKET_IN_RATE)',
      positiveInteger,
      Number(env.SDN_PACKET_IN_RATE ?? 10000),
    )
    .option(
      '--service-cidr <cidrs>',
      'where ClusterIPs are allocated from, comma-separated (env SDN_SERVICE_CIDR)',
      (v: string) => {
        const list = v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        for (const c of list) {
          try {
            parseCidr(c);
          } catch {
            throw new InvalidArgumentError(`"${c}" is not a CIDR`);
          }
        }
        return list;
      },
      (env.SDN_SERVICE_CIDR ?? '10.96.0.0/12,fd00:96::/108').split(','),
    )
    .option(
      '--tls-key <file>',
      'PEM private key: https API and TLS OpenFlow (env SDN_TLS_KEY)',
      env.SDN_TLS_KEY,
    )
    .option('--tls-cert <file>', 'PEM certificate chain for --tls-key (env SDN_TLS_CERT)', env.SDN_TLS_CERT)
    .option(
      '--tls-ca <file>',
      'PEM CA: switches must present a certificate it signed, mutual TLS (env SDN_TLS_CA)',
      env.SDN_TLS_CA,
    )
    .exitOverride()
    .parse(argv as string[], { from: 'node' });
  const o = program.opts<{
    dataDir: string;
    apiListen: ListenAddress;
    openflowListen: ListenAddress;
    ovsdbListen?: ListenAddress;
    packetInRate: number;
    serviceMissRate: number;
    egressTransit: string;
    serviceCidr: string[];
    tlsKey?: string;
    tlsCert?: string;
    tlsCa?: string;
  }>();
  if (!o.tlsKey !== !o.tlsCert)
    throw new InvalidArgumentError('--tls-key and --tls-cert go together (one of them is missing)');
  if (o.tlsCa && !o.tlsKey) throw new InvalidArgumentError('--tls-ca needs --tls-key and --tls-cert');
  // The environment's values skip the options' parsers.
  for (const [name, value] of [
    ['SDN_PACKET_IN_RATE', o.packetInRate],
    ['SDN_SERVICE_MISS_RATE', o.serviceMissRate],
  ] as const)
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidArgumentError(`${name}: "${env[name] ?? String(value)}" is not a positive integer`);
  try {
    ipv4Octets(o.egressTransit); // the environment's value skips the option's parser
  } catch (e) {
    throw new InvalidArgumentError(`SDN_EGRESS_TRANSIT: ${(e as Error).message}`);
  }
  const sync = (env.SDN_STORE_SYNC ?? 'OFFLOADED').toUpperCase();
  if (sync !== 'OFFLOADED' && sync !== 'FULL' && sync !== 'NORMAL') {
    throw new InvalidArgumentError(`SDN_STORE_SYNC="${sync}": expected OFFLOADED, FULL or NORMAL`);
  }
  return {
    storeSync: sync,
    packetInRate: o.packetInRate,
    egressTransitIp: o.egressTransit,
    serviceMissRate: o.serviceMissRate,
    serviceCidrs: o.serviceCidr,
    dataDir: o.dataDir,
    apiListen: o.apiListen,
    openflowListen: o.openflowListen,
    ...(o.ovsdbListen ? { ovsdbListen: o.ovsdbListen } : {}),
    ...(o.tlsKey && o.tlsCert
      ? { tls: { key: o.tlsKey, cert: o.tlsCert, ...(o.tlsCa ? { ca: o.tlsCa } : {}) } }
      : {}),
  };
}
