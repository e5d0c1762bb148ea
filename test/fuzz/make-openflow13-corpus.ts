// Regenerates the seed corpus of the OpenFlow fuzz test from the sample messages (test/unit/openflow13/samples.ts):
//   npx tsc -p . && node dist/test/fuzz/make-openflow13-corpus.js
// Seeds are `seed-NNN-<type>.bin`; crashers found by the fuzz test are kept beside them as `crash-<hash>.bin`.
import fs from 'node:fs';
import path from 'node:path';
import { encode } from '../../protocols/openflow13/index.js';
import { ALL_SAMPLES } from '../unit/openflow13/samples.js';

export const CORPUS_DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'fuzz', 'corpus', 'openflow13');

function main(): void {
  fs.mkdirSync(CORPUS_DIR, { recursive: true });
  for (const f of fs.readdirSync(CORPUS_DIR))
    if (f.startsWith('seed-')) fs.unlinkSync(path.join(CORPUS_DIR, f));
  ALL_SAMPLES.forEach((m, i) => {
    const name = `seed-${String(i).padStart(3, '0')}-${m.type}${'kind' in m ? `-${m.kind}` : ''}.bin`;
    fs.writeFileSync(path.join(CORPUS_DIR, name), encode(m));
  });
  console.log(`${ALL_SAMPLES.length} seeds in ${CORPUS_DIR}`);
}

if (require.main === module) main();
