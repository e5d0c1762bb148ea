// OVSDB connection targets as ovs-vsctl writes them: active tcp:HOST:PORT, ssl:HOST:PORT, unix:PATH, and passive
// ptcp:PORT[:HOST], pssl:PORT[:HOST], punix:PATH. IPv6 hosts go in brackets (tcp:[::1]:6640).
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** IANA's port for OVSDB (RFC 7047 section 6). */
export const OVSDB_PORT = 6640;

export type Target =
  | { readonly kind: 'tcp' | 'ssl'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'ptcp' | 'pssl'; readonly host: string; readonly port: number }
  | { readonly kind: 'punix'; readonly path: string };

/** PEM files for ssl:/pssl:, as ovs-vsctl's --private-key, --certificate and --ca-cert. */
export interface TlsFiles {
  readonly privateKey: string;
  readonly certificate: string;
  readonly caCert: string;
}

function hostPort(
  rest: string,
  defaultHost: string | undefined,
  passive: boolean,
): { host: string; port: number } {
  let host: string | undefined;
  let portText: string;
  if (passive) {
    // ptcp:PORT[:HOST]
    const m = /^(\d*)(?::(.+))?$/.exec(rest);
    if (!m) throw new Error(`bad passive target port "${rest}"`);
    portText = m[1] ?? '';
    host = m[2]?.replace(/^\[(.*)\]$/, '$1');
  } else {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(rest);
    if (!m) throw new Error(`bad target address "${rest}" (expected HOST:PORT)`);
    host = m[1]!.replace(/^\[(.*)\]$/, '$1');
    portText = m[2] ?? '';
  }
  const port = portText === '' ? OVSDB_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port "${portText}"`);
  return { host: host ?? defaultHost ?? '0.0.0.0', port };
}

export function parseTarget(text: string): Target {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  switch (kind) {
    case 'tcp':
    case 'ssl':
      return { kind, ...hostPort(rest, undefined, false) };
    case 'ptcp':
    case 'pssl':
      return { kind, ...hostPort(rest, '0.0.0.0', true) };
    case 'unix':
    case 'punix':
      if (rest === '') throw new Error(`${kind}: target needs a path`);
      return { kind, path: rest };
    default:
      throw new Error(
        `unknown OVSDB target "${text}" (use tcp:HOST:PORT, ssl:HOST:PORT, unix:PATH or ptcp:PORT)`,
      );
  }
}

export function formatTarget(t: Target): string {
  if (t.kind === 'unix' || t.kind === 'punix') return `${t.kind}:${t.path}`;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return t.kind === 'ptcp' || t.kind === 'pssl'
    ? `${t.kind}:${t.port}:${host}`
    : `${t.kind}:${host}:${t.port}`;
}

export function tlsOptions(files: TlsFiles): ConnectionOptions {
  return {
    key: readFileSync(files.privateKey),
    cert: readFileSync(files.certificate),
    ca: readFileSync(files.caCert),
    // Like OVS: the peer must hold a certificate signed by our CA; switches are not named by DNS.
    checkServerIdentity: () => undefined,
  };
}

/** Opens an active target; resolves once connected (TLS: once the handshake is done). */
export function connectTarget(target: Target, tls?: TlsFiles, timeoutMs = 5000): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    let socket: Socket | TLSSocket;
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    switch (target.kind) {
      case 'tcp':
        socket = netConnect({ host: target.host, port: target.port }, () => done());
        break;
      case 'unix':
        socket = netConnect({ path: target.path }, () => done());
        break;
      case 'ssl':
        if (!tls)
          return reject(new Error(`${formatTarget(target)} needs TLS files (private key, certificate, CA)`));
        socket = tlsConnect({ host: target.host, port: target.port, ...tlsOptions(tls) }, () => done());
        break;
      default:
        return reject(new Error(`${formatTarget(target)} is a passive target; listen on it instead`));
    }
    const timer = setTimeout(
      () => fail(new Error(`connect to ${formatTarget(target)} timed out`)),
      timeoutMs,
    );
    socket.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    function done(): void {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay?.(true);
      resolve(socket);
    }
  });
}
