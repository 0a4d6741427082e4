/**
 * HL7 v2 inputs for the receive, acknowledge, replay and HTTP tests: a small ORU^R01 whose MSH fields a test
 * can set, and a batch file of three messages of which the second is broken (a segment wrapped mid-field).
 */

/** The ORU^R01 of the `status-c` conformance case (UNILAB/UNIVHOSP, one OBX). */
const ORU_SEGMENTS = [
  'MSH|^~\\&|UNILAB|UNIVHOSP|STUDYBRIDGE|UCMSC-T2DM|20250405143000||ORU^R01^ORU_R01|UL-ST-C|P|2.5.1|||AL|NE|THA|UNICODE UTF-8',
  'PID|1||HN6650321^^^UNIVHOSP^MR||ANON^S017^^^^^S||19710302|M',
  'ORC|RE|RCT-S017-W24^UCMSC-RCT|UL25040511^UNILAB',
  'OBR|1|RCT-S017-W24^UCMSC-RCT|UL25040511^UNILAB|CHEM^Clinical chemistry^L|||20250405080000|||||||||||||||20250405142500|||C',
  'OBX|1|NM|FBS^Fasting blood sugar^L||6.9|mmol/L|3.9-5.5|H|||C|||20250405080000',
];

/** The conditional URL of the Patient the ORU above maps to. */
export const ORU_PATIENT_URL =
  'Patient?identifier=https%3A%2F%2Fstudybridge.org%2Ffhir%2FNamingSystem%2Funiversity-hospital-hn|HN6650321';

/** What to change in {@link oruText}. */
export interface OruOptions {
  /** MSH-10. Default `UL-ST-C`. */
  controlId?: string;
  /** MSH-15 and MSH-16. Default empty (original acknowledgment mode). */
  accept?: string;
  application?: string;
  /** MSH-3. Default `UNILAB`. */
  sendingApplication?: string;
  /** OBX-5; a non-number makes the message fail mapping (`map.invalid-value`). Default `6.9`. */
  value?: string;
  /** Segment separator. Default CR. */
  separator?: string;
}

/** @returns The ORU^R01 text with the options applied, each segment ended by the separator. */
export function oruText(options: OruOptions = {}): string {
  const msh = setMsh(ORU_SEGMENTS[0]!, {
    3: options.sendingApplication ?? 'UNILAB',
    10: options.controlId ?? 'UL-ST-C',
    15: options.accept ?? '',
    16: options.application ?? '',
  });
  const obx = ORU_SEGMENTS[4]!.replace('||6.9|', `||${options.value ?? '6.9'}|`);
  const sep = options.separator ?? '\r';
  return [msh, ...ORU_SEGMENTS.slice(1, 4), obx].map((s) => s + sep).join('');
}

/** @returns The bytes of {@link oruText}. */
export function oruBytes(options: OruOptions = {}): Uint8Array {
  return new TextEncoder().encode(oruText(options));
}

/** The batch of the `batch-three-messages-one-broken` case: the second message has an OBX cut in two. */
const BATCH_MESSAGES: string[][] = [
  [
    'MSH|^~\\&|GENLAB|GENHOSP|STUDYBRIDGE|UCMSC-T2DM|20250312101500||ORU^R01^ORU_R01|GH-B-0312-0001|P|2.5.1|||AL|NE|MYS|UNICODE UTF-8',
    'PID|1||GH00412873^^^GENHOSP^MR||ANON^R0001^^^^^S||19640823|F',
    'ORC|RE|ORD-R0001-M06^UCMSC-REG|GL2503120044^GENLAB',
    'OBR|1|ORD-R0001-M06^UCMSC-REG|GL2503120044^GENLAB|DMP^Diabetes monitoring panel^L|||20250312073000|||||||||||||||20250312101200|||F',
    'OBX|1|NM|GLU-F^Glucose, fasting^L||126|mg/dL|70-99|H|||F|||20250312073000',
  ],
  [
    'MSH|^~\\&|GENLAB|GENHOSP|STUDYBRIDGE|UCMSC-T2DM|20250312101500||ORU^R01^ORU_R01|GH-B-0312-0002|P|2.5.1|||AL|NE|MYS|UNICODE UTF-8',
    'PID|1||GH00398112^^^GENHOSP^MR||ANON^R0002^^^^^S||19580611|M',
    'ORC|RE|ORD-R0002-M06^UCMSC-REG|GL2503120051^GENLAB',
    'OBR|1|ORD-R0002-M06^UCMSC-REG|GL2503120051^GENLAB|DMP^Diabetes monitoring panel^L|||20250312074500|||||||||||||||20250312101200|||F',
    'OBX|1|NM|GLU-F^Glucose, fasting^L||141|m',
    'g/dL|70-99|H|||F|||20250312074500',
  ],
  [
    'MSH|^~\\&|GENLAB|GENHOSP|STUDYBRIDGE|UCMSC-T2DM|20250312101500||ORU^R01^ORU_R01|GH-B-0312-0003|P|2.5.1|||AL|NE|MYS|UNICODE UTF-8',
    'PID|1||GH00420977^^^GENHOSP^MR||ANON^R0003^^^^^S||19700129|F',
    'ORC|RE|ORD-R0003-M06^UCMSC-REG|GL2503120063^GENLAB',
    'OBR|1|ORD-R0003-M06^UCMSC-REG|GL2503120063^GENLAB|DMP^Diabetes monitoring panel^L|||20250312080500|||||||||||||||20250312101200|||F',
    'OBX|1|NM|GLU-F^Glucose, fasting^L||97|mg/dL|70-99|N|||F|||20250312080500',
  ],
];

/** MSH-10 of the three batch messages. */
export const BATCH_CONTROL_IDS = ['GH-B-0312-0001', 'GH-B-0312-0002', 'GH-B-0312-0003'];

/** What to change in {@link batchText}. */
export interface BatchOptions {
  /** MSH-15 and MSH-16 of every message. Default `AL` and `NE`, as sent by the lab. */
  accept?: string;
  application?: string;
}

/** @returns The batch file text (FHS, BHS, three messages, BTS, FTS), segments ended by LF as in the file. */
export function batchText(options: BatchOptions = {}): string {
  const lines = [
    'FHS|^~\\&|GENLAB|GENHOSP|STUDYBRIDGE|UCMSC-T2DM|20250312110000||GH-FILE-20250312.hl7||GH-F-0312',
    'BHS|^~\\&|GENLAB|GENHOSP|STUDYBRIDGE|UCMSC-T2DM|20250312110000||||GH-B-0312-1',
    ...batchMessageSegments(options).flat(),
    'BTS|3',
    'FTS|1',
  ];
  return lines.map((l) => `${l}\n`).join('');
}

/** @returns The segments of each message of {@link batchText}. */
export function batchMessageSegments(options: BatchOptions = {}): string[][] {
  return BATCH_MESSAGES.map(([msh, ...rest]) => [
    setMsh(msh!, { 15: options.accept ?? 'AL', 16: options.application ?? 'NE' }),
    ...rest,
  ]);
}

/** @returns The bytes of {@link batchText}. */
export function batchBytes(options: BatchOptions = {}): Uint8Array {
  return new TextEncoder().encode(batchText(options));
}

/** Sets MSH-n fields (n ≥ 3) of an MSH segment. */
function setMsh(segment: string, fields: Record<number, string>): string {
  const parts = segment.split('|');
  for (const [n, value] of Object.entries(fields)) parts[Number(n) - 1] = value;
  return parts.join('|');
}

/** Reads MSA-1 and MSA-2 of every MSA segment of an acknowledgment text. */
export function msaOf(text: string): Array<{ code: string; controlId: string }> {
  return text
    .split('\r')
    .filter((s) => s.startsWith('MSA|'))
    .map((s) => {
      const f = s.split('|');
      return { code: f[1] ?? '', controlId: f[2] ?? '' };
    });
}
