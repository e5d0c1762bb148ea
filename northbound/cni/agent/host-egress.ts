// The node's half of egress out of the cluster. The switch SNATs what pods send outside to a node-local transit
// address that this node's kernel does not own (controller/pipeline/egress-transit.ts) and sends it out of the
// bridge's LOCAL interface. Here the kernel is made to carry it on and bring the replies back:
//   - ip_forward on, so the kernel routes what arrives on the bridge interface;
//   - a /32 route for the transit address into the bridge interface, with a permanent neighbour entry (nothing
//     answers ARP for it: the switch matches the address, not the MAC);
//   - MASQUERADE of what comes from the transit address, so the outside world sees the node's address, and FORWARD
//     accepts for it (a node whose FORWARD policy is DROP, as Docker sets it, would lose it otherwise).
// The kernel un-MASQUERADEs the replies to the transit address and routes them into the bridge, where conntrack
// un-SNATs them to the pod. Every step reads the state first and changes only what differs, so `ensure` is cheap to
// repeat: the agent runs it at start, until the bridge exists (the controller creates it when the node registers),
// and then periodically, which heals a restarted Open vSwitch (its LOCAL interface comes back without the route).
// Nothing is removed when the agent stops: a restart must not cut the node's connections.
import type { Logger } from 'pino';
import { egressTransitMac, ipv4Octets } from '../../../controller/pipeline/egress-transit.js';
import type { SpawnPool } from './spawn-pool.js';

export interface HostEgressConfig {
  /** The transit address the controller's flows SNAT to (the same on every node). */
  readonly transitIp: string;
  /** The integration bridge, whose kernel interface is its LOCAL port. */
  readonly bridge: string;
  /** Do the work inside this named netns (a lab node) instead of the agent's own. */
  readonly hostNetns?: string;
}

/** iptables chains of ours; jumped to from the built-in chains, flushed and refilled as a whole. */
export const NAT_CHAIN = 'SDN-EGRESS';
export const FORWARD_CHAIN = 'SDN-FORWARD';

/** Why `ensure` could not finish: the bridge is not there yet (normal at node start), or a command failed. */
export class HostEgressError extends Error {
  constructor(
    message: string,
    readonly notReady = false,
  ) {
    super(message);
  }
}

interface IpLink {
  flags?: string[];
}
interface IpRoute {
  dst: string;
  dev?: string;
  gateway?: string;
}
interface IpNeigh {
  lladdr?: string;
  state?: string[];
}

/** The rules of our chains exactly as iptables-save and `iptables -S` print them (what `ensure` compares against). */
export function egressRules(c: Pick<HostEgressConfig, 'transitIp' | 'bridge'>): {
  nat: string[];
  filter: string[];
} {
  const src = `-s ${c.transitIp}/32`;
  return {
    nat: [`-A POSTROUTING -j ${NAT_CHAIN}`, `-A ${NAT_CHAIN} ${src} ! -o ${c.bridge} -j MASQUERADE`],
    filter: [
      `-A FORWARD -j ${FORWARD_CHAIN}`,
      `-A ${FORWARD_CHAIN} ${src} -j ACCEPT`,
      `-A ${FORWARD_CHAIN} -d ${c.transitIp}/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    ],
  };
}

/**
 * An iptables-restore --noflush input that puts our chains in place: declaring a chain flushes it, the rules refill
 * it, and the jumps from the built-in chains are inserted first only where `save` (the rules listed now) lacks them.
 */
export function restoreInput(c: Pick<HostEgressConfig, 'transitIp' | 'bridge'>, save: string): string {
  const have = new Set(save.split('\n').map((l) => l.trim()));
  const { nat, filter } = egressRules(c);
  const table = (name: string, chain: string, rules: string[]): string[] => {
    const [jump, ...own] = rules as [string, ...string[]];
    return [
      `*${name}`,
      `:${chain} - [0:0]`,
      ...own,
      ...(have.has(jump) ? [] : [jump.replace(/^-A (\S+)/, '-I $1 1')]),
      'COMMIT',
    ];
  };
  return [...table('nat', NAT_CHAIN, nat), ...table('filter', FORWARD_CHAIN, filter), ''].join('\n');
}

/** Whether iptables-save output holds every rule of ours, and our chains nothing else (a stale transit address). */
export function rulesInPlace(c: Pick<HostEgressConfig, 'transitIp' | 'bridge'>, save: string): boolean {
  const lines = save.split('\n').map((l) => l.trim());
  const { nat, filter } = egressRules(c);
  const count = (chain: string): number => lines.filter((l) => l.startsWith(`-A ${chain} `)).length;
  return (
    [...nat, ...filter].every((w) => lines.includes(w)) &&
    count(NAT_CHAIN) === nat.length - 1 &&
    count(FORWARD_CHAIN) === filter.length - 1
  );
}

export class HostEgress {
  private timer: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;
  readonly transitMac: string;

  constructor(
    private readonly spawner: SpawnPool,
    readonly config: HostEgressConfig,
    private readonly log: Logger,
  ) {
    ipv4Octets(config.transitIp); // throws a message naming the bad address
    this.transitMac = egressTransitMac(config.transitIp);
  }

  /** A command in the node's netns; stdout, or a HostEgressError carrying its stderr. */
  private async run(cmd: string, args: readonly string[], input?: string): Promise<string> {
    const ns = this.config.hostNetns;
    const r = ns
      ? await this.spawner.run('ip', ['netns', 'exec', ns, cmd, ...args], input)
      : await this.spawner.run(cmd, args, input);
    if (r.code !== 0)
      throw new HostEgressError(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return r.stdout;
  }

  /** Puts everything in place that is not; returns what it changed (empty when all was already right). */
  async ensure(): Promise<string[]> {
    const { bridge, transitIp } = this.config;
    const changed: string[] = [];
    let link: IpLink[];
    try {
      link = JSON.parse(await this.run('ip', ['-j', 'link', 'show', 'dev', bridge])) as IpLink[];
    } catch (e) {
      if (e instanceof HostEgressError && /does not exist|Cannot find device/.test(e.message))
        throw new HostEgressError(
          `bridge interface ${bridge} not there yet (the controller creates the bridge when the node registers)`,
          true,
        );
      throw e;
    }
    if (!link[0]?.flags?.includes('UP')) {
      await this.run('ip', ['link', 'set', 'dev', bridge, 'up']);
      changed.push(`${bridge} up`);
    }
    if ((await this.run('sysctl', ['-n', 'net.ipv4.ip_forward'])).trim() !== '1') {
      await this.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      changed.push('net.ipv4.ip_forward=1');
    }
    const routes = JSON.parse(
      await this.run('ip', ['-j', 'route', 'show', 'exact', `${transitIp}/32`]),
    ) as IpRoute[];
    if (routes.length !== 1 || routes[0]?.dev !== bridge || routes[0].gateway !== undefined) {
      await this.run('ip', ['route', 'replace', `${transitIp}/32`, 'dev', bridge, 'scope', 'link']);
      changed.push(`route ${transitIp}/32 dev ${bridge}`);
    }
    const neigh = JSON.parse(
      await this.run('ip', ['-j', 'neigh', 'show', transitIp, 'dev', bridge]),
    ) as IpNeigh[];
    if (neigh[0]?.lladdr !== this.transitMac || !neigh[0].state?.includes('PERMANENT')) {
      await this.run('ip', [
        'neigh', 'replace', transitIp, 'lladdr', this.transitMac, 'dev', bridge, 'nud', 'permanent',
      ]); // prettier-ignore
      changed.push(`neighbour ${transitIp} lladdr ${this.transitMac}`);
    }
    const save = await this.currentRules();
    if (!rulesInPlace(this.config, save)) {
      await this.run('iptables-restore', ['-w', '--noflush'], restoreInput(this.config, save));
      changed.push(`iptables ${NAT_CHAIN} (MASQUERADE from ${transitIp}) and ${FORWARD_CHAIN}`);
    }
    return changed;
  }

  /**
   * The rules of the four chains that matter, as iptables-save would print them: listed chain by chain rather than
   * with iptables-save, whose whole dump is large on a node with kube-proxy. A chain that does not exist yet lists
   * nothing (iptables-restore then reports any real problem).
   */
  private async currentRules(): Promise<string> {
    const chains = [
      ['nat', 'POSTROUTING'],
      ['nat', NAT_CHAIN],
      ['filter', 'FORWARD'],
      ['filter', FORWARD_CHAIN],
    ] as const;
    const lists = await Promise.all(
      chains.map(([table, chain]) => this.run('iptables', ['-w', '-t', table, '-S', chain]).catch(() => '')),
    );
    return lists.join('\n');
  }

  /**
   * Runs `ensure` now, then again every `intervalMs`; while the bridge is not there yet, after 1 s, doubling up to
   * 10 s (the controller creates it within moments of the node's registration). Logs what it changed, and each
   * distinct problem once.
   */
  start(intervalMs = 30_000): void {
    let waitBridge = 1000;
    const tick = async (): Promise<void> => {
      let next = intervalMs;
      try {
        const changed = await this.ensure();
        if (changed.length > 0)
          this.log.info({ changed, transitIp: this.config.transitIp }, 'host egress set up');
        this.lastProblem = undefined;
        waitBridge = 1000;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (e instanceof HostEgressError && e.notReady) {
          next = waitBridge;
          waitBridge = Math.min(waitBridge * 2, 10_000);
        }
        if (msg !== this.lastProblem) this.log.warn({ problem: msg }, 'host egress not in place');
        this.lastProblem = msg;
      }
      if (this.timer !== undefined) this.schedule(tick, next);
    };
    this.timer = setTimeout(() => void tick(), 0);
    this.timer.unref();
  }

  private schedule(tick: () => Promise<void>, ms: number): void {
    this.timer = setTimeout(() => void tick(), ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
