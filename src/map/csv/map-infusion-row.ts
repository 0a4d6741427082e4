import { WORKFLOW_RESEARCH_STUDY } from './lab-study.ts';
import type { Extension, Medication, MedicationAdministration } from '@medplum/fhirtypes';
import { conditionalUrl } from '../identity.ts';
import { INTRAVENOUS_ROUTE, MILLION_CELLS, UCUM } from '../study/study-codes.ts';
import { administrationIdentifier, medicationIdentifier, type InfusionKey } from '../study/study-identifiers.ts';
import { endsBeforeStart, profileMeta, rowReader, type BoundStudyLayout, type StudyRowResult } from './study-row.ts';

/** Id of the infusion MedicationAdministration profile. */
export const INFUSION_PROFILE = 'studybridge-infusion-administration';
/** Id of the extension that places an administration in its dose series ("dose 2 of 3"). */
export const DOSE_IN_SERIES = 'dose-in-series';

const MAX_DOSES = 100;

/**
 * Maps one infusion-log row to an R4 MedicationAdministration and the Medication of its product and lot.
 *
 * - identity: study, subject and dose number (or, without a dose-number column, the start date);
 * - status from the layout's status table: `completed`, `not-done` (which needs a reason: `statusReason`) or
 *   `stopped` (its reason goes to `note`);
 * - `medicationReference` → the Medication of the product and lot, a shared resource (conditional update on an
 *   identifier that includes the lot, so each lot is its own Medication, with `batch.lotNumber` and
 *   `batch.expirationDate`). In a blinded study the product is the study's one blinded product whatever the arm,
 *   and nothing here depends on the arm;
 * - `effectivePeriod` from the start and end date-times (`effectiveDateTime` when the log has no end);
 * - `dosage.route` intravenous; `dosage.dose` in millions of cells (`10*6{cells}`): the total given, or the per-kg
 *   prescription times the body weight, the prescription being kept in `dosage.text`. A `stopped` infusion gets a
 *   dose only from a total column: a prescription says what was meant, not what was given;
 * - the dose number in the series, in the `dose-in-series` extension and in `dosage.text`;
 * - `reasonCode`: the study's conditions.
 * @param bound - An infusion-log layout bound to the header.
 * @param fields - The record's cells.
 * @returns The mapped row, or every problem of the row at once.
 */
export function mapInfusionRow(bound: BoundStudyLayout, fields: readonly string[]): StudyRowResult {
  const { layout, study } = bound.resolved;
  const inf = layout.infusion!;
  const read = rowReader(bound, fields);
  const subject = read.required(layout.subject, 'subject ID');
  const limit = study.doses || MAX_DOSES;
  const givenDose = read.integer(inf.doseNumber, 'the dose number', true, 1, limit);
  const status = read.coded(inf.status, 'status', true);
  // A log without a dose-number column for a single-dose protocol (the registry): an infusion that was given is
  // dose 1, the number the HL7 path reads from RXA-2, so one infusion from both sources is one resource. An attempt
  // that was not done (postponed, say) stays an event of its own, identified by its date.
  const doseNumber = inf.doseNumber === undefined && study.doses === 1 && status !== 'not-done' ? 1 : givenDose;
  const reason = read.text(inf.reason);
  const start = read.date(inf.start, 'start', true);
  const end = read.date(inf.end, 'end', false);
  if (start && end && inf.end && endsBeforeStart(start, end)) {
    read.problems.push({ column: inf.end.column, reason: 'the infusion ends before it starts' });
  }
  if (status === 'not-done' && reason === undefined) {
    read.problems.push({
      column: inf.reason?.column ?? inf.status.column,
      reason: 'an infusion not given needs a reason',
    });
  }
  const productCode = inf.product ? read.coded(inf.product, 'product', true) : [...study.products.keys()][0];
  const cellDose = productCode === undefined || study.products.get(productCode)?.cellDose !== false;
  const lot = read.text(inf.lot);
  const expiry = read.date(inf.expiry, 'expiry date', false);
  // A not-done infusion gave nothing; a stopped one has a dose only if the log says what was given.
  const needsDose = status === 'completed' && cellDose;
  const dose = inf.dose;
  const cells = 'total' in dose ? dose.total : dose.perKg;
  if (!cellDose && read.text(cells) !== undefined) {
    read.problems.push({
      column: cells.column,
      reason: `product '${productCode}' has no cell dose, yet the row gives one`,
    });
  }
  const total = 'total' in dose && cellDose ? read.positive(dose.total, 'dose', needsDose) : undefined;
  const perKg =
    'perKg' in dose && cellDose ? read.positive(dose.perKg, 'prescribed dose per kg', needsDose) : undefined;
  const weight = 'weight' in dose ? read.positive(dose.weight, 'body weight', needsDose) : undefined;
  if (read.problems.length || subject === undefined || status === undefined || start === undefined || !productCode) {
    return { ok: false, problems: read.problems };
  }

  const product = study.products.get(productCode)!;
  const medicationId = medicationIdentifier(bound.scope, product.code, lot);
  const medicationUrl = conditionalUrl('Medication', medicationId);
  const medication: Medication = {
    resourceType: 'Medication',
    identifier: [medicationId],
    code: { coding: [{ system: product.system, code: product.code, display: product.display }], text: product.text },
    ...(lot !== undefined ? { batch: { lotNumber: lot, ...(expiry ? { expirationDate: expiry } : {}) } } : {}),
  };

  const key: InfusionKey = doseNumber !== undefined ? { doseNumber } : { date: start };
  const identifier = administrationIdentifier(bound.scope, subject, key);
  // A product without cells (the placebo of an open-label study) gave none: zero is its true cell dose. A stopped
  // infusion has a dose only from a total column: a per-kg prescription says what was meant, not what was given.
  let amount: number | undefined;
  if (status === 'not-done') amount = undefined;
  else if (!cellDose) amount = 0;
  else if (total) amount = total.value;
  else if (perKg && weight && status === 'completed') amount = product_(perKg.text, weight.text);
  const text = [
    doseNumber !== undefined ? `Dose ${doseNumber}${study.doses ? ` of ${study.doses}` : ''}` : undefined,
    total ? `${total.text} x 10^6 cells` : undefined,
    perKg ? `${perKg.text} x 10^6 cells/kg` : undefined,
    weight ? `body weight ${weight.text} kg` : undefined,
  ]
    .filter((t): t is string => t !== undefined)
    .join('; ');
  // R4 (mad-1) allows no dosage without a dose: an infusion with no known dose keeps the dosage text in a note.
  const notes = [
    ...(status === 'stopped' && reason !== undefined ? [reason] : []),
    ...(amount === undefined && status !== 'not-done' && text ? [text] : []),
  ];
  const series: Extension[] =
    doseNumber === undefined
      ? []
      : [
          {
            url: `${bound.settings.canonicalBase}/StructureDefinition/${DOSE_IN_SERIES}`,
            extension: [
              { url: 'doseNumber', valuePositiveInt: doseNumber },
              ...(study.doses ? [{ url: 'seriesDoses', valuePositiveInt: study.doses }] : []),
            ],
          },
        ];
  const conditions = study.definition.conditions;
  const resource: MedicationAdministration = {
    resourceType: 'MedicationAdministration',
    meta: profileMeta(bound.settings, INFUSION_PROFILE),
    // As the HL7 path writes it (mappings/templates/MedicationAdministration.yaml): one infusion, whichever source
    // wrote it last, looks the same.
    extension: [...series, { url: WORKFLOW_RESEARCH_STUDY, valueReference: { reference: study.url } }],
    identifier: [identifier],
    status,
    ...(status === 'not-done' ? { statusReason: [{ text: reason! }] } : {}),
    medicationReference: { reference: medicationUrl },
    // Filled in by the bundle stage with the Patient's entry.
    subject: {},
    ...(end ? { effectivePeriod: { start, end } } : { effectiveDateTime: start }),
    ...(conditions.length
      ? { reasonCode: conditions.map((c) => ({ coding: [{ system: c.system, code: c.code, display: c.display }] })) }
      : {}),
    ...(notes.length ? { note: notes.map((t) => ({ text: t })) } : {}),
    ...(amount === undefined
      ? {}
      : {
          dosage: {
            ...(text ? { text } : {}),
            route: { coding: [{ ...INTRAVENOUS_ROUTE }] },
            dose: { value: amount, unit: MILLION_CELLS, system: UCUM, code: MILLION_CELLS },
          },
        }),
  };
  return {
    ok: true,
    row: {
      subject,
      subjectSystem: layout.subject.system,
      rowKey: identifier.value!,
      results: [{ key: identifier.value!, resource, subjectElement: 'subject' }],
      sharedResources: [
        { url: medicationUrl, resource: medication },
        { url: study.url, resource: study.researchStudy },
      ],
    },
  };
}

/** @returns `a × b` exactly to the decimals both have together (1.5 × 68.4 = 102.6, never 102.60000000000001). */
function product_(a: string, b: string): number {
  const decimals = (s: string): number => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
  return Number((Number(a) * Number(b)).toFixed(decimals(a) + decimals(b)));
}
