import type { AuthConfig } from '../deliver/auth.ts';
import { createAuth } from '../deliver/auth.ts';
import type { DeliveryTarget } from '../deliver/delivery-target.ts';
import { HttpFhirTarget } from '../deliver/http-fhir-target.ts';
import type { FhirAuthConfig, ServiceConfig } from '../config/config-types.ts';

/** @returns The delivery auth strategy's configuration for the configured FHIR auth. */
export function authConfigOf(auth: FhirAuthConfig): AuthConfig {
  if (auth.type !== 'oauth2') return auth;
  return {
    type: 'oauth2',
    tokenUrl: auth.tokenUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    ...(auth.scope ? { scope: auth.scope } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
    clientAuthMethod: auth.clientAuth === 'post' ? 'client_secret_post' : 'client_secret_basic',
  };
}

/** @returns The external FHIR server target, when one is configured. */
export function externalTarget(config: ServiceConfig): DeliveryTarget | undefined {
  if (!config.fhir.baseUrl) return undefined;
  return new HttpFhirTarget({
    baseUrl: config.fhir.baseUrl,
    auth: createAuth(authConfigOf(config.fhir.auth)),
    timeoutMs: config.fhir.timeoutMs,
  });
}
