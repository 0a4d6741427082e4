import { ErrorCode } from '../../errors/error-codes.ts';
import { AckCode, ackRowFor } from './ack-codes.ts';

/** Acknowledgment conditions, HL7 table 0155 (MSH-15 and MSH-16). */
export const AckCondition = {
  Always: 'AL',
  Never: 'NE',
  ErrorOnly: 'ER',
  SuccessOnly: 'SU',
} as const;
/** One of the {@link AckCondition} values. */
export type AckCondition = (typeof AckCondition)[keyof typeof AckCondition];

/** Input of {@link decideAcks}. */
export interface AckDecisionInput {
  /** MSH-15 as sent ('' when empty). */
  acceptAckType: string;
  /** MSH-16 as sent ('' when empty). */
  applicationAckType: string;
  /** Whether the raw message was durably stored (we took responsibility for it). */
  stored: boolean;
  /**
   * Why the message failed, if it did: a content error (the message may still be stored, for replay) or why it
   * was not stored. Not stored without an error is read as `store.write-failed`.
   */
  error?: ErrorCode;
}

/** True when the condition asks for an ACK with this outcome; unknown values are read as AL (never silence). */
function wants(condition: string, success: boolean): boolean {
  switch (condition) {
    case AckCondition.Never:
      return false;
    case AckCondition.ErrorOnly:
      return !success;
    case AckCondition.SuccessOnly:
      return success;
    default:
      return true;
  }
}

/**
 * Decides which acknowledgments answer a message, in the order they are sent.
 *
 * Original mode (MSH-15 and MSH-16 both empty): exactly one of AA, AE, AR.
 *
 * Enhanced mode (either is set): a commit ACK when MSH-15 asks for it (CA when stored, else CE or CR), then an
 * application ACK when MSH-16 asks for it (AA, AE or AR). In enhanced mode an empty field is read as AL: the
 * sender switched enhanced mode on and did not say "never". Our content result is known before the commit and a
 * message with a content error is still stored, so it gets CA (we took responsibility for it) followed by AE.
 * After a negative commit ACK no application ACK follows (the message was not taken); when no commit ACK was
 * sent, the application ACK carries the failure (AR for a store failure), so the sender always learns of it
 * unless it asked for nothing.
 * @param input - MSH-15, MSH-16, whether stored, and the error if any.
 * @returns The ACK codes to send, possibly none (enhanced mode with NE/NE, or conditions not met).
 */
export function decideAcks(input: AckDecisionInput): AckCode[] {
  const accept = input.acceptAckType.trim().toUpperCase();
  const application = input.applicationAckType.trim().toUpperCase();
  const error = input.error ?? (input.stored ? undefined : ErrorCode.StoreWriteFailed);
  const appCode = error === undefined ? AckCode.ApplicationAccept : ackRowFor(error).original;
  if (accept === '' && application === '') return [appCode];

  const out: AckCode[] = [];
  const commitCode = input.stored
    ? AckCode.CommitAccept
    : ackRowFor(error ?? ErrorCode.StoreWriteFailed).enhancedCommit;
  const commitSent = wants(accept, input.stored);
  if (commitSent) out.push(commitCode);
  if (commitSent && !input.stored) return out;
  if (wants(application, appCode === AckCode.ApplicationAccept)) out.push(appCode);
  return out;
}
