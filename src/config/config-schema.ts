/**
 * The JSON Schema of studybridge's configuration (checked with ajv, defaults filled in by it). The same
 * schema checks the merged result of defaults, the optional config file and the environment. A config file
 * may not hold secrets: {@link SECRET_PATHS} are accepted only from the environment.
 */

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const positiveInt = { type: 'integer', minimum: 1 } as const;
const nonNegativeInt = { type: 'integer', minimum: 0 } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const httpUrl = { type: 'string', pattern: '^https?://[^\\s]+$' } as const;

const auth = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['none', 'bearer', 'basic', 'oauth2'] },
    token: nonEmpty,
    username: nonEmpty,
    password: nonEmpty,
    tokenUrl: httpUrl,
    clientId: nonEmpty,
    clientSecret: nonEmpty,
    scope: nonEmpty,
    audience: nonEmpty,
    resource: nonEmpty,
    clientAuthMethod: { enum: ['client_secret_basic', 'client_secret_post'] },
  },
  additionalProperties: false,
  allOf: [
    { if: { required: ['type'], properties: { type: { const: 'bearer' } } }, then: { required: ['token'] } },
    {
      if: { required: ['type'], properties: { type: { const: 'basic' } } },
      then: { required: ['username', 'password'] },
    },
    {
      if: { required: ['type'], properties: { type: { const: 'oauth2' } } },
      then: { required: ['tokenUrl', 'clientId', 'clientSecret'] },
    },
  ],
} as const;

/** Schema of the merged configuration; see `config-types.ts` for the meaning of each field. */
export const CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    dataDir: { ...nonEmpty, default: './data' },
    mappingsDir: { ...nonEmpty, default: './mappings' },
    profilesDir: { ...nonEmpty, default: './profiles' },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    mllp: {
      type: 'object',
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        host: { ...nonEmpty, default: '127.0.0.1' },
        port: { ...port, default: 2575 },
        maxMessageBytes: { ...positiveInt, default: 16 * 1024 * 1024 },
        idleTimeoutMs: { ...positiveInt, default: 300_000 },
        tls: {
          type: 'object',
          required: ['certFile', 'keyFile'],
          properties: {
            certFile: nonEmpty,
            keyFile: nonEmpty,
            caFile: nonEmpty,
            requestClientCert: { type: 'boolean', default: false },
          },
          additionalProperties: false,
          if: { required: ['requestClientCert'], properties: { requestClientCert: { const: true } } },
          then: { required: ['caFile'] },
        },
      },
      additionalProperties: false,
    },
    http: {
      type: 'object',
      default: {},
      properties: {
        host: { ...nonEmpty, default: '127.0.0.1' },
        port: { ...port, default: 8080 },
        apiToken: { type: 'string', minLength: 16 },
        maxBodyBytes: { ...positiveInt, default: 16 * 1024 * 1024 },
      },
      additionalProperties: false,
    },
    fhir: {
      type: 'object',
      default: {},
      properties: {
        baseUrl: httpUrl,
        auth: { ...auth, default: { type: 'none' } },
        timeoutMs: { ...positiveInt, default: 30_000 },
      },
      additionalProperties: false,
    },
    delivery: {
      type: 'object',
      default: {},
      properties: {
        concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 4 },
        retryBaseMs: { ...positiveInt, default: 1000 },
        retryMaxMs: { ...positiveInt, default: 300_000 },
        maxAttempts: { ...nonNegativeInt, default: 0 },
      },
      additionalProperties: false,
    },
    retention: {
      type: 'object',
      default: {},
      properties: { deliveredDays: { ...nonNegativeInt, default: 30 } },
      additionalProperties: false,
    },
    shutdownGraceMs: { ...positiveInt, default: 10_000 },
    publishStudies: { type: 'boolean', default: true },
  },
  additionalProperties: false,
} as const;

/** Config paths that carry secrets: only the environment may set them, never a config file. */
export const SECRET_PATHS = [
  'http.apiToken',
  'fhir.auth.token',
  'fhir.auth.password',
  'fhir.auth.clientSecret',
] as const;
