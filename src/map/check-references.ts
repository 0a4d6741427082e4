import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, IssueType } from '../errors/outcomes.ts';
import { converters } from './datatypes/index.ts';
import type { Mappings } from './mapping-types.ts';
import {
  DIRECTIVE_OPTIONS,
  PLACEHOLDER,
  PLACEHOLDERS,
  STRUCTURAL_DIRECTIVES,
  VALUE_DIRECTIVES,
} from './template/evaluate-template.ts';
import { isHl7Path } from './template/hl7-path.ts';
import { resolveUnit, validUcum } from './units.ts';

const KNOWN_DIRECTIVES = new Set<string>([...VALUE_DIRECTIVES, ...DIRECTIVE_OPTIONS, ...STRUCTURAL_DIRECTIVES]);
/**
 * Checks what a JSON Schema cannot: names that point from one mapping file into another (templates, tables,
 * analytes, rule names), template directives and their paths, and that every unit is valid UCUM.
 * @param m - The indexed mappings.
 * @returns Every problem found, each naming its file and path.
 */
export function checkReferences(m: Mappings): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const bad = (file: string, reason: string): void => {
    issues.push(issue('error', IssueType.Value, reason, { file }));
  };

  const unknownLookup = (where: string, name: string): void =>
    bad(where, `unknown lookup '${name}' (known: ${[...m.lookups.keys()].join(', ') || 'none'})`);
  const checkCondition = (cond: unknown, where: string): void =>
    forEachLookupCondition(cond, where, (at, name) => {
      if (!m.lookups.has(name)) unknownLookup(at, name);
    });

  const ruleNames = new Set<string>();
  for (const [type, manifest] of m.manifests) {
    const file = `messages/${type.replace('^', '_')}.yaml`;
    manifest.resources.forEach((rule, i) => {
      ruleNames.add(rule.name);
      if (rule.when) checkCondition(rule.when, `${file}:/resources/${i}/when`);
      if (!m.templates.has(rule.template))
        bad(`${file}:/resources/${i}/template`, `unknown template '${rule.template}'`);
      rule.companions?.forEach((c, j) => {
        if (!m.templates.has(c.template))
          bad(`${file}:/resources/${i}/companions/${j}/template`, `unknown template '${c.template}'`);
      });
    });
  }

  for (const [name, template] of m.templates) {
    walkTemplate(template, `templates/${name}.yaml:`, (where, key, value, node) => {
      if (!KNOWN_DIRECTIVES.has(key)) return bad(where, `unknown directive '${key}'`);
      if ((key === '$from' || key === '$each' || key === '$key') && ![value].flat().every(isHl7Path)) {
        return bad(where, `invalid HL7 path in ${key}`);
      }
      if (key === '$as' && !(String(value) in converters)) return bad(where, `unknown converter '${String(value)}'`);
      if ((key === '$table' || key === '$useTable') && !m.tables.has(String(value))) {
        return bad(where, `unknown table '${String(value)}'`);
      }
      if ((key === '$ref' || key === '$refs') && value !== '*' && !ruleNames.has(String(value))) {
        return bad(where, `'${String(value)}' is not a resource rule of any message manifest`);
      }
      if (key === '$unit' && !validUcum(String(value)))
        return bad(where, `'${String(value)}' is not a valid UCUM code`);
      if (key === '$as' && value === 'quantity' && !('$unit' in node)) return bad(where, "'quantity' needs a $unit");
      if (key === '$lookup') {
        if (!('$key' in node)) return bad(where, '$lookup needs a $key');
        if (!m.lookups.has(String(value))) return unknownLookup(where, String(value));
      }
      if (key === '$when') checkCondition(value, where);
      if (key === '$choose' && Array.isArray(value)) {
        value.forEach((b: { when?: unknown }, i) => b.when && checkCondition(b.when, `${where}/${i}/when`));
      }
      if (key === '$format') {
        for (const [, ph] of String(value).matchAll(PLACEHOLDER)) {
          if (!Object.hasOwn(PLACEHOLDERS, ph as string)) bad(where, `unknown placeholder {${ph}}`);
        }
      }
    });
  }

  for (const a of m.analytes.values()) {
    const file = `analytes: ${a.id}`;
    if (a.unit !== undefined && !validUcum(a.unit)) bad(`${file}/unit`, `'${a.unit}' is not a valid UCUM code`);
    a.conversions?.forEach((c, i) => {
      if (!validUcum(c.from)) bad(`${file}/conversions/${i}/from`, `'${c.from}' is not a valid UCUM code`);
    });
  }
  for (const [from, to] of m.unitAliases) {
    if (!validUcum(to)) bad(`units: ${from}`, `alias target '${to}' is not a valid UCUM code`);
  }
  for (const s of m.senders) {
    s.codes?.forEach((row, i) => {
      if (row.unit && !resolveUnit(row.unit, m.unitAliases).ucum) {
        bad(`senders/${s.id}.yaml:/codes/${i}/unit`, `unit '${row.unit}' is neither UCUM nor an alias`);
      }
    });
  }
  if (!m.senders.some((s) => s.match.sendingApplication === '*' && s.match.sendingFacility === '*')) {
    issues.push(
      issue(
        'warning',
        IssueType.Informational,
        'no catch-all sender (match * / *): messages from unknown senders are rejected',
        {
          file: 'senders/',
        },
      ),
    );
  }
  return issues.filter((i) => i.severity === 'error');
}

function walkTemplate(
  node: unknown,
  where: string,
  visit: (where: string, key: string, value: unknown, node: object) => void,
): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => walkTemplate(n, `${where}/${i}`, visit));
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const here = `${where}/${key}`;
    if (key.startsWith('$')) visit(here, key, value, node);
    // Conditions are data, not templates; their fields are checked by shape here.
    if (key === '$when') continue;
    if (key === '$choose' && Array.isArray(value)) {
      value.forEach((b: { set?: unknown }, i) => walkTemplate(b.set, `${here}/${i}/set`, visit));
      continue;
    }
    if (key === '$args' && value && typeof value === 'object') {
      for (const [k, p] of Object.entries(value)) {
        if (![p].flat().every(isHl7Path)) visit(`${here}/${k}`, '$from', p, value);
      }
      continue;
    }
    walkTemplate(value, here, visit);
  }
}

/** Calls `visit` for every `lookup` condition inside a condition (through `all`, `any` and `not`). */
function forEachLookupCondition(cond: unknown, where: string, visit: (where: string, name: string) => void): void {
  if (!cond || typeof cond !== 'object') return;
  const c = cond as Record<string, unknown>;
  if (typeof c.lookup === 'string') visit(`${where}/lookup`, c.lookup);
  for (const key of ['all', 'any'] as const) {
    if (Array.isArray(c[key])) c[key].forEach((x, i) => forEachLookupCondition(x, `${where}/${key}/${i}`, visit));
  }
  if (c.not) forEachLookupCondition(c.not, `${where}/not`, visit);
}
