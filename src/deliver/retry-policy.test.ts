import { describe, expect, it } from 'vitest';
import { RetryPolicy } from './retry-policy.ts';

describe('retry-policy', () => {
  it('When random is at its top, then the delay is the exponential ceiling, capped at maxMs', () => {
    const p = new RetryPolicy({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6, 50, 5000].map((a) => p.delayMs(a))).toEqual([99, 199, 399, 799, 999, 999, 999, 999]);
  });

  it('When random is 0, then the delay is 0 (full jitter), unless Retry-After sets a floor', () => {
    const p = new RetryPolicy({ baseMs: 100, maxMs: 1000, random: () => 0 });
    expect(p.delayMs(3)).toBe(0);
    expect(p.delayMs(3, 2500)).toBe(2500);
  });

  it('When Retry-After is below the jittered delay, then the jittered delay wins', () => {
    const p = new RetryPolicy({ baseMs: 1000, maxMs: 10_000, random: () => 0.5 });
    expect(p.delayMs(2, 100)).toBe(1000);
  });

  it('When Retry-After is huge, then it is capped at maxRetryAfterMs', () => {
    const p = new RetryPolicy({ random: () => 0, maxRetryAfterMs: 60_000 });
    expect(p.delayMs(1, 86_400_000)).toBe(60_000);
  });

  it('When random varies, then every delay stays within [0, ceiling)', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const p = new RetryPolicy({ baseMs: 50, maxMs: 400, random });
    for (let attempt = 1; attempt < 12; attempt++) {
      const ceiling = Math.min(400, 50 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = p.delayMs(attempt);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });

  it('When nothing is configured, then transient failures retry forever', () => {
    const p = new RetryPolicy({ random: () => 0.5 });
    expect(p.decide('transient', 1_000_000)).toEqual({ retry: true, delayMs: 150_000 });
  });

  it('When maxAttempts is set, then the attempt that reaches it gives up', () => {
    const p = new RetryPolicy({ maxAttempts: 3, random: () => 0 });
    expect(p.decide('transient', 2).retry).toBe(true);
    expect(p.decide('transient', 3)).toEqual({ retry: false });
  });

  it('When a conflict persists, then it gives up after maxConflictAttempts', () => {
    const p = new RetryPolicy({ maxConflictAttempts: 3, random: () => 0 });
    expect(p.decide('conflict', 2).retry).toBe(true);
    expect(p.decide('conflict', 3)).toEqual({ retry: false });
  });

  it('When credentials are refused or the target is misconfigured, then the wait is at least minConfigDelayMs', () => {
    const p = new RetryPolicy({ baseMs: 10, minConfigDelayMs: 30_000, random: () => 0.5 });
    expect(p.decide('auth', 1)).toEqual({ retry: true, delayMs: 30_000 });
    expect(p.decide('config', 1)).toEqual({ retry: true, delayMs: 30_000 });
    expect(p.decide('transient', 1)).toEqual({ retry: true, delayMs: 5 });
  });
});
