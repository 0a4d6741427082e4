import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { buildTransactionBundle } from '../bundle/build-transaction-bundle.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterErrorFromIssues, hasErrors, normalizeError, outcome } from '../errors/outcomes.ts';
import { mapMessage } from '../map/map-message.ts';
import type { Mappings } from '../map/mapping-types.ts';
import { parseBatch } from '../parse/hl7v2/index.ts';
import type { Hl7Message, ParseOptions } from '../parse/hl7v2/types.ts';
import type { ResourceValidator } from '../validate/types.ts';
import type { ConvertedMessage, ConvertFn, ConvertOptions } from './convert-types.ts';
import { validateEntries } from './validate-entries.ts';

/** What the conversion needs, loaded once. */
export interface ConvertDeps {
  mappings: Mappings;
  /** Omit to skip validation entirely (benchmarks of the bare pipeline). */
  validator?: ResourceValidator;
  parse?: ParseOptions;
}

function failed(
  index: number,
  err: unknown,
  controlId?: string,
  extra: OperationOutcomeIssue[] = [],
  source: { message?: Hl7Message; text?: string } = {},
): ConvertedMessage {
  const error = normalizeError(err);
  return {
    index,
    ...(controlId ? { controlId } : {}),
    ...source,
    ok: false,
    outcome: outcome([...(error.outcome.issue ?? []), ...extra]),
    error,
  };
}

/**
 * Converts one parsed message: map → validate → bundle. Pure apart from reading its arguments.
 * @returns The result; never throws.
 */
export function convertMessage(
  message: Hl7Message,
  index: number,
  deps: ConvertDeps,
  options: Required<ConvertOptions>,
): ConvertedMessage {
  try {
    const mapped = mapMessage(message, deps.mappings, { receivedAt: options.receivedAt });
    const issues = [...mapped.warnings];
    if (options.validate && deps.validator) {
      const found = validateEntries(mapped.entries, deps.validator);
      if (hasErrors(outcome(found))) throw adapterErrorFromIssues(ErrorCode.ValidateInvalid, found);
      issues.push(...found);
    }
    const bundle = buildTransactionBundle(mapped, {
      controlId: message.controlId,
      receivedAt: options.receivedAt,
      identifierBase: deps.mappings.settings.identifierBase,
    });
    const report: OperationOutcome = outcome(
      issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: 'converted' }],
    );
    return { index, controlId: message.controlId, ok: true, bundle, outcome: report, message, text: message.text };
  } catch (err) {
    return failed(index, err, message.controlId, [], { message, text: message.text });
  }
}

/**
 * Builds the convert function: parse (single messages and FHS/BHS batches) → map → validate → bundle, one result
 * per message, so one bad message in a batch never loses the others.
 * @param deps - Loaded mappings and validator.
 * @returns The conversion function; it never throws for bad input.
 */
export function createConvert(deps: ConvertDeps): ConvertFn {
  return async (input, options) => {
    const opts: Required<ConvertOptions> = {
      receivedAt: options?.receivedAt ?? new Date().toISOString(),
      validate: options?.validate ?? true,
    };
    let batch;
    try {
      batch = parseBatch(input, deps.parse);
    } catch (err) {
      return [failed(0, err)];
    }
    return batch.items.map((item) =>
      item.ok
        ? convertMessage(item.message, item.index, deps, opts)
        : failed(item.index, item.error, item.controlId, [...batch.warnings], { text: item.text }),
    );
  };
}
