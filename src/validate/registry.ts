import type { StructureDefinition } from '@medplum/fhirtypes';
import type { CompiledType } from './compiled-types.ts';
import { compileStructure } from './compile-structure.ts';
import type { CompileEnv, ProblemSink } from './compile-structure.ts';
import { CORE_SD_BASE, loadCoreDefinitions } from './definitions.ts';
import type { CoreDefinitions } from './definitions.ts';
import { FastContexts } from './fast-context.ts';
import { buildPrimitiveRules } from './primitives.ts';
import type { PrimitiveRule } from './primitives.ts';
import { ValueSetExpander } from './value-sets.ts';

/**
 * The compiled core R4 definitions. Datatypes and resource types compile on first use and stay cached, so
 * a process pays for the types it actually sees, once.
 */
export class CoreRegistry implements CompileEnv {
  readonly defs: CoreDefinitions;
  readonly primitives: ReadonlyMap<string, PrimitiveRule>;
  readonly valueSets: ValueSetExpander;
  readonly resourceTypes: ReadonlySet<string>;
  readonly contexts: FastContexts;
  /** Known gaps met while compiling core definitions (bindings that cannot be expanded, skipped invariants). */
  readonly limitations: string[] = [];
  private readonly compiled = new Map<string, CompiledType | undefined>();
  private readonly profileTypes = new Map<string, string>();

  /**
   * @param defs - The core definitions; default the compact ones of {@link loadCoreDefinitions}.
   * @param valueSets - The value set expander; default one over the compact terminology.
   */
  constructor(defs: CoreDefinitions = loadCoreDefinitions(), valueSets: ValueSetExpander = new ValueSetExpander()) {
    this.defs = defs;
    this.primitives = buildPrimitiveRules([...this.defs.byType.values()].filter((sd) => sd.kind === 'primitive-type'));
    this.valueSets = valueSets;
    this.resourceTypes = this.defs.resourceTypes;
    this.contexts = new FastContexts(
      (url) => this.defs.byUrl.get(url),
      (code) => this.primitives.has(code),
    );
  }

  /** @returns The compiled base type of a resource, or undefined for an unknown resource type. */
  resource(type: string): CompiledType | undefined {
    return this.defs.resourceTypes.has(type) ? this.compile(CORE_SD_BASE + type) : undefined;
  }

  datatype(url: string): CompiledType | undefined {
    const sd = this.defs.byUrl.get(url);
    return sd && sd.kind !== 'resource' ? this.compile(url) : undefined;
  }

  definition(url: string): StructureDefinition | undefined {
    return this.defs.byUrl.get(url);
  }

  profileType(url: string): string | undefined {
    return this.profileTypes.get(url);
  }

  /** Makes a profile's URL usable as a Reference target (`Reference(studybridge-patient)` means Patient). */
  registerProfileType(url: string, type: string): void {
    this.profileTypes.set(url, type);
  }

  private compile(url: string): CompiledType | undefined {
    if (this.compiled.has(url)) return this.compiled.get(url);
    const sd = this.defs.byUrl.get(url);
    if (!sd) return undefined;
    const sink: ProblemSink = (location, reason) => this.limitations.push(`${sd.type}${location}: ${reason}`);
    const root = compileStructure(sd, this, sink, (t) => this.compiled.set(url, t));
    this.compiled.set(url, root);
    return root;
  }
}
