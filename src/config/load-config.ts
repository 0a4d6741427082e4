import { existsSync, readFileSync } from 'node:fs';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ErrorCode } from '../errors/error-codes.ts';
import { adapterErrorFromIssues, issue, IssueType } from '../errors/outcomes.ts';
import { CONFIG_SCHEMA, SECRET_PATHS } from './config-schema.ts';
import type { ServiceConfig } from './config-types.ts';
import { CONFIG_FILE_VARIABLE, ENV_VARIABLES, OTHER_VARIABLES, type EnvVariable } from './environment.ts';

type Plain = Record<string, unknown>;

/** Where configuration comes from; tests pass their own. */
export interface ConfigSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Config file path; default `$STUDYBRIDGE_CONFIG`. */
  file?: string;
}

const validateConfig = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictRequired: false }).compile(
  CONFIG_SCHEMA,
);

/**
 * Builds the service configuration from defaults, an optional YAML/JSON file and `STUDYBRIDGE_*` variables
 * (the environment wins), and checks it with one schema plus the rules a schema cannot say.
 * @throws AdapterError `config.invalid` listing every problem at once.
 */
export function loadConfig(sources: ConfigSources): ServiceConfig {
  const problems: OperationOutcomeIssue[] = [];
  const fromEnv = new Map<string, EnvVariable>();
  const merged: Plain = {};

  const file = sources.file ?? sources.env[CONFIG_FILE_VARIABLE];
  if (file) deepMerge(merged, readConfigFile(file, problems));
  for (const variable of ENV_VARIABLES) {
    const text = sources.env[variable.name];
    if (text === undefined || text === '') continue;
    const value = parseEnvValue(variable, text, problems);
    if (value === undefined) continue;
    setPath(merged, variable.path, value);
    fromEnv.set(variable.path, variable);
  }
  const known = new Set(ENV_VARIABLES.map((x) => x.name));
  for (const name of Object.keys(sources.env)) {
    if (name.startsWith('STUDYBRIDGE_') && !known.has(name) && !OTHER_VARIABLES.has(name)) {
      problems.push(problem(`unknown variable ${name}`, `env:${name}`));
    }
  }

  if (!validateConfig(merged)) {
    // An `if`/`then` failure repeats the `required` error it wraps; report only the latter.
    const errors = (validateConfig.errors ?? []).filter((e) => e.keyword !== 'if');
    for (const err of errors) problems.push(schemaProblem(err, fromEnv, file));
  }
  problems.push(...crossChecks(merged));
  if (problems.length) throw adapterErrorFromIssues(ErrorCode.ConfigInvalid, problems);
  return merged as unknown as ServiceConfig;
}

/** @returns True for loopback host names and addresses, where an HTTP API without a token is acceptable. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function readConfigFile(file: string, problems: OperationOutcomeIssue[]): Plain {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    problems.push(problem(`cannot read the config file: ${reason}`, file));
    return {};
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(problem('the config file must hold a mapping of settings', file));
    return {};
  }
  for (const secret of SECRET_PATHS) {
    if (getPath(parsed as Plain, secret) === undefined) continue;
    const variable = ENV_VARIABLES.find((x) => x.path === secret)?.name ?? '';
    problems.push(problem(`secrets are read only from the environment: set ${variable} instead`, `${file}:${secret}`));
    deletePath(parsed as Plain, secret);
  }
  return parsed as Plain;
}

function parseEnvValue(variable: EnvVariable, text: string, problems: OperationOutcomeIssue[]): unknown {
  if (variable.kind === 'string') return text;
  const shown = variable.secret ? '(hidden)' : JSON.stringify(text);
  if (variable.kind === 'integer') {
    if (/^\s*-?\d+\s*$/.test(text)) return Number(text);
    problems.push(problem(`must be an integer, got ${shown}`, `env:${variable.name}`));
    return undefined;
  }
  const lowered = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
  if (['false', '0', 'no', 'off'].includes(lowered)) return false;
  problems.push(problem(`must be true or false, got ${shown}`, `env:${variable.name}`));
  return undefined;
}

function schemaProblem(
  err: ErrorObject,
  fromEnv: Map<string, EnvVariable>,
  file: string | undefined,
): OperationOutcomeIssue {
  const segments = err.instancePath.split('/').filter(Boolean);
  if (err.keyword === 'required') segments.push(String(err.params.missingProperty));
  if (err.keyword === 'additionalProperties') segments.push(String(err.params.additionalProperty));
  const dotted = segments.join('.');
  const variable = fromEnv.get(dotted) ?? ENV_VARIABLES.find((x) => x.path === dotted && err.keyword === 'required');
  const where = fromEnv.has(dotted) ? `env:${variable?.name}` : file ? `${file}:${dotted || '/'}` : dotted || '/';
  let message = err.message ?? 'is invalid';
  if (err.keyword === 'additionalProperties') message = 'is not a known setting';
  if (err.keyword === 'enum') message = `must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`;
  if (err.keyword === 'required' && variable) message = `is required (set ${variable.name})`;
  return problem(`${dotted || 'configuration'} ${message}`, where);
}

/**
 * Rules across settings. They run even when the schema found problems, so every problem is listed at once;
 * each rule therefore first checks that the settings it reads have the right type.
 */
function crossChecks(merged: Plain): OperationOutcomeIssue[] {
  const found: OperationOutcomeIssue[] = [];
  const config = merged as unknown as ServiceConfig;
  const str = (x: unknown): x is string => typeof x === 'string';
  const int = (x: unknown): x is number => Number.isInteger(x);
  if (!config.http.apiToken && str(config.http.host) && !isLoopback(config.http.host)) {
    found.push(
      problem(
        `http.host ${config.http.host} is not loopback: an API token is required (set STUDYBRIDGE_API_TOKEN)`,
        'env:STUDYBRIDGE_API_TOKEN',
      ),
    );
  }
  if (str(config.fhir.auth?.type) && config.fhir.auth.type !== 'none' && !config.fhir.baseUrl) {
    found.push(problem('fhir.auth is set but fhir.baseUrl is not (the embedded server needs no auth)', 'fhir.auth'));
  }
  if (config.mllp.enabled && int(config.mllp.port) && config.mllp.port !== 0 && config.mllp.port === config.http.port) {
    found.push(problem(`mllp.port and http.port are both ${config.http.port}`, 'mllp.port'));
  }
  if (
    int(config.delivery.retryBaseMs) &&
    int(config.delivery.retryMaxMs) &&
    config.delivery.retryBaseMs > config.delivery.retryMaxMs
  ) {
    found.push(problem('delivery.retryBaseMs is larger than delivery.retryMaxMs', 'delivery.retryBaseMs'));
  }
  const tls = config.mllp.tls;
  for (const key of ['certFile', 'keyFile', 'caFile'] as const) {
    const path = tls?.[key];
    if (str(path) && !existsSync(path))
      found.push(problem(`mllp.tls.${key} ${path} does not exist`, `mllp.tls.${key}`));
  }
  return found;
}

function problem(diagnostics: string, file: string): OperationOutcomeIssue {
  return issue('error', IssueType.Invalid, diagnostics, { file });
}

function setPath(target: Plain, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Plain;
  }
  node[keys.at(-1)!] = value;
}

function getPath(source: Plain, dotted: string): unknown {
  let node: unknown = source;
  for (const key of dotted.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Plain)[key];
  }
  return node;
}

function deletePath(source: Plain, dotted: string): void {
  const keys = dotted.split('.');
  const parent = getPath(source, keys.slice(0, -1).join('.'));
  if (typeof parent === 'object' && parent !== null) delete (parent as Plain)[keys.at(-1)!];
}

function deepMerge(target: Plain, source: Plain): void {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      deepMerge(target[key] as Plain, value as Plain);
    } else target[key] = value;
  }
}
