// Splitting ovs-ofctl text: comma (or space) separated items at parenthesis depth zero, `key=value` and
// `key:value` pairs, and `NAME[a..b]` subfields.
import type { Subfield } from '../oxm.js';
import { fail } from './errors.js';
import { fieldBits, mfByName, mfByNxmName } from './fields.js';

const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Splits at `seps` outside parentheses and brackets; drops empty items. Scans by index: this is the hot path. */
const separatorTables = new Map<string, Uint8Array>();

/** A lookup table of separator character codes (ASCII), cached per separator set. */
function separatorTable(seps: string): Uint8Array {
  let t = separatorTables.get(seps);
  if (!t) {
    t = new Uint8Array(128);
    for (let i = 0; i < seps.length; i++) t[seps.charCodeAt(i)] = 1;
    separatorTables.set(seps, t);
  }
  return t;
}

export function splitTop(text: string, seps = ','): string[] {
  const isSep = separatorTable(seps);
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number): void => {
    const item = text.slice(start, end).trim();
    if (item) out.push(item);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_PAREN || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_PAREN || c === CLOSE_BRACKET) {
      if (--depth < 0) fail(`unbalanced parentheses in "${text}"`);
    } else if (depth === 0 && c < 128 && isSep[c] === 1) {
      push(i);
      start = i + 1;
    }
  }
  if (depth !== 0) fail(`unbalanced parentheses in "${text}"`);
  push(text.length);
  return out;
}

/** `key=value` or `key:value` (the first separator outside brackets), or a bare word. */
export function splitPair(
  item: string,
  seps = '=:',
): { readonly key: string; readonly value: string | undefined } {
  const isSep = separatorTable(seps);
  let depth = 0;
  for (let i = 0; i < item.length; i++) {
    const c = item.charCodeAt(i);
    if (c === OPEN_PAREN || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_PAREN || c === CLOSE_BRACKET) depth--;
    else if (depth === 0 && c < 128 && isSep[c] === 1) {
      return { key: item.slice(0, i).trim(), value: item.slice(i + 1).trim() };
    }
  }
  return { key: item.trim(), value: undefined };
}

/** `name(args)` -> args, or undefined when `item` is not that call. */
export function callArgs(item: string, name: string): string | undefined {
  if (!item.startsWith(`${name}(`) || !item.endsWith(')')) return undefined;
  return item.slice(name.length + 1, -1);
}

/** Parses `NXM_NX_REG0[0..15]`, `reg0[5]`, `OXM_OF_METADATA[]` into the codec's NXM-header subfield. */
export function parseSubfield(text: string): Subfield {
  const m = /^([A-Za-z0-9_]+)\[(?:(\d+)(?:\.\.(\d+))?)?\]$/.exec(text.trim());
  if (!m) fail(`"${text}" is not a subfield (NAME[], NAME[BIT] or NAME[START..END])`);
  const mf = mfByNxmName(m[1]) ?? mfByName(m[1]);
  if (!mf) fail(`unknown field "${m[1]}"`);
  const field = mf.nxm;
  const width = fieldBits(field);
  if (m[2] === undefined) return { field, ofs: 0, nbits: width };
  const start = Number(m[2]);
  const end = m[3] === undefined ? start : Number(m[3]);
  if (end < start || end >= width)
    fail(`"${text}": bits ${start}..${end} do not fit in ${width}-bit ${m[1]}`);
  return { field, ofs: start, nbits: end - start + 1 };
}

export function isSubfield(text: string): boolean {
  return /^[A-Za-z0-9_]+\[[\d.]*\]$/.test(text.trim());
}
