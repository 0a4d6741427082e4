/** Where progress goes: stderr, which only gets a progress line when it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Least time between two redraws: four a second is smooth enough and costs nothing. */
const REDRAW_MS = 250;
/** Carriage return to the line's start; the escape clears what a longer earlier line left. */
const CLEAR = '\r\x1b[K';

/**
 * The progress line of an import on a terminal: rows done, rows per second, percent and time left, redrawn in
 * place at most four times a second. Percent and time left come from bytes read against the file's size, as rows
 * have no known total. On anything but a terminal (a pipe, a log file) it draws nothing, and {@link line} just
 * writes the line.
 */
export class ImportProgress {
  private readonly stream: ProgressStream;
  private readonly totalBytes: number;
  private readonly now: () => number;
  private readonly tty: boolean;
  private label = '';
  private started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private shown = false;
  private rows = 0;
  private bytes = 0;

  /**
   * @param stream - stderr.
   * @param totalBytes - The file's size.
   * @param now - Clock in ms (injectable for tests).
   */
  constructor(stream: ProgressStream, totalBytes: number, now: () => number = () => performance.now()) {
    this.stream = stream;
    this.totalBytes = totalBytes;
    this.now = now;
    this.tty = stream.isTTY === true;
    this.started = now();
  }

  /** Starts counting again, e.g. for the import after a `--strict` check. */
  restart(label: string): void {
    this.label = label;
    this.started = this.now();
    this.lastDraw = Number.NEGATIVE_INFINITY;
    this.rows = 0;
    this.bytes = 0;
  }

  /** Notes rows done so far; redraws when the last redraw is old enough. */
  rowsDone(rows: number): void {
    this.rows = rows;
    this.maybeDraw();
  }

  /** Notes bytes read so far; redraws when the last redraw is old enough. */
  bytesRead(bytes: number): void {
    this.bytes = bytes;
    this.maybeDraw();
  }

  /** Writes a whole line (a rejected row, say) above the progress line. */
  line(text: string): void {
    if (this.shown) {
      this.stream.write(CLEAR);
      this.shown = false;
      this.lastDraw = Number.NEGATIVE_INFINITY;
    }
    this.stream.write(`${text}\n`);
  }

  /** Removes the progress line, before the summary. */
  done(): void {
    if (this.shown) this.stream.write(CLEAR);
    this.shown = false;
  }

  private maybeDraw(): void {
    if (!this.tty) return;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.shown = true;
    this.stream.write(CLEAR + this.text(t));
  }

  private text(t: number): string {
    const seconds = (t - this.started) / 1000;
    const parts = [`${this.label}${this.rows.toLocaleString('en-US')} rows`];
    if (seconds > 0) parts.push(`${Math.round(this.rows / seconds).toLocaleString('en-US')} rows/s`);
    if (this.totalBytes > 0) {
      const fraction = Math.min(1, this.bytes / this.totalBytes);
      parts.push(`${Math.floor(fraction * 100)}%`);
      // Under a second in, the rate says nothing yet about the time left.
      if (fraction > 0 && seconds >= 1) parts.push(`${clock((seconds * (1 - fraction)) / fraction)} left`);
    }
    return parts.join(', ');
  }
}

/** @returns Seconds as `m:ss`, or `h:mm:ss` from an hour. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
