import { RetryClass } from './delivery-target.ts';

/** Options of {@link RetryPolicy}; every field has a default. */
export interface RetryPolicyOptions {
  /** Backoff base: the first retry waits up to this long. Default 1000 ms. */
  baseMs?: number;
  /** Backoff ceiling before jitter. Default 300 000 ms (5 min). */
  maxMs?: number;
  /**
   * Attempts after which a message that keeps failing with a retry class goes to the dead letters.
   * Default unlimited: a FHIR server that is down for a day must not cost a single message.
   */
  maxAttempts?: number;
  /** Attempts after which a lasting `conflict` (409/412) goes to the dead letters. Default 5. */
  maxConflictAttempts?: number;
  /** Minimum wait after refused credentials or a misconfigured target (`auth`, `config`). Default 60 000 ms. */
  minConfigDelayMs?: number;
  /** Largest `Retry-After` honoured, so a server cannot park the queue for days. Default 3 600 000 ms (1 h). */
  maxRetryAfterMs?: number;
  /** Uniform random in [0, 1); injectable for tests. Default `Math.random`. */
  random?: () => number;
}

/** What to do after a failed attempt. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * Exponential backoff with full jitter (`delay = random(0, min(maxMs, baseMs · 2^attempt))`), floored at the
 * server's `Retry-After`. Full jitter spreads the retries of many messages after an outage instead of letting
 * them hit the recovering server in waves.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export class RetryPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
  readonly maxConflictAttempts: number;
  readonly minConfigDelayMs: number;
  readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  /** @param options - See {@link RetryPolicyOptions}. */
  constructor(options: RetryPolicyOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.maxMs = options.maxMs ?? 300_000;
    this.maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.maxConflictAttempts = options.maxConflictAttempts ?? 5;
    this.minConfigDelayMs = options.minConfigDelayMs ?? 60_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 3_600_000;
    this.random = options.random ?? Math.random;
  }

  /**
   * @param attempts - Attempts made so far, including the one that just failed (≥ 1).
   * @param retryAfterMs - The server's `Retry-After`, if any.
   * @param retryClass - Why it failed; `auth` and `config` wait at least `minConfigDelayMs`.
   * @returns The delay before the next attempt: full jitter over the exponential ceiling, at least `Retry-After`.
   */
  delayMs(attempts: number, retryAfterMs?: number, retryClass: RetryClass = RetryClass.Transient): number {
    // 2^attempt overflows to Infinity long before it matters; min() keeps the ceiling finite.
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, attempts - 1));
    const jittered = Math.floor(this.random() * ceiling);
    const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, this.maxRetryAfterMs);
    const slow = retryClass === RetryClass.Auth || retryClass === RetryClass.Config;
    return Math.max(jittered, floor, slow ? this.minConfigDelayMs : 0);
  }

  /**
   * Decides after a failed attempt with a retry class.
   * @param retryClass - Why it failed (see {@link RetryClass}).
   * @param attempts - Attempts made so far, including this one.
   * @param retryAfterMs - The server's `Retry-After`, if any.
   * @returns Retry after a delay, or give up (dead letter).
   */
  decide(retryClass: RetryClass, attempts: number, retryAfterMs?: number): RetryDecision {
    const limit =
      retryClass === RetryClass.Conflict ? Math.min(this.maxConflictAttempts, this.maxAttempts) : this.maxAttempts;
    if (attempts >= limit) return { retry: false };
    return { retry: true, delayMs: this.delayMs(attempts, retryAfterMs, retryClass) };
  }
}
