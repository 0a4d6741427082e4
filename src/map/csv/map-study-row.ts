import { mapAdverseEventRow } from './map-adverse-event-row.ts';
import { mapInfusionRow } from './map-infusion-row.ts';
import { mapRosterRow } from './map-roster-row.ts';
import { StudyLayoutKind, type StudyLayoutKind as Kind } from './study-layout-types.ts';
import type { BoundStudyLayout, StudyRowResult } from './study-row.ts';

const MAPPERS: Record<Kind, (bound: BoundStudyLayout, fields: readonly string[]) => StudyRowResult> = {
  [StudyLayoutKind.Roster]: mapRosterRow,
  [StudyLayoutKind.InfusionLog]: mapInfusionRow,
  [StudyLayoutKind.AdverseEvents]: mapAdverseEventRow,
};

const IDENTITY: Record<Kind, string> = {
  [StudyLayoutKind.Roster]: 'same subject',
  [StudyLayoutKind.InfusionLog]: 'same subject and infusion',
  [StudyLayoutKind.AdverseEvents]: 'same subject and adverse event',
};

/**
 * Maps one row of a study layout with the mapper of its kind.
 * @param bound - The layout bound to the header.
 * @param fields - The record's cells.
 * @returns The mapped row (its resources and the shared resources they refer to), or every problem of the row.
 */
export function mapStudyRow(bound: BoundStudyLayout, fields: readonly string[]): StudyRowResult {
  return MAPPERS[bound.resolved.kind](bound, fields);
}

/** @returns What two rows with the same row key share, for the duplicate message (`same subject and infusion`). */
export function studyRowIdentity(kind: Kind): string {
  return IDENTITY[kind];
}
