import type { LbBackend, LbPolicy, LbService, SessionAffinity } from '../../../controller/services/index.js';

export function backend(id: string, weight = 1, health: LbBackend['health'] = 'healthy'): LbBackend {
  return { id, address: `10.1.0.${id.charCodeAt(id.length - 1) % 250}`, weight, health };
}

export function service(
  policy: LbPolicy,
  backends: LbBackend[],
  affinity: SessionAffinity = { kind: 'None' },
  vips = ['10.96.0.10'],
): LbService {
  return {
    id: 'default/web',
    vips,
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
    backends,
    policy,
    affinity,
  };
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public now = 1_000_000) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export function tally(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

export function clients(n: number, prefix = '10.244'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}.${(i >> 8) & 255}.${i & 255}`);
}
