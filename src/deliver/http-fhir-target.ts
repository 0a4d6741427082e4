import { classifyNetworkError, classifyResponse, NetworkFailure, type HttpAnswer } from './classify-response.ts';
import type { AuthStrategy } from './auth.ts';
import type { DeliveryTarget, SendOutcome } from './delivery-target.ts';

/** Options of {@link HttpFhirTarget}. */
export interface HttpFhirTargetOptions {
  /** FHIR base URL, e.g. `https://hapi.example.org/fhir`; transactions are POSTed to it. */
  baseUrl: string;
  /** Produces the Authorization header (see `createAuth`). */
  auth: AuthStrategy;
  /** Time allowed for one send, answer body included. Default 30 000 ms. */
  timeoutMs?: number;
  /** Time allowed for `ping`. Default 5 000 ms. */
  pingTimeoutMs?: number;
  /** `User-Agent` header. Default `studybridge`. */
  userAgent?: string;
  /**
   * Headers added to every request (e.g. an API gateway key). Ours win on conflicts; an `Authorization` here is
   * only sent when the auth strategy produces none.
   */
  extraHeaders?: Readonly<Record<string, string>>;
  /** Clock in ms since epoch, for `Retry-After` dates. Default `Date.now`. */
  now?: () => number;
}

const FHIR_JSON = 'application/fhir+json';

/**
 * @param baseUrl - A FHIR base URL as configured.
 * @returns The URL requests go to (no trailing slash), and how logs and /ready may show it: without credentials
 *   or query.
 */
export function baseUrlOf(baseUrl: string): { baseUrl: string; description: string } {
  const url = new URL(baseUrl);
  const href = url.href.replace(/\/+$/, '');
  url.username = '';
  url.password = '';
  url.search = '';
  return { baseUrl: href, description: url.href.replace(/\/+$/, '') };
}

/** Delivers transaction Bundles to a FHIR R4 server over HTTP(S). */
export class HttpFhirTarget implements DeliveryTarget {
  /** The base URL without user info or query, so it can be logged. */
  readonly description: string;
  private readonly baseUrl: string;
  private readonly auth: AuthStrategy;
  private readonly timeoutMs: number;
  private readonly pingTimeoutMs: number;
  private readonly headers: Headers;
  private readonly now: () => number;

  /** @param options - See {@link HttpFhirTargetOptions}. */
  constructor(options: HttpFhirTargetOptions) {
    ({ baseUrl: this.baseUrl, description: this.description } = baseUrlOf(options.baseUrl));
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.headers = new Headers(options.extraHeaders);
    this.headers.set('User-Agent', options.userAgent ?? 'studybridge');
    this.headers.set('Accept', FHIR_JSON);
  }

  /** @inheritDoc */
  async send(bundle: string, signal?: AbortSignal): Promise<SendOutcome> {
    const first = await this.post(bundle, signal);
    // A 401 with an expiring credential (OAuth) may just mean the token was revoked or expired early:
    // fetch a fresh one and try exactly once more. A second 401 is reported as is.
    if ('answer' in first && first.answer.status === 401 && !signal?.aborted && this.auth.invalidate(first.header)) {
      return this.classify(await this.post(bundle, signal));
    }
    return this.classify(first);
  }

  /** @inheritDoc */
  async ping(signal?: AbortSignal): Promise<boolean> {
    const auth = await this.auth.authorize();
    if (!auth.ok) return false;
    const signals = [AbortSignal.timeout(this.pingTimeoutMs), ...(signal ? [signal] : [])];
    try {
      const res = await fetch(`${this.baseUrl}/metadata`, {
        headers: this.requestHeaders(auth.header),
        redirect: 'manual',
        signal: AbortSignal.any(signals),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  private classify(result: PostResult): SendOutcome {
    return 'outcome' in result ? result.outcome : classifyResponse(result.answer, this.now());
  }

  private async post(bundle: string, signal?: AbortSignal): Promise<PostResult> {
    const auth = await this.auth.authorize();
    if (!auth.ok) return { outcome: auth.outcome };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(this.baseUrl, {
        method: 'POST',
        headers: this.requestHeaders(auth.header, FHIR_JSON),
        body: bundle,
        // Never follow: fetch turns a POST into a GET on 301/302, and a 200 from the new URL would look like delivery.
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      return { answer: { status: res.status, headers: res.headers, body: await res.text() }, header: auth.header };
    } catch (err) {
      const kind = signal?.aborted
        ? NetworkFailure.Aborted
        : timeout.aborted
          ? NetworkFailure.Timeout
          : NetworkFailure.Network;
      return { outcome: classifyNetworkError(kind, err) };
    }
  }

  private requestHeaders(authorization: string | undefined, contentType?: string): Headers {
    const headers = new Headers(this.headers);
    if (authorization) headers.set('Authorization', authorization);
    if (contentType) headers.set('Content-Type', contentType);
    return headers;
  }
}

type PostResult = { answer: HttpAnswer; header: string | undefined } | { outcome: SendOutcome };
