import { createAuth } from '../deliver/auth.ts';
import type { DeliveryTarget } from '../deliver/delivery-target.ts';
import { HttpFhirTarget } from '../deliver/http-fhir-target.ts';
import type { ServiceConfig } from '../config/config-types.ts';

/** @returns The external FHIR server target, when one is configured. */
export function externalTarget(config: ServiceConfig): DeliveryTarget | undefined {
  if (!config.fhir.baseUrl) return undefined;
  return new HttpFhirTarget({
    baseUrl: config.fhir.baseUrl,
    auth: createAuth(config.fhir.auth),
    timeoutMs: config.fhir.timeoutMs,
  });
}
