import { notFound, OperationOutcomeError, allOk } from '@medplum/core';
import type { FhirRouteHandler } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { SqliteRepository } from './sqlite-repository.ts';
import { toFhirError } from './storage-error.ts';

function guardedAll(fn: () => unknown[]): unknown[] {
  try {
    return fn();
  } catch (err) {
    throw toFhirError(err);
  }
}

/** The most resources `$everything` returns; it has no paging here. */
export const EVERYTHING_LIMIT = 10_000;

/**
 * `Patient/[id]/$everything`: the Patient and every resource whose indexed references point at it (subject,
 * patient, individual, target…), for example each Observation, DiagnosticReport and Provenance of a study subject.
 * Resources linked only through another resource (a Specimen's container) are not followed.
 */
export const patientEverything: FhirRouteHandler = async (req, repo) => {
  const sqlRepo = repo as SqliteRepository;
  const id = req.params['id'] as string;
  const patient = await sqlRepo.readResource('Patient', id);
  const rows = guardedAll(() =>
    sqlRepo.store
      .statement(
        `SELECT r.body FROM resource r WHERE r.deleted = 0 AND r.pk IN
         (SELECT pk FROM ix_ref WHERE tid = ? AND ttype = 'Patient') ORDER BY r.pk LIMIT ?`,
        sqlRepo.inTx,
      )
      .all(id, EVERYTHING_LIMIT),
  ) as { body: string }[];
  if (!patient) throw new OperationOutcomeError(notFound);
  const entry: BundleEntry[] = [patient, ...rows.map((r) => JSON.parse(r.body) as Resource)].map((resource) => ({
    fullUrl: `${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode: 'match' },
  }));
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: entry.length, entry };
  return [allOk, bundle];
};
