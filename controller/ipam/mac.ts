// MAC addresses for endpoints, derived from the endpoint's first address so that an endpoint that gets its address
// back (IP retention) also gets its MAC back, and neighbours' ARP caches stay right.
// Locally administered unicast (second-lowest bit of the first octet set, lowest clear), as RFC 7042 asks of
// addresses not assigned by the IEEE.
import { createHash } from 'node:crypto';
import { parseAddress } from './address';

const V4_PREFIX = [0x0a, 0x58]; // 0a:58:<IPv4 octets>: one-to-one with the IPv4 address
const V6_PREFIX = 0x0e; // 0e:<low 40 bits of the IPv6 address>
const HASHED_PREFIX = 0x0a; // fallback when the derived MAC is taken in the network

export function formatMac(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The MAC an address maps to, before any collision handling. */
export function macForAddress(address: string): string {
  const { version, value } = parseAddress(address);
  const bytes: number[] = [];
  if (version === 4) {
    for (let i = 3; i >= 0; i--) bytes.push(Number((value >> BigInt(8 * i)) & 0xffn));
    return formatMac([...V4_PREFIX, ...bytes]);
  }
  for (let i = 4; i >= 0; i--) bytes.push(Number((value >> BigInt(8 * i)) & 0xffn));
  return formatMac([V6_PREFIX, ...bytes]);
}

/**
 * A MAC unique in the network: the derived one, or when a different endpoint holds it (IPv6 addresses that agree in
 * their low 40 bits), a hash of the address and an attempt counter. Deterministic for a given set of taken MACs.
 */
export function deriveMac(
  address: string | undefined,
  seed: string,
  taken: (mac: string) => boolean,
): string {
  if (address !== undefined) {
    const mac = macForAddress(address);
    if (!taken(mac)) return mac;
  }
  for (let attempt = 0; ; attempt++) {
    const h = createHash('sha256')
      .update(`${address ?? seed}#${attempt}`)
      .digest();
    const mac = formatMac([HASHED_PREFIX, 0x5b, h[0], h[1], h[2], h[3]]);
    if (!taken(mac)) return mac;
  }
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lower-case colon form of a unicast MAC, or a reason it is not one. */
export function normalizeMac(text: string): { mac: string } | { reason: string } {
  const mac = text.toLowerCase().replace(/-/g, ':');
  if (!MAC_RE.test(mac)) return { reason: `"${text}" is not a MAC address (expected xx:xx:xx:xx:xx:xx)` };
  if (parseInt(mac.slice(0, 2), 16) & 1)
    return { reason: `${mac} is a multicast MAC; an endpoint needs a unicast one` };
  if (mac === '00:00:00:00:00:00') return { reason: 'the all-zero MAC is not a valid endpoint MAC' };
  return { mac };
}
