/**
 * The `$lookup` sets derived from the study definitions (`mappings/studies/`), so that message templates can turn a
 * CTI (sponsor study ID, time point) and an RXA (product, dose number) into the study's facts without the engine
 * knowing any study. Every set is keyed by a study identifier value first, as CTI-1.1 carries it.
 */
import type { CodeableConcept, Extension, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, IssueType } from '../errors/outcomes.ts';
import type { Lookup, Settings } from './mapping-types.ts';
import {
  administrationIdentifier,
  medicationIdentifier,
  researchSubjectIdentifier,
  type IdentifierScope,
  protocolVisitIdentifier,
} from './study/study-identifiers.ts';
import type { ResolvedStudy, Studies } from './study/study-types.ts';
import { KEY_SEPARATOR } from './template/lookup.ts';

/** The names of the sets, as templates write them in `$lookup`. */
export const StudyLookup = {
  /** Study identifier value → {@link StudyRecord}. */
  Study: 'study',
  /** Study identifier value | visit code → the protocol visit (`code`, `day`, `window`). */
  Visit: 'study-visit',
  /** Study identifier value | product code → {@link ProductRecord}. */
  Product: 'study-product',
  /** Study identifier value | dose number → {@link DoseRecord}. */
  Dose: 'study-dose',
} as const;

/** A product of a study as a Medication names it. */
export interface ProductRecord {
  code: string;
  /** `Medication.code`: the study-products coding and the study's text. */
  concept: CodeableConcept;
  /** False for a product without cells (a saline placebo): its infusions gave 0 cells, whatever was sent. */
  cellDose: boolean;
}

/** What a template can read about a study. */
export interface StudyRecord {
  id: string;
  /** The study's ResearchStudy, as every Bundle that refers to the study writes it. */
  researchStudy: ResolvedStudy['researchStudy'];
  /** The study's conditions: the reason of every infusion. */
  reasonCode: CodeableConcept[];
  /** A blinded study's one product, which every administration refers to whatever the arm; absent otherwise. */
  blindedProduct?: ProductRecord;
  /** Identifier systems of the study's resources, the same as the CSV study layouts mint. */
  systems: {
    researchSubject: string;
    medicationAdministration: string;
    medication: string;
    protocolVisit: string;
  };
}

/** A dose of a study's series. */
export interface DoseRecord {
  number: number;
  /** `dose-<n>`: the last part of the administration's identifier. */
  code: string;
  /** `Dose n of N` (`Dose n` when the protocol plans no number of doses). */
  text: string;
  /** The parts of the `dose-in-series` extension. */
  series: Extension[];
}

/** Without `dose-<n>` visits a study plans no number of doses; dose numbers then run up to this, as in infusion logs. */
const MAX_DOSES = 100;

/**
 * Builds the study sets. The identifier systems are those the CSV study layouts mint with the study id as their
 * source, so that an infusion or a subject sent over HL7 and listed in a CSV export is one resource.
 * @param studies - The loaded studies.
 * @param settings - The mapping set's settings (identifier base).
 * @param issues - Receives a problem for an identifier value that two studies share (CTI-1 could not choose).
 * @returns The sets by name; each exists, empty, when there is no study.
 */
export function studyLookups(
  studies: Studies,
  settings: Settings,
  issues: OperationOutcomeIssue[],
): Map<string, Lookup> {
  const study = new Map<string, unknown>();
  const visit = new Map<string, unknown>();
  const product = new Map<string, unknown>();
  const dose = new Map<string, unknown>();
  const owner = new Map<string, string>();
  for (const s of studies.values()) {
    const record = studyRecord(s, settings);
    const products = new Map([...s.products.values()].map((p) => [p.code, productRecord(p)]));
    const doses = doseRecords(s);
    for (const { value } of s.definition.identifiers) {
      const first = owner.get(value);
      if (first !== undefined && first !== s.file) {
        issues.push(
          issue('error', IssueType.Duplicate, `identifier value '${value}' is also an identifier of ${first}`, {
            file: `${s.file}:/identifiers`,
          }),
        );
        continue;
      }
      owner.set(value, s.file);
      const key = (part: string | number): string => `${value}${KEY_SEPARATOR}${part}`;
      study.set(value, record);
      for (const v of s.definition.visits) visit.set(key(v.code), { ...v });
      for (const [code, p] of products) product.set(key(code), p);
      for (const d of doses) dose.set(key(d.number), d);
    }
  }
  const within = StudyLookup.Study;
  return new Map<string, Lookup>([
    [StudyLookup.Study, { description: 'study defined in mappings/studies', records: study }],
    [StudyLookup.Visit, { description: "visit of the study's protocol (study|visit code)", records: visit, within }],
    [StudyLookup.Product, { description: 'product of the study (study|product code)', records: product, within }],
    [
      StudyLookup.Dose,
      { description: "dose of the study's planned series (study|dose number)", records: dose, within },
    ],
  ]);
}

function studyRecord(s: ResolvedStudy, settings: Settings): StudyRecord {
  const { definition } = s;
  // The CSV study layouts mint with their source; the shipped ones name the study itself as their source.
  const scope: IdentifierScope = {
    identifierBase: settings.identifierBase,
    source: definition.id,
    study: definition.id,
  };
  const [blinded] = definition.blinded ? s.products.values() : [];
  return {
    id: definition.id,
    researchStudy: s.researchStudy,
    reasonCode: definition.conditions.map((c) => ({
      coding: [{ system: c.system, code: c.code, display: c.display }],
    })),
    ...(blinded ? { blindedProduct: productRecord(blinded) } : {}),
    systems: {
      researchSubject: researchSubjectIdentifier(scope, '').system!,
      medicationAdministration: administrationIdentifier(scope, '', { doseNumber: 1 }).system!,
      medication: medicationIdentifier(scope, '', undefined).system!,
      protocolVisit: protocolVisitIdentifier(scope, '', '').system!,
    },
  };
}

function productRecord(p: {
  code: string;
  system: string;
  display: string;
  text: string;
  cellDose: boolean;
}): ProductRecord {
  return {
    code: p.code,
    concept: { coding: [{ system: p.system, code: p.code, display: p.display }], text: p.text },
    cellDose: p.cellDose,
  };
}

function doseRecords(s: ResolvedStudy): DoseRecord[] {
  const planned = s.doses;
  return Array.from({ length: planned || MAX_DOSES }, (_, i) => {
    const number = i + 1;
    return {
      number,
      code: `dose-${number}`,
      text: planned ? `Dose ${number} of ${planned}` : `Dose ${number}`,
      series: [
        { url: 'doseNumber', valuePositiveInt: number },
        ...(planned ? [{ url: 'seriesDoses', valuePositiveInt: planned }] : []),
      ],
    };
  });
}
