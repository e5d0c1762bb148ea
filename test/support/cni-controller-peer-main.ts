// Runs the /cni/v1 contract's test peer as its own process (bench/cni: so that the harness's own process
// starts never delay the peer's answers). Prints its URL on stdout, then serves until SIGTERM.
//   node dist/test/support/cni-controller-peer-main.js --token T [--pool-size N]
import { CniControllerPeer } from './cni-controller-peer.js';

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const token = arg('--token');
  if (!token) throw new Error('--token is required');
  const pool = arg('--pool-size');
  const peer = await new CniControllerPeer({ token, ...(pool && { poolSize: Number(pool) }) }).start();
  process.stdout.write(`${peer.url}\n`);
  process.once('SIGTERM', () => void peer.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  process.stderr.write(`cni-controller-peer: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
