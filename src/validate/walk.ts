import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { IssueType, issue } from '../errors/outcomes.ts';
import { Tri } from './compiled-types.ts';
import type {
  CompiledType,
  ElementRule,
  Invariant,
  JsonObject,
  PropRule,
  ResourceScope,
  SlicingRule,
} from './compiled-types.ts';
import { matchesFixed, matchesPattern } from './pattern.ts';
import { referencedType } from './references.ts';

/** State of one validation: where issues go and how resources nested in the value are validated. */
export interface Run {
  readonly issues: OperationOutcomeIssue[];
  /** Validates a resource held by an element of type Resource (contained, Bundle.entry.resource). */
  nested(resource: unknown, path: string, scope: ResourceScope): void;
}

/**
 * Checks one JSON object against a compiled type, depth first, in a single pass over its own properties:
 * unknown properties, JSON shapes, cardinality, choice conflicts, primitives, fixed/pattern values, required
 * bindings, slices, Reference targets, then the type's invariants.
 * @param value - The JSON value that should be an object of the type.
 * @param type - The compiled type.
 * @param path - FHIR path of the value, with indices (`Observation.code.coding[0]`).
 * @param scope - The resources around the value.
 * @param run - Issue sink.
 */
export function walkObject(value: unknown, type: CompiledType, path: string, scope: ResourceScope, run: Run): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    add(run, 'error', IssueType.Structure, path, `Expected a JSON object (${type.typeName})`);
    return;
  }
  const o = value as JsonObject;
  let count = 0;
  let choices: ElementRule[] | undefined;
  for (const key in o) {
    const v = o[key];
    if (v === undefined) continue;
    if (key === 'resourceType' && type.isResource) continue;
    count++;
    const prop = type.props.get(key);
    if (!prop) {
      add(run, 'error', IssueType.Structure, `${path}.${key}`, unknownProperty(key, type));
      continue;
    }
    const el = prop.element;
    if (el.isChoice && !prop.companion) {
      if (choices?.includes(el)) {
        add(run, 'error', IssueType.Structure, `${path}.${key}`, `Only one ${el.name}[x] property is allowed`);
      } else (choices ??= []).push(el);
    }
    if (prop.companion) walkCompanion(o, key, v, prop, path, scope, run);
    else walkProperty(o, key, v, prop, path, scope, run);
  }
  if (count === 0) add(run, 'error', IssueType.Structure, path, 'Empty object: an element needs a value or children');
  for (const el of type.required) {
    if (!el.presenceKeys.some((k) => o[k] !== undefined)) {
      const name = el.isChoice ? `${el.name}[x]` : el.name;
      add(run, 'error', IssueType.Required, `${path}.${name}`, `Missing required element ${el.path} (min ${el.min})`);
    }
  }
  for (const inv of type.invariants) runInvariant(inv, o, type.typeName, path, scope, run);
  for (const check of type.extraChecks) {
    const r = check(o);
    if (r) add(run, 'error', IssueType.CodeInvalid, `${path}.${r.path}`, r.reason);
  }
}

function walkProperty(
  o: JsonObject,
  key: string,
  v: unknown,
  prop: PropRule,
  path: string,
  scope: ResourceScope,
  run: Run,
): void {
  const el = prop.element;
  const at = `${path}.${key}`;
  if (!el.isArray) {
    if (Array.isArray(v))
      return add(run, 'error', IssueType.Structure, at, `${el.path} takes a single value, not an array`);
    if (el.max === 0) return add(run, 'error', IssueType.Structure, at, `${el.path} is not allowed here (max 0)`);
    return walkValue(v, prop, at, scope, run);
  }
  if (!Array.isArray(v)) return add(run, 'error', IssueType.Structure, at, `${el.path} must be a JSON array`);
  if (v.length === 0) return add(run, 'error', IssueType.Structure, at, 'Empty array: omit the property instead');
  if (v.length < el.min) add(run, 'error', IssueType.Required, at, `${el.path} needs at least ${el.min} value(s)`);
  if (v.length > el.max) add(run, 'error', IssueType.Structure, at, `${el.path} allows at most ${el.max} value(s)`);
  const companion = prop.primitive ? o['_' + key] : undefined;
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    if (item === null && Array.isArray(companion) && companion[i] != null) continue;
    walkValue(item, prop, `${at}[${i}]`, scope, run);
  }
  if (el.slicing) checkSlices(v, el.slicing, at, run);
}

function walkValue(v: unknown, prop: PropRule, at: string, scope: ResourceScope, run: Run): void {
  const el = prop.element;
  if (v === null) return add(run, 'error', IssueType.Structure, at, 'null is not a FHIR value: omit the property');
  let typeName = prop.typeCode;
  if (prop.primitive) {
    const problem = prop.primitive.check(v);
    if (problem) {
      add(run, problem.severity, problem.code, at, problem.reason);
      if (problem.severity === 'error') return;
    }
  } else if (prop.resource) {
    return run.nested(v, at, scope);
  } else if (prop.complex) {
    typeName = prop.complex.typeName;
    walkObject(v, prop.complex, at, scope, run);
    if (typeof v !== 'object' || Array.isArray(v)) return;
    if (el.targets) checkTarget(v as JsonObject, el, at, scope, run);
  }
  if (el.fixed !== undefined && !matchesFixed(v, el.fixed)) {
    add(run, 'error', IssueType.Value, at, `Value does not equal the fixed value of ${el.path}`);
  }
  if (el.pattern !== undefined && !matchesPattern(v, el.pattern)) {
    add(run, 'error', IssueType.Value, at, `Value does not match the pattern of ${el.path}`);
  }
  if (el.binding && !el.binding.test(v, prop.typeCode)) {
    add(run, 'error', IssueType.CodeInvalid, at, `Code not in the required value set ${el.binding.valueSet}`);
  }
  for (const inv of el.invariants) runInvariant(inv, v, typeName, at, scope, run);
}

/** `_name`: id and extensions of a primitive, one per item for repeating primitives (null where none). */
function walkCompanion(
  o: JsonObject,
  key: string,
  v: unknown,
  prop: PropRule,
  path: string,
  scope: ResourceScope,
  run: Run,
): void {
  const at = `${path}.${key}`;
  const type = prop.complex;
  if (!type) return;
  if (!prop.element.isArray) return walkObject(v, type, at, scope, run);
  const values = o[key.slice(1)];
  if (!Array.isArray(v) || (Array.isArray(values) && values.length !== v.length)) {
    return add(run, 'error', IssueType.Structure, at, `${key} must be an array as long as ${key.slice(1)}`);
  }
  v.forEach((item, i) => {
    if (item !== null) walkObject(item, type, `${at}[${i}]`, scope, run);
    else if (!Array.isArray(values) || values[i] == null)
      add(run, 'error', IssueType.Structure, `${at}[${i}]`, 'Both value and extension are null');
  });
}

function checkSlices(items: unknown[], slicing: SlicingRule, at: string, run: Run): void {
  const counts = slicing.slices.map(() => 0);
  items.forEach((item, i) => {
    const index = slicing.slices.findIndex((s) => s.matches(item));
    if (index >= 0) counts[index] = (counts[index] ?? 0) + 1;
    else if (slicing.closed)
      add(run, 'error', IssueType.Structure, `${at}[${i}]`, 'Value matches no slice (slicing is closed)');
  });
  slicing.slices.forEach((s, i) => {
    const n = counts[i] ?? 0;
    if (n < s.min || n > s.max) {
      const range = `${s.min}..${Number.isFinite(s.max) ? s.max : '*'}`;
      add(run, 'error', IssueType.Structure, at, `Slice '${s.name}' needs ${range} matching value(s), found ${n}`);
    }
  });
}

function checkTarget(ref: JsonObject, el: ElementRule, at: string, scope: ResourceScope, run: Run): void {
  const type = referencedType(ref, scope);
  if (type !== undefined && el.targets && !el.targets.has(type)) {
    const allowed = [...el.targets].join(', ');
    add(
      run,
      'error',
      IssueType.Value,
      `${at}.reference`,
      `Reference to ${type} not allowed by ${el.path} (${allowed})`,
    );
  }
}

function runInvariant(inv: Invariant, v: unknown, typeName: string, at: string, scope: ResourceScope, run: Run): void {
  const fast = typeof v === 'object' && v !== null ? inv.fast(v as JsonObject, scope) : Tri.Unknown;
  if (fast === Tri.True) return;
  let holds = false;
  if (fast === Tri.Unknown) {
    try {
      holds = inv.full(v, typeName, scope);
    } catch {
      add(run, 'error', IssueType.Processing, at, `Invariant ${inv.key} could not be evaluated: ${inv.expression}`);
      return;
    }
  }
  if (!holds) add(run, inv.severity, IssueType.Invariant, at, `Invariant ${inv.key} failed: ${inv.human}`);
}

/** Names the choice element when the key is one of its types that the definition does not allow. */
function unknownProperty(key: string, type: CompiledType): string {
  for (const prop of type.props.values()) {
    const el = prop.element;
    if (el.isChoice && key.startsWith(el.name) && /^[A-Z]/.test(key.slice(el.name.length))) {
      return `Type ${key.slice(el.name.length)} is not allowed for ${el.path}`;
    }
  }
  return `Unknown property "${key}" in ${type.typeName}`;
}

function add(run: Run, severity: 'error' | 'warning', code: IssueType, at: string, diagnostics: string): void {
  run.issues.push(issue(severity, code, diagnostics, { fhir: at }));
}
