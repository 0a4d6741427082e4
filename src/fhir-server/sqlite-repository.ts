import { isErrorIssue } from '../errors/outcomes.ts';
import { createHash, randomUUID } from 'node:crypto';
import {
  applyPatch,
  badRequest,
  conflict,
  gone,
  normalizeOperationOutcome,
  notFound,
  OperationOutcomeError,
  preconditionFailed,
  type SearchRequest,
  type WithId,
} from '@medplum/core';
import {
  FhirRepository,
  type CreateResourceOptions,
  type DeleteResourceOptions,
  type ReadHistoryOptions,
  type UpdateResourceOptions,
} from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcomeIssue, Reference, Resource } from '@medplum/fhirtypes';
import { splitReference } from './index-extract.ts';
import { findResources, runSearch } from './search-run.ts';
import { guarded, isStorageError, toFhirError } from './storage-error.ts';
import type { ResourceRow, SqliteStore } from './sqlite-store.ts';

type PatchOps = Parameters<FhirRepository['patchResource']>[2];

/**
 * A FHIR repository on SQLite for `@medplum/fhir-router`. Each write validates the resource, then stores it, its
 * previous version and its search index rows in one SQLite transaction. `withTransaction` gives the router a view
 * bound to one BEGIN…COMMIT, so a transaction Bundle is all or nothing.
 */
export class SqliteRepository extends FhirRepository {
  /** The shared SQLite state. */
  readonly store: SqliteStore;
  /** True for the view handed out inside a transaction: reads go through the writer and see its own writes. */
  readonly inTx: boolean;

  /**
   * @param store - The shared SQLite state.
   * @param inTx - Whether this view runs inside a write transaction.
   */
  constructor(store: SqliteStore, inTx = false) {
    super();
    this.store = store;
    this.inTx = inTx;
  }

  /** Reader and writer modes do not differ here: the read connection is always used outside transactions. */
  setMode(): void {}

  generateId(): string {
    return randomUUID();
  }

  /**
   * Runs `callback` in one SQLite transaction, committed when it resolves and rolled back when it throws. Nested
   * calls (the router's conditional update inside a Bundle) join the outer transaction.
   */
  async withTransaction<TResult>(callback: (txRepo: this) => Promise<TResult>): Promise<TResult> {
    if (this.inTx) return callback(this);
    return this.store.lock.run(async () => {
      const db = this.store.writer;
      try {
        db.exec('BEGIN IMMEDIATE');
        const result = await callback(new SqliteRepository(this.store, true) as this);
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.isOpen && db.isTransaction) {
          db.exec('ROLLBACK');
          this.store.forgetParams();
        }
        throw isStorageError(err) ? toFhirError(err) : err;
      }
    });
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    if (!this.inTx) return this.withTransaction((tx) => tx.createResource(resource, options));
    const id = options?.assignedId && resource.id ? resource.id : this.generateId();
    if (this.store.current(resource.resourceType, id, true)) {
      throw new OperationOutcomeError(conflict(`${resource.resourceType}/${id} already exists`));
    }
    return this.write(resource, id, undefined);
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    if (!this.inTx) return this.withTransaction((tx) => tx.updateResource(resource, options));
    if (!resource.id) throw new OperationOutcomeError(badRequest('Missing id', `${resource.resourceType}.id`));
    const previous = this.store.current(resource.resourceType, resource.id, true);
    if (options?.ifMatch !== undefined && (!previous || String(previous.vid) !== options.ifMatch)) {
      throw new OperationOutcomeError(preconditionFailed);
    }
    return this.write(resource, resource.id, previous);
  }

  /** Validates, then writes a new version unless the content equals the current one (a resend). */
  private write<T extends Resource>(resource: T, id: string, previous: ResourceRow | undefined): WithId<T> {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw new OperationOutcomeError(badRequest('Invalid id', 'id'));
    const { meta, resourceType, id: _ignored, ...rest } = resource;
    const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta ?? {};
    const content = { resourceType, ...rest, id, ...(Object.keys(keptMeta).length ? { meta: keptMeta } : {}) } as T;
    const issues = this.store.validator?.validate(content) ?? [];
    const errors = issues.filter(isErrorIssue);
    if (errors.length) throw validationError(resource.resourceType, issues);
    const hash = createHash('sha1').update(JSON.stringify(content)).digest('base64');
    if (previous && !previous.deleted && previous.hash === hash) return JSON.parse(previous.body) as WithId<T>;
    const vid = previous ? previous.vid + 1 : 1;
    const now = Date.now();
    const stored = {
      resourceType,
      id,
      meta: { ...keptMeta, versionId: String(vid), lastUpdated: new Date(now).toISOString() },
      ...rest,
    } as WithId<T>;
    this.store.writeVersion(resource.resourceType, id, vid, now, hash, JSON.stringify(stored), stored, previous);
    return stored;
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    const row = await guarded(() => this.store.current(resourceType, id, this.inTx));
    if (!row) throw new OperationOutcomeError(notFound);
    if (row.deleted) throw new OperationOutcomeError(gone);
    return JSON.parse(row.body) as WithId<T>;
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id] = splitReference(reference.reference ?? '');
    if (!type) throw new OperationOutcomeError(badRequest('Invalid reference'));
    return this.readResource<T>(type, id);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(
      references.map((r) =>
        this.readReference(r).catch((err: unknown) => new OperationOutcomeError(normalizeOperationOutcome(err))),
      ),
    );
  }

  async readHistory<T extends Resource>(
    resourceType: string,
    id: string,
    options?: ReadHistoryOptions,
  ): Promise<Bundle<WithId<T>>> {
    return guarded(() => this.history<T>(resourceType, id, options));
  }

  private history<T extends Resource>(
    resourceType: string,
    id: string,
    options?: ReadHistoryOptions,
  ): Bundle<WithId<T>> {
    const row = this.store.current(resourceType, id, this.inTx);
    if (!row) throw new OperationOutcomeError(notFound);
    const older = this.store
      .statement('SELECT vid, updated, deleted, body FROM history WHERE pk = ? ORDER BY vid DESC', this.inTx)
      .all(row.pk) as { vid: number; updated: number; deleted: number; body: string }[];
    const versions = [{ vid: row.vid, updated: row.updated, deleted: row.deleted, body: row.body }, ...older];
    const offset = options?.offset ?? 0;
    const page = versions.slice(offset, options?.limit ? offset + options.limit : undefined);
    const entry: BundleEntry<WithId<T>>[] = page.map((v) => {
      const lastModified = new Date(v.updated).toISOString();
      if (v.deleted) {
        return {
          request: { method: 'DELETE', url: `${resourceType}/${id}` },
          response: { status: '410', lastModified, etag: `W/"${v.vid}"` },
        };
      }
      return {
        fullUrl: `${resourceType}/${id}`,
        resource: JSON.parse(v.body) as WithId<T>,
        request: { method: v.vid === 1 ? 'POST' : 'PUT', url: v.vid === 1 ? resourceType : `${resourceType}/${id}` },
        response: { status: v.vid === 1 ? '201' : '200', lastModified, etag: `W/"${v.vid}"` },
      };
    });
    return { resourceType: 'Bundle', type: 'history', total: versions.length, entry };
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, vid: string): Promise<WithId<T>> {
    return guarded(() => this.version<T>(resourceType, id, vid));
  }

  private version<T extends Resource>(resourceType: string, id: string, vid: string): WithId<T> {
    const row = this.store.current(resourceType, id, this.inTx);
    if (!row) throw new OperationOutcomeError(notFound);
    if (String(row.vid) === vid) {
      if (row.deleted) throw new OperationOutcomeError(gone);
      return JSON.parse(row.body) as WithId<T>;
    }
    const old = this.store
      .statement('SELECT deleted, body FROM history WHERE pk = ? AND vid = ?', this.inTx)
      .get(row.pk, Number(vid)) as { deleted: number; body: string } | undefined;
    if (!old) throw new OperationOutcomeError(notFound);
    if (old.deleted) throw new OperationOutcomeError(gone);
    return JSON.parse(old.body) as WithId<T>;
  }

  async deleteResource(resourceType: string, id: string, options?: DeleteResourceOptions): Promise<void> {
    if (!this.inTx) return this.withTransaction((tx) => tx.deleteResource(resourceType, id, options));
    const row = this.store.current(resourceType, id, true);
    if (!row || row.deleted) throw new OperationOutcomeError(notFound);
    if (options?.ifMatch !== undefined && String(row.vid) !== options.ifMatch) {
      throw new OperationOutcomeError(preconditionFailed);
    }
    this.store.writeDelete(row, Date.now());
  }

  async patchResource<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
    patch: PatchOps,
    options?: UpdateResourceOptions,
  ): Promise<WithId<T>> {
    if (!this.inTx) return this.withTransaction((tx) => tx.patchResource<T>(resourceType, id, patch, options));
    if (!Array.isArray(patch)) throw new OperationOutcomeError(badRequest('Only JSON Patch is supported'));
    const current = await this.readResource<T>(resourceType, id);
    applyPatch(current, patch);
    return this.updateResource<T>(current, options);
  }

  async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return guarded(() => runSearch(this, searchRequest));
  }

  override async searchResources<T extends Resource>(searchRequest: SearchRequest<T>): Promise<WithId<T>[]> {
    return guarded(() => findResources(this, searchRequest));
  }

  async searchByReference<T extends Resource>(
    searchRequest: SearchRequest<T>,
    referenceField: string,
    references: string[],
  ): Promise<Record<string, WithId<T>[]>> {
    const out: Record<string, WithId<T>[]> = {};
    for (const ref of references) {
      const filters = [...(searchRequest.filters ?? []), { code: referenceField, operator: 'eq', value: ref }];
      out[ref] = await this.searchResources<T>({ ...searchRequest, filters } as SearchRequest<T>);
    }
    return out;
  }
}

/** @returns A 400 error carrying the validator's issues, each prefixed with the resource type. */
function validationError(resourceType: string, issues: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({ ...i, diagnostics: `${resourceType}: ${i.diagnostics ?? i.code}` })),
  });
}
