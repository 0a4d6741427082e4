import type { AuthConfig } from '../deliver/auth.ts';

/** How studybridge authenticates to an external FHIR server (the delivery stage's own type). Secrets come only from the environment. */
export type FhirAuthConfig = AuthConfig;

/** TLS for the MLLP listener: PEM file paths. */
export interface MllpTlsConfig {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates must chain to. */
  caFile?: string;
  /** Ask for and verify a client certificate (needs `caFile`). */
  requestClientCert: boolean;
}

/** The whole, checked configuration of a studybridge process. */
export interface ServiceConfig {
  /** Where the message store and the embedded FHIR server keep their files. */
  dataDir: string;
  mappingsDir: string;
  profilesDir: string;
  /** pino level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  mllp: {
    enabled: boolean;
    host: string;
    /** 0 picks a free port (printed at start). */
    port: number;
    maxMessageBytes: number;
    idleTimeoutMs: number;
    tls?: MllpTlsConfig;
  };
  http: {
    host: string;
    port: number;
    /** Bearer token for ingest and admin routes; may be absent only on a loopback host. */
    apiToken?: string;
    maxBodyBytes: number;
  };
  fhir: {
    /** External FHIR server; absent means the embedded one at `/fhir`. */
    baseUrl?: string;
    auth: FhirAuthConfig;
    timeoutMs: number;
  };
  delivery: {
    concurrency: number;
    retryBaseMs: number;
    retryMaxMs: number;
    /** 0 keeps retrying transient failures for ever (a down server must not lose messages). */
    maxAttempts: number;
  };
  retention: {
    /** Delivered messages older than this many days are deleted; 0 keeps them for ever. */
    deliveredDays: number;
  };
  /** How long SIGTERM may take before the process exits anyway. */
  shutdownGraceMs: number;
  /** Queue the ResearchStudy of every study definition for delivery at start (default true). */
  publishStudies: boolean;
}
