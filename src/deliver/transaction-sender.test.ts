import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuth } from './auth.ts';
import { StubFhirServer, testBundle } from './testing/stub-fhir-server.ts';
import { HttpTransactionSender } from './transaction-sender.ts';

describe('HTTP transaction sender', () => {
  let stub: StubFhirServer;
  beforeEach(async () => {
    stub = await StubFhirServer.start();
  });
  afterEach(() => stub.stop());

  const sender = (auth = createAuth({ type: 'none' })) => new HttpTransactionSender({ baseUrl: stub.baseUrl, auth });

  it('When a Bundle is delivered, then the transaction-response comes back, dated by the server clock less the round trip', async () => {
    const before = Date.now();
    const reply = await sender().send(testBundle('A1', 2));
    expect(reply.outcome).toEqual({ kind: 'delivered', status: 200 });
    expect(reply.response?.type).toBe('transaction-response');
    expect(reply.response?.entry).toHaveLength(2);
    expect(stub.requests[0]?.headers['content-type']).toBe('application/fhir+json');
    // The Date header has whole seconds; the margin keeps the time at or before the server's writes.
    expect(reply.writtenAfter).toBeLessThanOrEqual(before);
    expect(reply.writtenAfter).toBeGreaterThan(before - 3000);
  });

  it('When the server answers without a Date header, then no time is claimed', async () => {
    stub.respondNext(1, {
      status: 200,
      headers: { date: '' },
      body: { resourceType: 'Bundle', type: 'transaction-response', entry: [] },
    });
    const reply = await sender().send(testBundle('A1', 0));
    expect(reply.outcome.kind).toBe('delivered');
    expect(reply.writtenAfter).toBeUndefined();
  });

  it('When the server refuses the Bundle, then the outcome is permanent and no response is kept', async () => {
    stub.respondNext(1, { status: 422 });
    const reply = await sender().send(testBundle('A1'));
    expect(reply.outcome.kind).toBe('permanent');
    expect(reply.response).toBeUndefined();
  });

  it('When the server is unreachable, then the outcome is a transient retry, not a throw', async () => {
    await stub.stop();
    const reply = await sender().send(testBundle('A1'));
    expect(reply.outcome).toMatchObject({ kind: 'retry', retryClass: 'transient' });
  });

  it('When an OAuth token is refused with 401, then one fresh token is fetched and the Bundle sent again', async () => {
    stub.enableOAuth({ clientId: 'c', clientSecret: 's' });
    const auth = createAuth({ type: 'oauth2', tokenUrl: stub.tokenUrl, clientId: 'c', clientSecret: 's' });
    const s = sender(auth);
    expect((await s.send(testBundle('A1'))).outcome.kind).toBe('delivered');
    stub.revokeTokens();
    expect((await s.send(testBundle('A2'))).outcome.kind).toBe('delivered');
    expect(stub.tokensIssued).toBe(2);
  });
});
