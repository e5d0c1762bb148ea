// The ADD result (SPEC.md "Success"), built for the request's version, and the reading of a prevResult.
import { resultHasIpVersion, resultHasMtuFields, type CniVersion } from './versions.js';
import ipaddr from 'ipaddr.js';
import { CniCode, fail, ok, type Parsed } from './errors.js';

export interface ResultInterface {
  readonly name: string;
  readonly mac?: string;
  /** The container's netns path; absent for host-side interfaces. */
  readonly sandbox?: string;
  readonly mtu?: number;
}

export interface ResultIp {
  /** CIDR, e.g. "10.0.0.5/24". */
  readonly address: string;
  readonly gateway?: string;
  /** Index into `interfaces`. */
  readonly interface?: number;
}

export interface ResultRoute {
  readonly dst: string;
  readonly gw?: string;
  readonly mtu?: number;
}

export interface Dns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

export interface CniResult {
  readonly interfaces: readonly ResultInterface[];
  readonly ips: readonly ResultIp[];
  readonly routes: readonly ResultRoute[];
  readonly dns: Dns;
}

/** The JSON object printed for ADD, shaped for `version` (0.x: ips[].version; 1.1: mtu fields). */
export function resultJson(version: CniVersion, r: CniResult): Record<string, unknown> {
  const mtuFields = resultHasMtuFields(version);
  const interfaces = r.interfaces.map((i) => ({
    name: i.name,
    ...(i.mac !== undefined && { mac: i.mac }),
    ...(i.sandbox !== undefined && { sandbox: i.sandbox }),
    ...(mtuFields && i.mtu !== undefined && { mtu: i.mtu }),
  }));
  const ips = r.ips.map((ip) => ({
    ...(resultHasIpVersion(version) && { version: ipFamily(ip.address) }),
    address: ip.address,
    ...(ip.gateway !== undefined && { gateway: ip.gateway }),
    ...(ip.interface !== undefined && { interface: ip.interface }),
  }));
  const routes = r.routes.map((rt) => ({
    dst: rt.dst,
    ...(rt.gw !== undefined && { gw: rt.gw }),
    ...(mtuFields && rt.mtu !== undefined && { mtu: rt.mtu }),
  }));
  return { cniVersion: version, interfaces, ips, routes, dns: dnsJson(r.dns) };
}

function dnsJson(d: Dns): Dns {
  return {
    ...(d.nameservers?.length && { nameservers: d.nameservers }),
    ...(d.domain && { domain: d.domain }),
    ...(d.search?.length && { search: d.search }),
    ...(d.options?.length && { options: d.options }),
  };
}

function ipFamily(cidr: string): '4' | '6' {
  return cidr.includes(':') ? '6' : '4';
}

/** True for "addr/len" with a valid address and a prefix length that fits its family. */
export function isCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/** Reads a prevResult (any supported version) into a CniResult; CHECK verifies the host against it. */
export function parsePrevResult(raw: unknown): Parsed<CniResult> {
  const bad = (what: string): Parsed<never> => fail(CniCode.InvalidConfig, `prevResult: ${what}`);
  if (!isObject(raw)) return bad('is not an object');
  const interfaces: ResultInterface[] = [];
  for (const [n, i] of (Array.isArray(raw.interfaces) ? raw.interfaces : []).entries()) {
    if (!isObject(i) || typeof i.name !== 'string' || !optString(i.mac) || !optString(i.sandbox)) {
      return bad(`interfaces[${n}] needs a string name (and string mac, sandbox)`);
    }
    interfaces.push({ name: i.name, mac: i.mac, sandbox: i.sandbox });
  }
  const ips: ResultIp[] = [];
  for (const [n, ip] of (Array.isArray(raw.ips) ? raw.ips : []).entries()) {
    if (!isObject(ip) || typeof ip.address !== 'string' || !isCidr(ip.address) || !optString(ip.gateway)) {
      return bad(`ips[${n}].address must be CIDR like 10.0.0.5/24`);
    }
    const idx = ip.interface;
    if (
      idx !== undefined &&
      (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx >= interfaces.length)
    ) {
      return bad(`ips[${n}].interface ${String(idx)} is not an index into interfaces`);
    }
    ips.push({ address: ip.address, gateway: ip.gateway, interface: idx });
  }
  const routes: ResultRoute[] = [];
  for (const [n, rt] of (Array.isArray(raw.routes) ? raw.routes : []).entries()) {
    if (!isObject(rt) || typeof rt.dst !== 'string' || !isCidr(rt.dst) || !optString(rt.gw)) {
      return bad(`routes[${n}].dst must be CIDR like 0.0.0.0/0`);
    }
    routes.push({ dst: rt.dst, gw: rt.gw });
  }
  const dns = isObject(raw.dns) ? (raw.dns as Dns) : {};
  return ok({ interfaces, ips, routes, dns });
}
