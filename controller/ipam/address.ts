// Address arithmetic on bigints: CIDRs, usable ranges, pools. Pure; no state.
import ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;

export interface Cidr {
  readonly version: IpVersion;
  /** First address (the network address), as a number. */
  readonly base: bigint;
  readonly prefix: number;
  readonly bits: 32 | 128;
  /** Last address (the v4 broadcast address). */
  readonly last: bigint;
}

export interface Range {
  readonly start: bigint;
  readonly end: bigint;
}

export class AddressError extends Error {}

export function versionOf(text: string): IpVersion | undefined {
  // Text with a colon is never IPv4: asking ipaddr's IPv4 check anyway makes it throw (and build a stack trace)
  // inside, which was half of a node's compile time, paid for every IPv6 address of every endpoint.
  if (text.includes(':')) return ipaddr.IPv6.isValid(text) && !text.includes('%') ? 6 : undefined;
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? 4 : undefined;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseAddress(text: string): { version: IpVersion; value: bigint } {
  // Fast path for canonical dotted quads: loading a model parses every allocated address once.
  const q = DOTTED_QUAD.exec(text);
  if (q) {
    const o = [Number(q[1]), Number(q[2]), Number(q[3]), Number(q[4])];
    if (o.every((x, i) => x <= 255 && String(x) === q[i + 1])) {
      return { version: 4, value: BigInt(((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3]) };
    }
  }
  const version = versionOf(text);
  if (version === undefined) throw new AddressError(`"${text}" is not an IPv4 or IPv6 address`);
  const bytes = ipaddr.parse(text).toByteArray();
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { version, value };
}

export function formatAddress(version: IpVersion, value: bigint): string {
  const n = version === 4 ? 4 : 16;
  const bytes: number[] = new Array<number>(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/** Parses "a.b.c.d/len" or "x::/len"; host bits must be zero (10.0.0.5/24 is an address, not a subnet). */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new AddressError(`"${text}" is not a CIDR: expected ADDRESS/PREFIX`);
  const prefixText = text.slice(slash + 1);
  const { version, value } = parseAddress(text.slice(0, slash));
  const bits = version === 4 ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) {
    throw new AddressError(`"${text}" has prefix length "${prefixText}", expected 0..${bits}`);
  }
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostMask) !== 0n) {
    const base = formatAddress(version, value & ~hostMask);
    throw new AddressError(`"${text}" has host bits set; the subnet is ${base}/${prefix}`);
  }
  return { version, base: value, prefix, bits, last: value | hostMask };
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.version, c.base)}/${c.prefix}`;
}

export function contains(c: Cidr, value: bigint): boolean {
  return value >= c.base && value <= c.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.base <= b.last && b.base <= a.last;
}

/**
 * Addresses an endpoint may hold. IPv4 loses the network and broadcast addresses except on /31 (RFC 3021) and
 * /32; IPv6 loses the subnet-router anycast address (RFC 4291 2.6.1) except on /127 (RFC 6164) and /128.
 */
export function usableRange(c: Cidr): Range | undefined {
  const size = c.last - c.base + 1n;
  if (size <= 2n) return { start: c.base, end: c.last };
  if (c.version === 4) return { start: c.base + 1n, end: c.last - 1n };
  return { start: c.base + 1n, end: c.last };
}

/** The conventional gateway: the first usable address, when the subnet has room for a gateway and hosts. */
export function defaultGateway(c: Cidr): bigint | undefined {
  const size = c.last - c.base + 1n;
  if (size < 4n) return undefined;
  return c.base + 1n;
}

/** Pools covering the usable range minus the gateway. */
export function defaultPools(c: Cidr, gateway: bigint | undefined): Range[] {
  const usable = usableRange(c);
  if (!usable) return [];
  return subtract([usable], gateway === undefined ? [] : [gateway]);
}

/** Ranges minus single addresses; ranges must be sorted and disjoint, the result is too. */
export function subtract(ranges: readonly Range[], points: readonly bigint[]): Range[] {
  const sorted = [...new Set(points)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Range[] = [];
  for (const r of ranges) {
    let start = r.start;
    for (const p of sorted) {
      if (p < start || p > r.end) continue;
      if (p > start) out.push({ start, end: p - 1n });
      start = p + 1n;
    }
    if (start <= r.end) out.push({ start, end: r.end });
  }
  return out;
}

export function sortRanges(ranges: readonly Range[]): Range[] {
  return [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** A problem with a subnet definition, naming the field it is about. */
export interface SubnetProblem {
  readonly field: string;
  readonly reason: string;
}

export interface SubnetPlan {
  readonly cidr: Cidr;
  readonly gateway?: bigint;
  readonly pools: Range[];
  readonly reserved: bigint[];
}

/**
 * Checks a subnet's cidr, gateway, pools and reserved addresses against each other and returns the numbers,
 * or the first problem found. gateway: undefined = conventional default, null = none.
 */
export function planSubnet(input: {
  cidr: string;
  gateway?: string | null;
  pools?: readonly { start: string; end: string }[];
  reserved?: readonly string[];
}): SubnetPlan | SubnetProblem {
  let cidr: Cidr;
  try {
    cidr = parseCidr(input.cidr);
  } catch (e) {
    return { field: 'cidr', reason: (e as Error).message };
  }
  const cidrText = formatCidr(cidr);
  const usable = usableRange(cidr);
  const inside = (field: string, text: string): bigint | SubnetProblem => {
    let a: { version: IpVersion; value: bigint };
    try {
      a = parseAddress(text);
    } catch (e) {
      return { field, reason: (e as Error).message };
    }
    if (a.version !== cidr.version || !contains(cidr, a.value)) {
      return { field, reason: `${text} is outside ${cidrText}` };
    }
    if (!usable || a.value < usable.start || a.value > usable.end) {
      return {
        field,
        reason: `${text} is the ${cidr.version === 4 ? 'network or broadcast' : 'subnet-router anycast'} address of ${cidrText}`,
      };
    }
    return a.value;
  };
  let gateway: bigint | undefined;
  if (input.gateway === undefined) gateway = defaultGateway(cidr);
  else if (input.gateway !== null) {
    const g = inside('gateway', input.gateway);
    if (typeof g !== 'bigint') return g;
    gateway = g;
  }
  const reserved: bigint[] = [];
  for (const [i, text] of (input.reserved ?? []).entries()) {
    const r = inside(`reserved/${i}`, text);
    if (typeof r !== 'bigint') return r;
    reserved.push(r);
  }
  let pools: Range[];
  if (input.pools === undefined) pools = defaultPools(cidr, gateway);
  else {
    pools = [];
    for (const [i, p] of input.pools.entries()) {
      const start = inside(`pools/${i}/start`, p.start);
      if (typeof start !== 'bigint') return start;
      const end = inside(`pools/${i}/end`, p.end);
      if (typeof end !== 'bigint') return end;
      if (end < start)
        return { field: `pools/${i}`, reason: `pool ${p.start}-${p.end} ends before it starts` };
      if (gateway !== undefined && gateway >= start && gateway <= end) {
        return {
          field: `pools/${i}`,
          reason: `pool ${p.start}-${p.end} contains the gateway ${formatAddress(cidr.version, gateway)}`,
        };
      }
      pools.push({ start, end });
    }
    const sorted = sortRanges(pools);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].start <= sorted[i - 1].end) {
        return {
          field: 'pools',
          reason: `pools ${formatRange(cidr.version, sorted[i - 1])} and ${formatRange(cidr.version, sorted[i])} overlap`,
        };
      }
    }
    pools = sorted;
  }
  return { cidr, gateway, pools, reserved };
}

export function isProblem(x: SubnetPlan | SubnetProblem): x is SubnetProblem {
  return 'reason' in x;
}

export function formatRange(version: IpVersion, r: Range): string {
  return `${formatAddress(version, r.start)}-${formatAddress(version, r.end)}`;
}

/** Normal form of an address text (lower case, RFC 5952 for IPv6), or undefined if it is not one. */
export function canonicalAddress(text: string): string | undefined {
  try {
    const a = parseAddress(text);
    return formatAddress(a.version, a.value);
  } catch {
    return undefined;
  }
}
