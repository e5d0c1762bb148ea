// Address arithmetic the dashboard needs (ipaddr.js does the parsing).
import ipaddr from 'ipaddr.js';

/** Is `ip` inside `cidr`? False for mixed families or unparsable input. */
export function inSubnet(ip: string, cidr: string): boolean {
  try {
    const addr = ipaddr.parse(ip);
    const [net, len] = ipaddr.parseCIDR(cidr);
    return addr.kind() === net.kind() && addr.match(net, len);
  } catch {
    return false;
  }
}
