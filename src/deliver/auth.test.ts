import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicHeader, createAuth, OAuth2ClientCredentials } from './auth.ts';
import { StubFhirServer } from './testing/stub-fhir-server.ts';

describe('auth', () => {
  let stub: StubFhirServer;
  beforeEach(async () => {
    stub = await StubFhirServer.start();
  });
  afterEach(() => stub.stop());

  it('When the strategy is none, bearer or basic, then the header is fixed and a 401 does not retry', async () => {
    expect(await createAuth({ type: 'none' }).authorize()).toEqual({ ok: true, header: undefined });
    const bearer = createAuth({ type: 'bearer', token: 'abc' });
    expect(await bearer.authorize()).toEqual({ ok: true, header: 'Bearer abc' });
    expect(bearer.invalidate('Bearer abc')).toBe(false);
    const basic = createAuth({ type: 'basic', username: 'ü', password: 'p:w' });
    expect(await basic.authorize()).toEqual({
      ok: true,
      header: `Basic ${Buffer.from('ü:p:w', 'utf8').toString('base64')}`,
    });
  });

  it('When refreshAfterMs is asked, then it is 80 % or 60 s before expiry, whichever is earlier', () => {
    expect(OAuth2ClientCredentials.refreshAfterMs(3600)).toBe(2_880_000);
    expect(OAuth2ClientCredentials.refreshAfterMs(120)).toBe(60_000);
    expect(OAuth2ClientCredentials.refreshAfterMs(30)).toBe(24_000);
  });

  describe('oauth2 client credentials', () => {
    const config = (extra: object = {}) => ({
      type: 'oauth2' as const,
      tokenUrl: stub.tokenUrl,
      clientId: 'studybridge client',
      clientSecret: 's3cr3t&+=',
      scope: 'system/*.write',
      ...extra,
    });

    it('When asked twice, then one token request serves both (cached)', async () => {
      stub.enableOAuth({ clientId: 'studybridge client', clientSecret: 's3cr3t&+=' });
      const auth = createAuth(config());
      expect(await auth.authorize()).toEqual({ ok: true, header: 'Bearer token-1' });
      expect(await auth.authorize()).toEqual({ ok: true, header: 'Bearer token-1' });
      expect(stub.tokenRequests).toBe(1);
    });

    it('When client_secret_post is chosen, then the credentials go in the form and are accepted', async () => {
      stub.enableOAuth({ clientId: 'studybridge client', clientSecret: 's3cr3t&+=' });
      const auth = createAuth(config({ clientAuthMethod: 'client_secret_post' }));
      expect(await auth.authorize()).toEqual({ ok: true, header: 'Bearer token-1' });
    });

    it('When the token nears expiry on the clock, then a new one is fetched', async () => {
      stub.enableOAuth({ clientId: 'studybridge client', clientSecret: 's3cr3t&+=', expiresInS: 100 });
      let now = 1_000_000;
      const auth = createAuth(config(), { now: () => now });
      expect(await auth.authorize()).toMatchObject({ header: 'Bearer token-1' });
      now += 39_000; // refresh point for 100 s is 40 s (60 s before expiry)
      expect(await auth.authorize()).toMatchObject({ header: 'Bearer token-1' });
      now += 1_000;
      expect(await auth.authorize()).toMatchObject({ header: 'Bearer token-2' });
      expect(stub.tokenRequests).toBe(2);
    });

    it('When many callers ask at once, then they share one token request', async () => {
      stub.enableOAuth({ clientId: 'studybridge client', clientSecret: 's3cr3t&+=' });
      const auth = createAuth(config());
      const results = await Promise.all(Array.from({ length: 10 }, () => auth.authorize()));
      expect(new Set(results.map((r) => (r.ok ? r.header : 'failed')))).toEqual(new Set(['Bearer token-1']));
      expect(stub.tokenRequests).toBe(1);
    });

    it('When a token is invalidated, then only that one is dropped and the next call fetches anew', async () => {
      stub.enableOAuth({ clientId: 'studybridge client', clientSecret: 's3cr3t&+=' });
      const auth = createAuth(config());
      await auth.authorize();
      expect(auth.invalidate('Bearer stale-one')).toBe(true);
      expect(await auth.authorize()).toMatchObject({ header: 'Bearer token-1' });
      auth.invalidate('Bearer token-1');
      expect(await auth.authorize()).toMatchObject({ header: 'Bearer token-2' });
    });

    it('When the secret is wrong, then auth retry without the secret in the outcome, and no token cached', async () => {
      stub.enableOAuth({ clientId: 'studybridge client', clientSecret: 'other' });
      const auth = createAuth(config());
      const r = await auth.authorize();
      expect(r).toMatchObject({ ok: false, outcome: { kind: 'retry', retryClass: 'auth', status: 401 } });
      expect(JSON.stringify(r)).not.toContain('s3cr3t');
      await auth.authorize();
      expect(stub.tokenRequests).toBe(2);
    });

    it('When the token endpoint answers 503 or is unreachable, then transient retry', async () => {
      stub.enableOAuth({ clientId: 'studybridge client', clientSecret: 's3cr3t&+=' });
      stub.tokenRespondNext(1, { status: 503 });
      const auth = createAuth(config());
      expect(await auth.authorize()).toMatchObject({ ok: false, outcome: { retryClass: 'transient', status: 503 } });
      expect(await auth.authorize()).toMatchObject({ ok: true });
      const closed = await StubFhirServer.start();
      await closed.stop(); // a port nobody listens on, and no pooled connection to it
      const down = createAuth(config({ tokenUrl: closed.tokenUrl }));
      const r = await down.authorize();
      expect(r).toMatchObject({ ok: false, outcome: { kind: 'retry', retryClass: 'transient' } });
      expect(JSON.stringify(r)).toContain('ECONNREFUSED');
    });
  });

  it('When basicHeader is built, then it follows RFC 7617', () => {
    expect(basicHeader('Aladdin', 'open sesame')).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });
});
