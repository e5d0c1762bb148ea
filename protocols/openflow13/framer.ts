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
  // Pending input is kept as a list of chunks and joined only once the next message is complete, so that a large
  // message arriving in many small chunks costs O(n), not O(n^2) copies.
  private chunks: Buffer[] = [];
  private pendingLength = 0;
  /** Bytes needed before the pending input can yield something: a header, then the whole message. */
  private needed = OFP_HEADER_LEN;
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
    return this.pendingLength;
  }

  /** Feed one chunk; returns the messages it completes (views into the input when they lie within one chunk). */
  push(chunk: Uint8Array): FrameBatch {
    if (this.failure !== undefined) return { messages: [], error: this.failure };
    const input = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pendingLength > 0 && this.pendingLength + input.length < this.needed) {
      // Still short of what the pending message needs: keep a copy (the caller may reuse its buffer) and wait.
      this.chunks.push(Buffer.from(input));
      this.pendingLength += input.length;
      return { messages: [] };
    }
    const data = this.pendingLength === 0 ? input : Buffer.concat([...this.chunks, input]);
    this.chunks = [];
    this.pendingLength = 0;
    this.needed = OFP_HEADER_LEN;
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
        return { messages, error: this.failure };
      }
      if (data.length - p < length) {
        this.needed = length;
        break;
      }
      messages.push(data.subarray(p, p + length));
      p += length;
    }
    this.consumed += p;
    if (p < data.length) {
      // Keep only the incomplete tail, copied so that the caller's chunk can be reused.
      this.chunks = [Buffer.from(data.subarray(p))];
      this.pendingLength = data.length - p;
    }
    return { messages };
  }
}
