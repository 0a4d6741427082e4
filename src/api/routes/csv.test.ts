import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../errors/error-codes.ts';
import { silentLogger } from '../../observe/logger.ts';
import { Metrics } from '../../observe/metrics.ts';
import type { ConvertFn } from '../../pipeline/convert-types.ts';
import {
  commaLayout,
  exampleCsv,
  exampleCsvText,
  FlakyStore,
  layoutVariant,
  loadCsvTestDeps,
  LONG,
  WIDE,
} from '../../pipeline/csv-test-support.ts';
import { createCsvReceiver } from '../../pipeline/receive-csv.ts';
import type { StoredMessage } from '../../store/message-store.ts';
import { createApp } from '../create-app.ts';

let csv: Awaited<ReturnType<typeof loadCsvTestDeps>>;
beforeAll(async () => {
  csv = await loadCsvTestDeps();
});

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
});

/** HL7 is not under test here: a converter that fails if it is ever used. */
const hl7: ConvertFn = () => Promise.reject(new Error('the HL7 converter was used for CSV'));

/** Starts the app on a free loopback port, over the real CSV receiver, the loaded layouts and a memory store. */
async function start(maxBodyBytes = 64 * 1024) {
  const store = new FlakyStore();
  const logger = silentLogger();
  const metrics = new Metrics();
  const stored = { count: 0 };
  // Its own Map, so a test can swap a layout for a variant.
  const deps = { ...csv, layouts: new Map(csv.layouts) };
  const receiveCsv = createCsvReceiver({ csv: deps, store, logger, metrics, onStored: () => stored.count++ });
  const app = createApp({
    receive: () => Promise.reject(new Error('not under test')),
    acknowledge: () => ({ text: '', bytes: new Uint8Array() }),
    receiveCsv,
    csv: deps,
    store,
    convert: hl7,
    metrics,
    readiness: { store: () => true, target: () => Promise.resolve(true) },
    logger,
    maxBodyBytes,
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, store, layouts: deps.layouts, stored };
}

function post(base: string, query: string, body: string | Uint8Array, type = 'text/csv') {
  return fetch(`${base}/csv${query}`, { method: 'POST', headers: { 'content-type': type }, body });
}

async function outcomeOf(res: Response): Promise<OperationOutcome> {
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  return (await res.json()) as OperationOutcome;
}

async function listed(base: string, state: string): Promise<StoredMessage[]> {
  const res = await fetch(`${base}/messages?state=${state}`);
  return ((await res.json()) as { messages: StoredMessage[] }).messages;
}

describe('POST /csv', () => {
  it('When either example file is sent, then 200 summarises it and its Bundle is stored for delivery', async () => {
    const { base, store, stored } = await start(1024 * 1024);
    const sent = [
      { id: WIDE, type: 'text/csv', summary: /^layout 'registry-labs-wide': 18 rows read, 18 imported, 0 rejected/ },
      {
        id: LONG,
        type: 'application/csv',
        summary: /^layout 'trial-labs-long': 80 rows read, 79 imported, .*1 without/,
      },
    ];
    for (const [i, file] of sent.entries()) {
      const res = await post(base, `?mapping=${file.id}`, exampleCsv(file.id), file.type);
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBe(`/messages/${i + 1}`);
      const o = await outcomeOf(res);
      expect(o.issue).toHaveLength(1);
      expect(o.issue?.[0]).toMatchObject({ severity: 'information', code: 'informational' });
      expect(o.issue?.[0]?.diagnostics).toMatch(file.summary);
      expect(o.issue?.[0]?.diagnostics).toMatch(
        new RegExp(
          `1 Bundle \\(Encounter \\d+, Observation \\d+, Patient \\d+, Provenance 1, ResearchStudy 1\\) stored as message ${i + 1}$`,
        ),
      );
    }
    const converted = await listed(base, 'converted');
    expect(converted.map((m) => [m.id, m.messageType, m.orderKey])).toEqual([
      [2, `CSV/${LONG}`, `csv/${LONG}`],
      [1, `CSV/${WIDE}`, `csv/${WIDE}`],
    ]);
    expect(JSON.parse(store.bundle(1)!)).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    expect(stored.count).toBe(2);
  });

  it('When some rows are rejected, then 200 lists their issues, and they are stored failed, listed and replayable', async () => {
    const { base, layouts } = await start();
    layouts.set(WIDE, layoutVariant(csv.layouts.get(WIDE)!, { missing: [''] }));
    const res = await post(base, `?mapping=${WIDE}`, exampleCsv(WIDE), 'text/plain');
    expect(res.status).toBe(200);
    const o = await outcomeOf(res);
    expect(o.issue?.[0]?.diagnostics).toMatch(
      /18 rows read, 14 imported, 4 rejected, .*; 1 Bundle \(.*\) stored as message 5; 4 rejected rows stored as failed messages 1-4$/,
    );
    const rejected = o.issue!.slice(1);
    expect(rejected.length).toBeGreaterThanOrEqual(4);
    expect(rejected.every((i) => i.severity === 'error')).toBe(true);
    expect(rejected.every((i) => i.details?.coding?.[0]?.code === ErrorCode.CsvInvalidRow)).toBe(true);
    expect(new Set(rejected.map((i) => /^line (\d+),/.exec(i.expression![0]!)?.[1]))).toEqual(
      new Set(['11', '12', '13', '15']),
    );

    // Rejected rows come first: the Bundle of the accepted rows is complete only at the end of the file.
    const failed = await listed(base, 'failed');
    expect(failed.map((m) => [m.id, m.controlId])).toEqual([
      [4, 'line-15'],
      [3, 'line-13'],
      [2, 'line-12'],
      [1, 'line-11'],
    ]);
    const answer = await fetch(`${base}/messages/1/raw`);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    const raw = await answer.text();
    expect(raw.split('\n')).toHaveLength(2);

    // With `NA` a missing value again, the rejected row imports on replay.
    layouts.set(WIDE, csv.layouts.get(WIDE)!);
    const replay = await fetch(`${base}/messages/1/replay`, { method: 'POST' });
    expect(await replay.json()).toEqual({ id: 1, state: 'converted' });
    expect((await listed(base, 'converted')).map((m) => m.id)).toEqual([5, 1]);
  });

  it("When every row is rejected, then 422 answers with the summary and each row's issues", async () => {
    const { base, store } = await start();
    const [header, ...rows] = exampleCsvText(LONG).trimEnd().split('\n');
    const bad = [header, ...rows.slice(0, 3).map((r) => r.replace(/,2025-0(\d)-/, ',2025-1$1-'))].join('\n');
    const res = await post(base, `?mapping=${LONG}`, bad);
    expect(res.status).toBe(422);
    const o = await outcomeOf(res);
    expect(o.issue?.[0]?.diagnostics).toMatch(
      /3 rows read, 0 imported, 3 rejected.*; 3 rejected rows stored as failed messages 1-3$/,
    );
    expect(o.issue!.slice(1).map((i) => i.expression?.[0])).toEqual([
      "line 2, column 'collected'",
      "line 3, column 'collected'",
      "line 4, column 'collected'",
    ]);
    expect(store.countByState()).toMatchObject({ failed: 3, converted: 0 });
  });

  it('When the file uses another delimiter than its layout, then 400 refuses it and it is stored failed as sent', async () => {
    const { base, store, layouts } = await start();
    layouts.set(WIDE, commaLayout(csv.layouts.get(WIDE)!));
    const body = exampleCsv(WIDE);
    const res = await post(base, `?mapping=${WIDE}`, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBe('/messages/1');
    const o = await outcomeOf(res);
    expect(o.issue?.[0]?.details?.coding?.[0]?.code).toBe(ErrorCode.CsvWrongDelimiter);
    expect(o.issue?.at(-1)?.diagnostics).toBe('the file is stored as failed message 1');
    expect(store.get(1)).toMatchObject({ state: 'failed', controlId: null, messageType: `CSV/${WIDE}` });
    expect(new Uint8Array(await (await fetch(`${base}/messages/1/raw`)).arrayBuffer())).toEqual(body);
  });

  it('When the layout is unknown or not given, then 400 names the known layouts and nothing is stored', async () => {
    const { base, store } = await start();
    for (const query of ['?mapping=nope', '', '?mapping=']) {
      const res = await post(base, query, exampleCsv(WIDE));
      expect(res.status).toBe(400);
      const o = await outcomeOf(res);
      expect(o.issue?.[0]?.details?.coding?.[0]?.code).toBe(ErrorCode.CsvUnknownLayout);
      expect(o.issue?.[0]?.diagnostics).toContain(`known layouts: ${WIDE}, ${LONG}`);
    }
    expect(store.appends).toEqual([]);
  });

  it('When the store write fails, then 503 answers and nothing is acknowledged', async () => {
    const { base, store, stored } = await start();
    store.failing = true;
    const res = await post(base, `?mapping=${WIDE}`, exampleCsv(WIDE));
    expect(res.status).toBe(503);
    expect(res.headers.get('location')).toBeNull();
    const o = await outcomeOf(res);
    expect(o.issue?.[0]?.diagnostics).toBe('disk full');
    expect(store.appends).toHaveLength(1);
    expect(store.list()).toEqual([]);
    expect(stored.count).toBe(0);
  });

  it('When the body is not CSV or is too large, then 415 or 413 answers and nothing is stored', async () => {
    const { base, store } = await start(1024);
    const json = await post(base, `?mapping=${WIDE}`, '{}', 'application/json');
    expect(json.status).toBe(415);
    expect((await outcomeOf(json)).issue?.[0]?.diagnostics).toBe(
      'send the file as text/csv, application/csv, text/plain',
    );
    const large = await post(base, `?mapping=${WIDE}`, exampleCsv(WIDE));
    expect(large.status).toBe(413);
    expect(store.appends).toEqual([]);
  });
});
