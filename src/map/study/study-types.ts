/**
 * Shapes of the study definition files in `mappings/studies/` (as checked by `study-schema.ts`) and of a study
 * resolved against the mapping set. A study definition says what the engine cannot know: the study's identifiers,
 * arms, protocol visits and infusion products. The engine itself knows no study.
 */
import type { ResearchStudy } from '@medplum/fhirtypes';
import type {
  RESEARCH_STUDY_ARM_TYPE,
  RESEARCH_STUDY_PHASE,
  RESEARCH_STUDY_PURPOSE,
  RESEARCH_STUDY_STATUS,
} from './study-codes.ts';

/** A coded concept written in a study file. */
export interface StudyCoding {
  system: string;
  code: string;
  display: string;
}

/** One arm of a study, as written to `ResearchStudy.arm`. */
export interface StudyArm {
  /** The arm's name; roster rows must name it (through the layout's value table). */
  name: string;
  /** Not in a blinded study: the type would tell which arm is the placebo. */
  type?: keyof typeof RESEARCH_STUDY_ARM_TYPE.codes;
  description?: string;
  /** Code of the product its subjects receive (unblinded studies only). */
  product?: string;
}

/** A protocol visit: a code such as `baseline`, `week-9`, `month-6` or `dose-1`, its nominal day and window. */
export interface StudyVisit {
  code: string;
  /** Nominal day relative to day 0 of the subject's schedule (the first infusion, or randomisation). */
  day: number;
  /** Days either side of `day` within which the visit counts as on schedule. */
  window: number;
}

/** An infusion product: a code of the study-products CodeSystem and the text written with it. */
export interface StudyProduct {
  code: string;
  text: string;
  /**
   * Whether its dose is a number of cells (default true). False for the placebo of an open-label study: its
   * infusions carry no cell dose, and a row giving one is refused.
   */
  cellDose: boolean;
}

/** A study definition file, `mappings/studies/<id>.yaml`. */
export interface StudyDefinition {
  /** The file name without `.yaml`; layouts name the study by it. */
  id: string;
  title: string;
  description?: string;
  /** The first is the study's business identifier (the conditional update of its ResearchStudy). */
  identifiers: { system: string; value: string }[];
  status: (typeof RESEARCH_STUDY_STATUS)[number];
  phase: keyof typeof RESEARCH_STUDY_PHASE.codes;
  primaryPurposeType: keyof typeof RESEARCH_STUDY_PURPOSE.codes;
  /** Dates (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`). */
  period?: { start?: string; end?: string };
  /**
   * While true, arms carry neutral names and no type or product, the study has exactly one (blinded) product, and
   * infusion logs may not say which product a subject received.
   */
  blinded: boolean;
  /** The conditions studied: `ResearchStudy.condition`, and the reason of every infusion. */
  conditions: StudyCoding[];
  arms: StudyArm[];
  visits: StudyVisit[];
  products: StudyProduct[];
}

/** A study definition checked and resolved, with its ResearchStudy built once. */
export interface ResolvedStudy {
  readonly definition: StudyDefinition;
  /** The file as named in problem reports. */
  readonly file: string;
  /** Arm names, for roster rows. */
  readonly armNames: ReadonlySet<string>;
  /** Products by code, with the display of the code in its CodeSystem. */
  readonly products: ReadonlyMap<string, StudyProduct & { system: string; display: string }>;
  /** How many doses the protocol plans (its `dose-<n>` visits); 0 when it lists none. */
  readonly doses: number;
  /** The study's ResearchStudy, shared by every Bundle that refers to it. */
  readonly researchStudy: ResearchStudy;
  /** `ResearchStudy?identifier=…`: the conditional URL of the ResearchStudy, and how rows refer to it. */
  readonly url: string;
}

/** The loaded studies by id. */
export type Studies = ReadonlyMap<string, ResolvedStudy>;
