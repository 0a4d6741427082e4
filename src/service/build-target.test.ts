import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { HttpFhirTarget } from '../deliver/http-fhir-target.ts';
import { externalTarget } from './build-target.ts';

describe('externalTarget', () => {
  it('When no FHIR base URL is configured, then there is no external target', () => {
    expect(externalTarget(loadConfig({ env: {} }))).toBeUndefined();
  });

  it('When a base URL is configured, then an HTTP target describes it without credentials', () => {
    const config = loadConfig({
      env: {
        STUDYBRIDGE_FHIR_BASE_URL: 'https://user:pw@fhir.example.org/r4/?x=1',
        STUDYBRIDGE_FHIR_AUTH: 'bearer',
        STUDYBRIDGE_FHIR_TOKEN: 'tok',
      },
    });
    const target = externalTarget(config);
    expect(target).toBeInstanceOf(HttpFhirTarget);
    expect(target?.description).toBe('https://fhir.example.org/r4');
  });

  it('When OAuth 2 is configured from the environment, then the client authentication method is passed on', () => {
    const config = loadConfig({
      env: {
        STUDYBRIDGE_FHIR_BASE_URL: 'https://fhir.example.org/r4',
        STUDYBRIDGE_FHIR_AUTH: 'oauth2',
        STUDYBRIDGE_FHIR_OAUTH_TOKEN_URL: 'https://auth.example.org/token',
        STUDYBRIDGE_FHIR_OAUTH_CLIENT_ID: 'studybridge',
        STUDYBRIDGE_FHIR_OAUTH_CLIENT_SECRET: 's3cret',
        STUDYBRIDGE_FHIR_OAUTH_CLIENT_AUTH_METHOD: 'client_secret_post',
      },
    });
    expect(config.fhir.auth).toMatchObject({ type: 'oauth2', clientAuthMethod: 'client_secret_post' });
    expect(externalTarget(config)).toBeInstanceOf(HttpFhirTarget);
  });
});
