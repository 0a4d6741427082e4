/**
 * Child process of the crash test: appends messages from several concurrent callers and prints `<id> <seq>` for
 * each one only after its append resolved, as the service would send an ACK. The test kills it with SIGKILL at
 * an arbitrary moment and checks that every printed id is stored with intact bytes.
 *
 * Usage: node append-until-killed.ts <database file>
 */
import { fileURLToPath } from 'node:url';
import { testMessage } from './test-message.ts';
import { openSqliteMessageStore } from '../sqlite-message-store.ts';

/** @returns The 2 KB raw message of sequence number `seq`, reproducible by the test. */
export function crashPayload(seq: number): Uint8Array {
  const bytes = new Uint8Array(2048);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seq * 7) % 256;
  new DataView(bytes.buffer).setUint32(0, seq);
  return bytes;
}

async function main(file: string): Promise<void> {
  const store = openSqliteMessageStore({ file });
  let seq = 0;
  const caller = async (): Promise<never> => {
    for (;;) {
      const mine = seq++;
      const [id] = await store.append([testMessage({ raw: crashPayload(mine), controlId: String(mine) })]);
      process.stdout.write(`${id} ${mine}\n`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, caller));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: append-until-killed.ts <database file>');
  await main(file);
}
