import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/error-codes.ts';
import { ERROR_CODE_SYSTEM } from '../errors/outcomes.ts';
import { silentLogger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import {
  commaLayout,
  exampleCsv,
  exampleCsvText,
  FlakyStore,
  layoutVariant,
  loadCsvTestDeps,
  LONG,
  recordingLogger,
  WIDE,
} from './csv-test-support.ts';
import {
  createCsvReceiver,
  csvLayoutOf,
  loadLayoutsIfPresent,
  unknownLayoutError,
  type CsvDeps,
  type CsvReceiverDeps,
} from './receive-csv.ts';

let csv: Awaited<ReturnType<typeof loadCsvTestDeps>>;
beforeAll(async () => {
  csv = await loadCsvTestDeps();
});

const NOW = new Date('2026-03-04T05:06:07.890Z');
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

function receiver(extra: Partial<CsvReceiverDeps> = {}) {
  const store = extra.store ?? new MemoryMessageStore();
  const calls = { onStored: 0 };
  const receive = createCsvReceiver({
    csv: csv as CsvDeps,
    store,
    logger: silentLogger(),
    onStored: () => calls.onStored++,
    now: () => NOW,
    ...extra,
  });
  return { receive, store, calls };
}

/** The wide example with `NA` no longer meaning "no value": the 4 rows holding `NA` (lines 11-13, 15) are rejected. */
const strictWide = () => layoutVariant(csv.layouts.get(WIDE)!, { missing: [''] });

describe('createCsvReceiver', () => {
  it('When a good file arrives, then each Bundle is stored converted with the layout as type, sender and order key', async () => {
    for (const id of [WIDE, LONG]) {
      const { receive, store, calls } = receiver();
      const result = await receive(exampleCsv(id), csv.layouts.get(id)!, 'http');
      expect(result.stored).toBe(true);
      expect(result.refused).toBeUndefined();
      expect(result.messages).toHaveLength(1);
      const [m] = result.messages;
      expect(m).toMatchObject({ ok: true, storedId: 1 });
      const record = store.get(1)!;
      expect(record).toMatchObject({
        transport: 'http',
        sender: `csv|${csv.layouts.get(id)!.layout.source}`,
        controlId: m!.controlId,
        messageType: `CSV/${id}`,
        receivedAt: NOW.toISOString(),
        state: 'converted',
        orderKey: `csv/${id}`,
      });
      expect(csvLayoutOf(record)).toBe(id);
      expect(decode(store.raw(1))).toBe(m!.text);
      expect(JSON.parse(store.bundle(1)!)).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
      expect(calls.onStored).toBe(1);
    }
  });

  it('When rows are rejected, then each is stored failed on its own, as header and row, with its error code', async () => {
    const { receive, store } = receiver();
    const result = await receive(exampleCsv(WIDE), strictWide(), 'http');
    expect(result.summary).toMatchObject({ rowsRead: 18, rowsImported: 14, rowsRejected: 4, bundles: 1 });
    const failed = result.messages.filter((m) => !m.ok);
    expect(failed.map((m) => m.controlId)).toEqual(['line-11', 'line-12', 'line-13', 'line-15']);
    const header = exampleCsvText(WIDE).split(/\r?\n/)[0];
    for (const m of failed) {
      const record = store.get(m.storedId!)!;
      expect(record).toMatchObject({ state: 'failed', controlId: m.controlId, messageType: `CSV/${WIDE}` });
      expect(record.orderKey).toBeNull();
      const [head, row, ...rest] = decode(store.raw(m.storedId!)).split('\n');
      expect([head, rest]).toEqual([header, []]);
      expect(row).toMatch(/^SUBJ-000[45];/);
      expect(record.lastError?.issue?.[0]?.details?.coding).toEqual([
        { system: ERROR_CODE_SYSTEM, code: ErrorCode.CsvInvalidRow },
      ]);
      expect(record.lastError?.issue?.[0]?.expression?.[0]).toMatch(/^line \d+, column '/);
    }
    expect(store.countByState()).toMatchObject({ converted: 1, failed: 4 });
  });

  it('When the whole file is refused, then it is stored once, failed, holding the body as received', async () => {
    const { receive, store, calls } = receiver();
    const body = exampleCsv(WIDE);
    const result = await receive(body, commaLayout(csv.layouts.get(WIDE)!), 'http');
    expect(result.stored).toBe(true);
    expect(result.refused?.code).toBe(ErrorCode.CsvWrongDelimiter);
    expect(result.messages).toEqual([expect.objectContaining({ ok: false, storedId: 1 })]);
    expect(store.get(1)).toMatchObject({ state: 'failed', controlId: null, messageType: `CSV/${WIDE}` });
    expect(store.raw(1)).toEqual(body);
    expect(calls.onStored).toBe(0);
  });

  it('When the file is only a header, then nothing is stored and nothing is refused', async () => {
    const { receive, store } = receiver();
    const header = exampleCsvText(LONG).split('\n')[0]!;
    const result = await receive(encode(`${header}\n`), csv.layouts.get(LONG)!, 'http');
    expect(result).toMatchObject({ stored: true, messages: [], summary: { rowsRead: 0 } });
    expect(store.list()).toEqual([]);
  });

  it('When the store write fails, then nothing is reported stored and delivery is not woken', async () => {
    const store = new FlakyStore();
    store.failing = true;
    const { receive, calls } = receiver({ store });
    const result = await receive(exampleCsv(WIDE), strictWide(), 'http');
    expect(result.stored).toBe(false);
    expect(result.storeError?.code).toBe(ErrorCode.StoreWriteFailed);
    expect(result.messages.every((m) => m.storedId === undefined)).toBe(true);
    // Every Bundle and rejected row went to the store in one append.
    expect(store.appends.map((a) => a.length)).toEqual([5]);
    expect(calls.onStored).toBe(0);
  });

  it('When a file is received, then logs carry counts and codes but no cell value', async () => {
    const { logger, lines } = recordingLogger();
    const { receive } = receiver({ logger });
    await receive(exampleCsv(WIDE), strictWide(), 'http');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      msg: 'CSV file stored',
      layout: WIDE,
      rowsRead: 18,
      rowsRejected: 4,
      codes: { [ErrorCode.CsvInvalidRow]: 4 },
    });
    expect(lines[0]).not.toMatch(/SUBJ-|06\/02\/2023|8,9/);
  });

  it('When a file is received, then the metrics count its Bundles and rejected rows under the layout', async () => {
    const metrics = new Metrics();
    const { receive } = receiver({ metrics });
    await receive(exampleCsv(WIDE), strictWide(), 'http');
    const text = await metrics.registry.metrics();
    const labels = `transport="http",type="CSV/${WIDE}",sender="uc-msc-registry"`;
    expect(text).toContain(`studybridge_messages_received_total{${labels}} 5`);
    expect(text).toContain(`studybridge_messages_rejected_total{${labels},reason="csv.invalid-row"} 4`);
  });
});

describe('unknownLayoutError', () => {
  it('When a layout is unknown or not given, then the error names the layouts that exist', () => {
    const unknown = unknownLayoutError('nope', csv.layouts);
    expect(unknown.code).toBe(ErrorCode.CsvUnknownLayout);
    expect(unknown.outcome.issue?.[0]?.diagnostics).toBe(`unknown CSV layout 'nope'; known layouts: ${WIDE}, ${LONG}`);
    expect(unknownLayoutError(undefined, new Map()).outcome.issue?.[0]?.diagnostics).toBe(
      'no CSV layout given (?mapping=<layout id>); no CSV layouts are configured',
    );
  });
});

describe('loadLayoutsIfPresent', () => {
  it('When the mappings have no csv directory, then there are no layouts; when it holds a bad file, every problem is thrown', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-layouts-'));
    try {
      expect(await loadLayoutsIfPresent(dir, csv.mappings)).toBeUndefined();
      await mkdir(path.join(dir, 'csv'));
      expect((await loadLayoutsIfPresent(dir, csv.mappings))?.size).toBe(0);
      await writeFile(path.join(dir, 'csv', 'broken.yaml'), 'id: other\n');
      await expect(loadLayoutsIfPresent(dir, csv.mappings)).rejects.toMatchObject({ code: ErrorCode.MappingInvalid });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
