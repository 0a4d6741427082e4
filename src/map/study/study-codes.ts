/**
 * The FHIR R4 (4.0.1) code systems and codes the study resources use, with their displays as the code systems
 * define them. Only codes fixed by FHIR live here; everything a study chooses (its phase, its arms, its products,
 * the local terms of an adverse-event log) is data in `mappings/`.
 */

/** R4 `ResearchStudy.phase`: http://hl7.org/fhir/R4/codesystem-research-study-phase.html */
export const RESEARCH_STUDY_PHASE = {
  system: 'http://terminology.hl7.org/CodeSystem/research-study-phase',
  codes: {
    'n-a': 'N/A',
    'early-phase-1': 'Early Phase 1',
    'phase-1': 'Phase 1',
    'phase-1-phase-2': 'Phase 1/Phase 2',
    'phase-2': 'Phase 2',
    'phase-2-phase-3': 'Phase 2/Phase 3',
    'phase-3': 'Phase 3',
    'phase-4': 'Phase 4',
  },
} as const;

/** R4 `ResearchStudy.primaryPurposeType`: http://hl7.org/fhir/R4/codesystem-research-study-prim-purp-type.html */
export const RESEARCH_STUDY_PURPOSE = {
  system: 'http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type',
  codes: {
    treatment: 'Treatment',
    prevention: 'Prevention',
    diagnostic: 'Diagnostic',
    'supportive-care': 'Supportive Care',
    screening: 'Screening',
    'health-services-research': 'Health Services Research',
    'basic-science': 'Basic Science',
    'device-feasibility': 'Device Feasibility',
  },
} as const;

/**
 * Arm types. R4 binds no value set to `ResearchStudy.arm.type`; these are the codes FHIR R5 defines for it
 * (http://hl7.org/fhir/R5/codesystem-research-study-arm-type.html), the arm types of ClinicalTrials.gov.
 */
export const RESEARCH_STUDY_ARM_TYPE = {
  system: 'http://hl7.org/fhir/research-study-arm-type',
  codes: {
    'active-comparator': 'Active Comparator',
    'placebo-comparator': 'Placebo Comparator',
    'sham-comparator': 'Sham Comparator',
    'no-intervention': 'No Intervention',
    experimental: 'Experimental',
    'other-arm-type': 'Other Arm Type',
  },
} as const;

/** R4 `ResearchStudy.status` (required binding): http://hl7.org/fhir/R4/valueset-research-study-status.html */
export const RESEARCH_STUDY_STATUS = [
  'active',
  'administratively-completed',
  'approved',
  'closed-to-accrual',
  'closed-to-accrual-and-intervention',
  'completed',
  'disapproved',
  'in-review',
  'temporarily-closed-to-accrual',
  'temporarily-closed-to-accrual-and-intervention',
  'withdrawn',
] as const;

/** R4 `ResearchSubject.status` (required binding): http://hl7.org/fhir/R4/valueset-research-subject-status.html */
export const RESEARCH_SUBJECT_STATUS = [
  'candidate',
  'eligible',
  'follow-up',
  'ineligible',
  'not-registered',
  'off-study',
  'on-study',
  'on-study-intervention',
  'on-study-observation',
  'pending-on-study',
  'potential-candidate',
  'screening',
  'withdrawn',
] as const;

/**
 * The R4 `MedicationAdministration.status` codes an infusion log may give
 * (http://hl7.org/fhir/R4/valueset-medication-admin-status.html); the others (in-progress, on-hold,
 * entered-in-error, unknown) do not describe a finished log entry.
 */
export const INFUSION_STATUS = ['completed', 'not-done', 'stopped'] as const;

/** R4 `AdverseEvent.seriousness` (example binding): http://hl7.org/fhir/R4/codesystem-adverse-event-seriousness.html */
export const AE_SERIOUSNESS = {
  system: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness',
  // The codes are capitalised in R4 (4.0.1): `Serious`, `Non-serious`.
  codes: { Serious: 'Serious', 'Non-serious': 'Non-serious' },
} as const;

/** R4 `AdverseEvent.severity` (required binding): http://hl7.org/fhir/R4/codesystem-adverse-event-severity.html */
export const AE_SEVERITY = {
  system: 'http://terminology.hl7.org/CodeSystem/adverse-event-severity',
  codes: { mild: 'Mild', moderate: 'Moderate', severe: 'Severe' },
} as const;

/** R4 `AdverseEvent.outcome` (required binding): http://hl7.org/fhir/R4/codesystem-adverse-event-outcome.html */
export const AE_OUTCOME = {
  system: 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome',
  codes: {
    resolved: 'Resolved',
    recovering: 'Recovering',
    ongoing: 'Ongoing',
    resolvedWithSequelae: 'Resolved with Sequelae',
    fatal: 'Fatal',
    unknown: 'Unknown',
  },
} as const;

/**
 * CTCAE grades as NCI Thesaurus concepts, the codes of the HL7 value set
 * http://terminology.hl7.org/ValueSet/adverse-event-clinical-research-grades (THO), which the HL7 Adverse Event
 * Clinical Research R4 Backport IG binds to its `ae-grade` extension.
 */
export const CTCAE_GRADE = {
  system: 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl',
  codes: {
    1: { code: 'C41338', display: 'Grade 1 Mild Adverse Event' },
    2: { code: 'C41339', display: 'Grade 2 Moderate Adverse Event' },
    3: { code: 'C41340', display: 'Grade 3 Severe Adverse Event' },
    4: { code: 'C41337', display: 'Grade 4 Life Threatening or Disabling Adverse Event' },
    5: { code: 'C48275', display: 'Grade 5 Death Related to Adverse Event' },
  },
} as const;

/**
 * The R4 severity a CTCAE grade implies when a log gives only the grade: CTCAE grade 1 is mild, 2 moderate, and 3
 * (severe or medically significant) and above severe, R4 having no code beyond severe. The grade itself is kept.
 */
export const SEVERITY_OF_GRADE: Readonly<Record<number, keyof typeof AE_SEVERITY.codes>> = {
  1: 'mild',
  2: 'moderate',
  3: 'severe',
  4: 'severe',
  5: 'severe',
};

/** SNOMED CT. */
export const SNOMED = 'http://snomed.info/sct';

/**
 * SNOMED CT 47625008 Intravenous route (qualifier value), preferred term "Intravenous route"; a member of the FHIR
 * route-codes value set (http://hl7.org/fhir/R4/valueset-route-codes.html).
 */
export const INTRAVENOUS_ROUTE = { system: SNOMED, code: '47625008', display: 'Intravenous route' } as const;

/** UCUM. */
export const UCUM = 'http://unitsofmeasure.org';

/** The UCUM unit of a cell dose: millions of cells (`10*6` with the annotation `{cells}`). */
export const MILLION_CELLS = '10*6{cells}';
