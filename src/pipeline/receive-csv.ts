import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { AdapterError } from '../errors/adapter-error.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType, normalizeError } from '../errors/outcomes.ts';
import { loadCsvLayoutSet } from '../map/csv/load-layouts.ts';
import type { AnyCsvLayouts, AnyResolvedLayout } from '../map/csv/layout-types.ts';
import type { Mappings } from '../map/mapping-types.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import {
  MessageState,
  type MessageStore,
  type NewMessage,
  type StoredMessage,
  type Transport,
} from '../store/message-store.ts';
import { convertCsvAll, type CsvConvertDeps, type CsvSummary } from './convert-csv.ts';
import type { ConvertedMessage } from './convert-types.ts';
import { withErrorCode, type ReceivedMessage } from './receive.ts';

/** Directory of the CSV layouts inside the mappings directory. */
export const CSV_LAYOUTS_DIR = 'csv';

/** Prefix of the message type of every message stored from a CSV file: `CSV/<layout id>`. */
const CSV_TYPE_PREFIX = 'CSV/';

/** What converting CSV needs, loaded once: the layouts by id, the mapping set and the validator. */
export interface CsvDeps extends CsvConvertDeps {
  layouts: AnyCsvLayouts;
}

/** What happened to one received CSV file. */
export interface CsvReceiveResult {
  /** True when every message was durably committed: only then may anything be acknowledged as accepted. */
  stored: boolean;
  /** Why the write failed, when it did. */
  storeError?: AdapterError;
  /** Why the whole file was refused (nothing of it imported); it is then stored as one failed message. */
  refused?: AdapterError;
  /** The counts, when the file could be read. */
  summary?: CsvSummary;
  /** One per Bundle and per rejected row in file order, or the one refused file. */
  messages: ReceivedMessage[];
}

/** Converts a CSV file with a layout and commits every Bundle and rejected row to the store. */
export type ReceiveCsv = (
  raw: Uint8Array,
  layout: AnyResolvedLayout,
  transport: Transport,
) => Promise<CsvReceiveResult>;

/** What {@link createCsvReceiver} wires together. */
export interface CsvReceiverDeps {
  csv: CsvConvertDeps;
  store: MessageStore;
  logger: Logger;
  metrics?: Metrics;
  /** Called after a commit that added deliverable messages (wakes the delivery worker). */
  onStored?: () => void;
  /** Clock, for tests. */
  now?: () => Date;
}

const encoder = new TextEncoder();

/**
 * Builds the CSV receive use case: convert the whole file → commit every result in one append → report. Rejected
 * rows and a refused file are committed too (state `failed`, for inspection and replay), so nothing sent is lost
 * and nothing is acknowledged before it is on disk. Logs carry counts and codes only, never cell values.
 */
export function createCsvReceiver(deps: CsvReceiverDeps): ReceiveCsv {
  return async (raw, layout, transport) => {
    const receivedAt = (deps.now?.() ?? new Date()).toISOString();
    const id = layout.layout.id;
    const type = csvMessageType(id);
    const sender = layout.layout.source;
    const started = performance.now();
    const { results, summary, error: refused } = await convertCsvAll(raw, layout, deps.csv, { receivedAt });
    deps.metrics?.conversionSeconds.observe({ type }, (performance.now() - started) / 1000);

    const base = { transport, sender: `csv|${sender}`, messageType: type, receivedAt };
    const rows: NewMessage[] = results.map((r) =>
      toNewMessage(r, refused ? raw : encoder.encode(r.text ?? ''), base, csvOrderKey(id)),
    );
    const messages: ReceivedMessage[] = results.map((r) => ({
      index: r.index,
      ...(r.text !== undefined ? { text: r.text } : {}),
      ...(r.controlId ? { controlId: r.controlId } : {}),
      ok: r.ok,
      ...(r.error ? { error: r.error } : {}),
      outcome: r.error ? withErrorCode(r.outcome, r.error.code) : r.outcome,
    }));
    for (const r of results) {
      deps.metrics?.received.inc({ transport, type, sender });
      if (!r.ok) deps.metrics?.rejected.inc({ transport, type, sender, reason: r.error?.code ?? 'unknown' });
    }
    const report = { ...(summary ? { summary } : {}), ...(refused ? { refused } : {}) };

    try {
      // Nothing to store for a file of a header alone: there is nothing to deliver or to replay.
      const ids = rows.length ? await deps.store.append(rows) : [];
      ids.forEach((storedId, i) => (messages[i]!.storedId = storedId));
    } catch (err) {
      const storeError = normalizeError(err);
      deps.logger.error(
        { code: storeError.code, transport, layout: id, messages: rows.length },
        'store write failed; not acknowledging',
      );
      return { stored: false, storeError, messages, ...report };
    }
    const firstId = messages[0]?.storedId;
    if (refused) {
      deps.logger.info(
        { id: firstId, transport, layout: id, code: refused.code },
        'CSV file refused, stored as failed',
      );
    } else {
      deps.logger.info(
        {
          firstId,
          transport,
          layout: id,
          rowsRead: summary?.rowsRead,
          rowsImported: summary?.rowsImported,
          rowsRejected: summary?.rowsRejected,
          rowsDuplicate: summary?.rowsDuplicate,
          bundles: summary?.bundles,
          codes: countCodes(results),
        },
        'CSV file stored',
      );
    }
    if (messages.some((m) => m.ok)) deps.onStored?.();
    return { stored: true, messages, ...report };
  };
}

function toNewMessage(
  r: ConvertedMessage,
  raw: Uint8Array,
  base: Pick<NewMessage, 'transport' | 'sender' | 'messageType' | 'receivedAt'>,
  orderKey: string,
): NewMessage {
  return {
    ...base,
    controlId: r.controlId ?? null,
    raw,
    ...(r.ok && r.bundle
      ? { state: MessageState.Converted, bundle: JSON.stringify(r.bundle), orderKey }
      : { state: MessageState.Failed, error: r.error ? withErrorCode(r.outcome, r.error.code) : r.outcome }),
  };
}

/** @returns How many results failed with each error code (for logs: codes, never content). */
function countCodes(results: readonly ConvertedMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) if (r.error) counts[r.error.code] = (counts[r.error.code] ?? 0) + 1;
  return counts;
}

/** @returns The message type stored for a layout's messages, `CSV/<layout id>`. */
export function csvMessageType(layoutId: string): string {
  return `${CSV_TYPE_PREFIX}${layoutId}`;
}

/**
 * The order key of a layout's Bundles: one per layout, so they are delivered in the order received and a
 * corrected re-import never overtakes the original (the file's rows may share patients across Bundles).
 * @returns `csv/<layout id>`.
 */
export function csvOrderKey(layoutId: string): string {
  return `csv/${layoutId}`;
}

/** @returns The layout id of a message stored from a CSV file, or undefined for any other message. */
export function csvLayoutOf(record: Pick<StoredMessage, 'messageType'>): string | undefined {
  const type = record.messageType;
  return type?.startsWith(CSV_TYPE_PREFIX) ? type.slice(CSV_TYPE_PREFIX.length) : undefined;
}

/**
 * @param id - The layout asked for (undefined when none was given).
 * @param layouts - The layouts loaded.
 * @returns `csv.unknown-layout`, naming the layouts that exist.
 */
export function unknownLayoutError(id: string | undefined, layouts: AnyCsvLayouts): AdapterError {
  const known = [...layouts.keys()].sort((a, b) => a.localeCompare(b));
  const choices = known.length ? `known layouts: ${known.join(', ')}` : 'no CSV layouts are configured';
  const asked = id === undefined ? 'no CSV layout given (?mapping=<layout id>)' : `unknown CSV layout '${id}'`;
  return adapterError(ErrorCode.CsvUnknownLayout, IssueType.NotSupported, `${asked}; ${choices}`);
}

/**
 * Re-converts a message stored from a CSV file with the layout named by its message type. A Bundle or a rejected
 * row was stored as UTF-8 text (header and rows), so it is passed on as text and the layout's encoding does not
 * apply twice; a refused file (stored without a control id) is its body as received, passed on as bytes.
 * @param record - The stored message (its message type is `CSV/<layout id>`).
 * @param raw - Its raw bytes.
 * @param csv - The layouts and what converting needs; undefined when none are loaded.
 * @returns The results: one for a message that still maps to one Bundle or one rejected row.
 */
export async function reconvertCsv(
  record: Pick<StoredMessage, 'messageType' | 'controlId' | 'receivedAt'>,
  raw: Uint8Array,
  csv: CsvDeps | undefined,
): Promise<ConvertedMessage[]> {
  const id = csvLayoutOf(record);
  const layout = id === undefined ? undefined : csv?.layouts.get(id);
  if (!csv || !layout) {
    const error = unknownLayoutError(id, csv?.layouts ?? new Map());
    return [{ index: 0, ok: false, error, outcome: error.outcome }];
  }
  const input = record.controlId === null ? raw : new TextDecoder().decode(raw);
  // A stored rejected row is its header and itself; its control ID keeps the line it had in the original file.
  const line = /^line-(\d+)$/.exec(record.controlId ?? '')?.[1];
  const { results } = await convertCsvAll(input, layout, csv, {
    receivedAt: record.receivedAt,
    ...(line ? { lineOffset: Number(line) - 2 } : {}),
  });
  return results;
}

/**
 * Loads the layouts of `<mappingsDir>/csv`. CSV import is optional: without that directory there are no layouts.
 * @param mappingsDir - The mappings directory.
 * @param mappings - The mapping set loaded from it.
 * @returns The layouts by id, or undefined when the directory does not exist.
 * @throws AdapterError `mapping.invalid` with every problem of every layout file.
 */
export async function loadLayoutsIfPresent(
  mappingsDir: string,
  mappings: Mappings,
): Promise<AnyCsvLayouts | undefined> {
  const dir = path.join(mappingsDir, CSV_LAYOUTS_DIR);
  try {
    await stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Anything else (permissions, …) is reported by the loader with the directory's name.
  }
  return loadCsvLayoutSet(dir, mappings);
}
