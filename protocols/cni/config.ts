// The request config on stdin (SPEC.md "Network configuration" + CONVENTIONS.md runtimeConfig/args), validated
// for one verb. Unknown keys are passed through by runtimes and tolerated here; keys that would silently change
// what we do (`ipam`) are refused with code 2, naming the key.
import ipaddr from 'ipaddr.js';
import type { CniCommand } from './env.js';
import { CniCode, fail, ok, type Parsed } from './errors.js';
import { parsePrevResult, type CniResult, type Dns } from './result.js';
import { compareVersions, isSupportedVersion, SUPPORTED_VERSIONS, type CniVersion } from './versions.js';

export interface Attachment {
  readonly containerId: string;
  readonly ifname: string;
}

export interface NetConf {
  readonly cniVersion: CniVersion;
  readonly name: string;
  readonly type: string;
  /** The agent's unix socket (read by the sh plugin; here only validated). */
  readonly agentSocket?: string;
  /** Controller network to attach to; the controller's default when absent. */
  readonly network?: string;
  /** Overrides the MTU the controller answers (rarely needed). */
  readonly mtu?: number;
  readonly dns: Dns;
  /** Fixed addresses from runtimeConfig.ips or args.cni.ips (without prefix length). */
  readonly ips: readonly string[];
  readonly mac?: string;
  readonly prevResult?: CniResult;
  /** GC: attachments the runtime still uses (from both `cni.dev/attachments` and `cni.dev/valid-attachments`). */
  readonly validAttachments: readonly Attachment[];
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Reads `cniVersion` alone, for error JSON when the rest of the config is bad. */
export function requestVersion(text: string): CniVersion | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) && typeof v.cniVersion === 'string' && isSupportedVersion(v.cniVersion)
      ? v.cniVersion
      : undefined;
  } catch {
    return undefined;
  }
}

/** An address given as "10.0.0.5" or "10.0.0.5/24" (runtimeConfig.ips uses CIDR); the controller gets the address. */
function plainAddress(text: string): string | undefined {
  const addr = text.includes('/') ? text.slice(0, text.indexOf('/')) : text;
  return ipaddr.isValid(addr) ? ipaddr.parse(addr).toString() : undefined;
}

function parseDns(v: unknown, where: string): Parsed<Dns> {
  if (v === undefined) return ok({});
  if (!isObject(v)) return fail(CniCode.InvalidConfig, `${where} must be an object`);
  for (const k of ['nameservers', 'search', 'options'] as const) {
    if (v[k] !== undefined && !isStringArray(v[k]))
      return fail(CniCode.InvalidConfig, `${where}.${k} must be strings`);
  }
  if (v.domain !== undefined && typeof v.domain !== 'string') {
    return fail(CniCode.InvalidConfig, `${where}.domain must be a string`);
  }
  return ok(v as Dns);
}

function parseAttachments(v: unknown, key: string): Parsed<Attachment[]> {
  if (v === undefined) return ok([]);
  if (!Array.isArray(v)) return fail(CniCode.InvalidConfig, `${key} must be a list of {containerID, ifname}`);
  const out: Attachment[] = [];
  for (const [n, a] of v.entries()) {
    if (!isObject(a) || typeof a.containerID !== 'string' || typeof a.ifname !== 'string') {
      return fail(CniCode.InvalidConfig, `${key}[${n}] needs string containerID and ifname`);
    }
    out.push({ containerId: a.containerID, ifname: a.ifname });
  }
  return ok(out);
}

export function parseNetConf(text: string, command: CniCommand): Parsed<NetConf> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(CniCode.DecodeFailure, `stdin is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(raw)) return fail(CniCode.DecodeFailure, 'stdin must be a JSON object (the network config)');
  const v = raw.cniVersion;
  if (typeof v !== 'string' || v === '') return fail(CniCode.InvalidConfig, 'cniVersion is missing');
  if (!isSupportedVersion(v)) {
    return fail(
      CniCode.IncompatibleVersion,
      `cniVersion ${v} is not supported; use one of ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  if (command === 'VERSION') return ok(versionOnly(v));
  if (command === 'CHECK' && compareVersions(v, '0.4.0') < 0) {
    return fail(CniCode.IncompatibleVersion, `CHECK needs cniVersion 0.4.0 or later, the config says ${v}`);
  }
  if ((command === 'GC' || command === 'STATUS') && compareVersions(v, '1.1.0') < 0) {
    return fail(CniCode.IncompatibleVersion, `${command} needs cniVersion 1.1.0, the config says ${v}`);
  }
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    return fail(CniCode.InvalidConfig, `name must be a string matching ${NAME.source}`);
  }
  if (typeof raw.type !== 'string' || raw.type === '') return fail(CniCode.InvalidConfig, 'type is missing');
  if (raw.ipam !== undefined) {
    return fail(
      CniCode.UnsupportedField,
      `ipam=${JSON.stringify(raw.ipam)} is not supported: the controller allocates addresses; remove "ipam"`,
    );
  }
  if (
    raw.agentSocket !== undefined &&
    (typeof raw.agentSocket !== 'string' || !raw.agentSocket.startsWith('/'))
  ) {
    return fail(CniCode.InvalidConfig, 'agentSocket must be an absolute path');
  }
  if (raw.network !== undefined && (typeof raw.network !== 'string' || raw.network === '')) {
    return fail(CniCode.InvalidConfig, 'network must be a non-empty string (a controller network name)');
  }
  const mtu = raw.mtu;
  if (mtu !== undefined && (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68 || mtu > 65535)) {
    return fail(CniCode.InvalidConfig, `mtu=${JSON.stringify(mtu)} must be an integer from 68 to 65535`);
  }
  const runtimeConfig = isObject(raw.runtimeConfig) ? raw.runtimeConfig : {};
  const args = isObject(raw.args) && isObject(raw.args.cni) ? raw.args.cni : {};

  const dnsConf = parseDns(raw.dns, 'dns');
  if (!dnsConf.ok) return dnsConf;
  const dnsRuntime = parseDns(runtimeConfig.dns, 'runtimeConfig.dns');
  if (!dnsRuntime.ok) return dnsRuntime;

  const ips: string[] = [];
  for (const [where, list] of [
    ['runtimeConfig.ips', runtimeConfig.ips],
    ['args.cni.ips', args.ips],
  ] as const) {
    if (list === undefined) continue;
    if (!isStringArray(list)) return fail(CniCode.InvalidConfig, `${where} must be a list of addresses`);
    for (const s of list) {
      const a = plainAddress(s);
      if (!a) return fail(CniCode.InvalidConfig, `${where}: "${s}" is not an IP address`);
      if (!ips.includes(a)) ips.push(a);
    }
  }
  const mac = runtimeConfig.mac ?? args.mac;
  if (mac !== undefined && (typeof mac !== 'string' || !MAC.test(mac))) {
    return fail(
      CniCode.InvalidConfig,
      `mac=${JSON.stringify(mac)} is not a MAC address like 0a:58:0a:00:00:05`,
    );
  }

  let prevResult: CniResult | undefined;
  if (raw.prevResult !== undefined) {
    const p = parsePrevResult(raw.prevResult);
    if (!p.ok) return p;
    prevResult = p.value;
  }
  if (command === 'CHECK' && !prevResult) {
    return fail(
      CniCode.InvalidConfig,
      'CHECK needs prevResult (the cached ADD result); the runtime did not send it',
    );
  }

  // libcni sends the list under both names (the spec text named it `cni.dev/attachments`, cni#1101): read both.
  const validAttachments: Attachment[] = [];
  for (const key of ['cni.dev/valid-attachments', 'cni.dev/attachments']) {
    const list = parseAttachments(raw[key], key);
    if (!list.ok) return list;
    for (const a of list.value) {
      if (!validAttachments.some((b) => b.containerId === a.containerId && b.ifname === a.ifname)) {
        validAttachments.push(a);
      }
    }
  }

  return ok({
    cniVersion: v,
    name: raw.name,
    type: raw.type,
    agentSocket: raw.agentSocket as string | undefined,
    network: raw.network as string | undefined,
    mtu: mtu as number | undefined,
    dns: { ...dnsConf.value, ...dnsRuntime.value },
    ips,
    mac: typeof mac === 'string' ? mac.toLowerCase() : undefined,
    prevResult,
    validAttachments,
  });
}

function versionOnly(v: CniVersion): NetConf {
  return { cniVersion: v, name: '', type: '', dns: {}, ips: [], validAttachments: [] };
}
