import type { ResearchSubject } from '@medplum/fhirtypes';
import { researchSubjectIdentifier } from '../study/study-identifiers.ts';
import { endsBeforeStart, profileMeta, rowReader, type BoundStudyLayout, type StudyRowResult } from './study-row.ts';

/** Id of the ResearchSubject profile. */
export const RESEARCH_SUBJECT_PROFILE = 'studybridge-research-subject';

/**
 * Maps one randomization-roster row to the subject's R4 ResearchSubject: identified by study and subject; status
 * from the layout's status table (R4 research-subject-status); assigned and actual arm, each an arm name of the
 * study (a row naming another arm is rejected); period from the start and end dates; `study` pointing at the
 * study's ResearchStudy, which the row contributes as a shared resource; `individual` filled in by the bundle stage.
 * @param bound - A roster layout bound to the header.
 * @param fields - The record's cells.
 * @returns The mapped row, or every problem of the row at once.
 */
export function mapRosterRow(bound: BoundStudyLayout, fields: readonly string[]): StudyRowResult {
  const { layout, study } = bound.resolved;
  const roster = layout.roster!;
  const read = rowReader(bound, fields);
  const subject = read.required(layout.subject, 'subject ID');
  const status = read.coded(roster.status, 'status', true);
  const assignedArm = read.arm(roster.assignedArm, study.armNames);
  const actualArm = read.arm(roster.actualArm, study.armNames);
  const start = read.date(roster.start, 'start date', false);
  const end = read.date(roster.end, 'end date', false);
  if (start && end && roster.end && endsBeforeStart(start, end)) {
    read.problems.push({ column: roster.end.column, reason: 'the end date is before the start date' });
  }
  if (read.problems.length || subject === undefined || status === undefined) {
    return { ok: false, problems: read.problems };
  }
  const identifier = researchSubjectIdentifier(bound.scope, subject);
  const resource: ResearchSubject = {
    resourceType: 'ResearchSubject',
    meta: profileMeta(bound.settings, RESEARCH_SUBJECT_PROFILE),
    identifier: [identifier],
    status,
    ...(start || end ? { period: { ...(start ? { start } : {}), ...(end ? { end } : {}) } } : {}),
    study: { reference: study.url },
    // Filled in by the bundle stage with the Patient's entry.
    individual: {},
    ...(assignedArm ? { assignedArm } : {}),
    ...(actualArm ? { actualArm } : {}),
  };
  return {
    ok: true,
    row: {
      subject,
      subjectSystem: layout.subject.system,
      rowKey: subject,
      results: [{ key: identifier.value!, resource, subjectElement: 'individual' }],
      sharedResources: [{ url: study.url, resource: study.researchStudy }],
    },
  };
}
