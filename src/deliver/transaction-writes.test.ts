import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { entryWrite, WriteKind, WriteTally } from './transaction-writes.ts';

const SENT = Date.parse('2026-03-01T10:00:00Z');
const put: BundleEntry = { request: { method: 'PUT', url: 'Observation?identifier=s|1' } };
const create: BundleEntry = { request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=s|P1' } };

function answer(status: string, extra: Partial<NonNullable<BundleEntry['response']>> = {}, resource?: object) {
  return { response: { status, ...extra }, ...(resource ? { resource } : {}) } as BundleEntry;
}

function hapi(code: string): BundleEntry {
  const outcome = {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'information',
        code: 'informational',
        details: { coding: [{ system: 'https://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code', code }] },
      },
    ],
  };
  return answer('200 OK', { outcome } as never);
}

describe('what a transaction did to each resource', () => {
  it('When HAPI names the storage outcome, then its code decides, whatever the status says', () => {
    expect(entryWrite(put, hapi('SUCCESSFUL_UPDATE_WITH_CONDITIONAL_MATCH_NO_CHANGE'))).toBe(WriteKind.Unchanged);
    expect(entryWrite(put, hapi('SUCCESSFUL_UPDATE_NO_CHANGE'))).toBe(WriteKind.Unchanged);
    expect(entryWrite(create, hapi('SUCCESSFUL_CREATE_WITH_CONDITIONAL_MATCH'))).toBe(WriteKind.Unchanged);
    expect(entryWrite(put, hapi('SUCCESSFUL_UPDATE_WITH_CONDITIONAL_MATCH'))).toBe(WriteKind.Updated);
    expect(entryWrite(put, hapi('SUCCESSFUL_UPDATE_NO_CONDITIONAL_MATCH'))).toBe(WriteKind.Created);
  });

  it('When the status is 201, then the resource was created', () => {
    expect(entryWrite(put, answer('201 Created'))).toBe(WriteKind.Created);
    expect(entryWrite(create, answer('201'))).toBe(WriteKind.Created);
  });

  it('When a conditional create answers 200, then an existing resource matched and nothing was written', () => {
    expect(entryWrite(create, answer('200 OK'))).toBe(WriteKind.Unchanged);
  });

  it('When an update answers 200 with a version dated before the send, then the server skipped it as identical', () => {
    const old = { meta: { versionId: '2', lastUpdated: '2026-03-01T09:59:59.999Z' } };
    expect(entryWrite(put, answer('200', {}, old), SENT)).toBe(WriteKind.Unchanged);
  });

  it('When an update answers 200 with a version written during the send, then version 1 is created and later ones updated', () => {
    expect(entryWrite(put, answer('200', { etag: 'W/"1"', lastModified: '2026-03-01T10:00:00.000Z' }), SENT)).toBe(
      WriteKind.Created,
    );
    const v3 = { meta: { versionId: '3', lastUpdated: '2026-03-01T10:00:00.010Z' } };
    expect(entryWrite(put, answer('200', {}, v3), SENT)).toBe(WriteKind.Updated);
    const byLocation = answer('200', { location: 'Observation/x/_history/4', lastModified: '2026-03-01T10:00:01Z' });
    expect(entryWrite(put, byLocation, SENT)).toBe(WriteKind.Updated);
  });

  it('When the answer has no version, no time, or there is no clock to compare with, then it is unknown rather than guessed', () => {
    expect(entryWrite(put, answer('200'), SENT)).toBe(WriteKind.Unknown);
    expect(entryWrite(put, answer('200', { etag: 'W/"2"', lastModified: '2026-03-01T09:00:00Z' }))).toBe(
      WriteKind.Unknown,
    );
    expect(entryWrite(put, undefined, SENT)).toBe(WriteKind.Unknown);
  });

  it('When a Patient of an earlier Bundle of the import is matched again, then it is counted once', () => {
    const tally = new WriteTally();
    const request = (n: number): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [create, ...Array(n).fill(put)],
    });
    const response = (first: string, n: number): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: [answer(first, { location: 'Patient/p1/_history/1' }), ...Array(n).fill(answer('201'))],
    });
    tally.add(request(2), response('201', 2), SENT);
    tally.add(request(1), response('200', 1), SENT);
    expect(tally.counts).toEqual({ created: 4, updated: 0, unchanged: 0, unknown: 0 });
  });

  it('When the server answered without a transaction-response, then every entry is unknown', () => {
    const tally = new WriteTally();
    tally.add({ resourceType: 'Bundle', type: 'transaction', entry: [create, put] }, undefined);
    expect(tally.counts).toEqual({ created: 0, updated: 0, unchanged: 0, unknown: 2 });
  });
});
