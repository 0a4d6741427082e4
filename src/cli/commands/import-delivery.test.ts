import type { OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { SendOutcome } from '../../deliver/delivery-target.ts';
import type { TransactionSender } from '../../deliver/transaction-sender.ts';
import { deliverBundle, importRetryPolicy, type RetryNotice } from './import-delivery.ts';

const problem: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'exception' }],
};
const busy = { kind: 'retry', status: 503, retryClass: 'transient', outcome: problem } as const satisfies SendOutcome;

/** A sender answering with the given outcomes in turn (the last one for ever). */
function scripted(...outcomes: SendOutcome[]): TransactionSender & { sent: number } {
  const s = {
    description: 'scripted',
    sent: 0,
    send: async () => ({ outcome: outcomes[Math.min(s.sent++, outcomes.length - 1)] as SendOutcome }),
    close: async () => {},
  };
  return s;
}

describe('delivering one Bundle during an import', () => {
  const policy = importRetryPolicy({ random: () => 0.5 });

  it('When the server is busy for a while, then the Bundle is retried after short waits and delivered', async () => {
    const sender = scripted(busy, busy, { kind: 'delivered', status: 200 });
    const waits: number[] = [];
    const notices: RetryNotice[] = [];
    const result = await deliverBundle(
      sender,
      '{}',
      policy,
      async (ms) => void waits.push(ms),
      (n) => notices.push(n),
    );
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(waits).toEqual([250, 500]);
    expect(notices.map((n) => n.outcome.status)).toEqual([503, 503]);
  });

  it('When the server stays down, then retrying stops after a bounded number of attempts', async () => {
    const sender = scripted(busy);
    const result = await deliverBundle(sender, '{}', policy, async () => {});
    expect(result).toMatchObject({ ok: false, why: 'still failing after 5 attempts', attempts: 5 });
    expect(sender.sent).toBe(5);
  });

  it('When the server refuses the content, credentials or URL, then the import stops at once', async () => {
    const cases: [SendOutcome, string][] = [
      [{ kind: 'permanent', status: 422, outcome: problem }, 'refused (HTTP 422)'],
      [{ kind: 'retry', status: 401, retryClass: 'auth', outcome: problem }, 'credentials refused'],
      [{ kind: 'retry', status: 404, retryClass: 'config', outcome: problem }, 'check the base URL'],
    ];
    for (const [outcome, why] of cases) {
      const sender = scripted(outcome);
      const result = await deliverBundle(sender, '{}', policy, async () => {});
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.why).toContain(why);
      expect(sender.sent).toBe(1);
    }
  });

  it("When the server asks to wait with Retry-After, then the wait honours it up to the import's cap", async () => {
    const sender = scripted({ ...busy, retryAfterMs: 3_600_000 }, { kind: 'delivered', status: 200 });
    const waits: number[] = [];
    await deliverBundle(sender, '{}', policy, async (ms) => void waits.push(ms));
    expect(waits).toEqual([30_000]);
  });
});
