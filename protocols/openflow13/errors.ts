// Decode failures. Inside the decoder a malformed structure throws `Malformed` (cheap to raise from deep in a TLV
// walk); the public decode() catches it and returns a `DecodeError` value: errors are values at the edges.

/** Why a message could not be decoded: where (byte offset within the message), which message, and what. */
export interface DecodeError {
  /** Offset of the offending byte, counted from the start of the message (its header). */
  readonly offset: number;
  /** ofp_header.type of the message (OFPT_*), or -1 when not even the header was readable. */
  readonly msgType: number;
  readonly xid: number;
  readonly reason: string;
}

export class Malformed extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'Malformed';
  }
}

/** Throw unless `need` bytes are available at `off` before `end`. */
export function need(off: number, n: number, end: number, what: string): void {
  if (off + n > end) throw new Malformed(off, `${what}: needs ${n} bytes, ${Math.max(0, end - off)} left`);
}
