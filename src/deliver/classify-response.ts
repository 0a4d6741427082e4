import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { ErrorCode } from '../errors/error-codes.ts';
import { ERROR_CODE_SYSTEM, IssueType, issue, outcome, hasErrors } from '../errors/outcomes.ts';
import { RetryClass, type SendOutcome } from './delivery-target.ts';

/**
 * The one place where an HTTP answer or a network failure becomes a delivery decision (delivered, retry with a
 * class, permanent). Nothing else in `deliver/` switches on status codes.
 */

/** What the table says about one HTTP status. */
interface StatusRule {
  kind: 'delivered' | 'retry' | 'permanent';
  retryClass?: RetryClass;
  code?: ErrorCode;
  /**
   * Replaces this rule when the body is not an OperationOutcome: a bare 404 means nothing FHIR lives at that URL
   * (configuration), while a 404 with an OperationOutcome is a FHIR server talking about the Bundle's content.
   */
  withoutOutcome?: StatusRule;
}

const TRANSIENT: StatusRule = { kind: 'retry', retryClass: RetryClass.Transient, code: ErrorCode.DeliverServerError };
const AUTH: StatusRule = { kind: 'retry', retryClass: RetryClass.Auth, code: ErrorCode.DeliverRejected };
const CONFIG: StatusRule = { kind: 'retry', retryClass: RetryClass.Config, code: ErrorCode.DeliverRejected };
const REJECTED: StatusRule = { kind: 'permanent', code: ErrorCode.DeliverRejected };

/**
 * HTTP status of a transaction POST → decision. Statuses not listed fall back by class: 2xx delivered, 3xx config,
 * other 4xx permanent, other 5xx transient.
 *
 * | status | decision | why |
 * |---|---|---|
 * | 2xx | delivered | transactions are all-or-nothing; the body is still checked ({@link classifyResponse}) |
 * | 3xx | retry config | redirects are not followed: a POST turned into GET could be mistaken for success |
 * | 400, 410, 413, 422, other 4xx | permanent | the server refused this Bundle's content |
 * | 401, 403, 407 | retry auth | bad credentials must not dead-letter the whole queue; long minimum delay |
 * | 404, 405 | permanent with an OperationOutcome, else retry config | bare 404/405: wrong base URL |
 * | 406, 415 | retry config | the server does not speak `application/fhir+json`: a target problem, not content |
 * | 408, 425, 429 | retry transient | timeouts, too early, rate limits; `Retry-After` honoured |
 * | 409, 412 | retry conflict | HAPI answers 409/412 to concurrent conditional creates of one identifier; retried a few times, then dead |
 * | 500, 502, 503, 504, other 5xx | retry transient | server or gateway trouble; `Retry-After` honoured |
 * | 501 | retry config | the endpoint does not implement transactions |
 */
export const STATUS_RULES: Readonly<Record<number, StatusRule>> = {
  401: AUTH,
  403: AUTH,
  407: AUTH,
  404: { ...REJECTED, withoutOutcome: CONFIG },
  405: { ...REJECTED, withoutOutcome: CONFIG },
  406: CONFIG,
  415: CONFIG,
  408: { ...TRANSIENT, code: ErrorCode.DeliverTimeout },
  425: TRANSIENT,
  429: { ...TRANSIENT, code: ErrorCode.DeliverRateLimited },
  409: { kind: 'retry', retryClass: RetryClass.Conflict, code: ErrorCode.DeliverRejected },
  412: { kind: 'retry', retryClass: RetryClass.Conflict, code: ErrorCode.DeliverRejected },
  501: CONFIG,
};

/**
 * Token endpoint (RFC 6749 §5.2) status → decision. The client's credentials being refused is permanent for the
 * credential but not for the message: it waits as `auth` until the configuration is fixed.
 */
const TOKEN_STATUS_RULES: Readonly<Record<number, StatusRule>> = {
  400: AUTH,
  401: AUTH,
  403: AUTH,
  408: TRANSIENT,
  429: { ...TRANSIENT, code: ErrorCode.DeliverRateLimited },
};

function ruleFor(status: number, table: Readonly<Record<number, StatusRule>>, other4xx = REJECTED): StatusRule {
  const exact = table[status];
  if (exact) return exact;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status >= 500) return TRANSIENT;
  if (status >= 400) return other4xx;
  return CONFIG;
}

/** @returns The decision for a status, as data (for the classification table test and docs). */
export function statusRule(status: number): { kind: StatusRule['kind']; retryClass?: RetryClass } {
  const rule = ruleFor(status, STATUS_RULES);
  return rule.retryClass ? { kind: rule.kind, retryClass: rule.retryClass } : { kind: rule.kind };
}

/**
 * Builds a content-free OperationOutcome for a delivery problem, tagged with its {@link ErrorCode}.
 * @param code - Error code, carried in `issue.details.coding`.
 * @param type - FHIR issue type.
 * @param diagnostics - Reason; never quotes the Bundle, the server's body or any credential.
 * @returns The outcome.
 */
export function deliveryOutcome(code: ErrorCode, type: IssueType, diagnostics: string): OperationOutcome {
  const i = issue('error', type, diagnostics);
  return outcome([{ ...i, details: { coding: [{ system: ERROR_CODE_SYSTEM, code }] } }]);
}

/** @returns The studybridge error code of an outcome built by {@link deliveryOutcome}, if any (for logs). */
export function outcomeCode(o: OperationOutcome): string | undefined {
  return o.issue?.[0]?.details?.coding?.find((c) => c.system === ERROR_CODE_SYSTEM)?.code;
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
 * @param value - The header value, or null.
 * @param now - Current time (ms since epoch), for the date form.
 * @returns Milliseconds to wait (never negative), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only the date forms; Date.parse would otherwise accept things like "1.5" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** An HTTP answer, with its body read as text. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Turns the answer to a transaction POST into a {@link SendOutcome}, using {@link STATUS_RULES}.
 * @param answer - Status, headers and body text.
 * @param now - Current time (ms since epoch), for `Retry-After` dates.
 * @returns The decision; failures carry the server's OperationOutcome when it sent one.
 */
export function classifyResponse(answer: HttpAnswer, now: number): SendOutcome {
  const json = parseJson(answer.body);
  const serverOutcome = isOperationOutcome(json) ? json : undefined;
  let rule = ruleFor(answer.status, STATUS_RULES);
  if (!serverOutcome && rule.withoutOutcome) rule = rule.withoutOutcome;
  if (rule.kind === 'delivered') return checkSuccessBody(answer, json);
  const built = (): OperationOutcome =>
    deliveryOutcome(
      rule.code ?? ErrorCode.DeliverRejected,
      rule.kind === 'retry' ? IssueType.Transient : IssueType.Processing,
      `FHIR server answered HTTP ${answer.status}${serverOutcome ? '' : ' without an OperationOutcome'}`,
    );
  const o = serverOutcome ?? built();
  if (rule.kind === 'permanent') return { kind: 'permanent', status: answer.status, outcome: o };
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), now);
  return {
    kind: 'retry',
    status: answer.status,
    retryClass: rule.retryClass ?? RetryClass.Transient,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    outcome: o,
  };
}

/**
 * A 2xx is only trusted when the body looks like a FHIR answer. An empty body is fine (some servers answer
 * `Prefer: return=minimal` style). A transaction is all-or-nothing, so an entry with a non-2xx status in a
 * successful response means the server did not behave as a transaction (e.g. it ran it as a batch): we
 * dead-letter it for a person to look at, rather than claim delivery or resend blindly. A body that is not FHIR
 * (an HTML page from a proxy or a wrong URL) means nothing was delivered: retried as `config`.
 */
function checkSuccessBody(answer: HttpAnswer, json: unknown): SendOutcome {
  const status = answer.status;
  if (answer.body.trim() === '') return { kind: 'delivered', status };
  const resourceType = isObject(json) ? json.resourceType : undefined;
  if (resourceType === 'Bundle') {
    const bundle = json as Bundle;
    const bad = (bundle.entry ?? []).findIndex((e) => e.response?.status && !/^\s*2\d\d/.test(e.response.status));
    if (bad >= 0) {
      const entryStatus = (bundle.entry?.[bad]?.response?.status ?? '').trim().slice(0, 3);
      return {
        kind: 'permanent',
        status,
        outcome: deliveryOutcome(
          ErrorCode.DeliverRejected,
          IssueType.Processing,
          `HTTP ${status} but ${bundle.type ?? 'response'} entry ${bad} has status ${entryStatus}; check the server, then replay`,
        ),
      };
    }
    return { kind: 'delivered', status };
  }
  if (resourceType === 'OperationOutcome') {
    const o = json as OperationOutcome;
    const failed = hasErrors(o);
    return failed ? { kind: 'permanent', status, outcome: o } : { kind: 'delivered', status };
  }
  return {
    kind: 'retry',
    status,
    retryClass: RetryClass.Config,
    outcome: deliveryOutcome(
      ErrorCode.DeliverRejected,
      IssueType.Processing,
      `HTTP ${status} without a FHIR body (${answer.headers.get('content-type')?.split(';')[0] ?? 'no content type'}); is the base URL a FHIR server?`,
    ),
  };
}

/**
 * Turns the answer of an OAuth 2.0 token endpoint that gave no usable token into a {@link SendOutcome}.
 * @param answer - Status, headers and body text of the token endpoint.
 * @param now - Current time (ms since epoch), for `Retry-After` dates.
 * @returns `retry` (transient for 5xx/429, auth for refused credentials); the outcome names the OAuth error code
 *   (`invalid_client`…) but never the client secret or the endpoint's free-text description.
 */
export function classifyTokenResponse(answer: HttpAnswer, now: number): SendOutcome {
  const rule = ruleFor(answer.status, TOKEN_STATUS_RULES, AUTH);
  const json = parseJson(answer.body);
  const oauthError = isObject(json) && typeof json.error === 'string' ? json.error.replace(/[^\w.-]/g, '') : '';
  const retryClass = rule.kind === 'retry' ? (rule.retryClass ?? RetryClass.Transient) : RetryClass.Auth;
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), now);
  return {
    kind: 'retry',
    status: answer.status,
    retryClass,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    outcome: deliveryOutcome(
      retryClass === RetryClass.Transient ? ErrorCode.DeliverServerError : ErrorCode.DeliverRejected,
      retryClass === RetryClass.Transient ? IssueType.Transient : IssueType.Processing,
      answer.status >= 200 && answer.status < 300
        ? `OAuth token endpoint answered HTTP ${answer.status} without a usable bearer access_token`
        : `OAuth token endpoint answered HTTP ${answer.status}${oauthError ? ` (${oauthError.slice(0, 40)})` : ''}`,
    ),
  };
}

/** Where a request failed without an HTTP answer. */
export const NetworkFailure = {
  /** Our own timeout fired. */
  Timeout: 'timeout',
  /** The caller aborted (shutdown). */
  Aborted: 'aborted',
  /** Connection refused, reset, DNS, TLS… */
  Network: 'network',
} as const;
/** One of the {@link NetworkFailure} values. */
export type NetworkFailure = (typeof NetworkFailure)[keyof typeof NetworkFailure];

/**
 * Turns a request that got no HTTP answer into a `retry`. Such failures are ambiguous (the server may have
 * committed before the connection broke), and resending is still safe: every entry of our Bundles is a
 * conditional update on a business identifier, so a repeat changes nothing.
 * @param kind - What went wrong.
 * @param err - The thrown error; only its error code (e.g. `ECONNREFUSED`) is kept, never its message.
 * @param what - Who we were talking to, for the diagnostic (`FHIR server`, `OAuth token endpoint`).
 * @returns A transient retry.
 */
export function classifyNetworkError(kind: NetworkFailure, err: unknown, what = 'FHIR server'): SendOutcome {
  const code = kind === NetworkFailure.Timeout ? ErrorCode.DeliverTimeout : ErrorCode.DeliverServerError;
  const detail =
    kind === NetworkFailure.Timeout
      ? `${what} did not answer in time`
      : kind === NetworkFailure.Aborted
        ? `request to ${what} aborted`
        : `${what} unreachable (${networkErrorCode(err)})`;
  return {
    kind: 'retry',
    retryClass: RetryClass.Transient,
    outcome: deliveryOutcome(code, IssueType.Transient, detail),
  };
}

/** @returns The system error code of a failed fetch (undici puts it on `cause`), e.g. `ECONNREFUSED`. */
export function networkErrorCode(err: unknown): string {
  for (let e: unknown = err, depth = 0; isObject(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && /^[A-Z_0-9]+$/.test(e.code)) return e.code;
  }
  return err instanceof Error ? err.name : 'unknown';
}

function parseJson(text: string): unknown {
  if (!text || !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function isOperationOutcome(x: unknown): x is OperationOutcome {
  return isObject(x) && x.resourceType === 'OperationOutcome';
}
