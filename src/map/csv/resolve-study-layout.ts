import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, IssueType } from '../../errors/outcomes.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { isAbsoluteUri } from '../study/load-studies.ts';
import type { ResolvedStudy, Studies } from '../study/study-types.ts';
import { checkLayoutBasics, columnNamer, type LayoutProblem } from './layout-common.ts';
import {
  StudyLayoutKind,
  type ArmColumn,
  type ResolvedStudyLayout,
  type StudyCsvLayout,
} from './study-layout-types.ts';

const SECTION = {
  [StudyLayoutKind.Roster]: 'roster',
  [StudyLayoutKind.InfusionLog]: 'infusion',
  [StudyLayoutKind.AdverseEvents]: 'adverseEvent',
} as const;

/**
 * Checks a study layout against its study and itself (what the schema cannot) and resolves it. Every problem is
 * added to `issues`; the layout is returned only when it has none.
 * @param layout - The layout as the schema let it through (defaults applied).
 * @param rel - Its file name as reported.
 * @param studies - The loaded studies.
 * @param issues - Receives every problem, named `${rel}:/json/pointer`.
 * @returns The resolved layout, frozen, or undefined.
 */
export function resolveStudyLayout(
  layout: StudyCsvLayout,
  rel: string,
  studies: Studies,
  issues: OperationOutcomeIssue[],
): ResolvedStudyLayout | undefined {
  const before = issues.length;
  const bad: LayoutProblem = (pointer, reason, type = IssueType.Value) => {
    issues.push(issue('error', type, reason, { file: `${rel}:${pointer}` }));
  };
  checkLayoutBasics(layout, rel, bad);
  const study = studies.get(layout.study);
  if (!study) bad('/study', `unknown study '${layout.study}' (none in mappings/studies has that id)`);

  const { name, named } = columnNamer(bad);
  name(layout.subject.column, '/subject/column');
  const wanted = SECTION[layout.kind];
  const aKind = `${/^[aeiou]/.test(layout.kind) ? 'an' : 'a'} ${layout.kind}`;
  for (const section of Object.values(SECTION)) {
    if (section !== wanted && layout[section])
      bad(`/${section}`, `${aKind} layout has '${wanted}', not '${section}'`, IssueType.Structure);
  }
  const body = layout[wanted];
  if (!body) bad('/', `${aKind} layout needs '${wanted}'`, IssueType.Required);
  else {
    // Every `{ column }` of the section, in file order, is a column of the file.
    for (const [key, value] of Object.entries(body)) {
      if (value && typeof value === 'object' && 'column' in value)
        name(String(value.column), `/${wanted}/${key}/column`);
    }
  }
  if (layout.roster) checkRoster(layout.roster, study, bad);
  if (layout.infusion) checkInfusion(layout, study, bad, name);
  if (layout.adverseEvent) checkAdverseEvents(layout, bad);

  if (issues.length > before || !study) return undefined;
  return deepFreeze({
    kind: layout.kind,
    layout,
    file: rel,
    namedColumns: new Set(named.keys()),
    study,
  });
}

function checkArm(
  arm: ArmColumn | undefined,
  pointer: string,
  study: ResolvedStudy | undefined,
  bad: LayoutProblem,
): void {
  if (!arm?.values || !study) return;
  for (const [text, armName] of Object.entries(arm.values)) {
    if (!study.armNames.has(armName)) {
      bad(
        `${pointer}/values/${text}`,
        `'${armName}' is not an arm of study '${study.definition.id}' (${[...study.armNames].join(', ')})`,
      );
    }
  }
}

function checkRoster(
  roster: NonNullable<StudyCsvLayout['roster']>,
  study: ResolvedStudy | undefined,
  bad: LayoutProblem,
): void {
  checkArm(roster.assignedArm, '/roster/assignedArm', study, bad);
  checkArm(roster.actualArm, '/roster/actualArm', study, bad);
}

function checkInfusion(
  layout: StudyCsvLayout,
  study: ResolvedStudy | undefined,
  bad: LayoutProblem,
  name: (column: string, pointer: string) => void,
): void {
  const infusion = layout.infusion!;
  const dose = infusion.dose as { total?: { column: string }; perKg?: { column: string }; weight?: { column: string } };
  if (dose.total && (dose.perKg || dose.weight))
    bad('/infusion/dose', "the dose is either 'total' or 'perKg' with 'weight', not both");
  else if (!dose.total && !(dose.perKg && dose.weight))
    bad('/infusion/dose', "the dose needs 'total', or 'perKg' with 'weight'");
  for (const [key, value] of Object.entries(dose)) if (value) name(value.column, `/infusion/dose/${key}/column`);
  if (infusion.expiry && !infusion.lot)
    bad('/infusion/expiry', 'an expiry date belongs to a lot: the layout needs a lot column');
  if (!study) return;
  const { blinded, id } = study.definition;
  if (infusion.product) {
    if (blinded) {
      bad(
        '/infusion/product',
        `study '${id}' is blinded: an infusion log must not say which product a subject received`,
      );
    } else {
      for (const [text, code] of Object.entries(infusion.product.values)) {
        if (!study.products.has(code))
          bad(`/infusion/product/values/${text}`, `'${code}' is not a product of study '${id}'`);
      }
    }
  } else if (study.products.size > 1) {
    bad(
      '/infusion',
      `study '${id}' has ${study.products.size} products: the layout needs a product column`,
      IssueType.Required,
    );
  }
}

function checkAdverseEvents(layout: StudyCsvLayout, bad: LayoutProblem): void {
  const ae = layout.adverseEvent!;
  if (!ae.severity && !ae.grade)
    bad('/adverseEvent', "an adverse-event layout needs 'severity', 'grade' or both", IssueType.Required);
  const first = new Map<string, number>();
  ae.event.codes.forEach((c, i) => {
    const at = first.get(c.local);
    if (at !== undefined)
      bad(
        `/adverseEvent/event/codes/${i}/local`,
        `term '${c.local}' is already listed at /adverseEvent/event/codes/${at}`,
        IssueType.Duplicate,
      );
    else first.set(c.local, i);
    if (!isAbsoluteUri(c.system)) bad(`/adverseEvent/event/codes/${i}/system`, `'${c.system}' is not an absolute URI`);
  });
}
