import { describe, expect, it } from 'vitest';
import { clock, ImportProgress } from './import-progress.ts';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s) };
}

describe('import progress line', () => {
  it('When stderr is a terminal, then one line is redrawn in place with rows, rate, percent and time left', () => {
    let t = 0;
    const s = stream(true);
    const p = new ImportProgress(s, 1000, () => t);
    t = 2000;
    p.bytesRead(250);
    p.rowsDone(5000);
    expect(s.writes).toEqual(['\r\x1b[K0 rows, 0 rows/s, 25%, 0:06 left']);
    t = 2300;
    p.rowsDone(6000);
    expect(s.writes.at(-1)).toBe('\r\x1b[K6,000 rows, 2,609 rows/s, 25%, 0:07 left');
  });

  it('When less than a second has passed, then no time left is guessed', () => {
    let t = 0;
    const s = stream(true);
    const p = new ImportProgress(s, 1000, () => t);
    t = 500;
    p.bytesRead(100);
    expect(s.writes).toEqual(['\r\x1b[K0 rows, 0 rows/s, 10%']);
  });

  it('When updates come faster than four a second, then they are not drawn', () => {
    let t = 0;
    const s = stream(true);
    const p = new ImportProgress(s, 1000, () => t);
    for (let i = 0; i < 100; i++) {
      t += 10;
      p.rowsDone(i);
    }
    // 1 s of updates: drawn at 10 ms, 260, 510, 760.
    expect(s.writes).toHaveLength(4);
  });

  it('When a row is reported, then the progress line is cleared first and redrawn on the next update', () => {
    let t = 0;
    const s = stream(true);
    const p = new ImportProgress(s, 100, () => t);
    t = 1000;
    p.rowsDone(1);
    p.line('line 3: not a number');
    p.rowsDone(2);
    p.done();
    expect(s.writes).toEqual([
      '\r\x1b[K1 rows, 1 rows/s, 0%',
      '\r\x1b[K',
      'line 3: not a number\n',
      '\r\x1b[K2 rows, 2 rows/s, 0%',
      '\r\x1b[K',
    ]);
  });

  it('When stderr is not a terminal, then no progress line is written, only whole lines', () => {
    let t = 0;
    const s = stream(false);
    const p = new ImportProgress(s, 100, () => t);
    t = 5000;
    p.bytesRead(50);
    p.rowsDone(10);
    p.line('line 3: not a number');
    p.done();
    expect(s.writes).toEqual(['line 3: not a number\n']);
  });

  it('When time left is long, then it reads as minutes or hours', () => {
    expect(clock(5)).toBe('0:05');
    expect(clock(125)).toBe('2:05');
    expect(clock(3725)).toBe('1:02:05');
  });
});
