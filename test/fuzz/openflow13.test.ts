// Fuzzing the OpenFlow 1.3 framer and decoder: at least 200,000 mutated messages (bit flips, byte stores,
// truncations, lying header lengths, nested TLV lengths set to bad values, splices) from a fixed seed.
// Properties: no exception escapes decode() or the framer; the framer never buffers more than one message; a
// message that decodes also encodes, and its encoding decodes again. Any input that breaks a property is saved
// as test/fuzz/corpus/openflow13/crash-<hash>.bin, and every saved crasher is replayed first.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EncodeError, Framer, decode, encode } from '../../protocols/openflow13/index.js';
import { CORPUS_DIR } from './make-openflow13-corpus.js';
import { mulberry32 } from '../support/rng.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 200_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed0f13);

/** Check one input against every property; returns a description of the broken property, or undefined. */
function check(input: Buffer, chunking: () => number): string | undefined {
  try {
    const r = decode(input);
    if (r.ok) {
      let again: Buffer;
      try {
        again = encode(r.message);
      } catch (e) {
        // A decoded value the encoder refuses is a codec asymmetry, except for values it cannot hold by design.
        if (e instanceof EncodeError) return `encode of a decoded ${r.message.type} refused: ${e.message}`;
        throw e;
      }
      const r2 = decode(again);
      if (!r2.ok) return `re-encoded ${r.message.type} does not decode: ${r2.error.reason}`;
    } else if (typeof r.error.offset !== 'number' || r.error.offset < 0 || r.error.offset > input.length) {
      return `error offset ${r.error.offset} outside the message`;
    }
    const f = new Framer();
    let p = 0;
    while (p < input.length) {
      const n = Math.max(1, Math.min(input.length - p, chunking()));
      const batch = f.push(input.subarray(p, p + n));
      for (const m of batch.messages) decode(m);
      if (f.buffered > 65535) return `framer buffers ${f.buffered} bytes`;
      p += n;
    }
    return undefined;
  } catch (e) {
    return `exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
}

function saveCrasher(input: Buffer): string {
  const name = `crash-${crypto.createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`;
  fs.writeFileSync(path.join(CORPUS_DIR, name), input);
  return name;
}

/** Offsets where a 16-bit big-endian value looks like a TLV length (between 4 and the bytes left). */
function lengthFields(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 8; i + 2 <= b.length; i += 2) {
    const v = b.readUInt16BE(i);
    if (v >= 4 && v <= b.length - i + 8 && v % 4 === 0) out.push(i);
  }
  return out;
}

function mutate(seed: Buffer, other: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const ops = 1 + int(4);
  let out = b;
  for (let k = 0; k < ops; k++) {
    switch (int(8)) {
      case 0: // flip one bit
        if (out.length) out[int(out.length)] ^= 1 << int(8);
        break;
      case 1: // store a random or boundary byte
        if (out.length) out[int(out.length)] = [0, 0xff, 0x7f, 0x80, int(256)][int(5)];
        break;
      case 2: // truncate, keeping the header's claim
        out = out.subarray(0, int(out.length + 1));
        break;
      case 3: // lie in the header length
        if (out.length >= 4)
          out.writeUInt16BE(
            [0, 7, 8, out.length - 1, out.length + 1, 0xffff, int(0x10000)][int(7)] & 0xffff,
            2,
          );
        break;
      case 4: {
        // a nested TLV length (match, action, instruction, property, bucket, band) set to a bad value
        const fields = lengthFields(out);
        if (fields.length) {
          const at = fields[int(fields.length)];
          out.writeUInt16BE(
            [0, 1, 3, 4, 7, 9, 0xfff8, 0xffff, out.readUInt16BE(at) + 8, out.readUInt16BE(at) - 8][int(10)] &
              0xffff,
            at,
          );
        }
        break;
      }
      case 5: // append random bytes, fixing up the header length half of the time
        out = Buffer.concat([out, Buffer.from(Array.from({ length: 1 + int(24) }, () => int(256)))]);
        if (rnd() < 0.5 && out.length <= 0xffff && out.length >= 4) out.writeUInt16BE(out.length, 2);
        break;
      case 6: {
        // splice: our head, another message's tail
        const cut = int(out.length + 1);
        out = Buffer.concat([out.subarray(0, cut), other.subarray(Math.min(other.length, cut))]);
        break;
      }
      default: {
        // duplicate a slice in place (repeated TLVs), keep the header length honest
        if (out.length > 8) {
          const s = 8 + int(out.length - 8);
          const e = Math.min(out.length, s + 8 * (1 + int(4)));
          out = Buffer.concat([out.subarray(0, e), out.subarray(s, e), out.subarray(e)]);
          if (out.length <= 0xffff) out.writeUInt16BE(out.length, 2);
        }
      }
    }
  }
  return Buffer.from(out);
}

describe('fuzz: OpenFlow 1.3 framer and decoder', function () {
  this.timeout(120_000);
  const files = fs.existsSync(CORPUS_DIR) ? fs.readdirSync(CORPUS_DIR).sort() : [];
  const seeds = files
    .filter((f) => f.startsWith('seed-'))
    .map((f) => fs.readFileSync(path.join(CORPUS_DIR, f)));
  const crashers = files.filter((f) => f.startsWith('crash-'));

  it('has a seed corpus', () => {
    assert.ok(
      seeds.length >= 50,
      `expected the seed corpus in ${CORPUS_DIR} (node dist/test/fuzz/make-openflow13-corpus.js)`,
    );
  });

  it('replays every saved crasher', () => {
    const rnd = mulberry32(1);
    for (const f of crashers) {
      const broken = check(fs.readFileSync(path.join(CORPUS_DIR, f)), () => 1 + Math.floor(rnd() * 64));
      assert.equal(broken, undefined, `${f}: ${broken}`);
    }
  });

  it(`survives ${ITERATIONS.toLocaleString('en-US')} mutated messages (seed 0x${SEED.toString(16)})`, () => {
    const rnd = mulberry32(SEED);
    const chunking = (): number => (rnd() < 0.2 ? 1 + Math.floor(rnd() * 8) : 1 + Math.floor(rnd() * 512));
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = seeds[Math.floor(rnd() * seeds.length)];
      const other = seeds[Math.floor(rnd() * seeds.length)];
      const input = mutate(seed, other, rnd);
      const broken = check(input, chunking);
      if (broken !== undefined) assert.fail(`iteration ${i}: ${broken}\nsaved as ${saveCrasher(input)}`);
      if (decode(input).ok) decoded++;
      else rejected++;
    }
    // Both outcomes must be common, or the mutations are too weak (all decode) or too blunt (all rejected).
    assert.ok(decoded > ITERATIONS / 20, `only ${decoded} mutated messages decoded`);
    assert.ok(rejected > ITERATIONS / 20, `only ${rejected} mutated messages were rejected`);
  });

  it('survives a stream of concatenated mutated messages with lying lengths', () => {
    const rnd = mulberry32(SEED + 1);
    for (let round = 0; round < 200; round++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < 20; i++) parts.push(mutate(seeds[Math.floor(rnd() * seeds.length)], seeds[0], rnd));
      const stream = Buffer.concat(parts);
      const f = new Framer();
      for (let p = 0; p < stream.length;) {
        const n = 1 + Math.floor(rnd() * 300);
        const batch = f.push(stream.subarray(p, p + n));
        for (const m of batch.messages) decode(m);
        assert.ok(f.buffered <= 65535);
        if (batch.error) break;
        p += n;
      }
    }
  });
});
