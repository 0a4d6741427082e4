import type { Resource } from '@medplum/fhirtypes';
import type { RowWithShared } from '../map/csv/shared-resource.ts';

/**
 * Remembers the shared resources (ResearchStudy, Medication of a lot) the rows of one file gave, so that a row
 * describing one of them differently from an earlier row is caught: one lot with two expiry dates cannot both be
 * written. A file holds few such resources (a study, its lots), so their text is kept.
 */
export class SharedResourceIndex {
  readonly #seen = new Map<string, { line: number; resource: Resource; json: string }>();

  /**
   * Checks a row's shared resources against those of earlier rows and remembers the new ones.
   * @param row - The mapped row.
   * @param line - Its line.
   * @returns Why the row cannot be imported, or undefined.
   */
  conflict(row: RowWithShared, line: number): string | undefined {
    for (const { url, resource, subjectElement } of row.sharedResources ?? []) {
      // A subject's visit Encounter is built from its identity alone (study, subject, visit): it cannot differ,
      // and there is one per subject and visit, far too many to keep.
      if (subjectElement) continue;
      const first = this.#seen.get(url);
      if (!first) {
        this.#seen.set(url, { line, resource, json: JSON.stringify(resource) });
        continue;
      }
      // Every row of a study gives the same ResearchStudy object: nothing to compare.
      if (first.resource === resource || first.json === JSON.stringify(resource)) continue;
      const what = `${resource.resourceType} ${decodeURIComponent(url.slice(url.indexOf('=') + 1))}`;
      return `this row describes ${what} differently from line ${first.line} (another expiry for the same lot?); one of them is wrong`;
    }
    return undefined;
  }
}
