import path from 'node:path';

/**
 * The file one message of an input is written to with `--out`: `<basename>-<index>-<controlId>.json`.
 * MSH-10 is sender-controlled text, so it is reduced to characters safe in any file system, and capped.
 * @param inputPath - The converted file; its name without extension is the basename.
 * @param index - 0-based message index.
 * @param controlId - MSH-10, when known.
 * @returns The file name (no directory).
 */
export function outputFileName(inputPath: string, index: number, controlId: string | undefined): string {
  const base = path.basename(inputPath, path.extname(inputPath)) || 'input';
  return `${base}-${index}-${sanitizeForFileName(controlId)}.json`;
}

/** @returns The text with anything but letters, digits, `.`, `_` and `-` replaced by `_`; `unknown` when empty. */
export function sanitizeForFileName(text: string | undefined): string {
  const safe = (text ?? '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 64);
  return safe || 'unknown';
}
