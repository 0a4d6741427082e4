import { parseMessage } from './parse-hl7v2.ts';
import type { Hl7Message } from './types.ts';

/**
 * A synthetic ORU^R01 of about 2 KB with 15 OBX, shaped like a typical lab result (no real data).
 * @returns The message text, segments ended by CR.
 */
export function sampleOru(): string {
  const obx = Array.from(
    { length: 15 },
    (_, i) =>
      `OBX|${i + 1}|NM|${2000 + i}-${i % 10}^Analyte ${i + 1}^LN||${(4.1 + i).toFixed(2)}|mmol/L^^UCUM|3.5-${(9 + i).toFixed(1)}|${i % 3 ? 'N' : 'H'}|||F|||20261121083015+0800`,
  );
  return [
    'MSH|^~\\&|LIS|MAINLAB|STUDYBRIDGE|SITE01|20261121091500+0800||ORU^R01^ORU_R01|MSG000123456|P|2.5.1|||AL|NE||UNICODE UTF-8',
    'PID|1||SUBJ-0001^^^STUDY^MR~AA123^^^SITE^PI||Example^Subject^Q^^^^L||19700101|F|||1 Example Street^^Example City^^00000^XX||',
    'PV1|1|O|CLINIC^^^SITE01||||1234^Doctor^Example|||||||||||VISIT-1',
    'ORC|RE|ORD-1^PLACER|FIL-1^FILLER||CM||||20261121080000+0800|||1234^Doctor^Example',
    'OBR|1|ORD-1^PLACER|FIL-1^FILLER|24323-8^Comprehensive metabolic panel^LN|||20261121080000+0800|||||||20261121081000+0800|BLD^Blood|1234^Doctor^Example||||||20261121091500+0800||CH|F',
    ...obx,
    'NTE|1|L|Specimen received at room temperature\\.br\\Result reviewed',
  ].join('\r');
}

/** Reads 60 values, as a mapping of this message would. */
function read60(msg: Hl7Message): number {
  const msh = msg.header;
  let n = msh.get(3).length + msh.get(4).length + msh.get(7).length + msh.get(12).length + msg.controlId.length;
  const pid = msg.first('PID');
  const obr = msg.first('OBR');
  if (pid)
    n += pid.get(3, 1).length + pid.get(3, 4).length + pid.get(5, 1).length + pid.get(7).length + pid.get(8).length;
  if (obr)
    n += obr.get(2, 1).length + obr.get(3, 1).length + obr.get(4, 1).length + obr.get(7).length + obr.get(22).length;
  for (const obx of msg.all('OBX')) n += obx.get(3, 1).length + obx.get(5).length + obx.get(6, 1).length;
  return n;
}

/**
 * Measures parse + 60 field reads of {@link sampleOru} on one core. Not a test: numbers depend on the machine.
 * @param durationMs - How long to measure (after a warm-up of a third of that).
 * @returns Messages per second.
 */
export function benchParse(durationMs = 1000): { messagesPerSecond: number } {
  const text = sampleOru();
  let sink = 0;
  const run = (ms: number): number => {
    let count = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) sink += read60(parseMessage(text));
      count += 100;
    }
    return count;
  };
  run(durationMs / 3);
  const start = performance.now();
  const count = run(durationMs);
  const seconds = (performance.now() - start) / 1000;
  if (sink === 0) throw new Error('benchmark read nothing');
  return { messagesPerSecond: Math.round(count / seconds) };
}

if (import.meta.main) console.log(benchParse(2000));
