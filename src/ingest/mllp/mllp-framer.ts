import { Buffer } from 'node:buffer';

/** MLLP start block: VT. */
export const MLLP_START = 0x0b;
/** MLLP end block: FS, followed by {@link MLLP_END_CR}. */
export const MLLP_END = 0x1c;
/** The CR that must follow the end block. */
export const MLLP_END_CR = 0x0d;

/** Default of {@link MllpFramerOptions.headBytes}: enough for any MSH segment we would want to read. */
export const DEFAULT_HEAD_BYTES = 4096;

/** Why a frame was dropped or ended irregularly (reported through {@link MllpFramerEvents.onBrokenFrame}). */
export const BrokenFrameReason = {
  /** A start block arrived inside an unfinished frame: the unfinished part is dropped, a new frame begins. */
  Restarted: 'restarted',
  /** The end block was followed by something other than CR; the frame was still delivered. */
  MissingCr: 'missing-cr',
  /** The stream ended (connection closed) inside a frame. */
  Unterminated: 'unterminated',
} as const;
/** One of the {@link BrokenFrameReason} values. */
export type BrokenFrameReason = (typeof BrokenFrameReason)[keyof typeof BrokenFrameReason];

/** What the framer tells its owner. Every callback is optional except `onFrame`. */
export interface MllpFramerEvents {
  /** A complete frame: the payload between start and end block, in a buffer of its own. */
  onFrame(payload: Buffer): void;
  /** Bytes found outside any frame (before a start block), discarded. Called once per run of such bytes. */
  onDiscarded?(bytes: number): void;
  /**
   * A frame ended irregularly. For `restarted` and `unterminated`, `bytes` were dropped; for `missing-cr` the
   * frame was delivered through `onFrame` just before and `bytes` is its size.
   */
  onBrokenFrame?(reason: BrokenFrameReason, bytes: number): void;
  /**
   * A frame passed the size limit. Called once, when its end block is seen; only the first `headBytes` bytes were
   * kept (`head`), so a reject can still name the message's header.
   */
  onOversized?(head: Buffer, totalBytes: number): void;
}

/** Options of {@link MllpFramer}. */
export interface MllpFramerOptions extends MllpFramerEvents {
  /** Largest payload delivered; a larger frame is dropped and reported through `onOversized`. */
  maxFrameBytes: number;
  /** How much of an oversized frame is kept for `onOversized`. Default {@link DEFAULT_HEAD_BYTES}. */
  headBytes?: number;
}

const State = { Outside: 0, Inside: 1, AfterEnd: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Streaming MLLP decoder: feed it the chunks a socket delivers, in order, and it calls `onFrame` once per
 * complete `VT payload FS CR` frame. Chunks may split a frame anywhere (even between FS and CR) or hold several
 * frames. It does no I/O, so every framing case is testable without sockets.
 *
 * Memory stays bounded by `maxFrameBytes` (plus `headBytes` for an oversized frame) whatever the sender does.
 * Pieces of a frame are kept as a list of chunk views and joined once per frame, so a frame arriving in many
 * small chunks costs linear, not quadratic, copying. Chunks must not be modified after `push` (sockets never do).
 */
export class MllpFramer {
  readonly #events: MllpFramerEvents;
  readonly #max: number;
  readonly #headBytes: number;
  #state: State = State.Outside;
  #parts: Buffer[] = [];
  /** Bytes of the current frame so far, including those not kept when oversized. */
  #size = 0;
  #oversized = false;
  #head: Buffer | undefined;

  /** @param options - Size limit and the event callbacks. */
  constructor(options: MllpFramerOptions) {
    if (!(options.maxFrameBytes > 0)) throw new RangeError('maxFrameBytes must be positive');
    this.#events = options;
    this.#max = options.maxFrameBytes;
    this.#headBytes = Math.min(options.headBytes ?? DEFAULT_HEAD_BYTES, options.maxFrameBytes);
  }

  /** True while a frame has started and not ended (what `end()` would report as unterminated). */
  get inFrame(): boolean {
    return this.#state !== State.Outside;
  }

  /** Bytes currently held for the unfinished frame (bounded by the limit). */
  get bufferedBytes(): number {
    return this.#oversized ? (this.#head?.length ?? 0) : this.#size;
  }

  /**
   * Feeds the next chunk of the stream.
   * @param chunk - Bytes as received.
   */
  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      if (this.#state === State.AfterEnd) {
        // The end block was the last byte of the previous chunk; the frame is complete either way.
        const cr = chunk[pos] === MLLP_END_CR;
        this.#finishFrame(!cr);
        this.#state = State.Outside;
        if (cr) pos++;
        continue;
      }
      if (this.#state === State.Outside) {
        const vt = chunk.indexOf(MLLP_START, pos);
        if (vt < 0) {
          this.#events.onDiscarded?.(len - pos);
          return;
        }
        if (vt > pos) this.#events.onDiscarded?.(vt - pos);
        pos = vt + 1;
        this.#startFrame();
        continue;
      }
      // Inside a frame.
      const fs = chunk.indexOf(MLLP_END, pos);
      const stop = fs < 0 ? len : fs;
      const vt = chunk.indexOf(MLLP_START, pos);
      if (vt >= 0 && vt < stop) {
        this.#append(chunk, pos, vt);
        this.#events.onBrokenFrame?.(BrokenFrameReason.Restarted, this.#size);
        pos = vt + 1;
        this.#startFrame();
        continue;
      }
      this.#append(chunk, pos, stop);
      if (fs < 0) return;
      pos = fs + 1;
      if (pos === len) {
        this.#state = State.AfterEnd;
        return;
      }
      const cr = chunk[pos] === MLLP_END_CR;
      this.#finishFrame(!cr);
      this.#state = State.Outside;
      if (cr) pos++;
    }
  }

  /**
   * Tells the framer the stream ended (connection closed): an unfinished frame is reported as `unterminated`,
   * except one whose end block already arrived without its CR, which is delivered.
   */
  end(): void {
    if (this.#state === State.AfterEnd) this.#finishFrame(true);
    else if (this.#state === State.Inside) this.#events.onBrokenFrame?.(BrokenFrameReason.Unterminated, this.#size);
    this.#state = State.Outside;
    this.#reset();
  }

  #startFrame(): void {
    this.#reset();
    this.#state = State.Inside;
  }

  #reset(): void {
    this.#parts = [];
    this.#size = 0;
    this.#oversized = false;
    this.#head = undefined;
  }

  #append(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    const size = this.#size + n;
    if (this.#oversized) {
      this.#size = size;
      return;
    }
    if (size > this.#max) {
      // Keep only what a reject needs; everything else of this frame is counted and dropped.
      this.#parts.push(chunk.subarray(from, to));
      this.#head = Buffer.from(Buffer.concat(this.#parts, size).subarray(0, this.#headBytes));
      this.#parts = [];
      this.#oversized = true;
      this.#size = size;
      return;
    }
    this.#parts.push(chunk.subarray(from, to));
    this.#size = size;
  }

  #finishFrame(missingCr: boolean): void {
    const size = this.#size;
    if (this.#oversized) {
      this.#events.onOversized?.(this.#head ?? Buffer.alloc(0), size);
    } else {
      const parts = this.#parts;
      // A copy, so a kept frame never pins the socket's (larger) chunk in memory.
      this.#events.onFrame(parts.length === 1 ? Buffer.from(parts[0] as Buffer) : Buffer.concat(parts, size));
    }
    this.#reset();
    if (missingCr) this.#events.onBrokenFrame?.(BrokenFrameReason.MissingCr, size);
  }
}

/**
 * Wraps a payload in MLLP framing.
 * @param payload - The message bytes.
 * @returns `VT payload FS CR` in one buffer.
 */
export function frameMllp(payload: Buffer | Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 3);
  out[0] = MLLP_START;
  out.set(payload, 1);
  out[payload.length + 1] = MLLP_END;
  out[payload.length + 2] = MLLP_END_CR;
  return out;
}
