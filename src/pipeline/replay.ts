import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { MessageState, type MessageStore, type StoredMessage } from '../store/message-store.ts';
import type { ConvertFn } from './convert-types.ts';
import { orderKeyOf } from './receive.ts';

/** What a replay needs. */
export interface ReplayDeps {
  store: MessageStore;
  convert: ConvertFn;
}

/** The outcome of replaying one message. */
export interface ReplayResult {
  id: number;
  /** `converted` (queued for delivery again) or `failed` (the content still does not convert). */
  state: StoredMessage['state'];
  /** Error code when it failed again. */
  code?: string;
}

/**
 * Re-converts a stored message from its raw bytes with the mappings loaded now, and queues the result for
 * delivery (or records why it still fails). Delivery is idempotent, so replaying a delivered message is safe.
 * @returns Undefined when no message has that id.
 */
export async function replayMessage(id: number, deps: ReplayDeps): Promise<ReplayResult | undefined> {
  const record = deps.store.get(id);
  const raw = deps.store.raw(id);
  if (!record || !raw) return undefined;
  const results = await deps.convert(raw, { receivedAt: record.receivedAt });
  const only = results.length === 1 ? results[0] : undefined;
  if (only?.ok && only.bundle) {
    await deps.store.setConversion(id, {
      state: MessageState.Converted,
      bundle: JSON.stringify(only.bundle),
      orderKey: orderKeyOf(only.bundle),
    });
    return { id, state: MessageState.Converted };
  }
  const error =
    only?.error ??
    adapterError(
      ErrorCode.IngestBadInput,
      IssueType.Structure,
      `stored input holds ${results.length} messages, not one`,
    );
  await deps.store.setConversion(id, { state: MessageState.Failed, error: error.outcome });
  return { id, state: MessageState.Failed, code: error.code };
}

/** Replays every message in the given state (e.g. all dead letters), oldest first. */
export async function replayAll(state: StoredMessage['state'], deps: ReplayDeps): Promise<ReplayResult[]> {
  const ids: number[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = deps.store.list({ states: [state], limit: 500, ...(beforeId ? { beforeId } : {}) });
    if (page.length === 0) break;
    ids.push(...page.map((m) => m.id));
    beforeId = page.at(-1)!.id;
  }
  const results: ReplayResult[] = [];
  for (const id of ids.reverse()) {
    const r = await replayMessage(id, deps);
    if (r) results.push(r);
  }
  return results;
}
