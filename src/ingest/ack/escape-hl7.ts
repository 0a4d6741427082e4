import type { EncodingCharacters } from '../../parse/hl7v2/types.ts';

/** The delimiters text must be escaped against: MSH-1 and the encoding characters of MSH-2 (the parser's type). */
export type Hl7Delimiters = EncodingCharacters;

/** `|^~\&`, what HL7 recommends and what we use when a message's own delimiters cannot be read. */
export const STANDARD_DELIMITERS: Hl7Delimiters = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

/**
 * Reads delimiters from MSH-1 and MSH-2 as sent.
 * @param fieldSeparator - MSH-1.
 * @param encodingCharacters - MSH-2 (4 or 5 characters).
 * @returns The delimiters; missing characters fall back to the standard ones.
 */
export function delimitersOf(fieldSeparator: string, encodingCharacters: string): Hl7Delimiters {
  const [component, repetition, escape, subcomponent, truncation] = [...encodingCharacters];
  const d: Hl7Delimiters = {
    field: fieldSeparator || STANDARD_DELIMITERS.field,
    component: component ?? STANDARD_DELIMITERS.component,
    repetition: repetition ?? STANDARD_DELIMITERS.repetition,
    escape: escape ?? STANDARD_DELIMITERS.escape,
    subcomponent: subcomponent ?? STANDARD_DELIMITERS.subcomponent,
  };
  if (truncation !== undefined) d.truncation = truncation;
  return d;
}

const hex = (c: string): string => c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');

/**
 * Escapes text for insertion into a field: each delimiter becomes its HL7 escape sequence (`\F\`, `\S\`, `\R\`,
 * `\E\`, `\T\`, `\P\`, written with the message's own escape character), and CR/LF become `\X0D\`/`\X0A\` so
 * text can never end a segment early.
 * @param text - Plain text (our diagnostics, never message content).
 * @param d - The delimiters of the message the text goes into.
 * @returns Text safe to place between field separators.
 */
export function escapeHl7(text: string, d: Hl7Delimiters): string {
  const e = d.escape;
  let out = '';
  for (const c of text) {
    if (c === e) out += `${e}E${e}`;
    else if (c === d.field) out += `${e}F${e}`;
    else if (c === d.component) out += `${e}S${e}`;
    else if (c === d.repetition) out += `${e}R${e}`;
    else if (c === d.subcomponent) out += `${e}T${e}`;
    else if (d.truncation !== undefined && c === d.truncation) out += `${e}P${e}`;
    else if (c === '\r' || c === '\n') out += `${e}X${hex(c)}${e}`;
    else out += c;
  }
  return out;
}
