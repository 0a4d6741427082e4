import type { AdverseEvent, CodeableConcept } from '@medplum/fhirtypes';
import { deterministicUuid } from '../../bundle/resource-ids.ts';
import { conditionalUrl } from '../identity.ts';
import { AE_OUTCOME, AE_SERIOUSNESS, AE_SEVERITY, CTCAE_GRADE, SEVERITY_OF_GRADE } from '../study/study-codes.ts';
import {
  administrationIdentifier,
  adverseEventIdentifier,
  type AdverseEventKey,
  type InfusionKey,
} from '../study/study-identifiers.ts';
import { profileMeta, rowReader, type BoundStudyLayout, type StudyRowResult } from './study-row.ts';

/** Id of the AdverseEvent profile. */
export const ADVERSE_EVENT_PROFILE = 'studybridge-adverse-event';

/**
 * The CTCAE grade extension of the HL7 Adverse Event Clinical Research R4 Backport IG (STU 1,
 * http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition-ae-grade.html): a CodeableConcept with the
 * grade's NCI Thesaurus code, beside R4's three-level `severity`.
 */
export const AE_GRADE_EXTENSION = 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade';

/**
 * Maps one adverse-event-log row to an R4 AdverseEvent: identity by study, subject and the log's event number (or
 * onset date and event code); `actuality` actual; the event coded from the layout's term table; `date` (onset) and
 * `detected`; seriousness, severity (from its column, or implied by the CTCAE grade) with the grade itself in the
 * `ae-grade` extension; outcome; `study` → the ResearchStudy (shared resource); `suspectEntity.instance` → the
 * infusion the event followed, as a conditional reference `MedicationAdministration?identifier=…` on the identifier
 * its infusion log gives it (resolved by the server; see the layouts README).
 *
 * R4 AdverseEvent has no `identifier` search parameter, so it cannot be a conditional update: the resource gets an
 * id named after its identifier and is updated by id, which resends the same way.
 * @param bound - An adverse-event layout bound to the header.
 * @param fields - The record's cells.
 * @returns The mapped row, or every problem of the row at once.
 */
export function mapAdverseEventRow(bound: BoundStudyLayout, fields: readonly string[]): StudyRowResult {
  const { layout, study } = bound.resolved;
  const ae = layout.adverseEvent!;
  const read = rowReader(bound, fields);
  const subject = read.required(layout.subject, 'subject ID');
  const number = ae.number ? read.required(ae.number, 'event number') : undefined;
  const term = read.required(ae.event, 'event');
  const event = term === undefined ? undefined : ae.event.codes.find((c) => c.local === term);
  if (term !== undefined && !event) {
    read.problems.push({
      column: ae.event.column,
      reason: `the event is not one of the layout's event terms (${ae.event.codes.map((c) => c.local).join(', ')})`,
    });
  }
  const date = read.date(ae.date, 'onset date', true);
  const detected = read.date(ae.detected, 'detection date', false);
  const seriousness = read.coded(ae.seriousness, 'seriousness', true);
  if (read.text(ae.severity) === undefined && read.text(ae.grade) === undefined) {
    read.problems.push({ column: (ae.severity ?? ae.grade)!.column, reason: 'no severity or grade' });
  }
  const grade = read.integer(ae.grade, 'CTCAE grade', false, 1, 5) as keyof typeof CTCAE_GRADE.codes | undefined;
  const severity =
    read.coded(ae.severity, 'severity', false) ?? (grade === undefined ? undefined : SEVERITY_OF_GRADE[grade]);
  const outcome = read.coded(ae.outcome, 'outcome', false);
  // Cells that contradict each other are a data-entry error; neither can be chosen silently.
  const stated = read.coded(ae.severity, 'severity', false);
  if (stated !== undefined && grade !== undefined && SEVERITY_OF_GRADE[grade] !== stated) {
    read.problems.push({
      column: ae.grade!.column,
      reason: `CTCAE grade ${grade} is ${SEVERITY_OF_GRADE[grade]}, but the severity says ${stated}`,
    });
  }
  if (grade !== undefined && outcome !== undefined && (grade === 5) !== (outcome === 'fatal')) {
    read.problems.push({
      column: ae.outcome!.column,
      reason:
        grade === 5
          ? 'CTCAE grade 5 is death, but the outcome is not fatal'
          : `a fatal outcome with CTCAE grade ${grade}`,
    });
  }
  if (date && detected && detected.slice(0, 10) < date.slice(0, 10)) {
    read.problems.push({ column: ae.detected!.column, reason: 'detected before its onset' });
  }
  let suspect: InfusionKey | undefined;
  if (ae.suspect) {
    const ref = { column: ae.suspect.column };
    if (ae.suspect.by === 'dose-number') {
      const n = read.integer(ref, 'the infusion dose number', false, 1, study.doses || 100);
      if (n !== undefined) suspect = { doseNumber: n };
    } else {
      const d = read.date(ref, 'infusion date', false);
      if (d !== undefined) suspect = { date: d };
    }
  }
  if (read.problems.length || !subject || !event || !date || !seriousness || !severity) {
    return { ok: false, problems: read.problems };
  }

  const key: AdverseEventKey = number !== undefined ? { number } : { date, code: event.code };
  const identifier = adverseEventIdentifier(bound.scope, subject, key);
  const concept = (system: string, code: string, display: string): CodeableConcept => ({
    coding: [{ system, code, display }],
  });
  const administration =
    suspect &&
    administrationIdentifier({ ...bound.scope, source: ae.suspect?.source ?? bound.scope.source }, subject, suspect);
  const resource: AdverseEvent = {
    resourceType: 'AdverseEvent',
    id: deterministicUuid(`${identifier.system}|${identifier.value}`),
    meta: profileMeta(bound.settings, ADVERSE_EVENT_PROFILE),
    ...(grade !== undefined
      ? {
          extension: [
            {
              url: AE_GRADE_EXTENSION,
              valueCodeableConcept: concept(
                CTCAE_GRADE.system,
                CTCAE_GRADE.codes[grade].code,
                CTCAE_GRADE.codes[grade].display,
              ),
            },
          ],
        }
      : {}),
    identifier,
    actuality: 'actual',
    event: { ...concept(event.system, event.code, event.display), text: event.local },
    // Filled in by the bundle stage with the Patient's entry.
    subject: {},
    date,
    ...(detected ? { detected } : {}),
    seriousness: concept(AE_SERIOUSNESS.system, seriousness, AE_SERIOUSNESS.codes[seriousness]),
    severity: concept(AE_SEVERITY.system, severity, AE_SEVERITY.codes[severity]),
    ...(outcome ? { outcome: concept(AE_OUTCOME.system, outcome, AE_OUTCOME.codes[outcome]) } : {}),
    ...(administration
      ? { suspectEntity: [{ instance: { reference: conditionalUrl('MedicationAdministration', administration) } }] }
      : {}),
    study: [{ reference: study.url }],
  };
  return {
    ok: true,
    row: {
      subject,
      subjectSystem: layout.subject.system,
      rowKey: identifier.value!,
      results: [{ key: identifier.value!, resource, subjectElement: 'subject' }],
      sharedResources: [{ url: study.url, resource: study.researchStudy }],
    },
  };
}
