// A growable big-endian byte writer for encoding OpenFlow messages. Length fields are written as placeholders
// and back-patched once the structure they cover is complete; `pad8` aligns to 8 bytes as OpenFlow requires for
// matches, actions, instructions and properties.
import { writeIpv4, writeIpv6, writeMac } from './oxm.js';

const INITIAL_SIZE = 256;

export class Writer {
  private buf: Buffer;
  private dv: DataView;
  private pos = 0;
  private base = 0;

  constructor(size = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Current write offset: also the byte count so far. */
  get offset(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = Math.max(INITIAL_SIZE, this.buf.length * 2);
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.length);
  }

  /** A MAC address from "aa:bb:cc:dd:ee:ff". */
  mac(text: string): this {
    this.ensure(6);
    if (!writeMac(text, this.buf, this.pos)) throw new EncodeError(`not a MAC address: ${text}`);
    this.pos += 6;
    return this;
  }

  /** An IPv4 address from a dotted quad. */
  ipv4(text: string): this {
    this.ensure(4);
    if (!writeIpv4(text, this.buf, this.pos)) throw new EncodeError(`not an IPv4 address: ${text}`);
    this.pos += 4;
    return this;
  }

  /** An IPv6 address from its text form. */
  ipv6(text: string): this {
    this.ensure(16);
    if (!writeIpv6(text, this.buf, this.pos)) throw new EncodeError(`not an IPv6 address: ${text}`);
    this.pos += 16;
    return this;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos] = (v >>> 8) & 0xff;
    this.buf[this.pos + 1] = v & 0xff;
    this.pos += 2;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos] = (v >>> 16) & 0xff;
    this.buf[this.pos + 1] = (v >>> 8) & 0xff;
    this.buf[this.pos + 2] = v & 0xff;
    this.pos += 3;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    // DataView.setBigUint64 wraps modulo 2^64 and is inlined by the JIT (Buffer's version range-checks).
    this.dv.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Write `n` bytes with `fill(buffer, offset)`, which returns false when the value is malformed. */
  text(n: number, fill: (out: Uint8Array, off: number) => boolean, what: string): this {
    this.ensure(n);
    if (!fill(this.buf, this.pos)) throw new EncodeError(`not a valid ${what}`);
    this.pos += n;
    return this;
  }

  /** Bytes [start, end) of `src`, without a view object in between. */
  copy(src: Buffer, start: number, end: number): this {
    const n = end - start;
    this.ensure(n);
    // A loop beats Buffer.copy's native call for the few dozen bytes of a match or an instruction list.
    if (n <= 64) {
      const b = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) b[p + i] = src[start + i] as number;
    } else src.copy(this.buf, this.pos, start, end);
    this.pos += n;
    return this;
  }

  /** A string whose characters are bytes (latin1), from character `from` on. */
  latin1(s: string, from = 0): this {
    const n = s.length - from;
    this.ensure(n);
    this.buf.write(from === 0 ? s : s.slice(from), this.pos, n, 'latin1');
    this.pos += n;
    return this;
  }

  zeros(n: number): this {
    if (n <= 0) return this;
    this.ensure(n);
    // A loop beats Buffer.fill's native call for the few bytes of padding OpenFlow needs.
    if (n <= 16) for (let i = 0; i < n; i++) this.buf[this.pos + i] = 0;
    else this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** A NUL-padded fixed-size text field (port names, desc strings); longer text is cut at `size` bytes. */
  fixedString(s: string, size: number): this {
    this.ensure(size);
    const n = this.buf.write(s, this.pos, size, 'utf8');
    this.buf.fill(0, this.pos + n, this.pos + size);
    this.pos += size;
    return this;
  }

  /** Zero-fill up to the next multiple of 8 bytes counted from `from` (default: the start). */
  pad8(from = 0): this {
    const rem = (this.pos - from) % 8;
    return rem === 0 ? this : this.zeros(8 - rem);
  }

  /** Overwrite a 16-bit field at `at` (a length placeholder) with `v`. */
  patch16(at: number, v: number): this {
    this.buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }

  /** Back-patch the 16-bit length at `at` with the bytes written since `start`. */
  patchLength(at: number, start: number): this {
    return this.patch16(at, this.pos - start);
  }

  /** The bytes written so far (a view; the writer must not be reused while it is held). */
  view(): Buffer {
    return this.buf.subarray(this.base, this.pos);
  }

  /**
   * Write into `buf` from offset `at` on (a slab shared by many small messages), so that the result can be handed
   * out as a view instead of a copy. Offsets stay absolute; `view()` starts at `at`.
   */
  attach(buf: Buffer, at: number): this {
    if (buf !== this.buf) {
      this.buf = buf;
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    }
    this.pos = at;
    this.base = at;
    return this;
  }

  /** The buffer currently written (a new one if the writer outgrew an attached slab). */
  get buffer(): Buffer {
    return this.buf;
  }

  /** The bytes written so far, as a buffer of their own. */
  finish(): Buffer {
    const n = this.pos - this.base;
    const out = Buffer.allocUnsafe(n);
    this.buf.copy(out, 0, this.base, this.pos);
    return out;
  }

  /** Drop what was written after `offset` (a message the caller decided not to send after all). */
  rewind(offset: number): this {
    if (offset < this.base || offset > this.pos) throw new RangeError(`cannot rewind to ${offset}`);
    this.pos = offset;
    return this;
  }

  reset(): this {
    this.pos = 0;
    this.base = 0;
    return this;
  }
}

/** Thrown by encoders for a value that cannot be put on the wire (a malformed address, an out-of-range width). */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}
