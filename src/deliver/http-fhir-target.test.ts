import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuth } from './auth.ts';
import { HttpFhirTarget } from './http-fhir-target.ts';
import { StubFhirServer, testBundle } from './testing/stub-fhir-server.ts';

describe('http-fhir-target', () => {
  let stub: StubFhirServer;
  beforeEach(async () => {
    stub = await StubFhirServer.start();
  });
  afterEach(() => stub.stop());

  const target = (extra: Partial<ConstructorParameters<typeof HttpFhirTarget>[0]> = {}) =>
    new HttpFhirTarget({ baseUrl: stub.baseUrl, auth: createAuth({ type: 'none' }), ...extra });

  it('When a Bundle is sent, then it is POSTed to the base with FHIR JSON headers and delivered', async () => {
    const t = target({ userAgent: 'studybridge/test', extraHeaders: { 'X-Api-Key': 'k', accept: 'text/html' } });
    expect(await t.send(testBundle('A1', 2))).toEqual({ kind: 'delivered', status: 200 });
    const [req] = stub.requests;
    expect(req?.bundle?.id).toBe('A1');
    expect(req?.headers['content-type']).toBe('application/fhir+json');
    expect(req?.headers.accept).toBe('application/fhir+json');
    expect(req?.headers['user-agent']).toBe('studybridge/test');
    expect(req?.headers['x-api-key']).toBe('k');
  });

  it('When the base URL has user info or a query, then the description leaves them out', () => {
    const t = new HttpFhirTarget({
      baseUrl: 'https://u:pw@fhir.example.org/r4/?key=x',
      auth: createAuth({ type: 'none' }),
    });
    expect(t.description).toBe('https://fhir.example.org/r4');
  });

  it('When bearer or basic auth is configured, then the stub sees the Authorization header', async () => {
    stub.requireAuthorization('Bearer t0k');
    expect((await target({ auth: createAuth({ type: 'bearer', token: 't0k' }) }).send(testBundle('x'))).kind).toBe(
      'delivered',
    );
    const wrong = await target({ auth: createAuth({ type: 'basic', username: 'a', password: 'b' }) }).send(
      testBundle('y'),
    );
    expect(wrong).toMatchObject({ kind: 'retry', retryClass: 'auth', status: 401 });
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t0k', 'Basic YTpi']);
  });

  it('When the server answers 400 with an OperationOutcome, then permanent with that outcome', async () => {
    const oo = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad' }],
    };
    stub.respondWhen((b) => b?.id === 'bad', { status: 400, body: oo });
    expect(await target().send(testBundle('bad'))).toEqual({ kind: 'permanent', status: 400, outcome: oo });
  });

  it('When the server answers 429 with Retry-After, then retry with retryAfterMs', async () => {
    stub.respondNext(1, { status: 429, headers: { 'Retry-After': '1' } });
    expect(await target().send(testBundle('x'))).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 1000 });
  });

  it('When the server hangs up mid-request, then transient retry', async () => {
    stub.respondNext(1, { status: 200, closeSocket: true });
    expect(await target().send(testBundle('x'))).toMatchObject({ kind: 'retry', retryClass: 'transient' });
  });

  it('When the server is slower than timeoutMs, then retry with deliver.timeout', async () => {
    stub.respondNext(1, { status: 200, delayMs: 500 });
    const o = await target({ timeoutMs: 50 }).send(testBundle('x'));
    expect(o).toMatchObject({ kind: 'retry', retryClass: 'transient' });
    expect(o.kind === 'retry' && o.outcome.issue?.[0]?.diagnostics).toBe('FHIR server did not answer in time');
  });

  it('When the caller aborts, then retry (aborted), without waiting for the answer', async () => {
    stub.respondNext(1, { status: 200, delayMs: 2000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const started = Date.now();
    const o = await target().send(testBundle('x'), ac.signal);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(o.kind === 'retry' && o.outcome.issue?.[0]?.diagnostics).toBe('request to FHIR server aborted');
  });

  it('When nothing listens on the port, then transient retry naming ECONNREFUSED', async () => {
    const port = stub.port;
    await stub.stop();
    const t = new HttpFhirTarget({ baseUrl: `http://127.0.0.1:${port}/fhir`, auth: createAuth({ type: 'none' }) });
    const o = await t.send(testBundle('x'));
    expect(o.kind === 'retry' && o.outcome.issue?.[0]?.diagnostics).toBe('FHIR server unreachable (ECONNREFUSED)');
    expect(await t.ping()).toBe(false);
  });

  it('When the server redirects, then the redirect is not followed (retry as config)', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(301, { Location: stub.baseUrl });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const t = new HttpFhirTarget({ baseUrl: `http://127.0.0.1:${port}/fhir`, auth: createAuth({ type: 'none' }) });
      expect(await t.send(testBundle('x'))).toMatchObject({ kind: 'retry', retryClass: 'config', status: 301 });
      expect(stub.requests).toHaveLength(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('When ping is called, then GET metadata decides', async () => {
    expect(await target().ping()).toBe(true);
    stub.failUntilRecover({ status: 503 });
    expect(await target().ping()).toBe(false);
  });

  describe('oauth2', () => {
    const oauthTarget = () =>
      target({
        auth: createAuth({ type: 'oauth2', tokenUrl: stub.tokenUrl, clientId: 'c', clientSecret: 's' }),
      });

    it('When several Bundles are sent, concurrently too, then one token serves them all', async () => {
      stub.enableOAuth({ clientId: 'c', clientSecret: 's' });
      const t = oauthTarget();
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((id) => t.send(testBundle(id))));
      expect(results.every((r) => r.kind === 'delivered')).toBe(true);
      expect((await t.send(testBundle('e'))).kind).toBe('delivered');
      expect(stub.tokenRequests).toBe(1);
      expect(new Set(stub.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer token-1']));
    });

    it('When the server answers 401 (token revoked), then one fresh token and one resend', async () => {
      stub.enableOAuth({ clientId: 'c', clientSecret: 's' });
      const t = oauthTarget();
      expect((await t.send(testBundle('a'))).kind).toBe('delivered');
      stub.revokeTokens();
      expect((await t.send(testBundle('b'))).kind).toBe('delivered');
      expect(stub.tokenRequests).toBe(2);
      expect(stub.requests.map((r) => [r.bundle?.id, r.status])).toEqual([
        ['a', 200],
        ['b', 401],
        ['b', 200],
      ]);
    });

    it('When the fresh token is refused too, then auth retry after exactly one resend', async () => {
      stub.enableOAuth({ clientId: 'c', clientSecret: 's' });
      stub.respondNext(2, { status: 401 });
      const o = await oauthTarget().send(testBundle('a'));
      expect(o).toMatchObject({ kind: 'retry', retryClass: 'auth', status: 401 });
      expect(stub.requests).toHaveLength(2);
      expect(stub.tokenRequests).toBe(2);
    });

    it('When the token endpoint refuses the client, then the Bundle is not sent and the outcome is auth retry', async () => {
      stub.enableOAuth({ clientId: 'c', clientSecret: 'other' });
      const o = await oauthTarget().send(testBundle('a'));
      expect(o).toMatchObject({ kind: 'retry', retryClass: 'auth', status: 401 });
      expect(stub.requests).toHaveLength(0);
    });
  });
});
