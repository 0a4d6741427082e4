import { readFileSync } from 'node:fs';
import { EXAMPLE } from './paths.ts';

/** The example ORU^R01 (GENLAB/GENHOSP, 15 OBX), segments separated by CR. */
export const EXAMPLE_TEXT = readFileSync(EXAMPLE, 'utf8').replace(/\r?\n/g, '\r');

/** Fields of one segment of an ER7 text (index 0 is the segment id; for MSH index n is MSH-(n+1)). */
export function segmentFields(text: string, id: string): string[] | undefined {
  const line = text.split(/\r\n|\r|\n/).find((s) => s.startsWith(`${id}|`));
  return line?.split('|');
}

/** MSH-n of a message (MSH-1 is the field separator itself). */
export function mshField(text: string, n: number): string {
  const fields = segmentFields(text, 'MSH');
  if (!fields) throw new Error('no MSH segment');
  return n === 1 ? '|' : (fields[n - 1] ?? '');
}

/** MSA-1 and MSA-2 of an ACK, and its ERR segments. */
export interface AckSummary {
  code: string;
  controlId: string;
  errors: string[];
  text: string;
}

/** Reads an ACK frame or body (MLLP framing bytes are tolerated). */
export function readAck(ack: Buffer | string): AckSummary {
  const text = (typeof ack === 'string' ? ack : ack.toString('utf8')).replaceAll('\x0b', '').replaceAll('\x1c', '');
  const msa = segmentFields(text, 'MSA');
  if (!msa) throw new Error(`no MSA segment in ${JSON.stringify(text.slice(0, 200))}`);
  const errors = text.split(/\r\n|\r|\n/).filter((s) => s.startsWith('ERR|'));
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', errors, text };
}

/** Every MSA of a text that may hold several ACKs (a batch ACK, or several frames). */
export function readAllMsa(text: string): Array<{ code: string; controlId: string }> {
  return text
    .split(/\r\n|\r|\n/)
    .filter((s) => s.startsWith('MSA|'))
    .map((s) => {
      const f = s.split('|');
      return { code: f[1] ?? '', controlId: f[2] ?? '' };
    });
}

/**
 * A distinct copy of the example: its own control ID, patient (PID-3), orders (ORC/OBR placer and filler),
 * specimen and visit, so each copy is one separate clinical fact set with its own resources.
 * @param key - Letters and digits, unique per copy.
 * @param obxCount - Keep only the first n OBX (1–15).
 */
export function distinctMessage(key: string, obxCount = 15): { text: string; controlId: string; patient: string } {
  const controlId = `MSG-${key}`;
  const patient = `P-${key}`;
  let obx = 0;
  const text = EXAMPLE_TEXT.split('\r')
    .filter(Boolean)
    .filter((s) => !s.startsWith('OBX|') || ++obx <= obxCount)
    .join('\r')
    .replace('|BENCH0001|', `|${controlId}|`)
    .replaceAll('S-0042^', `${patient}^`)
    .replaceAll('PL-778812', `PL-${key}`)
    .replaceAll('FL-99120456', `FL-${key}`)
    .replaceAll('SP-5521', `SP-${key}`)
    .replaceAll('V-2026-0815', `V-${key}`);
  return { text: `${text}\r`, controlId, patient };
}

/** Number of OBX segments of a message (one Observation each). */
export function observationCountOf(text: string): number {
  return text.split('\r').filter((s) => s.startsWith('OBX|')).length;
}
