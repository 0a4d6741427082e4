const isBlank = (line: string): boolean => line === '' || (line.charCodeAt(0) <= 0x20 && line.trim() === '');

/**
 * Splits text into segment lines. HL7 ends segments with CR, but files and copy-paste give LF or CRLF,
 * sometimes mixed; all three are accepted. Blank lines (trailing newlines, blank lines between messages of a
 * batch) are dropped, as is blank space before the first segment.
 * @param text - Decoded input.
 * @returns The non-blank lines.
 */
export function splitSegmentLines(text: string): string[] {
  const trimmed = text.trimStart();
  const lines = trimmed.includes('\n') ? trimmed.split(/\r\n|\r|\n/) : trimmed.split('\r');
  return lines.some(isBlank) ? lines.filter((l) => !isBlank(l)) : lines;
}
