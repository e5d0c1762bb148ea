// A field's value in ovs-ofctl text, read the way OVS reads it for that field (meta-flow formats: decimal, hex,
// Ethernet, IPv4/IPv6 with masks, ports, flag sets, fragment types), in the width of the codec field.
import { fail } from './errors.js';
import { fieldBits, mfByName, type MfField } from './fields.js';
import { parseIntMasked, parseMacMasked } from './match-parse.js';
import {
  CT_STATE_BITS,
  TCP_FLAG_BITS,
  TUN_FLAG_BITS,
  ones,
  parseAddressMasked,
  parseFlags,
  parseFrag,
  parsePort16,
  parsePort32,
} from './values.js';

/** A field's value as ovs-ofctl reads it for that field, in the codec field's width. */
export function parseFieldValue(
  mf: MfField,
  text: string,
): { readonly v: bigint; readonly m: bigint | undefined } {
  const bits = fieldBits(mf.oxm);
  const full = (r: { v: bigint; m: bigint }): { v: bigint; m: bigint | undefined } => ({
    v: r.v,
    m: r.m === ones(bits) ? undefined : r.m,
  });
  switch (mf.format) {
    case 'mac':
      return full(parseMacMasked(text));
    case 'ipv4':
    case 'ipv6': {
      const r = parseAddressMasked(text, mf.format === 'ipv4' ? 32 : 128);
      return { v: r.value, m: r.mask };
    }
    case 'port16':
      return { v: BigInt(parsePort16(text)), m: undefined };
    case 'port32':
      return { v: BigInt(parsePort32(text)), m: undefined };
    case 'ctState':
    case 'tcpFlags':
    case 'tunFlags': {
      const names =
        mf.format === 'ctState' ? CT_STATE_BITS : mf.format === 'tcpFlags' ? TCP_FLAG_BITS : TUN_FLAG_BITS;
      const f = parseFlags(names, text, Number(ones(bits)));
      return full({ v: BigInt(f.value), m: BigInt(f.mask) });
    }
    case 'frag': {
      const f = parseFrag(text);
      return { v: BigInt(f.value), m: f.mask === 3 ? undefined : BigInt(f.mask) };
    }
    default:
      return full(parseIntMasked(text, bits));
  }
}

export function fieldByName(name: string): MfField {
  const mf = mfByName(name);
  if (!mf) fail(`unknown field "${name}"`);
  return mf;
}
