import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../errors/adapter-error.ts';
import { ENV_VARIABLES } from './environment.ts';
import { isLoopback, loadConfig } from './load-config.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AdapterError);
    const e = err as AdapterError;
    expect(e.code).toBe('config.invalid');
    return (e.outcome.issue ?? []).map((i) => `${i.expression?.join(' ')}: ${i.diagnostics}`);
  }
  throw new Error('expected loadConfig to throw');
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const c = loadConfig({ env: {} });
    expect(c.dataDir).toBe('./data');
    expect(c.mllp).toMatchObject({ enabled: true, host: '127.0.0.1', port: 2575 });
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(c.http.apiToken).toBeUndefined();
    expect(c.fhir.baseUrl).toBeUndefined();
    expect(c.fhir.auth).toEqual({ type: 'none' });
    expect(c.delivery).toEqual({ concurrency: 4, retryBaseMs: 1000, retryMaxMs: 300_000, maxAttempts: 0 });
    expect(c.shutdownGraceMs).toBe(10_000);
  });

  it('reads the environment, with 0 meaning a free port', () => {
    const c = loadConfig({
      env: {
        STUDYBRIDGE_MLLP_PORT: '0',
        STUDYBRIDGE_HTTP_PORT: '0',
        STUDYBRIDGE_DATA_DIR: '/tmp/sb',
        STUDYBRIDGE_FHIR_BASE_URL: 'http://127.0.0.1:9999/fhir',
        STUDYBRIDGE_FHIR_AUTH: 'oauth2',
        STUDYBRIDGE_FHIR_OAUTH_TOKEN_URL: 'https://login.example.org/token',
        STUDYBRIDGE_FHIR_OAUTH_CLIENT_ID: 'sb',
        STUDYBRIDGE_FHIR_OAUTH_CLIENT_SECRET: 's3cret',
        STUDYBRIDGE_MLLP_ENABLED: 'yes',
      },
    });
    expect(c.mllp.port).toBe(0);
    expect(c.http.port).toBe(0);
    expect(c.dataDir).toBe('/tmp/sb');
    expect(c.fhir.auth).toEqual({
      type: 'oauth2',
      tokenUrl: 'https://login.example.org/token',
      clientId: 'sb',
      clientSecret: 's3cret',
    });
  });

  it('lists every problem at once, naming the variable, and never echoes a secret', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          STUDYBRIDGE_MLLP_PORT: 'abc',
          STUDYBRIDGE_HTTP_PORT: '70000',
          STUDYBRIDGE_LOG_LEVEL: 'loud',
          STUDYBRIDGE_FHIR_BASE_URL: 'ftp://x',
          STUDYBRIDGE_MLP_PORT: '1',
          STUDYBRIDGE_API_TOKEN: 'short',
        },
      }),
    );
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toContain('env:STUDYBRIDGE_MLLP_PORT: must be an integer');
    expect(problems.join('\n')).toContain('env:STUDYBRIDGE_HTTP_PORT');
    expect(problems.join('\n')).toContain('must be one of fatal, error');
    expect(problems.join('\n')).toContain('env:STUDYBRIDGE_FHIR_BASE_URL');
    expect(problems.join('\n')).toContain('unknown variable STUDYBRIDGE_MLP_PORT');
    expect(problems.join('\n')).toContain('env:STUDYBRIDGE_API_TOKEN');
    expect(problems.join('\n')).not.toContain('short');
  });

  it('requires the fields of the chosen auth and names the variable to set', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { STUDYBRIDGE_FHIR_BASE_URL: 'https://fhir.example.org', STUDYBRIDGE_FHIR_AUTH: 'basic' } }),
    );
    expect(problems.sort()).toEqual([
      'fhir.auth.password: fhir.auth.password is required (set STUDYBRIDGE_FHIR_PASSWORD)',
      'fhir.auth.username: fhir.auth.username is required (set STUDYBRIDGE_FHIR_USERNAME)',
    ]);
  });

  it('requires an API token off loopback', () => {
    const problems = problemsOf(() => loadConfig({ env: { STUDYBRIDGE_HTTP_HOST: '0.0.0.0' } }));
    expect(problems).toEqual([expect.stringContaining('an API token is required')]);
    expect(
      loadConfig({ env: { STUDYBRIDGE_HTTP_HOST: '0.0.0.0', STUDYBRIDGE_API_TOKEN: 'x'.repeat(32) } }).http.host,
    ).toBe('0.0.0.0');
  });

  it('merges a YAML file under the environment and refuses secrets in it', () => {
    const file = tempFile(
      'studybridge.yaml',
      'dataDir: /var/lib/sb\nmllp:\n  port: 3000\nfhir:\n  baseUrl: https://a.example.org/fhir\n  auth:\n    type: bearer\n    token: in-the-file\n',
    );
    const problems = problemsOf(() => loadConfig({ env: { STUDYBRIDGE_MLLP_PORT: '4000' }, file }));
    expect(problems.join('\n')).toContain('secrets are read only from the environment: set STUDYBRIDGE_FHIR_TOKEN');
    expect(problems.join('\n')).not.toContain('in-the-file');

    const ok = tempFile('ok.yaml', 'dataDir: /var/lib/sb\nmllp:\n  port: 3000\n');
    const c = loadConfig({ env: { STUDYBRIDGE_MLLP_PORT: '4000', STUDYBRIDGE_CONFIG: ok } });
    expect(c.dataDir).toBe('/var/lib/sb');
    expect(c.mllp.port).toBe(4000);
  });

  it('reports unknown settings and a missing file', () => {
    const file = tempFile('bad.yaml', 'mllp:\n  prot: 1\n');
    expect(problemsOf(() => loadConfig({ env: {}, file }))).toEqual([
      `${file}:mllp.prot: mllp.prot is not a known setting`,
    ]);
    expect(problemsOf(() => loadConfig({ env: {}, file: '/nonexistent/sb.yaml' }))).toEqual([
      '/nonexistent/sb.yaml: cannot read the config file: file not found',
    ]);
  });

  it('checks rules across settings', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          STUDYBRIDGE_MLLP_PORT: '9000',
          STUDYBRIDGE_HTTP_PORT: '9000',
          STUDYBRIDGE_FHIR_AUTH: 'bearer',
          STUDYBRIDGE_FHIR_TOKEN: 'tok',
          STUDYBRIDGE_MLLP_TLS_CERT_FILE: '/nonexistent/cert.pem',
          STUDYBRIDGE_MLLP_TLS_KEY_FILE: '/nonexistent/key.pem',
        },
      }),
    );
    expect(problems).toHaveLength(4);
  });

  it('has one variable per config path, all prefixed', () => {
    const paths = ENV_VARIABLES.map((x) => x.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const x of ENV_VARIABLES) expect(x.name).toMatch(/^STUDYBRIDGE_[A-Z0-9_]+$/);
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['10.0.0.5', false],
  ])('%s → %s', (host, expected) => expect(isLoopback(host)).toBe(expected));
});
