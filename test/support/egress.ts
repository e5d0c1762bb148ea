// Egress out of the lab: wait for sdn-agent's host side (the transit route into br-int and the MASQUERADE), which it
// sets up at start and retries each second until the controller has created the node's bridge.
import { DEFAULT_EGRESS_TRANSIT_IP } from '../../controller/pipeline/egress-transit.js';
import { inNetns } from './lab.js';

export async function hostEgressReady(nodeNetns: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    const route = await inNetns(nodeNetns, 'ip', 'route', 'show', `${DEFAULT_EGRESS_TRANSIT_IP}/32`);
    const nat = await inNetns(nodeNetns, 'iptables-save', '-t', 'nat');
    last = `${route.out}${nat.out}`;
    if (route.out.includes('dev br-int') && nat.out.includes('-j MASQUERADE')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`sdn-agent did not set up host egress in ${nodeNetns} within ${timeoutMs} ms:\n${last}`);
}

/** Waits until something listens on TCP `port` in a namespace (a server just started there). */
export async function listening(netns: string, port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await inNetns(netns, 'nc', '-z', '-w', '1', '127.0.0.1', String(port))).code === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on TCP ${port} in ${netns} after ${timeoutMs} ms`);
}
