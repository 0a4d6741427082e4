import { MllpClient } from '../../../src/ingest/mllp/mllp-client.ts';
import { readAck, type AckSummary } from './hl7.ts';

/** Sends each message on one connection, one after the other, and returns the ACKs in order. */
export async function sendAll(port: number, texts: readonly string[]): Promise<AckSummary[]> {
  const client = await MllpClient.connect({ host: '127.0.0.1', port });
  try {
    const acks: AckSummary[] = [];
    for (const text of texts) acks.push(readAck(await client.send(text)));
    return acks;
  } finally {
    await client.close();
  }
}
