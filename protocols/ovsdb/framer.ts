// RFC 7047 section 4: a JSON-RPC stream is a sequence of JSON texts with no delimiter between them. The framer
// finds where each top-level object or array ends by tracking nesting depth and string state byte by byte, so a
// chunk may end anywhere: inside a string, between `\` and the escaped character, or inside a multi-byte UTF-8
// character (bytes >= 0x80 never equal `"`, `\`, `{`, `}`, `[` or `]`, and text is decoded only for whole messages).

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** 64 MiB: a full monitor reply for a bridge with thousands of ports is a few MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface FramerOptions {
  /** A message longer than this is a protocol error (a peer must not make us buffer without bound). */
  readonly maxMessageBytes?: number;
}

export type FrameResult =
  | { readonly ok: true; readonly messages: unknown[] }
  | { readonly ok: false; readonly messages: unknown[]; readonly error: string };

function isJsonWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function indexOrEnd(buf: Buffer, byte: number, from: number): number {
  const at = buf.indexOf(byte, from);
  return at < 0 ? buf.length : at;
}

export class JsonStreamFramer {
  private readonly maxMessageBytes: number;
  /** Bytes of the message in progress that arrived in earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private failed: string | undefined;

  constructor(options: FramerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** True when no partial message is buffered (a clean place for the stream to end). */
  get idle(): boolean {
    return this.depth === 0 && this.pendingBytes === 0;
  }

  /**
   * Consumes one chunk and returns every message it completed. Only the new bytes are scanned (the scan state
   * carries over between chunks) and each message is decoded and parsed once, when its last byte arrives. After an
   * error the framer stays failed.
   */
  push(chunk: Uint8Array): FrameResult {
    const messages: unknown[] = [];
    if (this.failed !== undefined) return { ok: false, messages, error: this.failed };
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // The scan state lives in locals inside the loop (V8 keeps them in registers), and in fields between chunks.
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let start = depth > 0 ? 0 : -1;
    const end = buf.length;
    // Positions of the next quote and backslash at or after the scan point (end: none left).
    let nextQuote = -1;
    let nextBackslash = -1;
    for (let i = 0; i < end; i++) {
      const b = buf[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        else {
          // Skip the body of the string natively: jump to the next quote or backslash, whichever comes first.
          if (nextQuote < i) nextQuote = indexOrEnd(buf, QUOTE, i);
          if (nextBackslash < i) nextBackslash = indexOrEnd(buf, BACKSLASH, i);
          i = (nextQuote < nextBackslash ? nextQuote : nextBackslash) - 1;
        }
      } else if (depth === 0) {
        if (isJsonWhitespace(b)) continue;
        if (b !== OPEN_BRACE && b !== OPEN_BRACKET) {
          return this.fail(messages, `expected '{' or '[' to start a message, got byte 0x${b.toString(16)}`);
        }
        depth = 1;
        start = i;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) {
        const size = this.pendingBytes + (i + 1 - start);
        if (size > this.maxMessageBytes) return this.fail(messages, this.tooLong(size));
        const text = this.takeMessage(buf, start, i + 1);
        try {
          messages.push(JSON.parse(text));
        } catch (err) {
          return this.fail(messages, `invalid JSON: ${(err as Error).message}`);
        }
        start = -1;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    if (depth > 0) {
      const rest = buf.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxMessageBytes)
        return this.fail(messages, this.tooLong(this.pendingBytes));
      // Copy: the caller may reuse its chunk buffer.
      this.pending.push(Buffer.from(rest));
    }
    return { ok: true, messages };
  }

  /** The text of a message that ends in `buf` at `to`: decoded straight from the chunk unless it began earlier. */
  private takeMessage(buf: Buffer, from: number, to: number): string {
    if (this.pending.length === 0) return buf.toString('utf8', from, to);
    this.pending.push(buf.subarray(from, to));
    const whole = Buffer.concat(this.pending, this.pendingBytes + (to - from));
    this.pending = [];
    this.pendingBytes = 0;
    return whole.toString('utf8');
  }

  private tooLong(size: number): string {
    return `message exceeds the limit of ${this.maxMessageBytes} bytes (at least ${size})`;
  }

  private fail(messages: unknown[], error: string): FrameResult {
    this.failed = error;
    this.pending = [];
    this.pendingBytes = 0;
    return { ok: false, messages, error };
  }
}
