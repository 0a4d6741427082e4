/**
 * The environment variables studybridge reads, each bound to a config path and a type. This table is the
 * reference the README's configuration section is written from.
 */

/** How a variable's text becomes a config value. */
export type EnvKind = 'string' | 'integer' | 'boolean';

/** One `STUDYBRIDGE_*` variable. */
export interface EnvVariable {
  name: string;
  /** Dotted path in the configuration. */
  path: string;
  kind: EnvKind;
  /** Secrets are never printed back, not even in error messages. */
  secret?: boolean;
}

const v = (name: string, path: string, kind: EnvKind = 'string', secret = false): EnvVariable => ({
  name: `STUDYBRIDGE_${name}`,
  path,
  kind,
  ...(secret ? { secret } : {}),
});

/** Every variable, in README order. `STUDYBRIDGE_CONFIG` (the config file) is read separately. */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  v('DATA_DIR', 'dataDir'),
  v('MAPPINGS_DIR', 'mappingsDir'),
  v('PROFILES_DIR', 'profilesDir'),
  v('LOG_LEVEL', 'logLevel'),
  v('MLLP_ENABLED', 'mllp.enabled', 'boolean'),
  v('MLLP_HOST', 'mllp.host'),
  v('MLLP_PORT', 'mllp.port', 'integer'),
  v('MLLP_MAX_MESSAGE_BYTES', 'mllp.maxMessageBytes', 'integer'),
  v('MLLP_IDLE_TIMEOUT_MS', 'mllp.idleTimeoutMs', 'integer'),
  v('MLLP_TLS_CERT_FILE', 'mllp.tls.certFile'),
  v('MLLP_TLS_KEY_FILE', 'mllp.tls.keyFile'),
  v('MLLP_TLS_CA_FILE', 'mllp.tls.caFile'),
  v('MLLP_TLS_REQUEST_CLIENT_CERT', 'mllp.tls.requestClientCert', 'boolean'),
  v('HTTP_HOST', 'http.host'),
  v('HTTP_PORT', 'http.port', 'integer'),
  v('API_TOKEN', 'http.apiToken', 'string', true),
  v('HTTP_MAX_BODY_BYTES', 'http.maxBodyBytes', 'integer'),
  v('FHIR_BASE_URL', 'fhir.baseUrl'),
  v('FHIR_AUTH', 'fhir.auth.type'),
  v('FHIR_TOKEN', 'fhir.auth.token', 'string', true),
  v('FHIR_USERNAME', 'fhir.auth.username'),
  v('FHIR_PASSWORD', 'fhir.auth.password', 'string', true),
  v('FHIR_OAUTH_TOKEN_URL', 'fhir.auth.tokenUrl'),
  v('FHIR_OAUTH_CLIENT_ID', 'fhir.auth.clientId'),
  v('FHIR_OAUTH_CLIENT_SECRET', 'fhir.auth.clientSecret', 'string', true),
  v('FHIR_OAUTH_SCOPE', 'fhir.auth.scope'),
  v('FHIR_OAUTH_AUDIENCE', 'fhir.auth.audience'),
  v('FHIR_OAUTH_RESOURCE', 'fhir.auth.resource'),
  v('FHIR_OAUTH_CLIENT_AUTH_METHOD', 'fhir.auth.clientAuthMethod'),
  v('FHIR_TIMEOUT_MS', 'fhir.timeoutMs', 'integer'),
  v('DELIVERY_CONCURRENCY', 'delivery.concurrency', 'integer'),
  v('DELIVERY_RETRY_BASE_MS', 'delivery.retryBaseMs', 'integer'),
  v('DELIVERY_RETRY_MAX_MS', 'delivery.retryMaxMs', 'integer'),
  v('DELIVERY_MAX_ATTEMPTS', 'delivery.maxAttempts', 'integer'),
  v('RETENTION_DELIVERED_DAYS', 'retention.deliveredDays', 'integer'),
  v('SHUTDOWN_GRACE_MS', 'shutdownGraceMs', 'integer'),
  v('PUBLISH_STUDIES', 'publishStudies', 'boolean'),
];

/** The variable naming the optional config file (YAML or JSON). */
export const CONFIG_FILE_VARIABLE = 'STUDYBRIDGE_CONFIG';

/**
 * Variables that are not configuration of the service but are read elsewhere (so they are not reported as
 * unknown). `STUDYBRIDGE_MAPPINGS_DIR`/`PROFILES_DIR` are in the table above and shared with the CLI.
 */
export const OTHER_VARIABLES: ReadonlySet<string> = new Set([CONFIG_FILE_VARIABLE]);
