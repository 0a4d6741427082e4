import { ErrorCode } from '../errors/error-codes.ts';

/**
 * The one translation of studybridge error codes to HTTP status codes, used by every route. Content that can
 * never be processed as sent is 400 (or 413, 415); well-formed content that fails mapping or validation is 422;
 * a store that cannot take the message is 503 (try again); anything else is a server fault.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.ConfigInvalid]: 500,
  [ErrorCode.MappingInvalid]: 500,
  [ErrorCode.ProfileInvalid]: 500,
  [ErrorCode.IngestBadInput]: 400,
  [ErrorCode.ParseEmpty]: 400,
  [ErrorCode.ParseNotHl7]: 400,
  [ErrorCode.ParseInvalidMsh]: 400,
  [ErrorCode.ParseInvalidBatch]: 400,
  [ErrorCode.ParseInvalidSegment]: 400,
  [ErrorCode.ParseTooLarge]: 413,
  [ErrorCode.ParseInvalidValue]: 400,
  [ErrorCode.ParseUnsupportedCharset]: 415,
  [ErrorCode.ParseUnsupportedMessage]: 422,
  [ErrorCode.CsvEmpty]: 400,
  [ErrorCode.CsvNotCsv]: 400,
  [ErrorCode.CsvWrongDelimiter]: 400,
  [ErrorCode.CsvWrongEncoding]: 400,
  [ErrorCode.CsvEmptyHeader]: 400,
  [ErrorCode.CsvDuplicateHeader]: 400,
  [ErrorCode.CsvRecordTooLarge]: 413,
  [ErrorCode.CsvUnknownLayout]: 400,
  [ErrorCode.CsvHeaderMismatch]: 400,
  [ErrorCode.CsvInvalidRow]: 422,
  [ErrorCode.CsvDuplicateRow]: 422,
  [ErrorCode.MapUnmappedCode]: 422,
  [ErrorCode.MapRequiredMissing]: 422,
  [ErrorCode.MapDuplicateKey]: 422,
  [ErrorCode.MapUnitConversion]: 422,
  [ErrorCode.MapInvalidValue]: 422,
  [ErrorCode.ValidateInvalid]: 422,
  [ErrorCode.ValidateProfileViolation]: 422,
  [ErrorCode.StoreWriteFailed]: 503,
  [ErrorCode.DeliverServerError]: 502,
  [ErrorCode.DeliverRateLimited]: 503,
  [ErrorCode.DeliverTimeout]: 504,
  [ErrorCode.DeliverRejected]: 502,
  [ErrorCode.Internal]: 500,
};

/** @returns The HTTP status for an error code (500 for anything unknown). */
export function httpStatusFor(code: string): number {
  return Object.hasOwn(HTTP_STATUS, code) ? (HTTP_STATUS as Record<string, number>)[code]! : 500;
}
