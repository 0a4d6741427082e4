import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { HttpFhirTarget } from '../deliver/http-fhir-target.ts';
import { authConfigOf, externalTarget } from './build-target.ts';

const oauth = {
  type: 'oauth2' as const,
  tokenUrl: 'https://auth.example.org/token',
  clientId: 'studybridge',
  clientSecret: 's3cret',
};

describe('authConfigOf', () => {
  it('When the auth is none, bearer or basic, then it is passed on as it is', () => {
    expect(authConfigOf({ type: 'none' })).toEqual({ type: 'none' });
    expect(authConfigOf({ type: 'bearer', token: 't' })).toEqual({ type: 'bearer', token: 't' });
    expect(authConfigOf({ type: 'basic', username: 'u', password: 'p' })).toEqual({
      type: 'basic',
      username: 'u',
      password: 'p',
    });
  });

  it('When OAuth 2 uses post, then the client authenticates with client_secret_post', () => {
    expect(authConfigOf({ ...oauth, clientAuth: 'post', scope: 'system/*.write', audience: 'fhir' })).toEqual({
      ...oauth,
      scope: 'system/*.write',
      audience: 'fhir',
      clientAuthMethod: 'client_secret_post',
    });
  });

  it('When OAuth 2 uses basic, then client_secret_basic, and absent scope and audience stay absent', () => {
    const config = authConfigOf({ ...oauth, clientAuth: 'basic' });
    expect(config).toEqual({ ...oauth, clientAuthMethod: 'client_secret_basic' });
    expect(Object.keys(config)).not.toContain('scope');
    expect(Object.keys(config)).not.toContain('audience');
  });
});

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
});
