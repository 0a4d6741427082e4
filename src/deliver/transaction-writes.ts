import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';

/**
 * What a delivered transaction did to each resource, read from the transaction-response. Servers say it in
 * different ways, so the evidence is taken in order of trust:
 * 1. HAPI's storage response code in `response.outcome` (it names no-op updates and matched conditional creates).
 * 2. `201`: created.
 * 3. `200` to a conditional create (`ifNoneExist`): a resource matched, nothing was written.
 * 4. `200` to an update: the version the server answers with. A server that skips identical updates (the
 *    embedded one, Medplum) answers with the current version, written before the transaction was sent; a version
 *    written by this transaction is dated at or after `writtenAfter`, and is new when it is version 1.
 * Anything else is `unknown`: "unchanged" is only claimed when the server's answer proves it.
 */
export const WriteKind = {
  Created: 'created',
  Updated: 'updated',
  Unchanged: 'unchanged',
  /** The answer does not say (no version or time, or no clock to compare with). */
  Unknown: 'unknown',
} as const;
/** One of the {@link WriteKind} values. */
export type WriteKind = (typeof WriteKind)[keyof typeof WriteKind];

/** Resources a run of transactions created, updated and left unchanged. */
export type WriteCounts = Record<WriteKind, number>;

/** System of HAPI FHIR's storage response codes (`StorageResponseCodeEnum`). */
const HAPI_STORAGE_CODES = 'https://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code';

const HAPI_KINDS: Readonly<Record<string, WriteKind>> = {
  SUCCESSFUL_CREATE: WriteKind.Created,
  SUCCESSFUL_CREATE_NO_CONDITIONAL_MATCH: WriteKind.Created,
  SUCCESSFUL_UPDATE_AS_CREATE: WriteKind.Created,
  SUCCESSFUL_UPDATE_NO_CONDITIONAL_MATCH: WriteKind.Created,
  SUCCESSFUL_UPDATE: WriteKind.Updated,
  SUCCESSFUL_UPDATE_WITH_CONDITIONAL_MATCH: WriteKind.Updated,
  SUCCESSFUL_CREATE_WITH_CONDITIONAL_MATCH: WriteKind.Unchanged,
  SUCCESSFUL_UPDATE_NO_CHANGE: WriteKind.Unchanged,
  SUCCESSFUL_UPDATE_WITH_CONDITIONAL_MATCH_NO_CHANGE: WriteKind.Unchanged,
};

/**
 * Classifies one entry of a delivered transaction (see {@link WriteKind} for the evidence used).
 * @param request - The entry as sent.
 * @param response - The entry at the same position of the transaction-response.
 * @param writtenAfter - A time (ms since epoch, on the server's clock) before which nothing of this transaction
 *   was written; omit when unknown.
 * @returns What the server did.
 */
export function entryWrite(
  request: BundleEntry | undefined,
  response: BundleEntry | undefined,
  writtenAfter?: number,
): WriteKind {
  const answer = response?.response;
  if (!answer) return WriteKind.Unknown;
  const told = hapiKind(answer.outcome as OperationOutcome | undefined);
  if (told) return told;
  const status = Number.parseInt(answer.status, 10);
  if (status === 201) return WriteKind.Created;
  if (status !== 200) return WriteKind.Unknown;
  if (request?.request?.method === 'POST') {
    return request.request.ifNoneExist ? WriteKind.Unchanged : WriteKind.Unknown;
  }
  const version = versionOf(answer.etag, answer.location, response.resource);
  const modified = Date.parse(answer.lastModified ?? response.resource?.meta?.lastUpdated ?? '');
  if (writtenAfter === undefined || version === undefined || Number.isNaN(modified)) return WriteKind.Unknown;
  if (modified < writtenAfter) return WriteKind.Unchanged;
  return version === '1' ? WriteKind.Created : WriteKind.Updated;
}

/**
 * Counts what a series of transactions (one import) did. A conditional create that matches a resource an
 * earlier transaction of the series created or matched is the same resource again (a Patient whose rows span
 * two Bundles) and is counted once.
 */
export class WriteTally {
  /** The counts so far. */
  readonly counts: WriteCounts = { created: 0, updated: 0, unchanged: 0, unknown: 0 };
  /** Resources of conditional creates already counted; one per subject, not per row. */
  private readonly conditional = new Set<string>();

  /**
   * Adds one delivered transaction.
   * @param request - The transaction Bundle as sent.
   * @param response - The transaction-response; absent when the server answered without one (every entry is
   *   then `unknown`).
   * @param writtenAfter - See {@link entryWrite}.
   */
  add(request: Bundle, response: Bundle | undefined, writtenAfter?: number): void {
    const answers = response?.entry ?? [];
    (request.entry ?? []).forEach((entry, i) => {
      const answer = answers[i];
      if (entry.request?.ifNoneExist) {
        const location = answer?.response?.location?.replace(/\/_history\/.*$/, '');
        if (location) {
          if (this.conditional.has(location)) return;
          this.conditional.add(location);
        }
      }
      this.counts[entryWrite(entry, answer, writtenAfter)]++;
    });
  }
}

function hapiKind(outcome: OperationOutcome | undefined): WriteKind | undefined {
  for (const i of outcome?.issue ?? []) {
    for (const c of i.details?.coding ?? []) {
      if (c.system === HAPI_STORAGE_CODES && c.code && HAPI_KINDS[c.code]) return HAPI_KINDS[c.code];
    }
  }
  return undefined;
}

/** @returns The version from the ETag (`W/"3"`), the resource, or a `_history/3` location. */
function versionOf(etag: string | undefined, location: string | undefined, resource: Resource | undefined) {
  const fromEtag = etag ? /^(?:W\/)?"?([^"]+)"?$/.exec(etag.trim())?.[1] : undefined;
  return fromEtag ?? resource?.meta?.versionId ?? /\/_history\/([^/]+)$/.exec(location ?? '')?.[1];
}
