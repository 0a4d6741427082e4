export { readCsv, DEFAULT_MAX_RECORD_BYTES } from './read-csv.ts';
export {
  CSV_DELIMITERS,
  CSV_ENCODINGS,
  CsvProblem,
  type CsvDelimiter,
  type CsvEncoding,
  type CsvFormat,
  type CsvHeaderItem,
  type CsvItem,
  type CsvProblemCode,
  type CsvProblemItem,
  type CsvRecordItem,
  type ReadCsvOptions,
} from './csv-types.ts';
