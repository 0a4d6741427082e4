import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { IssueType, issue } from '../errors/outcomes.ts';
import type { CompiledType, JsonObject, ResourceScope } from './compiled-types.ts';
import { CORE_SD_BASE, STUDYBRIDGE_SD_BASE } from './definitions.ts';
import type { CoreRegistry } from './registry.ts';
import type { ResourceValidator } from './types.ts';
import { walkObject } from './walk.ts';
import type { Run } from './walk.ts';

/** A profile ready to validate against. */
export interface LoadedProfile {
  readonly url: string;
  readonly version?: string;
  /** The resource type it constrains. */
  readonly type: string;
  readonly compiled: CompiledType;
}

/**
 * Validates resources against compiled core R4 definitions and the loaded profiles. A resource is checked
 * against each loaded profile it claims in `meta.profile` (a profile's snapshot already holds every base
 * rule), or against its base type when it claims none; resources nested in it are dispatched the same way.
 */
export class CompiledValidator implements ResourceValidator {
  private readonly registry: CoreRegistry;
  private readonly profiles: ReadonlyMap<string, LoadedProfile>;

  /**
   * @param registry - Compiled core definitions.
   * @param profiles - Loaded profiles by canonical URL.
   */
  constructor(registry: CoreRegistry, profiles: ReadonlyMap<string, LoadedProfile>) {
    this.registry = registry;
    this.profiles = profiles;
  }

  validate(resource: Resource): OperationOutcomeIssue[] {
    const issues: OperationOutcomeIssue[] = [];
    const run: Run = { issues, nested: (r, path, scope) => this.check(r, path, scope.rootResource, run) };
    try {
      this.check(resource, undefined, undefined, run);
    } catch (err) {
      // The contract is "never throws for invalid input"; a bug here must still surface as a failed validation.
      const name = err instanceof Error ? err.name : typeof err;
      issues.push(issue('error', IssueType.Exception, `Validator failed internally (${name})`, { fhir: 'Resource' }));
    }
    return dedupe(issues);
  }

  private check(value: unknown, path: string | undefined, root: JsonObject | undefined, run: Run): void {
    const at = path ?? 'Resource';
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      run.issues.push(issue('error', IssueType.Structure, 'Expected a resource (JSON object)', { fhir: at }));
      return;
    }
    const resource = value as JsonObject;
    const rt = resource.resourceType;
    if (typeof rt !== 'string') {
      run.issues.push(issue('error', IssueType.Required, 'Missing resourceType', { fhir: `${at}.resourceType` }));
      return;
    }
    const base = this.registry.resource(rt);
    if (!base) {
      run.issues.push(
        issue('error', IssueType.NotSupported, `Unknown R4 resource type ${rt}`, { fhir: `${at}.resourceType` }),
      );
      return;
    }
    const scope: ResourceScope = { resource, rootResource: root ?? resource };
    const where = path ?? rt;
    for (const type of this.typesFor(resource, rt, base, where, run)) walkObject(resource, type, where, scope, run);
  }

  private typesFor(resource: JsonObject, rt: string, base: CompiledType, at: string, run: Run): CompiledType[] {
    const claimed = (resource.meta as JsonObject | undefined)?.profile;
    if (!Array.isArray(claimed)) return [base];
    const types: CompiledType[] = [];
    claimed.forEach((c: unknown, i) => {
      if (typeof c !== 'string') return;
      const where = { fhir: `${at}.meta.profile[${i}]` };
      const [url = c, version] = c.split('|');
      const profile = this.profiles.get(url);
      if (profile?.type !== undefined && profile.type !== rt) {
        run.issues.push(
          issue('error', IssueType.Invalid, `Profile ${url} constrains ${profile.type}, not ${rt}`, where),
        );
      } else if (profile && version && profile.version && version !== profile.version) {
        run.issues.push(
          issue('error', IssueType.NotSupported, `Profile ${url} is loaded in version ${profile.version}`, where),
        );
      } else if (profile) {
        types.push(profile.compiled);
      } else if (url.startsWith(STUDYBRIDGE_SD_BASE)) {
        run.issues.push(issue('error', IssueType.NotSupported, `Profile ${url} is not loaded`, where));
      } else if (url !== CORE_SD_BASE + rt) {
        run.issues.push(
          issue('warning', IssueType.NotSupported, `Profile ${url} is unknown: checked against base R4 only`, where),
        );
      }
    });
    return types.length > 0 ? types : [base];
  }
}

/**
 * Drops repeated issues: a resource that claims two profiles is walked twice, and both walks report what the
 * base definition finds.
 * @param issues - Issues in the order found.
 * @returns The first occurrence of each (severity, code, path, text).
 */
export function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.code}|${i.expression?.join(',') ?? ''}|${i.diagnostics ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
