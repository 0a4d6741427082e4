import { classifyNetworkError, classifyTokenResponse, NetworkFailure } from './classify-response.ts';
import type { SendOutcome } from './delivery-target.ts';

/**
 * How studybridge authenticates to the FHIR server. Secrets come from the configuration the caller passes in
 * (which reads them from the environment); they are never logged and never appear in an outcome.
 */
export type AuthConfig =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | OAuth2Config;

/** OAuth 2.0 client credentials grant (RFC 6749 §4.4). */
export interface OAuth2Config {
  type: 'oauth2';
  /** Token endpoint URL. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes, e.g. `system/*.write`. */
  scope?: string;
  /** `audience` parameter (Auth0, Okta and others). */
  audience?: string;
  /** `resource` parameter (RFC 8707; Azure AD v1). */
  resource?: string;
  /** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). Default `client_secret_basic`. */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Token request timeout. Default 10 000 ms. */
  timeoutMs?: number;
}

/** The Authorization header to send, or why there is none. */
export type AuthResult = { ok: true; header: string | undefined } | { ok: false; outcome: SendOutcome };

/** Produces the Authorization header of each request to the FHIR server. */
export interface AuthStrategy {
  /** `none`, `bearer`, `basic` or `oauth2`: for logs, never a secret. */
  readonly type: AuthConfig['type'];
  /** @returns The header value to send (undefined: none), or a failure to report as the send's outcome. */
  authorize(): Promise<AuthResult>;
  /**
   * Called when the FHIR server answered 401 to a request made with `header`.
   * @returns True when a fresh credential may help, so the request is worth repeating once.
   */
  invalidate(header: string | undefined): boolean;
}

/** Test seams of {@link createAuth}. */
export interface AuthDeps {
  /** Clock in ms since epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * @param config - The configured strategy and its secrets.
 * @param deps - Clock injection for tests.
 * @returns The strategy.
 */
export function createAuth(config: AuthConfig, deps: AuthDeps = {}): AuthStrategy {
  switch (config.type) {
    case 'none':
      return staticAuth('none', undefined);
    case 'bearer':
      return staticAuth('bearer', `Bearer ${config.token}`);
    case 'basic':
      return staticAuth('basic', basicHeader(config.username, config.password));
    case 'oauth2':
      return new OAuth2ClientCredentials(config, deps);
  }
}

/** @returns `Basic` header value (RFC 7617, UTF-8). */
export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function staticAuth(type: 'none' | 'bearer' | 'basic', header: string | undefined): AuthStrategy {
  const result: AuthResult = { ok: true, header };
  // A static credential does not change by asking again; a 401 is reported as is.
  return { type, authorize: () => Promise.resolve(result), invalidate: () => false };
}

interface CachedToken {
  header: string;
  refreshAt: number;
}

/** Assumed lifetime when the token endpoint omits `expires_in` (RFC 6749 §5.1 only recommends it). */
const DEFAULT_EXPIRES_IN_S = 300;

/**
 * OAuth 2.0 client credentials: fetches a token, caches it, refreshes it before it expires, and lets concurrent
 * callers share one token request.
 */
export class OAuth2ClientCredentials implements AuthStrategy {
  readonly type = 'oauth2';
  private readonly config: OAuth2Config;
  private readonly now: () => number;
  private cached: CachedToken | undefined;
  private inFlight: Promise<AuthResult> | undefined;
  /** Token requests made (for tests and metrics). */
  tokenRequests = 0;

  /**
   * @param config - Token endpoint and client credentials.
   * @param deps - Clock injection for tests.
   */
  constructor(config: OAuth2Config, deps: AuthDeps = {}) {
    this.config = config;
    this.now = deps.now ?? Date.now;
  }

  /** @inheritDoc */
  authorize(): Promise<AuthResult> {
    if (this.cached && this.now() < this.cached.refreshAt)
      return Promise.resolve({ ok: true, header: this.cached.header });
    // One request for everyone who asks while it runs; a burst of sends must not stampede the token endpoint.
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** @inheritDoc */
  invalidate(header: string | undefined): boolean {
    // Only drop the token that was refused: a concurrent caller may already have fetched a newer one.
    if (header !== undefined && this.cached?.header === header) this.cached = undefined;
    return true;
  }

  /**
   * When to refresh: at 80 % of the lifetime or 60 s before expiry, whichever is earlier; for lifetimes of a
   * minute or less the 60 s margin would be in the past, so 80 % alone.
   */
  static refreshAfterMs(expiresInS: number): number {
    const lifetimeMs = expiresInS * 1000;
    const eighty = lifetimeMs * 0.8;
    return expiresInS > 60 ? Math.min(eighty, lifetimeMs - 60_000) : eighty;
  }

  private async fetchToken(): Promise<AuthResult> {
    const c = this.config;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (c.scope) form.set('scope', c.scope);
    if (c.audience) form.set('audience', c.audience);
    if (c.resource) form.set('resource', c.resource);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (c.clientAuthMethod === 'client_secret_post') {
      form.set('client_id', c.clientId);
      form.set('client_secret', c.clientSecret);
    } else {
      // RFC 6749 §2.3.1: id and secret are form-encoded before being joined and base64-encoded.
      headers.Authorization = basicHeader(formEncode(c.clientId), formEncode(c.clientSecret));
    }
    this.tokenRequests++;
    const started = this.now();
    let answer: { status: number; headers: Headers; body: string };
    try {
      const res = await fetch(c.tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(c.timeoutMs ?? 10_000),
      });
      answer = { status: res.status, headers: res.headers, body: await res.text() };
    } catch (err) {
      const kind = isTimeout(err) ? NetworkFailure.Timeout : NetworkFailure.Network;
      return { ok: false, outcome: classifyNetworkError(kind, err, 'OAuth token endpoint') };
    }
    const token = answer.status === 200 ? readToken(answer.body) : undefined;
    if (!token) return { ok: false, outcome: classifyTokenResponse(answer, this.now()) };
    const header = `Bearer ${token.accessToken}`;
    this.cached = { header, refreshAt: started + OAuth2ClientCredentials.refreshAfterMs(token.expiresInS) };
    return { ok: true, header };
  }
}

function formEncode(s: string): string {
  return new URLSearchParams({ s }).toString().slice(2);
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'TimeoutError';
}

function readToken(body: string): { accessToken: string; expiresInS: number } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = json as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  // We can only present bearer tokens; a DPoP or MAC token would be refused by the FHIR server anyway.
  if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') return undefined;
  const seconds = typeof expiresIn === 'number' ? expiresIn : Number(expiresIn);
  return { accessToken, expiresInS: Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_EXPIRES_IN_S };
}
