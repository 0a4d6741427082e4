import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { DueMessage, MessageStore } from '../store/message-store.ts';
import { normalizeError } from '../errors/outcomes.ts';
import { outcomeCode } from './classify-response.ts';
import { RetryClass, type DeliveryTarget, type SendOutcome } from './delivery-target.ts';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.ts';

/** Options of {@link DeliveryWorker}. */
export interface DeliveryWorkerOptions {
  /** Where the converted Bundles wait. */
  store: MessageStore;
  /** Where they go. */
  target: DeliveryTarget;
  /** Sends in flight at most. Default 4. */
  concurrency?: number;
  /** How often to look for due messages when idle (appends call {@link DeliveryWorker.notify}). Default 250 ms. */
  pollIntervalMs?: number;
  /** Backoff and give-up rules (a ready policy, or options for one). */
  retry?: RetryPolicy | RetryPolicyOptions;
  metrics?: Metrics;
  logger: Logger;
  /** Clock in ms since epoch (claims and retry times). Default `Date.now`. */
  now?: () => number;
}

/** What /ready needs to know about delivery. */
export interface DeliveryHealth {
  /** Started and not stopped. */
  running: boolean;
  /** The target, as it may be logged. */
  target: string;
  inFlight: number;
  /**
   * Failed attempts in a row that point at the target rather than at one message (network, 5xx, 429, refused
   * credentials, misconfiguration). Reset by any answer about content (delivered or permanently refused).
   */
  consecutiveFailures: number;
  /** The last such failure: ids, status and codes only. */
  lastError: {
    at: string;
    messageId: number;
    status?: number;
    retryClass?: RetryClass;
    code?: string;
  } | null;
  lastDeliveredAt: string | null;
  /** When target-wide failures pause new claims, until when (ISO). */
  pausedUntil: string | null;
}

type WorkerState = 'new' | 'running' | 'stopping' | 'stopped';

/**
 * Takes due messages from the store and sends them to the target: at most `concurrency` at once, never two of
 * the same order key at once, retries with backoff, dead letters only for permanent refusals (or attempts
 * exhausted, when configured).
 *
 * When a failure points at the target (it is down, throttling, or refusing our credentials), new claims pause
 * for a backoff over the failures in a row, so an outage costs a few probes per backoff step instead of one
 * failed request per queued message. Any delivery ends the pause.
 */
export class DeliveryWorker {
  private readonly store: MessageStore;
  private readonly target: DeliveryTarget;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly policy: RetryPolicy;
  private readonly metrics: Metrics | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;

  private state: WorkerState = 'new';
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly keysInFlight = new Set<string>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private wakePending = false;
  private holdUntil = 0;
  private idleWaiters: (() => void)[] = [];
  private stopping: Promise<void> | undefined;
  private consecutiveFailures = 0;
  private lastError: DeliveryHealth['lastError'] = null;
  private lastDeliveredAt: string | null = null;

  /** @param options - See {@link DeliveryWorkerOptions}. */
  constructor(options: DeliveryWorkerOptions) {
    this.store = options.store;
    this.target = options.target;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.policy = options.retry instanceof RetryPolicy ? options.retry : new RetryPolicy(options.retry);
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /** Starts delivering. Calling it again, or after {@link stop}, does nothing. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.wake();
  }

  /** Looks for due messages now instead of at the next poll; call after an append. */
  notify(): void {
    if (this.state === 'running') this.wake();
  }

  /**
   * Stops claiming, lets in-flight sends finish for up to `graceMs`, then aborts the rest (they are recorded as
   * retries due at once, so a restart resends them). Idempotent: every call returns the same promise.
   * @param graceMs - How long in-flight sends may take. Default 10 000 ms.
   */
  stop(graceMs = 10_000): Promise<void> {
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  /** @returns Resolves when nothing is due and nothing is in flight (or the worker is not running). For tests. */
  idle(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  /** @returns The delivery state for /ready and /metrics. */
  health(): DeliveryHealth {
    return {
      running: this.state === 'running',
      target: this.target.description,
      inFlight: this.inFlight.size,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      lastDeliveredAt: this.lastDeliveredAt,
      pausedUntil: this.holdUntil > this.now() ? new Date(this.holdUntil).toISOString() : null,
    };
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.state = 'stopping';
    clearTimeout(this.timer);
    const settled = Promise.allSettled([...this.inFlight.values()]);
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      graceTimer = setTimeout(() => resolve('grace-over'), graceMs);
    });
    if ((await Promise.race([settled, graceOver])) === 'grace-over') {
      this.logger.info({ inFlight: this.inFlight.size }, 'delivery: aborting in-flight sends at shutdown');
      this.abort.abort();
      await settled;
    }
    clearTimeout(graceTimer);
    this.state = 'stopped';
    this.resolveIdle();
  }

  /** Coalesces wake-ups from notify, completions and timers into one pass. */
  private wake(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.pump();
    });
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.max(0, delayMs));
    // The worker alone must not keep a process alive; the listeners of the service do.
    this.timer.unref();
  }

  private pump(): void {
    if (this.state !== 'running') return;
    clearTimeout(this.timer);
    const now = this.now();
    if (now < this.holdUntil) {
      this.schedule(this.holdUntil - now);
      return;
    }
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return; // a completion wakes us
    let due: DueMessage[];
    try {
      due = this.store.claimDue({ now, limit: free, exclude: this.keysInFlight });
    } catch (err) {
      this.logger.error({ code: normalizeError(err).code }, 'delivery: claiming due messages failed');
      this.schedule(this.pollIntervalMs);
      return;
    }
    for (const m of due) {
      // The store leases claims and skips keys in `exclude`; this guard only matters if a store does not.
      if (this.inFlight.has(m.id) || (m.orderKey !== null && this.keysInFlight.has(m.orderKey))) continue;
      this.launch(m);
    }
    if (due.length < free) {
      if (this.inFlight.size === 0) this.resolveIdle();
      this.schedule(this.pollIntervalMs);
    }
  }

  private launch(m: DueMessage): void {
    if (m.orderKey !== null) this.keysInFlight.add(m.orderKey);
    const run = this.deliver(m)
      .catch((err: unknown) => {
        // Only a failing store write lands here; the message stays converted and is resent later (idempotent).
        this.logger.error({ messageId: m.id, code: normalizeError(err).code }, 'delivery: recording the result failed');
      })
      .finally(() => {
        this.inFlight.delete(m.id);
        if (m.orderKey !== null) this.keysInFlight.delete(m.orderKey);
        if (this.state === 'running') this.wake();
      });
    this.inFlight.set(m.id, run);
  }

  private async deliver(m: DueMessage): Promise<void> {
    const attempt = m.attempts + 1;
    const started = performance.now();
    const result = await this.send(m.bundle);
    const ms = Math.round(performance.now() - started);
    this.metrics?.deliverySeconds.observe({ result: result.kind }, ms / 1000);
    this.metrics?.deliveryAttempts.inc({ result: result.kind });
    const log = { messageId: m.id, attempt, status: 'status' in result ? result.status : undefined, ms };

    if (result.kind === 'delivered') {
      this.logger.debug({ ...log, result: result.kind }, 'delivery: delivered');
      const at = new Date(this.now()).toISOString();
      this.consecutiveFailures = 0;
      this.holdUntil = 0;
      this.lastDeliveredAt = at;
      await this.store.markDelivered(m.id, at);
      return;
    }
    const code = outcomeCode(result.outcome);
    if (result.kind === 'permanent') {
      // The server answered about the content, so it is reachable.
      this.consecutiveFailures = 0;
      this.logger.warn({ ...log, result: result.kind, code }, 'delivery: refused by the target, dead-lettered');
      await this.store.markDead(m.id, result.outcome);
      return;
    }
    const retryClass = result.retryClass ?? RetryClass.Transient;
    if (this.abort.signal.aborted) {
      this.logger.info({ ...log, result: 'aborted' }, 'delivery: send aborted at shutdown, due again at start');
      await this.store.markRetry(m.id, result.outcome, new Date(this.now()).toISOString());
      return;
    }
    const decision = this.policy.decide(retryClass, attempt, result.retryAfterMs);
    if (!decision.retry) {
      this.logger.warn({ ...log, result: result.kind, retryClass, code }, 'delivery: giving up, dead-lettered');
      await this.store.markDead(m.id, result.outcome);
      return;
    }
    const nextAt = this.now() + decision.delayMs;
    const nextAttemptAt = new Date(nextAt).toISOString();
    if (retryClass !== RetryClass.Conflict) {
      this.consecutiveFailures++;
      // The pause backs off on failures in a row, not on this message's attempts: one message the server
      // chokes on (a 500 for its content) must not pause the others for its own long backoff.
      const pauseMs = this.policy.delayMs(this.consecutiveFailures, result.retryAfterMs, retryClass);
      this.holdUntil = Math.max(this.holdUntil, this.now() + pauseMs);
      this.lastError = {
        at: new Date(this.now()).toISOString(),
        messageId: m.id,
        ...(log.status !== undefined ? { status: log.status } : {}),
        retryClass,
        ...(code ? { code } : {}),
      };
    }
    this.logger.warn({ ...log, result: result.kind, retryClass, code, nextAttemptAt }, 'delivery: failed, will retry');
    await this.store.markRetry(m.id, result.outcome, nextAttemptAt);
  }

  /** The target promises never to throw; if one does anyway, the message is retried rather than lost. */
  private async send(bundle: string): Promise<SendOutcome> {
    try {
      return await this.target.send(bundle, this.abort.signal);
    } catch (err) {
      const outcome: OperationOutcome = normalizeError(err).outcome;
      return { kind: 'retry', retryClass: RetryClass.Transient, outcome };
    }
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
