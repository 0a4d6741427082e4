import type { AdapterError } from '../errors/adapter-error.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { MessageState, type MessageStore, type StoredMessage } from '../store/message-store.ts';
import type { ConvertedMessage, ConvertFn } from './convert-types.ts';
import { STUDIES_MESSAGE_TYPE, STUDIES_ORDER_KEY } from './publish-studies.ts';
import { orderKeyOf, withErrorCode } from './receive.ts';
import { csvLayoutOf, csvOrderKey, reconvertCsv, type CsvDeps } from './receive-csv.ts';

/** What a replay needs. */
export interface ReplayDeps {
  store: MessageStore;
  convert: ConvertFn;
  /**
   * The CSV layouts and what converting them needs, or a loader for them, called only when a message stored from a
   * CSV file is replayed (a caller that loads lazily should cache the promise). Without it such a message fails
   * with `csv.unknown-layout`.
   */
  csv?: CsvDeps | (() => Promise<CsvDeps>);
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
 * A message stored from a CSV file (message type `CSV/<layout id>`) is re-converted with its layout.
 * @returns Undefined when no message has that id.
 */
export async function replayMessage(id: number, deps: ReplayDeps): Promise<ReplayResult | undefined> {
  const record = deps.store.get(id);
  const raw = deps.store.raw(id);
  if (!record || !raw) return undefined;
  if (record.messageType === STUDIES_MESSAGE_TYPE) {
    // Stored as the Bundle itself (the study definitions at a start): queued again as it is.
    const bundle = new TextDecoder().decode(raw);
    await deps.store.setConversion(id, { state: MessageState.Converted, bundle, orderKey: STUDIES_ORDER_KEY });
    return { id, state: MessageState.Converted };
  }
  const layoutId = csvLayoutOf(record);
  const results =
    layoutId === undefined
      ? await deps.convert(raw, { receivedAt: record.receivedAt })
      : await reconvertCsv(record, raw, typeof deps.csv === 'function' ? await deps.csv() : deps.csv);
  const only = results.length === 1 ? results[0] : undefined;
  if (only?.ok && only.bundle) {
    await deps.store.setConversion(id, {
      state: MessageState.Converted,
      bundle: JSON.stringify(only.bundle),
      orderKey: layoutId === undefined ? orderKeyOf(only.bundle) : csvOrderKey(layoutId),
    });
    return { id, state: MessageState.Converted };
  }
  const error = only?.error ?? notOne(results, layoutId !== undefined);
  await deps.store.setConversion(id, { state: MessageState.Failed, error: withErrorCode(error.outcome, error.code) });
  return { id, state: MessageState.Failed, code: error.code };
}

/** The error of a stored input that no longer converts to exactly one result, so it cannot stay one message. */
function notOne(results: readonly ConvertedMessage[], csv: boolean): AdapterError {
  if (!csv) {
    const reason = `stored input holds ${results.length} messages, not one`;
    return adapterError(ErrorCode.IngestBadInput, IssueType.Structure, reason);
  }
  const bundles = results.filter((r) => r.ok).length;
  const rejected = results.length - bundles;
  const reason =
    `the stored CSV now converts to ${plural(bundles, 'Bundle')} and ${plural(rejected, 'rejected row')}, ` +
    'not one result; send the file to POST /csv again to import them';
  return adapterError(ErrorCode.IngestBadInput, IssueType.Structure, reason);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
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
