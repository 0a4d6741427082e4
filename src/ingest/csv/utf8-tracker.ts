import { Buffer, isUtf8 } from 'node:buffer';

/**
 * Finds where a byte stream is not valid UTF-8, chunk by chunk, so each record can be checked by its byte range
 * instead of by decoding it again. Valid chunks (nearly all) cost one native `isUtf8` call; only a chunk that
 * fails is scanned in JavaScript for the offsets of its invalid sequences. A character split between two chunks
 * is carried over and checked with the next one.
 */
export class Utf8Tracker {
  /** Absolute offsets of invalid sequences not yet claimed by a record, ascending from `head`. */
  private readonly bad: number[] = [];
  private head = 0;
  /** Absolute offset of the next chunk's first byte. */
  private offset = 0;
  /** Start of a character cut off at the end of the previous chunk. */
  private carry: Buffer | undefined;

  /**
   * Checks the next chunk of the stream.
   * @param chunk - Bytes following those already pushed.
   */
  push(chunk: Buffer): void {
    let bytes = chunk;
    let start = this.offset;
    if (this.carry) {
      bytes = Buffer.concat([this.carry, chunk]);
      start -= this.carry.length;
      this.carry = undefined;
    }
    this.offset += chunk.length;
    const cut = incompleteTail(bytes);
    if (cut < bytes.length) this.carry = Buffer.from(bytes.subarray(cut));
    const body = cut === bytes.length ? bytes : bytes.subarray(0, cut);
    if (!isUtf8(body)) collectInvalid(body, start, this.bad);
  }

  /** Ends the stream: a character still cut off is invalid. */
  end(): void {
    if (!this.carry) return;
    this.bad.push(this.offset - this.carry.length);
    this.carry = undefined;
  }

  /**
   * Tells whether an invalid sequence starts before `end`, and forgets those that do (records are asked in
   * order, each about the bytes up to its own end).
   * @param end - Absolute offset just after a record.
   * @returns True when the bytes before `end` not claimed yet hold an invalid sequence.
   */
  invalidBefore(end: number): boolean {
    const { bad } = this;
    if (this.head === bad.length || (bad[this.head] as number) >= end) return false;
    while (this.head < bad.length && (bad[this.head] as number) < end) this.head++;
    if (this.head === bad.length) {
      bad.length = 0;
      this.head = 0;
    }
    return true;
  }
}

/** @returns The length of a UTF-8 sequence starting with `lead`; 1 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0xc2) return 1;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  return lead < 0xf5 ? 4 : 1;
}

/** @returns Where a multi-byte character cut off by the end of `b` starts, or `b.length` when none is. */
function incompleteTail(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 0 && i >= b.length - 3; i--) {
    const c = b[i] as number;
    if ((c & 0xc0) === 0x80) continue;
    return c >= 0xc2 && i + sequenceLength(c) > b.length ? i : b.length;
  }
  return b.length;
}

/** Appends `base +` the offset of every invalid sequence of `b` to `out` (an invalid byte is skipped alone). */
function collectInvalid(b: Uint8Array, base: number, out: number[]): void {
  for (let i = 0; i < b.length;) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(c);
    let ok = n > 1 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) ok = ((b[i + k] as number) & 0xc0) === 0x80;
    if (ok) {
      // Overlong 3- and 4-byte forms, surrogates, and code points above U+10FFFF.
      const c1 = b[i + 1] as number;
      ok = !(
        (c === 0xe0 && c1 < 0xa0) ||
        (c === 0xed && c1 >= 0xa0) ||
        (c === 0xf0 && c1 < 0x90) ||
        (c === 0xf4 && c1 >= 0x90)
      );
    }
    if (ok) {
      i += n;
    } else {
      out.push(base + i);
      i++;
    }
  }
}
