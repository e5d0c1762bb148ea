// A test-only byte oracle, independent of writer.ts and encode.ts: messages are spelled field by field from the
// OpenFlow 1.3 and Nicira structure layouts, so that a bug in the codec cannot hide in a shared helper.

/** Concatenate parts: numbers are single bytes; arrays and buffers are copied. */
export class Bytes {
  private readonly parts: number[] = [];

  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    return this.u32(Number((v >> 32n) & 0xffffffffn)).u32(Number(v & 0xffffffffn));
  }
  raw(b: Uint8Array | readonly number[]): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  /** "aa:bb:..." or "0a 0b ..." hex text. */
  hex(text: string): this {
    for (const h of text.split(/[\s:]+/).filter(Boolean)) this.parts.push(parseInt(h, 16));
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.parts.push(0);
    return this;
  }
  /** Zero bytes up to a multiple of 8 of the whole content. */
  pad8(): this {
    while (this.parts.length % 8 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Buffer {
    return Buffer.from(this.parts);
  }
}

export const bytes = (): Bytes => new Bytes();

/** ofp_header + body: version 4, `type`, total length, xid. */
export function message(type: number, xid: number, body: Uint8Array): Buffer {
  return bytes()
    .u8(4)
    .u8(type)
    .u16(8 + body.length)
    .u32(xid)
    .raw(body)
    .build();
}

/** One OXM TLV with header class:field:hasmask:length. */
export function oxm(
  oxmClass: number,
  field: number,
  value: Uint8Array | readonly number[],
  mask?: Uint8Array | readonly number[],
): Buffer {
  const b = bytes()
    .u16(oxmClass)
    .u8((field << 1) | (mask ? 1 : 0))
    .u8(value.length + (mask ? mask.length : 0))
    .raw(value);
  if (mask) b.raw(mask);
  return b.build();
}

/** ofp_match (OFPMT_OXM) around the TLVs, padded to 8. */
export function match(...tlvs: Uint8Array[]): Buffer {
  const body = Buffer.concat(tlvs);
  return bytes()
    .u16(1)
    .u16(4 + body.length)
    .raw(body)
    .pad8()
    .build();
}

/** ofp_action_output. */
export function output(port: number, maxLen = 0): Buffer {
  return bytes().u16(0).u16(16).u32(port).u16(maxLen).zeros(6).build();
}

/** A Nicira action: type 0xffff, length, NX vendor id, subtype, body, padded to 8. */
export function nxAction(subtype: number, body: Uint8Array | readonly number[]): Buffer {
  const len = (10 + body.length + 7) & ~7;
  return bytes()
    .u16(0xffff)
    .u16(len)
    .u32(0x2320)
    .u16(subtype)
    .raw(body)
    .zeros(len - 10 - body.length)
    .build();
}

/** OFPIT_APPLY_ACTIONS / WRITE_ACTIONS around action bytes. */
export function actionsInstruction(type: 3 | 4, ...actions: Uint8Array[]): Buffer {
  const body = Buffer.concat(actions);
  return bytes()
    .u16(type)
    .u16(8 + body.length)
    .zeros(4)
    .raw(body)
    .build();
}

export function gotoTable(table: number): Buffer {
  return bytes().u16(1).u16(8).u8(table).zeros(3).build();
}
