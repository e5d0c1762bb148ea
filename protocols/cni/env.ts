// The CNI_* environment variables (SPEC.md "Parameters"), validated per verb. CNI_ARGS is parsed here too:
// `K=V;K=V`, with unknown keys refused unless IgnoreUnknown=1 (what every Kubernetes runtime sends).
import ipaddr from 'ipaddr.js';
import { CniCode, fail, ok, type Parsed } from './errors.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS' | 'VERSION';
export const CNI_COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION'];

/** What CNI_ARGS says about the pod. */
export interface CniArgs {
  readonly k8sNamespace?: string;
  readonly k8sPodName?: string;
  readonly k8sPodUid?: string;
  readonly k8sInfraContainerId?: string;
  /** `IP=` (comma-separated): fixed addresses, without prefix length. */
  readonly ips: readonly string[];
  /** `MAC=`: a fixed MAC for the container interface. */
  readonly mac?: string;
}

interface AttachmentEnv {
  readonly containerId: string;
  readonly ifname: string;
  readonly args: CniArgs;
  readonly path: readonly string[];
}

/** The parsed environment, one shape per verb (only ADD and CHECK require a netns). */
export type CniEnv =
  | ({ readonly command: 'ADD'; readonly netns: string } & AttachmentEnv)
  | ({ readonly command: 'CHECK'; readonly netns: string } & AttachmentEnv)
  | ({ readonly command: 'DEL'; readonly netns?: string } & AttachmentEnv)
  | { readonly command: 'GC' | 'STATUS'; readonly path: readonly string[] }
  | { readonly command: 'VERSION' };

export type EnvSource = Readonly<Record<string, string | undefined>>;

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
/** Keys we understand; K8S_POD_INFRA_CONTAINER_ID and K8S_POD_UID are read but only informational. */
const KNOWN_ARGS = new Set([
  'IgnoreUnknown',
  'K8S_POD_NAMESPACE',
  'K8S_POD_NAME',
  'K8S_POD_UID',
  'K8S_POD_INFRA_CONTAINER_ID',
  'IP',
  'MAC',
]);

/** Linux IFNAMSIZ is 16 with the NUL, so 15 usable characters; `/`, `:` and whitespace are not allowed. */
export function checkIfname(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is "${name}"`;
  if (name.length > 15) return `is ${name.length} characters long (at most 15)`;
  if (/[/:\s]/.test(name)) return 'contains "/", ":" or whitespace';
  return undefined;
}

export function parseCniArgs(text: string): Parsed<CniArgs> {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return fail(CniCode.InvalidEnv, `CNI_ARGS: "${part}" is not KEY=VALUE`);
    pairs.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  const get = (k: string): string | undefined => pairs.find(([key]) => key === k)?.[1];
  const ignoreUnknown = ['1', 'true'].includes((get('IgnoreUnknown') ?? '').toLowerCase());
  const unknown = pairs.map(([k]) => k).filter((k) => !KNOWN_ARGS.has(k));
  if (unknown.length > 0 && !ignoreUnknown) {
    return fail(
      CniCode.InvalidEnv,
      `CNI_ARGS: unknown args ${unknown.join(', ')}; remove them or add IgnoreUnknown=1`,
    );
  }
  const ipText = get('IP');
  const ips = ipText ? ipText.split(',').map((s) => s.trim()) : [];
  for (const ip of ips) {
    if (!ipaddr.isValid(ip))
      return fail(CniCode.InvalidEnv, `CNI_ARGS: IP=${ip} is not an IPv4 or IPv6 address`);
  }
  const mac = get('MAC');
  if (mac !== undefined && !MAC.test(mac)) {
    return fail(CniCode.InvalidEnv, `CNI_ARGS: MAC=${mac} is not a MAC address like 0a:58:0a:00:00:05`);
  }
  return ok({
    k8sNamespace: get('K8S_POD_NAMESPACE') || undefined,
    k8sPodName: get('K8S_POD_NAME') || undefined,
    k8sPodUid: get('K8S_POD_UID') || undefined,
    k8sInfraContainerId: get('K8S_POD_INFRA_CONTAINER_ID') || undefined,
    ips: ips.map((ip) => ipaddr.parse(ip).toString()),
    mac: mac?.toLowerCase(),
  });
}

function splitPath(p: string | undefined): string[] {
  return (p ?? '').split(':').filter((s) => s !== '');
}

/** Validates the environment for the verb in CNI_COMMAND; the error names every variable to fix. */
export function parseCniEnv(env: EnvSource): Parsed<CniEnv> {
  const command = env.CNI_COMMAND;
  if (!command) return fail(CniCode.InvalidEnv, 'CNI_COMMAND is not set');
  if (!(CNI_COMMANDS as readonly string[]).includes(command)) {
    return fail(CniCode.InvalidEnv, `CNI_COMMAND=${command} is not one of ${CNI_COMMANDS.join(', ')}`);
  }
  const cmd = command as CniCommand;
  if (cmd === 'VERSION') return ok({ command: cmd });
  if (cmd === 'GC' || cmd === 'STATUS') return ok({ command: cmd, path: splitPath(env.CNI_PATH) });

  const problems: string[] = [];
  const containerId = env.CNI_CONTAINERID ?? '';
  if (containerId === '') problems.push('CNI_CONTAINERID is not set');
  else if (!CONTAINER_ID.test(containerId)) {
    problems.push(`CNI_CONTAINERID=${containerId} must match ${CONTAINER_ID.source}`);
  }
  const ifname = env.CNI_IFNAME ?? '';
  const ifProblem = checkIfname(ifname);
  if (ifProblem) problems.push(ifname === '' ? 'CNI_IFNAME is not set' : `CNI_IFNAME=${ifname} ${ifProblem}`);
  const netns = env.CNI_NETNS ?? '';
  if (netns === '' && cmd !== 'DEL') problems.push('CNI_NETNS is not set');
  else if (netns !== '' && !netns.startsWith('/'))
    problems.push(`CNI_NETNS=${netns} must be an absolute path`);
  if (problems.length > 0) return fail(CniCode.InvalidEnv, problems.join('; '));

  const args = parseCniArgs(env.CNI_ARGS ?? '');
  if (!args.ok) return args;
  const base = { containerId, ifname, args: args.value, path: splitPath(env.CNI_PATH) };
  if (cmd === 'DEL') return ok({ command: cmd, ...base, netns: netns || undefined });
  return ok(cmd === 'ADD' ? { command: 'ADD', ...base, netns } : { command: 'CHECK', ...base, netns });
}
