import { ErrorCode } from '../../errors/error-codes.ts';

/**
 * Acknowledgment codes, HL7 table 0008 (MSA-1). Original mode answers AA/AE/AR; enhanced mode answers a commit
 * (accept) ACK CA/CE/CR and, separately, an application ACK AA/AE/AR.
 * @see https://terminology.hl7.org/CodeSystem-v2-0008.html
 */
export const AckCode = {
  ApplicationAccept: 'AA',
  ApplicationError: 'AE',
  ApplicationReject: 'AR',
  CommitAccept: 'CA',
  CommitError: 'CE',
  CommitReject: 'CR',
} as const;
/** One of the {@link AckCode} values. */
export type AckCode = (typeof AckCode)[keyof typeof AckCode];

/** Message error condition codes, HL7 table 0357 (ERR-3 from v2.5, ERR-1.4 before). */
export const Hl7ErrorCode = {
  MessageAccepted: '0',
  SegmentSequenceError: '100',
  RequiredFieldMissing: '101',
  DataTypeError: '102',
  TableValueNotFound: '103',
  UnsupportedMessageType: '200',
  UnsupportedEventCode: '201',
  UnsupportedProcessingId: '202',
  UnsupportedVersionId: '203',
  UnknownKeyIdentifier: '204',
  DuplicateKey: '205',
  ApplicationRecordLocked: '206',
  ApplicationInternalError: '207',
} as const;
/** One of the {@link Hl7ErrorCode} values. */
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

/** The text HL7 gives each table 0357 code, sent as the CWE's second component. */
export const HL7_ERROR_CODE_TEXT: Readonly<Record<Hl7ErrorCode, string>> = Object.freeze({
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key',
  '206': 'Application record locked',
  '207': 'Application internal error',
});

/** How one {@link ErrorCode} is acknowledged. */
export interface AckRow {
  /** MSA-1 in original mode, and of the application ACK in enhanced mode. */
  original: typeof AckCode.ApplicationError | typeof AckCode.ApplicationReject;
  /** MSA-1 of the commit ACK in enhanced mode, when the message could not be stored. */
  enhancedCommit: typeof AckCode.CommitError | typeof AckCode.CommitReject;
  /** Table 0357 code for ERR. */
  hl7ErrorCode: Hl7ErrorCode;
}

const { ApplicationError: AE, ApplicationReject: AR, CommitError: CE, CommitReject: CR } = AckCode;
const row = (original: AckRow['original'], enhancedCommit: AckRow['enhancedCommit'], hl7: Hl7ErrorCode): AckRow =>
  Object.freeze({ original, enhancedCommit, hl7ErrorCode: hl7 });

/**
 * The one table translating studybridge's errors into acknowledgments; nothing else switches on error codes
 * for ACKs. It follows HL7 v2.5 chapter 2 and table 0008:
 * - **AE** (application error): the message, or its content, is wrong; the sender should correct it before
 *   sending it again. Every parse, mapping and validation failure is this, malformed structure included.
 * - **AR** (application reject): the receiver cannot take the message for reasons of its own: a message type,
 *   version or charset it does not handle, a size over its limit (the protocol-level rejects HL7 names for
 *   MSH-9/11/12), or a receiver failure unrelated to the content (store write failed, bad configuration,
 *   internal error), after which the sender may resend the message unchanged.
 * - **CR** (commit reject) is kept for what HL7 defines it for, a message type, version or processing mode the
 *   receiver is incompatible with (and our size limit, another capability); **CE** (commit error) for every
 *   other reason the message could not be taken into storage, a store write failure included. The commit
 *   column only matters when the message was not stored: a stored message is committed (CA) whatever its
 *   content.
 */
export const ACK_CODES: Readonly<Record<ErrorCode, AckRow>> = Object.freeze({
  [ErrorCode.ConfigInvalid]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.MappingInvalid]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.ProfileInvalid]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.IngestBadInput]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.ParseEmpty]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.ParseNotHl7]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.ParseInvalidMsh]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.ParseInvalidBatch]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.ParseInvalidSegment]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.ParseTooLarge]: row(AR, CR, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.ParseInvalidValue]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.ParseUnsupportedCharset]: row(AR, CR, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.ParseUnsupportedMessage]: row(AR, CR, Hl7ErrorCode.UnsupportedMessageType),
  // CSV files are not acknowledged over MLLP; their rows follow the parse codes they mirror, so the table stays total.
  [ErrorCode.CsvEmpty]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.CsvNotCsv]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.CsvWrongDelimiter]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.CsvWrongEncoding]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.CsvEmptyHeader]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.CsvDuplicateHeader]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.CsvRecordTooLarge]: row(AR, CR, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.CsvUnknownLayout]: row(AR, CR, Hl7ErrorCode.UnsupportedMessageType),
  [ErrorCode.CsvHeaderMismatch]: row(AE, CE, Hl7ErrorCode.SegmentSequenceError),
  [ErrorCode.CsvInvalidRow]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.CsvDuplicateRow]: row(AE, CE, Hl7ErrorCode.DuplicateKey),
  [ErrorCode.MapUnmappedCode]: row(AE, CE, Hl7ErrorCode.TableValueNotFound),
  [ErrorCode.MapRequiredMissing]: row(AE, CE, Hl7ErrorCode.RequiredFieldMissing),
  [ErrorCode.MapDuplicateKey]: row(AE, CE, Hl7ErrorCode.DuplicateKey),
  [ErrorCode.MapUnitConversion]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.MapInvalidValue]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.ValidateInvalid]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.ValidateProfileViolation]: row(AE, CE, Hl7ErrorCode.DataTypeError),
  [ErrorCode.StoreWriteFailed]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  // Delivery runs after the ACK and never reaches the sender; rows exist so the table stays total.
  [ErrorCode.DeliverServerError]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.DeliverRateLimited]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.DeliverTimeout]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.DeliverRejected]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
  [ErrorCode.Internal]: row(AR, CE, Hl7ErrorCode.ApplicationInternalError),
});

/**
 * @param code - A studybridge error code.
 * @returns How it is acknowledged; an unknown code (from a newer producer) is treated as an internal error.
 */
export function ackRowFor(code: ErrorCode): AckRow {
  return ACK_CODES[code] ?? ACK_CODES[ErrorCode.Internal];
}
