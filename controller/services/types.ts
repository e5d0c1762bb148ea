// The load balancer's own view of a Service. The stored model (controller/model) maps onto these; they hold
// only what picking a backend needs.

export type LbProtocol = 'TCP' | 'UDP' | 'SCTP';

export type LbPolicy = 'round-robin' | 'least-connections' | 'source-ip-hash' | 'weighted';

/**
 * healthy: takes new connections. draining: keeps its sessions, takes no new ones (being removed).
 * unhealthy: failed its checks; takes nothing new (its sessions are the caller's to delete).
 */
export type BackendHealth = 'healthy' | 'draining' | 'unhealthy';

export interface LbBackend {
  /** Stable id (endpoint id or external address id); session cookies and connection counts are keyed on it. */
  readonly id: string;
  /** Canonical IPv4 or IPv6 text. A client is only sent to backends of its own address family. */
  readonly address: string;
  /** Overrides the service port's targetPort (external backends listen where they like). */
  readonly port?: number;
  /** Relative share for the weighted policies; 0 takes no new connections. */
  readonly weight: number;
  readonly health: BackendHealth;
}

export interface LbPort {
  readonly name?: string;
  readonly protocol: LbProtocol;
  readonly port: number;
  readonly targetPort: number;
}

export type SessionAffinity =
  { readonly kind: 'None' } | { readonly kind: 'ClientIP'; readonly timeoutSeconds: number };

export interface LbService {
  readonly id: string;
  /** ClusterIPs, IPv4 and/or IPv6. */
  readonly vips: readonly string[];
  readonly ports: readonly LbPort[];
  readonly backends: readonly LbBackend[];
  readonly policy: LbPolicy;
  readonly affinity: SessionAffinity;
}

/** Kubernetes' default ClientIP affinity timeout (10800 s, three hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export const PROTOCOL_NUMBER: Readonly<Record<LbProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

export function canTakeNewConnections(b: LbBackend): boolean {
  return b.health === 'healthy' && b.weight > 0;
}
