const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Writes an instant as an HL7 DTM in the process's local time with its UTC offset, to the second:
 * `YYYYMMDDHHMMSS+ZZZZ` (what MSH-7 of our ACKs carries).
 * @param date - The instant.
 * @returns The DTM text.
 */
export function formatHl7Timestamp(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}
