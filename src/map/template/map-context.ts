import type { Hl7Message, Hl7Segment } from '../../parse/hl7v2/types.ts';
import type { Analyte, Mappings, ResourceRule, Sender } from '../mapping-types.ts';
import type { FieldRef } from './field-ref.ts';

/** A local code that no table maps, as reported in the conversion trace. */
export interface UnmappedCode {
  code: string;
  system?: string;
  display?: string;
  /** HL7 location, e.g. `OBX[3].3`. */
  location: string;
  /** What happened to it under the sender's policy. */
  action: 'rejected' | 'passed-through';
}

/** What a code lookup found for an observation identifier (memoised per segment). */
export interface CodeLookup {
  analyte?: Analyte;
  /** Unit the sender's table says to assume when OBX-6 is empty. */
  defaultUnit?: string;
  /** The code was LOINC already (no table needed). */
  loincAsSent?: boolean;
}

/** One resource the message will produce, known before its template runs so that references can point to it. */
export interface ResourceInstance {
  readonly rule: ResourceRule;
  readonly segment: Hl7Segment;
  /** Segment ID → the segment in force when this instance's segment was read. */
  readonly scope: ReadonlyMap<string, Hl7Segment>;
  readonly fullUrl: string;
  /** Companion segments (NTE …) that follow the trigger segment. */
  readonly companions: Hl7Segment[];
  /** Top-level element name → the field it came from, for naming the source of validation errors. */
  readonly sources: Map<string, FieldRef>;
}

/** Everything a template evaluation may read; built once per message, extended per instance. */
export interface MessageContext {
  readonly message: Hl7Message;
  readonly mappings: Mappings;
  readonly sender: Sender;
  readonly receivedAt: string;
  /** Zone for times sent without one: MSH-7's offset when it has one, else the sender's configured zone. */
  readonly defaultZone: string;
  readonly instances: readonly ResourceInstance[];
  readonly unmapped: UnmappedCode[];
  /** Memo of code lookups by segment index + path, so code and value converters agree and pay once. */
  readonly lookups: Map<string, CodeLookup>;
}

/** The context for evaluating one template: the message plus the current segment and scope. */
export interface EvalContext extends MessageContext {
  /** The segment a `$from` without another segment ID reads (the trigger, or a companion). */
  readonly segment: Hl7Segment;
  readonly scope: ReadonlyMap<string, Hl7Segment>;
  readonly instance: ResourceInstance;
}
