import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import { ErrorCode } from '../../errors/error-codes.ts';
import { adapterError, IssueType } from '../../errors/outcomes.ts';
import { cweCodings, cweTriplets, lookupObservationCode } from '../code-lookup.ts';
import { componentAt, isEmpty, locationOf, textAt } from '../template/field-ref.ts';
import type { Converter } from './converter.ts';

/** CWE/CE/CNE → CodeableConcept: both coded triplets, with CWE.9 (original text) or the first display as text. */
export const cweToCodeableConcept: Converter = (ref, ctx, directive) => {
  // `$system`: fields such as OBX-8 (interpretation) define their primary code (CWE.1-3) as one known table, which
  // `$system` names; alternate codes (CWE.4-6, e.g. a SNOMED CT code beside it) keep the system they were sent with.
  const fixedSystem = directive.$system as string | undefined;
  // `$defaultSystem` names the HL7 table a bare code (no coding system sent) belongs to, e.g. v2-0487 for SPM-4.
  const defaultSystem = directive.$defaultSystem as string | undefined;
  const codings = cweTriplets(ref, ctx).map(({ coding, triplet, sentSystem }) => {
    if (fixedSystem && triplet === 0) return { ...coding, system: fixedSystem };
    if (defaultSystem && !sentSystem) return { ...coding, system: defaultSystem };
    return coding;
  });
  const original = componentAt(ref, 9).trim();
  const text = !isEmpty(original) ? original : undefined;
  if (!codings.length) {
    // No code: the text component (`^withdrew consent`), else whatever the field holds.
    const plain = componentAt(ref, 2).trim() || textAt(ref).trim();
    return text ? { text } : isEmpty(plain) ? undefined : { text: plain };
  }
  return { coding: codings, ...(text ? { text } : {}) } satisfies CodeableConcept;
};

/** CWE → the first Coding. */
export const cweToCoding: Converter = (ref, ctx, directive) =>
  (cweToCodeableConcept(ref, ctx, directive) as CodeableConcept | undefined)?.coding?.[0];

/**
 * OBX-3 → Observation.code: the target code from the analyte catalogue first, then the codes as sent (the local
 * coding is kept so nothing the lab said is lost). An unmapped local code follows the sender's policy: reject the
 * message, or pass the local coding through; either way it is recorded in the conversion trace.
 */
export const labCode: Converter = (ref, ctx) => {
  const found = lookupObservationCode(ref, ctx);
  const sent = cweCodings(ref, ctx);
  const text = componentAt(ref, 9).trim() || componentAt(ref, 2).trim();
  if (!found.analyte && !found.loincAsSent) {
    const first = sent[0];
    const location = locationOf(ref);
    const action = ctx.sender.unmappedCodes === 'reject' ? 'rejected' : 'passed-through';
    if (first?.code)
      ctx.unmapped.push({ code: first.code, system: first.system, display: first.display, location, action });
    if (action === 'rejected' || !first) {
      throw adapterError(
        ErrorCode.MapUnmappedCode,
        IssueType.CodeInvalid,
        first
          ? `local code '${first.code}' of sender '${ctx.sender.id}' has no mapping (policy: reject)`
          : 'observation identifier is empty',
        { hl7: location },
      );
    }
  }
  const codings: Coding[] = [];
  if (found.analyte) {
    const a = found.analyte;
    codings.push({ system: a.system, code: a.code, display: a.display });
  }
  for (const c of sent) {
    if (!codings.some((k) => k.system === c.system && k.code === c.code)) codings.push(c);
  }
  return { coding: codings, ...(text && !isEmpty(text) ? { text } : {}) } satisfies CodeableConcept;
};
