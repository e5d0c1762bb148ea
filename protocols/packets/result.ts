// Errors as values: a parser never throws on bad bytes, it says which layer refused them, where, and why.

export type PacketLayer =
  'ethernet' | 'arp' | 'ipv4' | 'ipv6' | 'icmp' | 'icmpv6' | 'tcp' | 'udp' | 'flow' | 'build';

export interface PacketError {
  readonly layer: PacketLayer;
  /** Byte offset in the frame where the problem was found. */
  readonly offset: number;
  readonly reason: string;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PacketError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(layer: PacketLayer, offset: number, reason: string): Result<T> {
  return { ok: false, error: { layer, offset, reason } };
}

export function describeError(e: PacketError): string {
  return `${e.layer} at byte ${e.offset}: ${e.reason}`;
}
