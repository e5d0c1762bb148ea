// Backend health from probe results, with hysteresis: `fall` consecutive failures take a healthy backend out,
// `rise` consecutive successes bring it back (the haproxy/Kubernetes-probe model), so one lost probe does not
// flap sessions.
import type { BackendHealth } from './types.js';

export interface HealthThresholds {
  readonly rise: number;
  readonly fall: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { rise: 2, fall: 3 };

interface ProbeState {
  health: BackendHealth;
  streak: number;
}

export interface HealthChange {
  readonly backendId: string;
  readonly from: BackendHealth;
  readonly to: BackendHealth;
}

export class HealthTracker {
  private readonly states = new Map<string, ProbeState>();

  constructor(private readonly thresholds: HealthThresholds = DEFAULT_THRESHOLDS) {}

  /** Current state; a backend never probed is healthy (it was just added by someone who knows it). */
  get(backendId: string): BackendHealth {
    return this.states.get(backendId)?.health ?? 'healthy';
  }

  /** Records one probe; returns the change it caused, if any. A draining backend stays draining. */
  report(backendId: string, success: boolean): HealthChange | undefined {
    let s = this.states.get(backendId);
    if (s === undefined) {
      s = { health: 'healthy', streak: 0 };
      this.states.set(backendId, s);
    }
    if (s.health === 'draining') return undefined;
    const against = s.health === 'healthy' ? !success : success;
    s.streak = against ? s.streak + 1 : 0;
    const needed = s.health === 'healthy' ? this.thresholds.fall : this.thresholds.rise;
    if (s.streak < needed) return undefined;
    const from = s.health;
    s.health = from === 'healthy' ? 'unhealthy' : 'healthy';
    s.streak = 0;
    return { backendId, from, to: s.health };
  }

  /** Operator action: stop new connections to a backend being removed, or return it to service. */
  setDraining(backendId: string, draining: boolean): HealthChange | undefined {
    const from = this.get(backendId);
    const to: BackendHealth = draining ? 'draining' : 'healthy';
    if (from === to) return undefined;
    this.states.set(backendId, { health: to, streak: 0 });
    return { backendId, from, to };
  }

  forget(backendId: string): void {
    this.states.delete(backendId);
  }
}
