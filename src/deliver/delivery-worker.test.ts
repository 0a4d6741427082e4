import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import { openSqliteMessageStore } from '../store/sqlite-message-store.ts';
import { MessageState, type NewMessage } from '../store/message-store.ts';
import { createAuth } from './auth.ts';
import { DeliveryWorker, type DeliveryWorkerOptions } from './delivery-worker.ts';
import { HttpFhirTarget } from './http-fhir-target.ts';
import { StubFhirServer, testBundle } from './testing/stub-fhir-server.ts';

/** Converted messages ready to deliver; each `[bundleId, orderKey]`. */
function converted(items: [string, string | null][]): NewMessage[] {
  return items.map(([id, orderKey]) => ({
    transport: 'http',
    sender: 'LAB|SITE',
    controlId: id,
    messageType: 'ORU^R01',
    receivedAt: new Date().toISOString(),
    raw: new Uint8Array([1]),
    state: MessageState.Converted,
    bundle: testBundle(id),
    orderKey,
  }));
}

/** Fast backoff so outages of a few hundred ms resolve within a test. */
const FAST_RETRY = { baseMs: 10, maxMs: 40, minConfigDelayMs: 60_000 };

describe('delivery-worker', () => {
  let stub: StubFhirServer;
  let store: MemoryMessageStore | ReturnType<typeof openSqliteMessageStore>;
  const workers: DeliveryWorker[] = [];

  beforeEach(async () => {
    stub = await StubFhirServer.start();
    store = new MemoryMessageStore();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(0)));
    await stub.stop();
  });

  function worker(options: Partial<DeliveryWorkerOptions> = {}): DeliveryWorker {
    const w = new DeliveryWorker({
      store,
      target: new HttpFhirTarget({ baseUrl: stub.baseUrl, auth: createAuth({ type: 'none' }), timeoutMs: 5000 }),
      logger: silentLogger(),
      retry: FAST_RETRY,
      pollIntervalMs: 20,
      ...options,
    });
    workers.push(w);
    return w;
  }

  /** Appends converted messages; each `[bundleId, orderKey]`. */
  function add(...items: [string, string | null][]): Promise<number[]> {
    return store.append(converted(items));
  }

  const count = (state: MessageState) => store.countByState()[state];

  it('When messages are due, then every one is delivered once and attempts are counted by result', async () => {
    const metrics = new Metrics();
    await add(...Array.from({ length: 20 }, (_, i): [string, string | null] => [`m${i}`, i % 3 ? `k${i % 5}` : null]));
    const w = worker({ metrics });
    w.start();
    await w.idle();
    expect(count('delivered')).toBe(20);
    expect(stub.deliveredIds().sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    expect(stub.requests).toHaveLength(20);
    expect((await metrics.deliveryAttempts.get()).values).toEqual([
      expect.objectContaining({ labels: { result: 'delivered' }, value: 20 }),
    ]);
    expect(w.health()).toMatchObject({ running: true, consecutiveFailures: 0, lastError: null, inFlight: 0 });
  });

  it('When notify() follows an append, then delivery starts without waiting for the poll', async () => {
    const w = worker({ pollIntervalMs: 60_000 });
    w.start();
    await w.idle();
    await add(['late', null]);
    const started = Date.now();
    w.notify();
    await waitFor(() => count('delivered') === 1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('When the server answers 503 for a while, then nothing is lost and all arrive after recovery', async () => {
    stub.failUntilRecover({ status: 503 });
    await add(...Array.from({ length: 10 }, (_, i): [string, string | null] => [`m${i}`, `k${i % 4}`]));
    const w = worker();
    w.start();
    await waitFor(() => stub.requests.length >= 6);
    expect(count('delivered')).toBe(0);
    expect(count('dead')).toBe(0);
    expect(w.health()).toMatchObject({ lastError: { status: 503, retryClass: 'transient' } });
    expect(w.health().consecutiveFailures).toBeGreaterThan(0);
    stub.recover();
    await waitFor(() => count('delivered') === 10);
    expect(count('converted') + count('dead')).toBe(0);
    expect(new Set(stub.deliveredIds()).size).toBe(10);
    const attempts = store.list().map((m) => m.attempts);
    expect(attempts.some((a) => a > 0)).toBe(true);
    expect(w.health().consecutiveFailures).toBe(0);
  });

  it('When the server is down, then sends are retried and go through once it is back on its port', async () => {
    await stub.stop();
    await add(['a', 'k1'], ['b', null]);
    const w = worker();
    w.start();
    await waitFor(() => (store.get(1)?.attempts ?? 0) >= 2);
    expect(w.health().lastError?.code).toBe('deliver.server-error');
    expect(store.get(1)?.lastError?.issue?.[0]?.diagnostics).toBe('FHIR server unreachable (ECONNREFUSED)');
    await stub.restart();
    await waitFor(() => count('delivered') === 2);
    expect(stub.deliveredIds().sort()).toEqual(['a', 'b']);
  });

  it('When the server refuses one Bundle (400), then it is dead with the server outcome and the rest go on', async () => {
    const oo = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'no' }] };
    stub.respondWhen((b) => b?.id === 'bad', { status: 400, body: oo });
    const [bad] = await add(['bad', 'P'], ['p2', 'P'], ['q1', 'Q'], ['n1', null]);
    const w = worker();
    w.start();
    await waitFor(() => count('delivered') === 3);
    expect(store.get(bad!)).toMatchObject({ state: 'dead', attempts: 1, lastError: oo });
    expect(stub.requests.filter((r) => r.bundle?.id === 'bad')).toHaveLength(1);
    expect(w.health().consecutiveFailures).toBe(0);
  });

  it('When A1 fails with 503, then A2 of the same key waits until A1 is delivered, while B1 goes ahead', async () => {
    let failedOnce = false;
    stub.respondWhen((b) => b?.id === 'A1' && !failedOnce && (failedOnce = true), { status: 503 });
    stub.delayMs = 5;
    await add(['A1', 'A'], ['A2', 'A'], ['B1', 'B']);
    const w = worker();
    w.start();
    await waitFor(() => count('delivered') === 3);
    const order = stub.requests.map((r) => `${r.bundle?.id}:${r.status}`);
    expect(order.filter((o) => o.startsWith('A'))).toEqual(['A1:503', 'A1:200', 'A2:200']);
    expect(order).toContain('B1:200');
  });

  it('When many messages are due, then no more than `concurrency` requests are ever open at once', async () => {
    stub.delayMs = 30;
    await add(...Array.from({ length: 12 }, (_, i): [string, string | null] => [`m${i}`, null]));
    const w = worker({ concurrency: 3 });
    w.start();
    await waitFor(() => count('delivered') === 12);
    expect(stub.maxInFlight).toBe(3);
    expect(stub.requests).toHaveLength(12);
  });

  it('When one key has many messages, then they are sent one at a time, in order', async () => {
    stub.delayMs = 5;
    await add(...Array.from({ length: 6 }, (_, i): [string, string | null] => [`m${i}`, 'same']));
    const w = worker({ concurrency: 4 });
    w.start();
    await waitFor(() => count('delivered') === 6);
    expect(stub.maxInFlight).toBe(1);
    expect(stub.deliveredIds()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('When stop() runs with sends in flight past the grace, then they are aborted and due again at once', async () => {
    stub.delayMs = 10_000;
    await add(['a', null], ['b', 'k']);
    const w = worker();
    w.start();
    await waitFor(() => stub.inFlight === 2);
    const started = Date.now();
    const stopping = w.stop(100);
    expect(w.stop(5000)).toBe(stopping);
    await stopping;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(w.health()).toMatchObject({ running: false, inFlight: 0, consecutiveFailures: 0 });
    for (const m of store.list()) {
      expect(m).toMatchObject({ state: 'converted', attempts: 1 });
      expect(Date.parse(m.nextAttemptAt ?? '')).toBeLessThanOrEqual(Date.now());
    }
    await add(['after', null]);
    w.notify();
    await new Promise((r) => setTimeout(r, 100));
    expect(stub.requests).toHaveLength(2);
  });

  it('When stop() runs and the sends finish within the grace, then they are recorded as delivered', async () => {
    stub.delayMs = 100;
    await add(['a', null]);
    const w = worker();
    w.start();
    await waitFor(() => stub.inFlight === 1);
    await w.stop(5000);
    expect(count('delivered')).toBe(1);
  });

  it('When the server throttles with Retry-After, then the message waits at least that long', async () => {
    stub.respondNext(1, { status: 429, headers: { 'Retry-After': '1' } });
    await add(['a', null]);
    const w = worker();
    const started = Date.now();
    w.start();
    await waitFor(() => count('delivered') === 1, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(stub.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('When the credentials are refused, then nothing is dead-lettered and claims pause after one wave', async () => {
    stub.requireAuthorization('Bearer right');
    await add(...Array.from({ length: 10 }, (_, i): [string, string | null] => [`m${i}`, null]));
    const w = worker({
      concurrency: 2,
      target: new HttpFhirTarget({ baseUrl: stub.baseUrl, auth: createAuth({ type: 'bearer', token: 'wrong' }) }),
    });
    w.start();
    await waitFor(() => stub.requests.length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(stub.requests).toHaveLength(2);
    expect(count('dead')).toBe(0);
    const health = w.health();
    expect(health.lastError).toMatchObject({ status: 401, retryClass: 'auth' });
    expect(Date.parse(health.pausedUntil ?? '')).toBeGreaterThan(Date.now() + 50_000);
  });

  it('When maxAttempts is configured and reached, then the message is dead with the last outcome', async () => {
    stub.failUntilRecover({ status: 502 });
    const [id] = await add(['a', null]);
    const w = worker({ retry: { ...FAST_RETRY, maxAttempts: 3 } });
    w.start();
    await waitFor(() => count('dead') === 1);
    expect(store.get(id!)).toMatchObject({ attempts: 3 });
    expect(stub.requests).toHaveLength(3);
  });

  it('When a conditional create collides (409), then it is retried and then delivered', async () => {
    stub.respondNext(1, { status: 409 });
    await add(['a', 'k']);
    const w = worker();
    w.start();
    await waitFor(() => count('delivered') === 1);
    expect(stub.requests.map((r) => r.status)).toEqual([409, 200]);
    expect(w.health().lastError).toBeNull(); // a conflict says nothing about the target's health
  });

  it('When attempts fail and succeed, then logs carry ids and statuses but no Bundle content', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(l) } });
    stub.respondNext(1, { status: 500 });
    await add(['SECRET-PATIENT-MARKER', null]);
    const w = worker({ logger });
    w.start();
    await waitFor(() => count('delivered') === 1);
    const text = lines.join('');
    expect(text).not.toContain('SECRET-PATIENT-MARKER');
    expect(text).not.toContain('stub answered'); // the server's diagnostics may quote content too
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((r) => r.level === 40)).toMatchObject({ messageId: 1, attempt: 1, status: 500 });
    expect(records.find((r) => r.msg === 'delivery: delivered')).toMatchObject({ messageId: 1, attempt: 2 });
  });
});

describe('delivery-worker with the SQLite store', () => {
  it('When the server fails for a while, then every message arrives, in order per key, none twice at once', async () => {
    const stub = await StubFhirServer.start();
    const store = openSqliteMessageStore({ file: ':memory:' });
    const w = new DeliveryWorker({
      store,
      target: new HttpFhirTarget({ baseUrl: stub.baseUrl, auth: createAuth({ type: 'none' }) }),
      logger: silentLogger(),
      retry: FAST_RETRY,
      pollIntervalMs: 20,
    });
    try {
      stub.failUntilRecover({ status: 503 });
      stub.delayMs = 2;
      const ids = Array.from({ length: 30 }, (_, i) => `m${i}`);
      await store.append(converted(ids.map((id, i) => [id, `k${i % 3}`])));
      w.start();
      await waitFor(() => stub.requests.length >= 5);
      stub.recover();
      await waitFor(() => store.countByState().delivered === 30);
      const delivered = stub.deliveredIds();
      expect(new Set(delivered).size).toBe(30);
      for (const key of [0, 1, 2]) {
        const ofKey = delivered.filter((id) => Number(id.slice(1)) % 3 === key).map((id) => Number(id.slice(1)));
        expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
      }
      expect(stub.maxInFlight).toBeLessThanOrEqual(3);
    } finally {
      await w.stop(0);
      await store.close();
      await stub.stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
