// docs/pipeline.md against the declaration: every table (id, name, matches, next, miss), every register and metadata
// field, every cookie feature, conntrack zone and priority band, in both directions.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Feature } from '../../../controller/pipeline/cookies.js';
import { CT_ZONES, METADATA_FIELDS, REG_FIELDS } from '../../../controller/pipeline/fields.js';
import { Priority } from '../../../controller/pipeline/priorities.js';
import { TABLES } from '../../../controller/pipeline/tables.js';

// dist/test/unit/pipeline -> repository root
const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'pipeline.md');

/** The rows of the first markdown table under `## heading`, as arrays of trimmed cells. */
function rows(doc: string, heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/pipeline.md has no "## ${heading}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim()),
  );
}

const names = (cell: string): string[] =>
  cell === '-'
    ? []
    : cell
        .split(',')
        .map((s) => s.trim().replace(/`/g, ''))
        .filter(Boolean);

describe('docs/pipeline.md matches the pipeline declaration', () => {
  const doc = readFileSync(DOC, 'utf8');

  it('lists every table with its id, matches, next tables and miss, and no other', () => {
    const doced = rows(doc, 'Tables');
    assert.deepEqual(
      doced.map((r) => `${r[0]} ${r[1]}`),
      TABLES.map((t) => `${t.id} ${t.name}`),
    );
    for (const t of TABLES) {
      const r = doced.find((x) => x[1] === t.name) as string[];
      assert.deepEqual(names(r[2] as string).sort(), [...t.matches].sort(), `matches of ${t.name}`);
      assert.deepEqual(names(r[3] as string), [...t.next], `next tables of ${t.name}`);
      assert.equal(r[4], t.miss.kind === 'drop' ? 'drop' : `goto ${t.miss.table}`, `miss of ${t.name}`);
      assert.ok((r[5] ?? '').length > 0, `${t.name} says what it does`);
    }
  });

  it('lists every register and metadata field with its bits', () => {
    const doced = rows(doc, 'Registers and metadata').map((r) => `${r[0]} ${r[1]}`);
    const declared = [
      ...REG_FIELDS.map((f) => `${f.name} \`${f.reg}[${f.ofs}..${f.ofs + f.nbits - 1}]\``),
      ...METADATA_FIELDS.map((f) => `${f.name} \`metadata[${f.ofs}..${f.ofs + f.nbits - 1}]\``),
    ];
    assert.deepEqual(doced, declared);
    for (const f of REG_FIELDS) {
      const r = rows(doc, 'Registers and metadata').find((x) => x[0] === f.name) as string[];
      const values = f.values ? Object.entries(f.values).map(([k, v]) => `${k}=${v}`) : [];
      assert.deepEqual(names(r[3] as string), values, `values of ${f.name}`);
    }
  });

  it('no two register fields overlap', () => {
    for (const a of REG_FIELDS)
      for (const b of REG_FIELDS) {
        if (a === b || a.reg !== b.reg) continue;
        assert.ok(a.ofs + a.nbits <= b.ofs || b.ofs + b.nbits <= a.ofs, `${a.name} overlaps ${b.name}`);
      }
  });

  it('lists every cookie feature with its value, every ct zone and every priority band', () => {
    assert.deepEqual(
      rows(doc, 'Cookies').map((r) => `${r[0]}=${r[1]}`),
      Object.entries(Feature).map(([k, v]) => `${k}=${v}`),
    );
    assert.deepEqual(
      rows(doc, 'Conntrack zones').map((r) => `${r[0]}=${r[1]}`),
      CT_ZONES.map((z) => `${z.name}=${z.zone}`),
    );
    assert.deepEqual(
      rows(doc, 'Priority bands').map((r) => `${r[0]}=${r[1]}`),
      Object.entries(Priority).map(([k, v]) => `${k}=${v}`),
    );
  });
});
