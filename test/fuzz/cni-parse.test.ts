// The CNI parsers take text from the runtime and from admins' config files: whatever comes in, they return a
// value or a CNI error with a known code, and never throw. Seeded, so a failure reproduces.
import assert from 'node:assert/strict';
import {
  CniCode,
  parseCniArgs,
  parseCniEnv,
  parseNetConf,
  parsePrevResult,
  type CniCommand,
  type Parsed,
} from '../../protocols/cni/index.js';

// 200k cases per parser in CI (issue 11); a soak sets CNI_FUZZ_CASES for more.
const CASES = Number(process.env.CNI_FUZZ_CASES ?? 200_000);
const CODES = new Set<number>(Object.values(CniCode));
const COMMANDS: CniCommand[] = ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION'];

/** mulberry32: small, seeded, good enough to drive a fuzzer. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'aZ09 .-_/:;=,{}[]"\\\n\t\r\u00e9\u2713IgnoreUnknown=1K8S_POD_NAME=IP=10.0.0.1MAC=';

function randomText(r: () => number, max: number): string {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 2 ? 5 : 7));
  switch (k) {
    case 0:
      return randomText(r, 12);
    case 1:
      return Math.floor(r() * 3000) - 10;
    case 2:
      return r() < 0.5;
    case 3:
      return null;
    case 4:
      return ['1.0.0', '1.1.0', '0.4.0', '10.0.0.5/24', '0.0.0.0/0', 'eth0', 'fd00::1'][Math.floor(r() * 7)];
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const keys = [
        'cniVersion',
        'name',
        'type',
        'ipam',
        'mtu',
        'network',
        'dns',
        'runtimeConfig',
        'args',
        'prevResult',
        'interfaces',
        'ips',
        'routes',
        'address',
        'interface',
        'dst',
        'gw',
        'mac',
        'cni',
        'cni.dev/attachments',
        'cni.dev/valid-attachments',
        'containerID',
        'ifname',
        'nameservers',
        'agentSocket',
      ];
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 6); i > 0; i--)
        o[keys[Math.floor(r() * keys.length)] ?? 'x'] = randomValue(r, depth + 1);
      return o;
    }
  }
}

function assertOutcome(p: Parsed<unknown>, what: string): void {
  if (!p.ok) {
    assert.ok(CODES.has(p.error.code), `${what}: unknown code ${p.error.code}`);
    assert.equal(typeof p.error.details, 'string');
  }
}

describe('fuzz: protocols/cni parsers never throw', function () {
  this.timeout(60_000 + CASES / 2);
  it(`parseNetConf on ${CASES} random configs, every verb`, () => {
    const r = rng(6);
    for (let i = 0; i < CASES; i++) {
      const v = randomValue(r);
      const base =
        r() < 0.7 && typeof v === 'object' && v && !Array.isArray(v)
          ? { cniVersion: '1.1.0', name: 'n', type: 'sdn-cni', ...v }
          : v;
      const text = r() < 0.1 ? randomText(r, 40) : JSON.stringify(base);
      for (const cmd of COMMANDS) assertOutcome(parseNetConf(text, cmd), `config #${i} ${cmd}: ${text}`);
    }
  });

  it(`parseCniEnv and parseCniArgs on ${CASES} random environments`, () => {
    const r = rng(7);
    for (let i = 0; i < CASES; i++) {
      const env: Record<string, string | undefined> = {
        CNI_COMMAND: r() < 0.8 ? COMMANDS[Math.floor(r() * COMMANDS.length)] : randomText(r, 6),
        CNI_CONTAINERID: r() < 0.8 ? `c${i}` : randomText(r, 10),
        CNI_NETNS: r() < 0.7 ? '/run/netns/p' : randomText(r, 10),
        CNI_IFNAME: r() < 0.7 ? 'eth0' : randomText(r, 20),
        CNI_ARGS: randomText(r, 60),
        CNI_PATH: r() < 0.5 ? undefined : randomText(r, 20),
      };
      assertOutcome(parseCniEnv(env), `env #${i} ${JSON.stringify(env)}`);
      assertOutcome(parseCniArgs(env.CNI_ARGS ?? ''), `args #${i}`);
    }
  });

  it(`parsePrevResult on ${CASES} random results`, () => {
    const r = rng(8);
    for (let i = 0; i < CASES; i++) assertOutcome(parsePrevResult(randomValue(r)), `prevResult #${i}`);
  });
});
