/**
 * Whether raw input opens with a batch header (FHS or BHS), after a UTF-8 BOM and blank lines. Cheap enough to
 * run before parsing, so a transport can shape its answer (a batch of ACKs, a batch-response) from the input itself.
 * @param raw - The input bytes.
 * @returns True for a batch file or batch.
 */
export function startsWithBatchHeader(raw: Uint8Array): boolean {
  let i = 0;
  if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) i = 3;
  while (i < raw.length && (raw[i] === 0x0d || raw[i] === 0x0a || raw[i] === 0x20)) i++;
  const id = String.fromCharCode(raw[i] ?? 0, raw[i + 1] ?? 0, raw[i + 2] ?? 0);
  return id === 'FHS' || id === 'BHS';
}
