import { cweToCodeableConcept, cweToCoding, labCode } from './coded.ts';
import type { Converter } from './converter.ts';
import { toDate, toDateTime, toInstant } from './dates.ts';
import { labQuantity, labReferenceRange, labStructuredNumeric, unitQuantity } from './lab-quantity.ts';
import {
  cxToIdentifier,
  eiToIdentifier,
  xadToAddress,
  xcnToReference,
  xonToReference,
  cweToReference,
  xpnToHumanName,
  xtnToContactPoint,
} from './people-and-ids.ts';
import { toCode, toDecimal, toInteger, toString, toText } from './primitives.ts';

export type { Converter, Directive } from './converter.ts';

/**
 * The closed set of datatype converters a template may name in `$as`. Each turns an HL7 v2 datatype into a FHIR
 * datatype; none knows any particular lab, sender or message type.
 */
export const converters: Readonly<Record<string, Converter>> = Object.freeze({
  string: toString,
  text: toText,
  code: toCode,
  decimal: toDecimal,
  integer: toInteger,
  date: toDate,
  dateTime: toDateTime,
  instant: toInstant,
  CodeableConcept: cweToCodeableConcept,
  Coding: cweToCoding,
  Identifier: cxToIdentifier,
  'Identifier-EI': eiToIdentifier,
  HumanName: xpnToHumanName,
  Address: xadToAddress,
  ContactPoint: xtnToContactPoint,
  'Reference-XCN': xcnToReference,
  'Reference-XON': xonToReference,
  'Reference-CWE': cweToReference,
  'lab-code': labCode,
  'lab-quantity': labQuantity,
  'lab-structured-numeric': labStructuredNumeric,
  'lab-reference-range': labReferenceRange,
  quantity: unitQuantity,
});
