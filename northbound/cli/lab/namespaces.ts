// Network namespaces of the lab: made with loopback up, listed and deleted by the lab's prefix only.
import { isLabNamespace } from './layout';
import { run, shIn } from './exec';

/**
 * Creates a namespace with lo up. IPv6 stays on where pods live (tests ping over IPv6); nodes and the underlay turn
 * it off so that router solicitations and MLD reports do not turn up as stray packet-ins or flow counts.
 */
export async function addNamespace(name: string, ipv6: boolean): Promise<void> {
  await run('ip', ['netns', 'add', name]);
  const v6 = ipv6 ? '' : '; sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1';
  await shIn(name, `ip link set lo up${v6}`);
}

export async function listNamespaces(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter(Boolean);
}

export async function labNamespaces(prefix: string): Promise<string[]> {
  return (await listNamespaces()).filter((n) => isLabNamespace(prefix, n));
}

/** PIDs of every process whose network namespace is `name`. */
export async function namespacePids(name: string): Promise<number[]> {
  const out = await run('ip', ['netns', 'pids', name]).catch(() => '');
  return out
    .split('\n')
    .map((l) => Number.parseInt(l, 10))
    .filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
}

/** Deleting a namespace destroys its veths (and their peers), the Linux bridge and OVS's tap devices. */
export async function deleteNamespace(name: string): Promise<void> {
  await run('ip', ['netns', 'delete', name]).catch(() => undefined);
}
