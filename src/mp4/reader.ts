import { Mp4ErrorCode, Mp4ParseError } from './errors.js';

/**
 * A big-endian cursor over a Uint8Array (ISO/IEC 14496-12 stores every integer big-endian). Reads never copy: `bytes()`
 * returns a subarray. Every read past the end throws Mp4ParseError(TRUNCATED) naming `path`, so a parser that reads a
 * lying count fails at the first missing byte instead of looping or allocating.
 */
export class ByteReader {
  #bytes: Uint8Array;
  readonly path: string;
  #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array, path = '') {
    this.#bytes = bytes;
    this.path = path;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Current position, relative to the start of the wrapped bytes. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes left after the current position. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  get length(): number {
    return this.#bytes.length;
  }

  #need(n: number, what: string): number {
    if (!(n >= 0) || n > this.remaining) {
      throw new Mp4ParseError(
        Mp4ErrorCode.TRUNCATED,
        `Need ${n} byte(s) for ${what} at offset ${this.#offset}, ${this.remaining} left`,
        this.path,
        { offset: this.#offset, need: n, remaining: this.remaining },
      );
    }
    const at = this.#offset;
    this.#offset += n;
    return at;
  }

  u8(): number {
    return this.#view.getUint8(this.#need(1, 'u8'));
  }

  u16(): number {
    return this.#view.getUint16(this.#need(2, 'u16'));
  }

  u24(): number {
    const at = this.#need(3, 'u24');
    return (this.#view.getUint8(at) << 16) | this.#view.getUint16(at + 1);
  }

  u32(): number {
    return this.#view.getUint32(this.#need(4, 'u32'));
  }

  i32(): number {
    return this.#view.getInt32(this.#need(4, 'i32'));
  }

  /** An unsigned 64-bit integer as a number; above 2^53 - 1 it throws INTEGER_OVERFLOW rather than lose precision. */
  u64(): number {
    const at = this.#need(8, 'u64');
    const hi = this.#view.getUint32(at);
    const lo = this.#view.getUint32(at + 4);
    if (hi > 0x1fffff) {
      throw new Mp4ParseError(Mp4ErrorCode.INTEGER_OVERFLOW, `64-bit value at offset ${at} exceeds 2^53`, this.path, {
        offset: at,
      });
    }
    return hi * 0x1_0000_0000 + lo;
  }

  /** `n` bytes as a zero-copy subarray. */
  bytes(n: number): Uint8Array {
    const at = this.#need(n, `${n} bytes`);
    return this.#bytes.subarray(at, at + n);
  }

  /** The rest of the bytes as a zero-copy subarray. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** A four-character code (ISO/IEC 14496-12 4.2), each byte read as one Latin-1 character. */
  fourcc(): string {
    const at = this.#need(4, 'fourcc');
    const b = this.#bytes;
    return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
  }

  skip(n: number): void {
    this.#need(n, `skip ${n}`);
  }

  /** Move to an absolute position within the wrapped bytes (0..length). */
  seek(offset: number): void {
    if (!(offset >= 0 && offset <= this.#bytes.length)) {
      throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, `Seek to ${offset} outside 0..${this.#bytes.length}`, this.path, {
        offset,
      });
    }
    this.#offset = offset;
  }
}
