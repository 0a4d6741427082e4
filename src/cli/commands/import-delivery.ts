import type { OperationOutcome } from '@medplum/fhirtypes';
import { RetryClass, type SendOutcome } from '../../deliver/delivery-target.ts';
import { RetryPolicy, type RetryPolicyOptions } from '../../deliver/retry-policy.ts';
import type { TransactionReply, TransactionSender } from '../../deliver/transaction-sender.ts';
import type { WriteTally } from '../../deliver/transaction-writes.ts';
import { formatOutcome } from '../format-issues.ts';
import type { BundleSink } from './import-pass.ts';
import type { ImportProgress } from './import-progress.ts';

/**
 * Retries of a Bundle during `import`: someone is waiting at the terminal, so a few quick tries ride out a busy
 * server or a dropped connection, and a server that stays down stops the import instead of parking it for hours
 * as the service's queue would.
 */
export const IMPORT_RETRY: RetryPolicyOptions = {
  baseMs: 500,
  maxMs: 5_000,
  maxAttempts: 5,
  maxConflictAttempts: 5,
  maxRetryAfterMs: 30_000,
};

/** How sending one Bundle ended. */
export type BundleDelivery =
  | { ok: true; reply: TransactionReply; attempts: number }
  /** `why` says in words why retrying stopped; `outcome` is the server's (or our) OperationOutcome. */
  | { ok: false; why: string; outcome: OperationOutcome; attempts: number };

/** A retry about to happen, for telling the user. */
export interface RetryNotice {
  attempts: number;
  delayMs: number;
  outcome: Extract<SendOutcome, { kind: 'retry' }>;
}

/**
 * Sends one Bundle, retrying transient failures (network, timeouts, 429, 5xx) and write conflicts a bounded number
 * of times with a short backoff. Refused content (4xx), refused credentials and a URL that is not a FHIR server
 * stop at once: waiting cannot fix them during a run.
 * @param sender - The FHIR server.
 * @param bundle - The Bundle as JSON text.
 * @param policy - Backoff and limits.
 * @param sleep - Waits (injectable so tests do not).
 * @param onRetry - Told before each wait.
 * @returns Delivered with the server's answer, or why not.
 */
export async function deliverBundle(
  sender: TransactionSender,
  bundle: string,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void>,
  onRetry: (notice: RetryNotice) => void = () => {},
): Promise<BundleDelivery> {
  for (let attempts = 1; ; attempts++) {
    const reply = await sender.send(bundle);
    const o = reply.outcome;
    if (o.kind === 'delivered') return { ok: true, reply, attempts };
    if (o.kind === 'permanent') return { ok: false, why: `refused (HTTP ${o.status})`, outcome: o.outcome, attempts };
    const retryClass = o.retryClass ?? RetryClass.Transient;
    if (retryClass === RetryClass.Auth) {
      return { ok: false, why: 'credentials refused; check the FHIR auth settings', outcome: o.outcome, attempts };
    }
    if (retryClass === RetryClass.Config) {
      return { ok: false, why: 'not answering as a FHIR server; check the base URL', outcome: o.outcome, attempts };
    }
    const decision = policy.decide(retryClass, attempts, o.retryAfterMs);
    if (!decision.retry) {
      return { ok: false, why: `still failing after ${attempts} attempts`, outcome: o.outcome, attempts };
    }
    onRetry({ attempts, delayMs: decision.delayMs, outcome: o });
    await sleep(decision.delayMs);
  }
}

/** @returns A retry policy for `import`, with test overrides. */
export function importRetryPolicy(overrides: RetryPolicyOptions = {}): RetryPolicy {
  return new RetryPolicy({ ...IMPORT_RETRY, ...overrides });
}

/**
 * The sink of an import that delivers: each Bundle is sent (see {@link deliverBundle}) and what the server did is
 * added to the tally. Retries and a refusal are told on stderr; a refusal stops the import.
 * @param sender - The FHIR server.
 * @param tally - Counts what the server created, updated and left unchanged.
 * @param progress - For lines on stderr.
 * @param options - Retry overrides and the wait (tests).
 * @returns The sink.
 */
export function deliverySink(
  sender: TransactionSender,
  tally: WriteTally,
  progress: ImportProgress,
  options: { retry?: RetryPolicyOptions; sleep?: (ms: number) => Promise<void> } = {},
): BundleSink {
  const policy = importRetryPolicy(options.retry);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (event, n) => {
    const bundle = event.unit.bundle!;
    const sent = await deliverBundle(sender, JSON.stringify(bundle), policy, sleep, (r) =>
      progress.line(
        `FHIR server failed on Bundle ${n} (${r.outcome.status ? `HTTP ${r.outcome.status}` : 'no answer'}), ` +
          `retrying in ${(r.delayMs / 1000).toFixed(1)} s`,
      ),
    );
    if (!sent.ok) {
      const why = `the FHIR server (${sender.description}) ${sent.why}`;
      progress.line(
        `studybridge import: Bundle ${n} (lines ${event.firstLine}–${event.lastLine}) not delivered: ${why}:`,
      );
      for (const line of formatOutcome(sent.outcome)) progress.line(`  ${line}`);
      return why;
    }
    tally.add(bundle, sent.reply.response, sent.reply.writtenAfter);
    return undefined;
  };
}
