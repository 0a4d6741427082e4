import { badRequest, getStatus } from '@medplum/core';
import { FhirRouter, type FhirRequest, type FhirResponse } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import type { Router } from 'express';
import type { Logger } from '../observe/logger.ts';
import type { ResourceValidator } from '../validate/types.ts';
import { buildCapabilityStatement } from './capability.ts';
import { patientEverything } from './everything.ts';
import { checkBundleQueries, checkRequestQuery } from './request-check.ts';
import { createFhirRoutes } from './routes.ts';
import type { SyncMode } from './schema.ts';
import { SearchParamRegistry } from './search-params.ts';
import { loadCoreDefinitions } from '../validate/definitions.ts';
import { SqliteRepository } from './sqlite-repository.ts';
import { SqliteStore } from './sqlite-store.ts';
import { runTransaction } from './transaction.ts';
import { toFhirError } from './storage-error.ts';

/** Options of {@link openEmbeddedFhir}. */
export interface EmbeddedFhirOptions {
  /** SQLite file, normally `<data dir>/fhir.sqlite`; created when missing. */
  file: string;
  /**
   * Validates every resource before it is written (base R4 and our profiles, the same validator as the conversion
   * path). Omit only in tests and benchmarks: without it anything with a resourceType is stored.
   */
  validator?: ResourceValidator;
  /** For startup and failure records (never resource contents). */
  logger?: Logger;
  /** Largest accepted request body for {@link EmbeddedFhir.router}, in express notation. Default `20mb`. */
  bodyLimit?: string;
  /** `full` (default): a commit is on disk before it is reported; `normal`: survives a killed process only. */
  sync?: SyncMode;
}

/** The result of an in-process request. */
export interface EmbeddedResponse {
  status: number;
  /** A Resource: the Bundle, resource or OperationOutcome. */
  body: unknown;
}

/** The embedded FHIR R4 server: the router, the SQLite repository and its HTTP mount. */
export interface EmbeddedFhir {
  /** Express router to mount at `/fhir` (R4 JSON). */
  router(): Router;
  /**
   * Applies a transaction (or batch) Bundle in process, as the delivery target does.
   * @param bundleJson - The Bundle as JSON text.
   * @returns HTTP-like status and body (the response Bundle, or an OperationOutcome).
   */
  transaction(bundleJson: string): Promise<EmbeddedResponse>;
  /** Handles one FHIR request in process (the HTTP routes use it). */
  handle(req: FhirRequest): Promise<FhirResponse>;
  /** The CapabilityStatement served at `/metadata`. */
  capabilityStatement(): CapabilityStatement;
  /** The repository, for in-process reads. */
  readonly repository: SqliteRepository;
  /** Closes the database; idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the embedded FHIR server on a SQLite file. Startup reads no resources: it creates the tables when missing
 * and loads the small parameter table.
 * @param options - File, validator, logger.
 * @returns The server; call `close()` when done.
 */
export async function openEmbeddedFhir(options: EmbeddedFhirOptions): Promise<EmbeddedFhir> {
  const registry = new SearchParamRegistry();
  const store = new SqliteStore(options.file, registry, options.validator, options.sync ?? 'full');
  const repo = new SqliteRepository(store);
  const router = new FhirRouter();
  router.add('GET', 'Patient/:id/$everything', patientEverything, 'operation');
  // The router's _include evaluation types values through @medplum/core, which needs the StructureDefinitions;
  // the validator loads the same ones, once per process.
  const types = loadCoreDefinitions().resourceTypes;
  let capability: CapabilityStatement | undefined;
  const capabilityStatement = (): CapabilityStatement =>
    (capability ??= buildCapabilityStatement(registry, [...types].sort()));
  if (!options.validator) options.logger?.warn('embedded FHIR server runs without validation');

  const handle = async (req: FhirRequest): Promise<FhirResponse> => {
    try {
      const request: FhirRequest = { ...req, config: { ...req.config, transactions: true } };
      checkRequestQuery(registry, types, request);
      const body = request.body as Bundle | undefined;
      if (request.method === 'POST' && request.url.replace(/^\/|\/$/g, '') === '' && body?.resourceType === 'Bundle') {
        checkBundleQueries(registry, types, body);
        if (body.type === 'transaction') return await runTransaction(router, repo, registry, request);
      }
      return await router.handleRequest(request, repo);
    } catch (err) {
      return [toFhirError(err).outcome];
    }
  };

  return {
    repository: repo,
    handle,
    capabilityStatement,
    router: () => createFhirRoutes({ handle, capabilityStatement, bodyLimit: options.bodyLimit ?? '20mb' }),
    async transaction(bundleJson: string): Promise<EmbeddedResponse> {
      let body: unknown;
      try {
        body = JSON.parse(bundleJson);
      } catch {
        return { status: 400, body: badRequest('Body is not JSON') };
      }
      const b = body as Partial<Bundle> | null;
      if (b?.resourceType !== 'Bundle' || (b.type !== 'transaction' && b.type !== 'batch')) {
        return { status: 400, body: badRequest('Expected a transaction or batch Bundle') };
      }
      const [outcome, resource] = await handle({
        method: 'POST',
        url: '',
        pathname: '',
        body,
        params: {},
        query: {},
        headers: {},
      });
      return { status: getStatus(outcome), body: resource ?? outcome };
    },
    async close(): Promise<void> {
      // Let a running transaction finish before the connections go.
      await store.lock.run(async () => store.close());
    },
  };
}
