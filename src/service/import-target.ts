import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import type { ServiceConfig } from '../config/config-types.ts';
import { createAuth } from '../deliver/auth.ts';
import { HttpTransactionSender, type TransactionSender } from '../deliver/transaction-sender.ts';
import { openEmbeddedFhir, type EmbeddedFhir } from '../fhir-server/embedded-fhir.ts';
import { EmbeddedFhirTarget } from '../fhir-server/embedded-target.ts';
import type { ResourceValidator } from '../validate/types.ts';
import { DATA_FILES } from './data-files.ts';

/**
 * Opens the FHIR server the service delivers to, for a command that sends transactions itself (`import`): the
 * external server when one is configured, else the embedded one on the data directory's `fhir.db`, the same file
 * `serve` uses (SQLite lets both in at once).
 * @param config - The service configuration.
 * @param validator - Validates every resource the embedded server writes, as in the service; only an external
 *   server may go without.
 * @returns The sender; close it when done.
 */
export async function openImportSender(
  config: ServiceConfig,
  validator?: ResourceValidator,
): Promise<TransactionSender> {
  if (config.fhir.baseUrl) {
    return new HttpTransactionSender({
      baseUrl: config.fhir.baseUrl,
      auth: createAuth(config.fhir.auth),
      timeoutMs: config.fhir.timeoutMs,
    });
  }
  await mkdir(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, DATA_FILES.fhir);
  return embeddedSender(await openEmbeddedFhir({ file, ...(validator ? { validator } : {}) }));
}

/**
 * Sends to the embedded server in process, classified exactly as the service's {@link EmbeddedFhirTarget} does,
 * keeping the transaction-response. The embedded server returns the current version for an identical update
 * without writing, and dates what it writes by this process's clock, so the time taken before sending tells a
 * written version from an untouched one.
 * @param fhir - The open server; {@link TransactionSender.close} closes it.
 * @returns The sender.
 */
export function embeddedSender(fhir: EmbeddedFhir): TransactionSender {
  return {
    description: 'embedded',
    async send(bundle) {
      let body: unknown;
      const keeping: EmbeddedFhir = {
        ...fhir,
        transaction: async (json) => {
          const answer = await fhir.transaction(json);
          body = answer.body;
          return answer;
        },
      };
      const writtenAfter = Date.now();
      const outcome = await new EmbeddedFhirTarget(keeping).send(bundle);
      const response = (body as { resourceType?: unknown } | undefined)?.resourceType === 'Bundle';
      return {
        outcome,
        ...(outcome.kind === 'delivered' && response ? { response: body as Bundle, writtenAfter } : {}),
      };
    },
    close: () => fhir.close(),
  };
}
