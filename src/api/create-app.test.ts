import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { Router } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterError, IssueType } from '../errors/outcomes.ts';
import { acknowledgeResult } from '../ingest/acknowledge-result.ts';
import { silentLogger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import type { ConvertFn } from '../pipeline/convert-types.ts';
import { createConverter } from '../pipeline/create-converter.ts';
import { createReceiver } from '../pipeline/receive.ts';
import { BATCH_CONTROL_IDS, batchText, msaOf, oruText } from '../pipeline/test-support.ts';
import { MemoryMessageStore } from '../store/memory-message-store.ts';
import type { NewMessage } from '../store/message-store.ts';
import { createApp, type AppDeps } from './create-app.ts';

let convert: ConvertFn;
beforeAll(async () => {
  convert = await createConverter({ mappingsDir: 'mappings', profilesDir: 'profiles' });
});

/** A memory store whose appends can be made to fail. */
class FlakyStore extends MemoryMessageStore {
  failing = false;
  override append(messages: readonly NewMessage[]): Promise<number[]> {
    if (this.failing) {
      return Promise.reject(adapterError(ErrorCode.StoreWriteFailed, IssueType.Exception, 'disk full'));
    }
    return super.append(messages);
  }
}

interface Running {
  base: string;
  store: FlakyStore;
  metrics: Metrics;
  replayed: { count: number };
  readiness: { store: boolean; target: boolean | 'throw' };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
});

/** Starts the app on a free loopback port, over the real receiver and a memory store. */
async function start(extra: Partial<AppDeps> = {}): Promise<Running> {
  const store = new FlakyStore();
  const metrics = new Metrics();
  const replayed = { count: 0 };
  const readiness: Running['readiness'] = { store: true, target: true };
  const logger = silentLogger();
  const app = createApp({
    receive: createReceiver({ convert, store, logger, metrics }),
    acknowledge: (result, raw) => {
      const acks = acknowledgeResult(raw, result);
      return { text: acks.texts.join(''), bytes: Buffer.concat(acks.bytes) };
    },
    store,
    convert,
    metrics,
    readiness: {
      store: () => readiness.store,
      target: async () => {
        if (readiness.target === 'throw') throw new Error('unreachable');
        return readiness.target;
      },
    },
    logger,
    maxBodyBytes: 4096,
    onReplayed: () => replayed.count++,
    ...extra,
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, store, metrics, replayed, readiness };
}

const ER7 = 'x-application/hl7-v2+er7';

function post(base: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return fetch(`${base}/hl7v2`, { method: 'POST', headers: { 'content-type': ER7, ...headers }, body });
}

describe('health, readiness and metrics', () => {
  it('When /health is asked, then it answers 200 ok', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('When the store and target answer, then /ready is 200; when either does not, 503 says which', async () => {
    const { base, readiness } = await start();
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', store: 'ok', target: 'ok' });

    readiness.target = false;
    const noTarget = await fetch(`${base}/ready`);
    expect(noTarget.status).toBe(503);
    expect(await noTarget.json()).toEqual({ status: 'not-ready', store: 'ok', target: 'unreachable' });

    readiness.target = 'throw';
    expect((await fetch(`${base}/ready`)).status).toBe(503);

    readiness.target = true;
    readiness.store = false;
    const noStore = await fetch(`${base}/ready`);
    expect(noStore.status).toBe(503);
    expect(await noStore.json()).toEqual({ status: 'not-ready', store: 'unavailable', target: 'ok' });
  });

  it('When /metrics is scraped, then it answers in the Prometheus text format with the counters', async () => {
    const { base } = await start();
    await post(base, oruText());
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE studybridge_messages_received_total counter');
    expect(text).toContain('studybridge_messages_received_total{transport="http",type="ORU^R01",sender="UNILAB"} 1');
  });
});

describe('POST /hl7v2', () => {
  it('When a message is sent as x-application/hl7-v2+er7 or text/plain, then 200 answers with an ER7 ACK', async () => {
    const { base, store } = await start();
    for (const [i, type] of [ER7, 'text/plain'].entries()) {
      const res = await post(base, oruText({ controlId: `HTTP-${i}` }), { 'content-type': type });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(ER7);
      expect(res.headers.get('location')).toBe(`/messages/${i + 1}`);
      expect(msaOf(await res.text())).toEqual([{ code: 'AA', controlId: `HTTP-${i}` }]);
    }
    expect(store.countByState().converted).toBe(2);
  });

  it('When JSON is asked for, then the answer is an OperationOutcome naming the stored message', async () => {
    const { base } = await start();
    const res = await post(base, oruText(), { accept: 'application/fhir+json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const body = (await res.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue?.[0]).toMatchObject({ severity: 'information', diagnostics: 'stored as message 1' });
  });

  it('When a batch is sent asking for JSON, then a batch-response Bundle has one entry per message', async () => {
    const { base } = await start();
    const res = await post(base, batchText(), { accept: 'application/fhir+json' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Bundle;
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
    expect(body.entry?.map((e) => [e.response?.status, e.response?.location])).toEqual([
      ['200', 'messages/1'],
      ['400', 'messages/2'],
      ['200', 'messages/3'],
    ]);
    expect(body.entry?.[1]?.response?.outcome?.resourceType).toBe('OperationOutcome');
    expect((body.entry?.[1]?.response?.outcome as OperationOutcome).issue?.[0]?.severity).toBe('error');
  });

  it('When a batch is sent for ER7, then one batch ACK answers every message', async () => {
    const { base } = await start();
    const res = await post(base, batchText({ accept: '', application: '' }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('FHS|')).toBe(true);
    expect(msaOf(text).map((m) => [m.code, m.controlId])).toEqual([
      ['AA', BATCH_CONTROL_IDS[0]],
      ['AE', BATCH_CONTROL_IDS[1]],
      ['AA', BATCH_CONTROL_IDS[2]],
    ]);
  });

  it('When the content fails mapping, then 422 answers, with the AE acknowledgment in ER7 mode', async () => {
    const { base, store } = await start();
    const res = await post(base, oruText({ controlId: 'BAD-H', value: 'lots' }));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain(ER7);
    const text = await res.text();
    expect(msaOf(text)).toEqual([{ code: 'AE', controlId: 'BAD-H' }]);
    expect(text).toContain('ERR|');
    expect(store.get(1)?.state).toBe('failed');

    const json = await post(base, oruText({ value: 'lots' }), { accept: 'application/fhir+json' });
    expect(json.status).toBe(422);
    const body = (await json.json()) as OperationOutcome;
    expect(body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'value', diagnostics: 'value is not a number', expression: ['OBX[1].5'] }],
    });
  });

  it('When the store cannot take the message, then 503 answers (AR in ER7, the store error in JSON)', async () => {
    const { base, store } = await start();
    store.failing = true;
    const res = await post(base, oruText({ controlId: 'ST-H' }));
    expect(res.status).toBe(503);
    expect(res.headers.get('location')).toBeNull();
    expect(msaOf(await res.text())).toEqual([{ code: 'AR', controlId: 'ST-H' }]);
    const json = await post(base, oruText(), { accept: 'application/json' });
    expect(json.status).toBe(503);
    const body = (await json.json()) as OperationOutcome;
    expect(JSON.stringify(body)).toContain('disk full');
  });

  it('When the body has another content type, then 415 answers with an OperationOutcome and nothing is stored', async () => {
    const { base, store } = await start();
    const res = await post(base, JSON.stringify({ a: 1 }), { 'content-type': 'application/json' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const body = (await res.json()) as OperationOutcome;
    expect(body.issue?.[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
    expect(store.list()).toEqual([]);
  });

  it('When the body is larger than maxBodyBytes, then 413 answers with an OperationOutcome', async () => {
    const { base, store } = await start();
    const res = await post(base, oruText() + 'NTE|1||' + 'x'.repeat(5000) + '\r');
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const body = (await res.json()) as OperationOutcome;
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-long' }] });
    expect(store.list()).toEqual([]);
  });
});

describe('API token', () => {
  const TOKEN = 'a-long-enough-api-token-for-tests';

  it('When the token is missing or wrong, then 401 with WWW-Authenticate; when right, the route answers', async () => {
    const { base } = await start({ apiToken: TOKEN });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of attempts) {
      const res = await post(base, oruText(), headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="studybridge"');
      expect(((await res.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    }
    expect((await fetch(`${base}/messages`)).status).toBe(401);
    expect((await fetch(`${base}/fhir/Patient`)).status).toBe(401);
    const ok = await post(base, oruText(), { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    const admin = await fetch(`${base}/messages`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(admin.status).toBe(200);
  });

  it('When a token is configured, then /health, /ready and /metrics stay open', async () => {
    const { base } = await start({ apiToken: TOKEN });
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});

describe('/fhir and unknown routes', () => {
  it('When no embedded FHIR router is mounted, then /fhir answers 404 with an OperationOutcome', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/fhir/Patient`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const body = (await res.json()) as OperationOutcome;
    expect(body.issue?.[0]?.diagnostics).toContain('external FHIR server');
  });

  it('When an embedded router is given, then it is mounted at /fhir', async () => {
    const fhir = Router();
    fhir.get('/metadata', (_req, res) => void res.json({ resourceType: 'CapabilityStatement' }));
    const { base } = await start({ fhir });
    const res = await fetch(`${base}/fhir/metadata`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ resourceType: 'CapabilityStatement' });
  });

  it('When a route does not exist, then 404 answers with an OperationOutcome', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/nowhere`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as OperationOutcome).issue?.[0]?.diagnostics).toBe('no such route');
  });
});

describe('/messages', () => {
  it('When messages are listed, then counts and records come back newest first, filtered by state', async () => {
    const { base } = await start();
    await post(base, oruText({ controlId: 'L-1' }));
    await post(base, oruText({ controlId: 'L-2', value: 'x' }));
    await post(base, oruText({ controlId: 'L-3' }));
    const all = (await (await fetch(`${base}/messages`)).json()) as {
      counts: Record<string, number>;
      messages: { id: number; controlId: string; state: string }[];
    };
    expect(all.counts).toEqual({ received: 0, converted: 2, delivered: 0, failed: 1, dead: 0 });
    expect(all.messages.map((m) => [m.id, m.controlId, m.state])).toEqual([
      [3, 'L-3', 'converted'],
      [2, 'L-2', 'failed'],
      [1, 'L-1', 'converted'],
    ]);
    const failed = (await (await fetch(`${base}/messages?state=failed`)).json()) as { messages: { id: number }[] };
    expect(failed.messages.map((m) => m.id)).toEqual([2]);
    const page = (await (await fetch(`${base}/messages?limit=1&before=3`)).json()) as { messages: { id: number }[] };
    expect(page.messages.map((m) => m.id)).toEqual([2]);
  });

  it('When an unknown state is asked for, then 400 answers', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/messages?state=failed,bogus`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as OperationOutcome).issue?.[0]?.diagnostics).toBe('unknown state bogus');
    expect((await fetch(`${base}/messages/replay?state=bogus`, { method: 'POST' })).status).toBe(400);
  });

  it('When one message is asked for, then its record comes back, or 404 for an unknown id', async () => {
    const { base } = await start();
    await post(base, oruText({ controlId: 'ONE' }));
    const res = await fetch(`${base}/messages/1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 1, controlId: 'ONE', state: 'converted', transport: 'http' });
    expect((await fetch(`${base}/messages/99`)).status).toBe(404);
    expect((await fetch(`${base}/messages/99/raw`)).status).toBe(404);
  });

  it('When the raw message is asked for, then its bytes come back unchanged', async () => {
    const { base } = await start();
    const sent = oruText({ controlId: 'RAW', separator: '\n' });
    await post(base, sent);
    const res = await fetch(`${base}/messages/1/raw`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(ER7);
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toBe(sent);
  });

  it('When one message is replayed, then the result comes back and delivery is woken', async () => {
    const { base, replayed, store } = await start();
    await post(base, oruText({ controlId: 'RP', value: 'x' }));
    const res = await fetch(`${base}/messages/1/replay`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 1, state: 'failed', code: ErrorCode.MapInvalidValue });
    expect(replayed.count).toBe(1);
    expect(store.get(1)?.state).toBe('failed');

    const missing = await fetch(`${base}/messages/77/replay`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(replayed.count).toBe(1);
  });

  it('When the dead letters are replayed, then each is converted again and delivery is woken', async () => {
    const { base, replayed, store } = await start();
    await post(base, oruText({ controlId: 'D1' }));
    await post(base, oruText({ controlId: 'D2' }));
    await post(base, oruText({ controlId: 'D3' }));
    const gaveUp = adapterError(ErrorCode.DeliverRejected, IssueType.Processing, 'rejected').outcome;
    await store.markDead(1, gaveUp);
    await store.markDead(3, gaveUp);
    const res = await fetch(`${base}/messages/replay?state=dead`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      replayed: 2,
      results: [
        { id: 1, state: 'converted' },
        { id: 3, state: 'converted' },
      ],
    });
    expect(store.countByState()).toMatchObject({ dead: 0, converted: 3 });
    expect(replayed.count).toBe(1);

    // Without a state, dead letters are what is replayed.
    await store.markDead(2, gaveUp);
    const byDefault = await fetch(`${base}/messages/replay`, { method: 'POST' });
    expect(((await byDefault.json()) as { results: unknown[] }).results).toEqual([{ id: 2, state: 'converted' }]);
  });
});
