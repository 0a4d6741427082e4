import type { Bundle, BundleEntry, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { isErrorIssue } from '../errors/outcomes.ts';
import type { ResourceValidator } from '../validate/types.ts';
import { outputDocuments, type OutputDocument } from './output-document.ts';

/**
 * The output invariants, checked on every conformance case whatever its expectation says: an expectation
 * written from broken output must not make the breakage pass.
 */
export const Invariant = {
  ReferenceResolves: 'reference-resolves',
  FullUrlUnique: 'fullurl-unique',
  TransactionRequest: 'transaction-request',
  NoEmptyElements: 'no-empty-elements',
  ResourceValid: 'resource-valid',
} as const;
/** One of {@link Invariant}. */
export type Invariant = (typeof Invariant)[keyof typeof Invariant];

/** One violated invariant. */
export interface InvariantIssue {
  invariant: Invariant;
  /** JSON path inside the checked value, e.g. `entry[2].resource.subject.reference`. */
  path: string;
  message: string;
}

/** A conditional reference by business identifier, which the server resolves. */
const CONDITIONAL_BY_IDENTIFIER = /^[A-Z][A-Za-z]+\?identifier=[^&]+\|[^&]+$/;

/**
 * Every `reference` string in the Bundle's resources must point into the Bundle: at an entry's fullUrl
 * (`urn:uuid:…`, or `Type/id` as the tail of an absolute fullUrl), at an entry's PUT request URL
 * (`Type/id` or `Type?identifier=…`), or at a POST entry's `Type?<ifNoneExist>`. `#id` must name a
 * contained resource of the same resource. A transaction that points outside itself cannot be replayed, with one
 * exception: a conditional reference by business identifier (`Type?identifier=system|value`) to a type the Bundle
 * does not write, which R4 lets a transaction use for a resource another Bundle wrote (an adverse event to the
 * infusion it followed); the server resolves it or refuses the whole transaction.
 */
export function checkReferences(bundle: Bundle, path = ''): InvariantIssue[] {
  const targets = referenceTargets(bundle.entry ?? []);
  // Types the Bundle writes itself: a conditional reference to one of those must find its entry here.
  const written = new Set<string | undefined>((bundle.entry ?? []).map((e) => e.resource?.resourceType));
  const issues: InvariantIssue[] = [];
  (bundle.entry ?? []).forEach((entry, i) => {
    if (!entry.resource) return;
    const contained = new Set((entry.resource as { contained?: Resource[] }).contained?.map((r) => `#${r.id}`));
    for (const ref of findReferences(entry.resource, `${path}entry[${i}].resource`)) {
      const ok = ref.value.startsWith('#')
        ? ref.value === '#' || contained.has(ref.value)
        : targets.has(normalizeUrl(ref.value)) ||
          (CONDITIONAL_BY_IDENTIFIER.test(ref.value) && !written.has(ref.value.slice(0, ref.value.indexOf('?'))));
      if (!ok) {
        issues.push({
          invariant: Invariant.ReferenceResolves,
          path: ref.path,
          message: `reference ${JSON.stringify(ref.value)} resolves to no entry of the Bundle`,
        });
      }
    }
  });
  return issues;
}

/** Two entries with the same fullUrl make every reference to it ambiguous (bdl-7). */
export function checkFullUrlsUnique(bundle: Bundle, path = ''): InvariantIssue[] {
  const seen = new Map<string, number>();
  const issues: InvariantIssue[] = [];
  (bundle.entry ?? []).forEach((entry, i) => {
    if (entry.fullUrl === undefined) return;
    const first = seen.get(entry.fullUrl);
    if (first === undefined) seen.set(entry.fullUrl, i);
    else {
      issues.push({
        invariant: Invariant.FullUrlUnique,
        path: `${path}entry[${i}].fullUrl`,
        message: `fullUrl ${JSON.stringify(entry.fullUrl)} repeats entry[${first}].fullUrl`,
      });
    }
  });
  return issues;
}

/** The Bundle is a transaction and every entry says how the server must apply it. */
export function checkTransactionRequests(bundle: Bundle, path = ''): InvariantIssue[] {
  const issues: InvariantIssue[] = [];
  if (bundle.type !== 'transaction') {
    issues.push({
      invariant: Invariant.TransactionRequest,
      path: `${path}type`,
      message: `Bundle.type is ${JSON.stringify(bundle.type)}, expected "transaction"`,
    });
  }
  (bundle.entry ?? []).forEach((entry, i) => {
    if (!entry.request?.method || !entry.request.url) {
      issues.push({
        invariant: Invariant.TransactionRequest,
        path: `${path}entry[${i}].request`,
        message: 'entry has no request with both method and url',
      });
    }
  });
  return issues;
}

/** FHIR forbids empty elements: no `""`, `[]`, `{}` or `null` anywhere (they mean "absent", so omit them). */
export function checkNoEmptyElements(value: unknown, path = ''): InvariantIssue[] {
  const issues: InvariantIssue[] = [];
  const visit = (v: unknown, p: string): void => {
    const empty =
      v === null ||
      v === '' ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
    if (empty) {
      issues.push({
        invariant: Invariant.NoEmptyElements,
        path: p || '(root)',
        message: `empty element ${JSON.stringify(v)}`,
      });
      return;
    }
    if (Array.isArray(v)) v.forEach((item, i) => visit(item, `${p}[${i}]`));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) visit(child, p ? `${p}.${k}` : k);
    }
  };
  visit(value, path.replace(/\.$/, ''));
  return issues;
}

/** Every entry resource passes the validator; only error and fatal issues violate the invariant. */
export function checkResourcesValid(bundle: Bundle, validator: ResourceValidator, path = ''): InvariantIssue[] {
  const issues: InvariantIssue[] = [];
  (bundle.entry ?? []).forEach((entry, i) => {
    if (entry.resource) issues.push(...validationIssues(entry.resource, validator, `${path}entry[${i}].resource`));
  });
  return issues;
}

/**
 * Runs every invariant over a conversion output (one document or an array of them).
 * @param doc - The output, as `convert` prints it.
 * @param validator - When given, every entry resource and every failure OperationOutcome is validated too.
 * @returns All violations; empty when the output is sound.
 */
export function checkOutputInvariants(doc: OutputDocument, validator?: ResourceValidator): InvariantIssue[] {
  const issues: InvariantIssue[] = [];
  outputDocuments(doc).forEach((d, i) => {
    const prefix = Array.isArray(doc) ? `[${i}].` : '';
    // Checked per document: an input may give no document at all (a CSV export whose rows all lack values), and
    // the empty array that then holds them is not a FHIR element.
    issues.push(...checkNoEmptyElements(d, prefix));
    if (d.resourceType === 'Bundle') {
      issues.push(
        ...checkTransactionRequests(d, prefix),
        ...checkFullUrlsUnique(d, prefix),
        ...checkReferences(d, prefix),
      );
      if (validator) issues.push(...checkResourcesValid(d, validator, prefix));
    } else if (validator) {
      issues.push(...validationIssues(d, validator, prefix.replace(/\.$/, '') || '(root)'));
    }
  });
  return issues;
}

/** @returns `path: message [invariant]`. */
export function formatInvariantIssue(issue: InvariantIssue): string {
  return `${issue.path}: ${issue.message} [${issue.invariant}]`;
}

function validationIssues(resource: Resource, validator: ResourceValidator, path: string): InvariantIssue[] {
  let found: OperationOutcomeIssue[];
  try {
    found = validator.validate(resource);
  } catch (err) {
    // The validator promises not to throw; if it does, that is a finding, not a crash of the whole run.
    found = [
      { severity: 'error', code: 'exception', diagnostics: `validator threw: ${(err as Error)?.message ?? err}` },
    ];
  }
  return found.filter(isErrorIssue).map((i) => ({
    invariant: Invariant.ResourceValid,
    path: `${path} (${resource.resourceType}${i.expression?.length ? ` ${i.expression.join(', ')}` : ''})`,
    message: i.diagnostics ?? i.details?.text ?? i.code,
  }));
}

function referenceTargets(entries: BundleEntry[]): Set<string> {
  const targets = new Set<string>();
  for (const entry of entries) {
    const type = entry.resource?.resourceType;
    if (entry.fullUrl) {
      targets.add(normalizeUrl(entry.fullUrl));
      // An absolute RESTful fullUrl (http://base/Type/id) is also reachable as the relative Type/id.
      const tail = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(entry.fullUrl);
      if (tail?.[1] && !entry.fullUrl.startsWith('urn:')) targets.add(tail[1]);
    }
    const url = entry.request?.url;
    if (url && (entry.request?.method === 'PUT' || url.includes('?'))) targets.add(normalizeUrl(url));
    if (type && entry.request?.ifNoneExist) targets.add(normalizeUrl(`${type}?${entry.request.ifNoneExist}`));
  }
  return targets;
}

/** Percent-encoding is not meaning: `identifier=a%7Cb` and `identifier=a|b` name the same search. */
function normalizeUrl(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

function findReferences(value: unknown, path: string): { path: string; value: string }[] {
  const found: { path: string; value: string }[] = [];
  const visit = (v: unknown, p: string): void => {
    if (Array.isArray(v)) v.forEach((item, i) => visit(item, `${p}[${i}]`));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (k === 'reference' && typeof child === 'string') found.push({ path: `${p}.${k}`, value: child });
        else visit(child, `${p}.${k}`);
      }
    }
  };
  visit(value, path);
  return found;
}
