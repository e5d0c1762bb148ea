// The printer never throws on anything the codec decodes: every fuzz seed, every Ryu vector, every corpus flow,
// and 30,000 bit-flipped variants of them that still decode. `sdnctl ofp print` runs on captures from the wild.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from '../../protocols/openflow13/index.js';
import { formatFlow, formatMessage, parseFlow } from '../../protocols/openflow13/ofctl/index.js';
import { xorshift32 } from '../support/rng.js';

const ROOT = join(__dirname, '../../..');
const SEEDS = join(ROOT, 'test/fuzz/corpus/openflow13');
const RYU = '/work/shared/conformance/ryu-of13/packet';
const CORPUS = join(ROOT, 'test/fixtures/openflow13/ofctl-corpus.txt');

function files(dir: string): Buffer[] {
  try {
    return readdirSync(dir).map((f) => readFileSync(join(dir, f)));
  } catch {
    return [];
  }
}

describe('fuzz: ofctl printer on decoded messages', function () {
  this.timeout(120_000);
  const flows = readFileSync(CORPUS, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => encode(parseFlow(l)));
  const seeds = [...files(SEEDS), ...files(RYU), ...flows];

  it('has seeds', () => assert.ok(seeds.length >= 300, `only ${seeds.length} seeds`));

  it('prints every seed and 30,000 mutations of them that decode, without throwing', () => {
    const random = xorshift32(0x5eed);
    let printed = 0;
    const tryPrint = (bytes: Buffer): void => {
      const d = decode(bytes);
      if (!d.ok) return;
      try {
        const text = formatMessage(d.message);
        if (d.message.type === 'flowMod') {
          // A flow the printer writes must read back (or be refused with a syntax error, never a crash).
          try {
            parseFlow(formatFlow(d.message));
          } catch (e) {
            if (!(e instanceof Error) || e.name !== 'OfctlSyntaxError') throw e;
          }
        }
        if (text !== undefined) printed++;
      } catch (e) {
        assert.fail(`${bytes.toString('hex')}: ${e instanceof Error ? e.stack : String(e)}`);
      }
    };
    for (const s of seeds) tryPrint(s);
    for (let i = 0; i < 30_000; i++) {
      const seed = seeds[Math.floor(random() * seeds.length)];
      const m = Buffer.from(seed);
      const flips = 1 + Math.floor(random() * 4);
      // Leave the 8-byte header alone so that most mutants still decode and reach the printer.
      for (let f = 0; f < flips && m.length > 8; f++) {
        const at = 8 + Math.floor(random() * (m.length - 8));
        m[at] ^= 1 << Math.floor(random() * 8);
      }
      tryPrint(m);
    }
    assert.ok(printed > 5_000, `only ${printed} mutants decoded and printed`);
  });
});
