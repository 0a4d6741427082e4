/**
 * Every error studybridge raises has one of these codes, namespaced by the pipeline stage that raised it.
 * Boundaries (ACK builder, HTTP error middleware, delivery retry policy) translate codes in one table each;
 * nothing else switches on them.
 */
export const ErrorCode = {
  ConfigInvalid: 'config.invalid',
  MappingInvalid: 'mapping.invalid',
  ProfileInvalid: 'profile.invalid',
  IngestBadInput: 'ingest.bad-input',
  ParseEmpty: 'parse.empty',
  ParseNotHl7: 'parse.not-hl7',
  ParseInvalidMsh: 'parse.invalid-msh',
  ParseInvalidBatch: 'parse.invalid-batch',
  ParseInvalidSegment: 'parse.invalid-segment',
  ParseTooLarge: 'parse.too-large',
  ParseInvalidValue: 'parse.invalid-value',
  ParseUnsupportedCharset: 'parse.unsupported-charset',
  ParseUnsupportedMessage: 'parse.unsupported-message',
  CsvEmpty: 'csv.empty',
  CsvNotCsv: 'csv.not-csv',
  CsvWrongDelimiter: 'csv.wrong-delimiter',
  CsvWrongEncoding: 'csv.wrong-encoding',
  CsvEmptyHeader: 'csv.empty-header',
  CsvDuplicateHeader: 'csv.duplicate-header',
  CsvRecordTooLarge: 'csv.record-too-large',
  CsvUnknownLayout: 'csv.unknown-layout',
  CsvHeaderMismatch: 'csv.header-mismatch',
  CsvInvalidRow: 'csv.invalid-row',
  CsvDuplicateRow: 'csv.duplicate-row',
  MapUnmappedCode: 'map.unmapped-code',
  MapRequiredMissing: 'map.required-missing',
  MapDuplicateKey: 'map.duplicate-key',
  MapUnitConversion: 'map.unit-conversion',
  MapInvalidValue: 'map.invalid-value',
  ValidateInvalid: 'validate.invalid',
  ValidateProfileViolation: 'validate.profile-violation',
  StoreWriteFailed: 'store.write-failed',
  DeliverServerError: 'deliver.server-error',
  DeliverRateLimited: 'deliver.rate-limited',
  DeliverTimeout: 'deliver.timeout',
  DeliverRejected: 'deliver.rejected',
  Internal: 'internal.error',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
