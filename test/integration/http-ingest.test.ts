/**
 * `POST /hl7v2`: ER7 in, ACK (or OperationOutcome) out, batches, content types, body limit, and the API token
 * that guards ingest, admin and FHIR routes while health and metrics stay open.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctMessage, readAck, readAllMsa } from './support/hl7.ts';
import { Api } from './support/http.ts';
import { startInProcess, type InProcessService } from './support/in-process.ts';
import { CASES_DIR } from './support/paths.ts';
import { runServeToExit } from './support/service-process.ts';

const MAX_BODY_BYTES = 64 * 1024;

/** The same message in original acknowledgment mode (MSH-15 and MSH-16 empty): one AA/AE/AR. */
function originalMode(text: string): string {
  return text.replace('|P|2.5.1|||AL|NE|', '|P|2.5.1|||||');
}

describe('POST /hl7v2 without a token (loopback)', () => {
  let running: InProcessService;
  let api: Api;

  beforeAll(async () => {
    running = await startInProcess({ STUDYBRIDGE_HTTP_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    api = new Api(running.service.url);
  });
  afterAll(() => running?.close());

  it.each(['x-application/hl7-v2+er7', 'text/plain', 'application/hl7-v2'])(
    'takes %s and answers the ACK (AA in original mode, CA in enhanced mode) with 200',
    async (type) => {
      for (const [text, code] of [
        [originalMode(distinctMessage(`H-O-${type.length}`, 2).text), 'AA'],
        [distinctMessage(`H-E-${type.length}`, 2).text, 'CA'],
      ] as const) {
        const res = await api.postHl7(text, { 'content-type': type });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^x-application\/hl7-v2\+er7/);
        const location = res.headers.get('location');
        expect(location).toMatch(/^\/messages\/\d+$/);
        const ack = readAck(await res.text());
        const controlId = text.split('\r')[0]!.split('|')[9]!;
        expect([ack.code, ack.controlId]).toEqual([code, controlId]);
        const stored = await api.json<{ controlId: string; transport: string }>(location!);
        expect(stored).toMatchObject({ controlId, transport: 'http' });
      }
    },
  );

  it('answers an OperationOutcome when the client accepts application/fhir+json', async () => {
    const m = distinctMessage('H-JSON', 2);
    const res = await api.postHl7(m.text, { accept: 'application/fhir+json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const body = (await res.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    const id = /\/messages\/(\d+)/.exec(res.headers.get('location') ?? '')![1];
    expect(body.issue.map((i) => i.diagnostics)).toContain(`stored as message ${id}`);
    expect(body.issue.every((i) => i.severity !== 'error' && i.severity !== 'fatal')).toBe(true);
  });

  it('answers a content error with 4xx, an AE ACK, and stores the message as failed', async () => {
    const text = readFileSync(path.join(CASES_DIR, 'unmapped-code-reject.hl7'), 'utf8');
    const res = await api.postHl7(originalMode(text).replace('GH-UNM-01', 'GH-UNM-HTTP'));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const ack = readAck(await res.text());
    expect([ack.code, ack.controlId]).toEqual(['AE', 'GH-UNM-HTTP']);
    const stored = await api.json<{ state: string }>(res.headers.get('location')!);
    expect(stored.state).toBe('failed');
  });

  describe('a batch of three messages, one broken', () => {
    const batch = readFileSync(path.join(CASES_DIR, 'batch-three-messages-one-broken.hl7'), 'utf8');
    const ids = ['GH-B-0312-0001', 'GH-B-0312-0002', 'GH-B-0312-0003'];

    it('gets a batch ACK with one MSA per message', async () => {
      const res = await api.postHl7(batch);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^FHS\|/);
      expect(text).toMatch(/\rBTS\|3(\r|$)/);
      const msas = readAllMsa(text);
      expect(msas.map((m) => m.controlId)).toEqual(ids);
      // Every message was stored (CA); the broken one is not acknowledged as converted (MSH-16 NE: no AE).
      expect(msas.map((m) => m.code)).toEqual(['CA', 'CA', 'CA']);
      const { messages } = await api.messages('?limit=1000');
      const states = ids.map((id) => messages.filter((m) => m.controlId === id).map((m) => m.state));
      expect(states[1]).toContain('failed');
      expect(states[0]!.length).toBeGreaterThan(0);
      expect(states[2]!.length).toBeGreaterThan(0);
    });

    it('gets a batch-response Bundle with three entries as JSON', async () => {
      const res = await api.postHl7(batch, { accept: 'application/fhir+json' });
      expect(res.status).toBe(200);
      const bundle = (await res.json()) as Bundle;
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
      expect(bundle.entry).toHaveLength(3);
      const statuses = bundle.entry!.map((e) => Number(e.response!.status));
      expect(statuses[0]).toBe(200);
      expect(statuses[1]).toBeGreaterThanOrEqual(400);
      expect(statuses[2]).toBe(200);
      for (const e of bundle.entry!) expect(e.response!.location).toMatch(/^messages\/\d+$/);
    });
  });

  describe('a batch holding a single broken message', () => {
    const full = readFileSync(path.join(CASES_DIR, 'batch-three-messages-one-broken.hl7'), 'utf8');
    const lines = full.split('\n');
    const second = lines.findIndex((l) => l.includes('|GH-B-0312-0002|'));
    const third = lines.findIndex((l) => l.includes('|GH-B-0312-0003|'));
    const batch = [...lines.slice(0, 2), ...lines.slice(second, third), 'BTS|1', 'FTS|1', '']
      .join('\n')
      .replaceAll('GH-B-0312-0002', 'GH-B1-0001');

    it('is still answered as a batch: 200 and a batch ACK with its MSA', async () => {
      const res = await api.postHl7(batch);
      const text = await res.text();
      expect(text).toMatch(/^FHS\|/);
      expect(readAllMsa(text).map((m) => m.controlId)).toEqual(['GH-B1-0001']);
      expect(res.status).toBe(200);
    });

    it('is still answered as a batch-response Bundle with one entry as JSON', async () => {
      const res = await api.postHl7(batch.replaceAll('GH-B1-0001', 'GH-B1-0002'), { accept: 'application/fhir+json' });
      const body = (await res.json()) as Bundle;
      expect(body).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
      expect(body.entry).toHaveLength(1);
      expect(Number(body.entry![0]!.response!.status)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBe(200);
    });
  });

  it('refuses another content type with 415', async () => {
    const res = await api.postHl7('{"resourceType":"Bundle"}', { 'content-type': 'application/json' });
    expect(res.status).toBe(415);
    const body = (await res.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('refuses a body over the configured maximum with 413 and an OperationOutcome, storing nothing', async () => {
    const before = (await api.messages('?limit=1')).counts;
    const m = distinctMessage('H-BIG', 1);
    const res = await api.postHl7(m.text + `NTE|1||${'x'.repeat(MAX_BODY_BYTES)}\r`);
    expect(res.status).toBe(413);
    const body = (await res.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]!.code).toBe('too-long');
    expect((await api.messages('?limit=1')).counts).toEqual(before);
  });
});

describe('with STUDYBRIDGE_API_TOKEN', () => {
  const token = 'integration-token-0123456789';
  let running: InProcessService;
  let anonymous: Api;
  let authorized: Api;

  beforeAll(async () => {
    running = await startInProcess({ STUDYBRIDGE_API_TOKEN: token });
    anonymous = new Api(running.service.url);
    authorized = new Api(running.service.url, token);
  });
  afterAll(() => running?.close());

  it('answers 401 without a token or with a wrong one on /hl7v2, /messages and /fhir', async () => {
    const m = distinctMessage('T-NO', 1);
    const wrong = new Api(running.service.url, 'not-the-right-token-at-all');
    for (const api of [anonymous, wrong]) {
      const post = await api.postHl7(m.text);
      expect(post.status).toBe(401);
      expect(post.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await api.request('/messages')).status).toBe(401);
      expect((await api.request('/fhir/metadata')).status).toBe(401);
      expect((await api.request('/fhir/Observation')).status).toBe(401);
    }
    // Nothing was stored by the refused POSTs.
    expect((await authorized.messages()).messages).toHaveLength(0);
  });

  it('answers 200 with the token on /hl7v2, /messages and /fhir', async () => {
    const m = distinctMessage('T-YES', 1);
    const post = await authorized.postHl7(m.text);
    expect(post.status).toBe(200);
    expect(readAck(await post.text()).code).toBe('CA');
    expect((await authorized.request('/messages')).status).toBe(200);
    expect((await authorized.request('/fhir/metadata')).status).toBe(200);
    expect((await authorized.request('/fhir/Observation')).status).toBe(200);
    expect((await authorized.messages()).messages.map((x) => x.controlId)).toEqual([m.controlId]);
  });

  it('keeps /health and /metrics open', async () => {
    const health = await anonymous.request('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await anonymous.request('/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^studybridge_messages_received_total/m);
  });
});

describe('configuration', () => {
  it('refuses STUDYBRIDGE_HTTP_HOST=0.0.0.0 without a token: serve exits 2 naming the problem', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'studybridge-it-'));
    try {
      const result = await runServeToExit({
        STUDYBRIDGE_DATA_DIR: dataDir,
        STUDYBRIDGE_HTTP_HOST: '0.0.0.0',
        STUDYBRIDGE_HTTP_PORT: '0',
        STUDYBRIDGE_MLLP_PORT: '0',
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/0\.0\.0\.0 is not loopback/);
      expect(result.stderr).toMatch(/STUDYBRIDGE_API_TOKEN/);
      expect(result.stderr).not.toMatch(/studybridge is running/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
