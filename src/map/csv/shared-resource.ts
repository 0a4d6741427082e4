import type { Resource } from '@medplum/fhirtypes';
import type { MappedRow } from './map-row.ts';

/**
 * A resource that many rows refer to and none owns: the ResearchStudy of a roster row, the Medication (product and
 * lot) of an infusion. The bundle stage writes it once per Bundle, as a conditional update on `url`, and points every
 * reference whose `reference` is `url` at its entry.
 */
export interface SharedResource {
  /** `Type?identifier=system|value`: how the resource is written, and how rows refer to it before bundling. */
  url: string;
  resource: Resource;
  /**
   * The element that must point to the Patient of the row that brought it (a subject's visit Encounter); the bundle
   * stage fills it in. Absent for resources of no one subject (a study, a product).
   */
  subjectElement?: 'subject';
}

/** A mapped row that may contribute shared resources. Lab rows have none. */
export type RowWithShared<R extends Resource = Resource> = MappedRow<R> & {
  sharedResources?: readonly SharedResource[];
};
