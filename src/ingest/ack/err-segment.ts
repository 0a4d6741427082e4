import { isErrorIssue } from '../../errors/outcomes.ts';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ErrorCode } from '../../errors/error-codes.ts';
import { HL7_ERROR_CODE_TEXT, type Hl7ErrorCode } from './ack-codes.ts';
import { escapeHl7, type Hl7Delimiters } from './escape-hl7.ts';
import { versionAtLeast } from './hl7-version-order.ts';

/** Most ERR entries one ACK carries; a message with hundreds of bad OBX still gets a short answer. */
export const MAX_ERR_ENTRIES = 50;

/** Coding system of ERR-5: HL7 reserves `99zzz` names for locally defined code systems. */
export const APPLICATION_ERROR_SYSTEM = '99SB';

/** An error location as HL7's ERL data type holds it (v2.5 ERR-2). */
export interface ErrorLocation {
  segment: string;
  sequence: number;
  field?: number;
  repetition?: number;
  component?: number;
  subcomponent?: number;
}

const LOCATION = /^([A-Z][A-Z0-9]{2})\[(\d+)\](?:\.(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?$/;

/**
 * Reads our location notation (`OBX[2].5.1`, `PID[1].3[2].1`; see `formatLocation` of the parser).
 * @param expression - One `issue.expression` entry.
 * @returns The location, or undefined when the entry is not an HL7 location (a FHIR path, a file).
 */
export function parseHl7Location(expression: string): ErrorLocation | undefined {
  const m = LOCATION.exec(expression.trim());
  if (!m) return undefined;
  const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
  const loc: ErrorLocation = { segment: m[1] as string, sequence: Number(m[2]) };
  const field = num(m[3]);
  if (field === undefined) return loc;
  loc.field = field;
  // Our notation omits the first repetition; ERL names it, since a component is always inside one.
  loc.repetition = num(m[4]) ?? 1;
  const component = num(m[5]);
  if (component !== undefined) loc.component = component;
  const subcomponent = num(m[6]);
  if (subcomponent !== undefined) loc.subcomponent = subcomponent;
  return loc;
}

/** @returns The first HL7 location among an issue's expressions. */
function locationOf(i: OperationOutcomeIssue): ErrorLocation | undefined {
  for (const e of i.expression ?? []) {
    const loc = parseHl7Location(e);
    if (loc) return loc;
  }
  return undefined;
}

/** Severity, table 0516. `F` (fatal) is written only from v2.7, where we found it listed; before, `E`. */
function severityOf(i: OperationOutcomeIssue, version: string): string {
  if (i.severity === 'warning') return 'W';
  if (i.severity === 'information') return 'I';
  return i.severity === 'fatal' && versionAtLeast(version, '2.7') ? 'F' : 'E';
}

/** What the ERR segments of one ACK describe. */
export interface ErrInput {
  /** The issues of the error being acknowledged; error and fatal ones get an entry. */
  issues: readonly OperationOutcomeIssue[];
  /** Our error code, for ERR-5. */
  errorCode: ErrorCode;
  /** Table 0357 code, for ERR-3 (ERR-1.4 before v2.5). */
  hl7ErrorCode: Hl7ErrorCode;
  /** MSH-12.1 of the ACK: decides the layout. */
  version: string;
  delimiters: Hl7Delimiters;
}

/**
 * Builds the ERR segments of a negative ACK.
 *
 * From v2.5, one ERR per error issue (the ACK allows repeating ERR): ERR-2 the location (ERL: segment ^ sequence
 * ^ field ^ repetition ^ component ^ subcomponent), ERR-3 the table 0357 code (CWE `code^text^HL70357`), ERR-4
 * the severity (table 0516), ERR-5 our error code (`code^^99SB`), ERR-8 the diagnostics. ERR-1 is left empty:
 * it is kept in v2.5 only for backward compatibility.
 *
 * Before v2.5 (2.1 to 2.4), ERR has the single repeating field ERR-1 (ELD: segment ^ sequence ^ field ^ code,
 * the code a CE written with subcomponent separators) and the ACK allows one ERR, so there is one ERR with one
 * ERR-1 repetition per issue; the diagnostics then travel in MSA-3 (see `buildAck`).
 * @param input - Issues, codes, version and delimiters.
 * @returns Segments without terminator; at least one (with no location) even when no issue qualifies.
 */
export function buildErrSegments(input: ErrInput): string[] {
  const d = input.delimiters;
  const errors = input.issues.filter(isErrorIssue);
  const entries: (OperationOutcomeIssue | undefined)[] = errors.length ? errors.slice(0, MAX_ERR_ENTRIES) : [undefined];
  const code = input.hl7ErrorCode;
  const text = escapeHl7(HL7_ERROR_CODE_TEXT[code], d);
  if (!versionAtLeast(input.version, '2.5')) {
    const eld = entries.map((i) => {
      const loc = i ? locationOf(i) : undefined;
      const where = [loc?.segment ?? '', loc ? String(loc.sequence) : '', loc?.field?.toString() ?? ''];
      return [...where, [code, text, 'HL70357'].join(d.subcomponent)].join(d.component);
    });
    return [['ERR', eld.join(d.repetition)].join(d.field)];
  }
  return entries.map((i) => {
    const loc = i ? locationOf(i) : undefined;
    const erl = loc
      ? [loc.segment, loc.sequence, loc.field, loc.repetition, loc.component, loc.subcomponent]
          .map((x) => (x === undefined ? '' : String(x)))
          .join(d.component)
          .replace(new RegExp(`${escapeRegExp(d.component)}+$`), '')
      : '';
    const fields = [
      'ERR',
      '',
      erl,
      [code, text, 'HL70357'].join(d.component),
      i ? severityOf(i, input.version) : 'E',
      [escapeHl7(input.errorCode, d), '', APPLICATION_ERROR_SYSTEM].join(d.component),
      '',
      '',
      escapeHl7(i?.diagnostics ?? '', d),
    ];
    while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
    return fields.join(d.field);
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
