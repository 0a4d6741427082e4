import { describe, expect, it } from 'vitest';
import {
  classifyNetworkError,
  classifyResponse,
  classifyTokenResponse,
  NetworkFailure,
  networkErrorCode,
  outcomeCode,
  parseRetryAfter,
  statusRule,
} from './classify-response.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const SERVER_OO = JSON.stringify({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Observation.code: required' }],
});

function answer(status: number, body = '', headers: Record<string, string> = {}) {
  return classifyResponse({ status, headers: new Headers(headers), body }, NOW);
}

describe('classify-response', () => {
  it.each([
    [200, 'delivered', undefined],
    [201, 'delivered', undefined],
    [204, 'delivered', undefined],
    [301, 'retry', 'config'],
    [302, 'retry', 'config'],
    [307, 'retry', 'config'],
    [400, 'permanent', undefined],
    [401, 'retry', 'auth'],
    [403, 'retry', 'auth'],
    [404, 'permanent', undefined],
    [405, 'permanent', undefined],
    [406, 'retry', 'config'],
    [407, 'retry', 'auth'],
    [408, 'retry', 'transient'],
    [409, 'retry', 'conflict'],
    [410, 'permanent', undefined],
    [412, 'retry', 'conflict'],
    [413, 'permanent', undefined],
    [415, 'retry', 'config'],
    [422, 'permanent', undefined],
    [425, 'retry', 'transient'],
    [429, 'retry', 'transient'],
    [451, 'permanent', undefined],
    [500, 'retry', 'transient'],
    [501, 'retry', 'config'],
    [502, 'retry', 'transient'],
    [503, 'retry', 'transient'],
    [504, 'retry', 'transient'],
    [507, 'retry', 'transient'],
  ])('When the server answers %i, then the table says %s (%s)', (status, kind, retryClass) => {
    expect(statusRule(status)).toEqual(retryClass ? { kind, retryClass } : { kind });
    const outcome = answer(status, status >= 200 && status < 300 ? '' : SERVER_OO);
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === 'retry') expect(outcome.retryClass).toBe(retryClass);
  });

  it('When a 4xx carries an OperationOutcome, then the permanent outcome is the server’s own', () => {
    const o = answer(422, SERVER_OO);
    expect(o).toEqual({ kind: 'permanent', status: 422, outcome: JSON.parse(SERVER_OO) });
  });

  it('When a 4xx has no OperationOutcome, then a content-free one with the status and code is built', () => {
    const o = answer(400, '<html>Patient Jane Doe</html>', { 'content-type': 'text/html' });
    expect(o.kind).toBe('permanent');
    if (o.kind !== 'permanent') return;
    expect(JSON.stringify(o.outcome)).not.toContain('Jane');
    expect(o.outcome.issue?.[0]?.diagnostics).toBe('FHIR server answered HTTP 400 without an OperationOutcome');
    expect(outcomeCode(o.outcome)).toBe('deliver.rejected');
  });

  it('When 404 or 405 come without an OperationOutcome, then the base URL is wrong: retry as config', () => {
    expect(answer(404, '')).toMatchObject({ kind: 'retry', retryClass: 'config', status: 404 });
    expect(answer(405, 'Not Found')).toMatchObject({ kind: 'retry', retryClass: 'config' });
  });

  it('When 503 carries Retry-After in seconds, then retryAfterMs is set', () => {
    expect(answer(503, '', { 'retry-after': '7' })).toMatchObject({ kind: 'retry', retryAfterMs: 7000 });
    expect(answer(429, '', { 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT' })).toMatchObject({
      retryAfterMs: 30_000,
    });
    const o = answer(503, '');
    expect(o.kind === 'retry' && 'retryAfterMs' in o).toBe(false);
  });

  it('When Retry-After is seconds, an HTTP date, past, or junk, then it parses accordingly', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter('1.5', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });

  describe('2xx bodies', () => {
    it('When the transaction-response entries are all 2xx, then delivered', () => {
      const body = JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction-response',
        entry: [{ response: { status: '201 Created' } }, { response: { status: '200 OK' } }],
      });
      expect(answer(200, body)).toEqual({ kind: 'delivered', status: 200 });
    });

    it('When an entry of a 200 response failed, then permanent (dead letter for a person to look at)', () => {
      const body = JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch-response',
        entry: [{ response: { status: '201 Created' } }, { response: { status: '400 Bad Request' } }],
      });
      const o = answer(200, body);
      expect(o.kind).toBe('permanent');
      if (o.kind === 'permanent') expect(o.outcome.issue?.[0]?.diagnostics).toContain('entry 1 has status 400');
    });

    it('When a 200 carries an HTML page, then nothing was delivered: retry as config', () => {
      const o = answer(200, '<html>login</html>', { 'content-type': 'text/html; charset=utf-8' });
      expect(o).toMatchObject({ kind: 'retry', retryClass: 'config', status: 200 });
      if (o.kind === 'retry') expect(o.outcome.issue?.[0]?.diagnostics).toContain('text/html');
    });

    it('When a 200 carries an OperationOutcome, then delivered unless it holds an error', () => {
      const info = { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] };
      expect(answer(200, JSON.stringify(info)).kind).toBe('delivered');
      expect(answer(200, SERVER_OO).kind).toBe('permanent');
    });
  });

  describe('network failures', () => {
    it('When the connection is refused, then transient retry naming only the error code', () => {
      const err = new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
      });
      const o = classifyNetworkError(NetworkFailure.Network, err);
      expect(o).toMatchObject({ kind: 'retry', retryClass: 'transient' });
      expect(o.kind === 'retry' && o.outcome.issue?.[0]?.diagnostics).toBe('FHIR server unreachable (ECONNREFUSED)');
      expect(JSON.stringify(o)).not.toContain('10.0.0.1');
    });

    it('When our timeout fires or the caller aborts, then transient retry with the matching code', () => {
      const t = classifyNetworkError(NetworkFailure.Timeout, new DOMException('x', 'TimeoutError'));
      expect(t.kind === 'retry' && outcomeCode(t.outcome)).toBe('deliver.timeout');
      const a = classifyNetworkError(NetworkFailure.Aborted, new DOMException('x', 'AbortError'));
      expect(a).toMatchObject({ kind: 'retry', retryClass: 'transient' });
      expect(networkErrorCode(new DOMException('x', 'AbortError'))).toBe('AbortError');
    });
  });

  describe('token endpoint', () => {
    function token(status: number, body: string, headers: Record<string, string> = {}) {
      return classifyTokenResponse({ status, headers: new Headers(headers), body }, NOW);
    }

    it('When the client is refused (400/401 invalid_client), then auth retry, never permanent, and no secret', () => {
      const body = JSON.stringify({ error: 'invalid_client', error_description: 'secret s3cr3t is wrong' });
      for (const status of [400, 401]) {
        const o = token(status, body);
        expect(o).toMatchObject({ kind: 'retry', retryClass: 'auth', status });
        expect(JSON.stringify(o)).not.toContain('s3cr3t');
        expect(o.kind === 'retry' && o.outcome.issue?.[0]?.diagnostics).toBe(
          `OAuth token endpoint answered HTTP ${status} (invalid_client)`,
        );
      }
    });

    it('When the token endpoint is down or throttling, then transient retry with Retry-After', () => {
      expect(token(503, '', { 'retry-after': '3' })).toMatchObject({
        kind: 'retry',
        retryClass: 'transient',
        retryAfterMs: 3000,
      });
      expect(token(429, '')).toMatchObject({ retryClass: 'transient' });
    });

    it('When a 200 has no usable token, then auth retry', () => {
      expect(token(200, '{"token_type":"bearer"}')).toMatchObject({ kind: 'retry', retryClass: 'auth' });
    });
  });
});
