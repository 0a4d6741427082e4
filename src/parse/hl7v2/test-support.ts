import { AdapterError } from '../../errors/adapter-error.ts';

/**
 * Runs `fn` and returns the AdapterError it throws, so a test can assert code and location; anything else
 * thrown (or nothing) fails the test.
 * @param fn - Code expected to throw.
 * @returns The error.
 */
export function catchAdapterError(fn: () => unknown): AdapterError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AdapterError) return err;
    throw err;
  }
  throw new Error('expected an AdapterError but nothing was thrown');
}

/**
 * @param err - An error from the parse stage.
 * @returns The HL7 location of its first issue (`OBX[2].5.1`), if any.
 */
export function hl7Where(err: AdapterError): string | undefined {
  return err.outcome.issue?.[0]?.expression?.[0];
}

/**
 * @param err - An error from the parse stage.
 * @returns The diagnostics of its first issue.
 */
export function diagnostics(err: AdapterError): string {
  return err.outcome.issue?.[0]?.diagnostics ?? '';
}

/**
 * Joins segments with CR, the HL7 segment terminator.
 * @param segments - Segment lines.
 * @returns The message text.
 */
export function hl7(...segments: string[]): string {
  return segments.join('\r');
}
