// Stream framing: turn arbitrary TCP chunks into whole OpenFlow messages by the 16-bit header length.
// Copes with split headers and many messages per chunk. A length below 8 or above the limit cannot be resynced
// (there is no other frame marker), so it yields a typed error and the framer stops: the session must close.
// Never throws. Memory is bounded by one message (at most `maxLength` bytes) of pending input.
import { OFP_HEADER_LEN, OFP_MAX_MSG_LEN } from './constants.js';

export interface FramingError {
  readonly kind: 'lengthTooSmall' | 'lengthTooLarge';
  /** Offset of the bad header in the stream (bytes consumed before it). */
  readonly streamOffset: number;
  readonly length: number;
  readonly msgType: number;
  readonly xid: number;
  readonly reason: string;
}

export interface FrameBatch {
  /** Whole messages, header included, in stream order. */
  readonly messages: Buffer[];
  /** Set once framing failed; no more messages will come from this framer. */
  readonly error?: FramingError;
}

export interface FramerOptions {
  /** Largest acceptable message; default 65535 (the 16-bit header field's limit). */
  readonly maxLength?: number;
}

export class Framer {
  private pending: Buffer = Buffer.alloc(0);
  private consumed = 0;
  private failure: FramingError | undefined;
  private readonly maxLength: number;

  constructor(options: FramerOptions = {}) {
    this.maxLength = Math.min(options.maxLength ?? OFP_MAX_MSG_LEN, OFP_MAX_MSG_LEN);
  }

  /** The error that stopped the framer, if any. */
  get error(): FramingError | undefined {
    return this.failure;
  }

  /** Bytes received but not yet part of a whole message. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Feed one chunk; returns the messages it completes (views into the input when they lie within one chunk). */
  push(chunk: Uint8Array): FrameBatch {
    if (this.failure !== undefined) return { messages: [], error: this.failure };
    const input = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const data = this.pending.length === 0 ? input : Buffer.concat([this.pending, input]);
    const messages: Buffer[] = [];
    let p = 0;
    while (data.length - p >= OFP_HEADER_LEN) {
      const length = data.readUInt16BE(p + 2);
      if (length < OFP_HEADER_LEN || length > this.maxLength) {
        this.failure = {
          kind: length < OFP_HEADER_LEN ? 'lengthTooSmall' : 'lengthTooLarge',
          streamOffset: this.consumed + p,
          length,
          msgType: data[p + 1],
          xid: data.readUInt32BE(p + 4),
          reason:
            length < OFP_HEADER_LEN
              ? `header length ${length} is less than 8`
              : `header length ${length} exceeds the limit of ${this.maxLength}`,
        };
        this.pending = Buffer.alloc(0);
        return { messages, error: this.failure };
      }
      if (data.length - p < length) break;
      messages.push(data.subarray(p, p + length));
      p += length;
    }
    this.consumed += p;
    // Keep only the incomplete tail, copied so that the caller's chunk can be reused.
    this.pending = p === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(p));
    return { messages };
  }
}
