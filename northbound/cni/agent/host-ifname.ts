// The host end of a pod's veth is named from the attachment alone, so that DEL, GC and an ADD after a crash
// find it without any state: "sdn" + 11 hex digits of sha256(containerId/ifname) = 14 characters (IFNAMSIZ-1 = 15).
import { createHash, randomBytes } from 'node:crypto';

export const HOST_IFNAME = /^sdn[0-9a-f]{11}$/;

export function hostIfName(containerId: string, ifname: string): string {
  return 'sdn' + createHash('sha256').update(`${containerId}/${ifname}`).digest('hex').slice(0, 11);
}

/** A random locally administered unicast MAC for the host end (the controller picks the pod's MAC). */
export function randomHostMac(): string {
  const b = randomBytes(6);
  b[0] = ((b[0] ?? 0) & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
