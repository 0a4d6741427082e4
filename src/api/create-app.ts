import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { issue, IssueType, outcome } from '../errors/outcomes.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { ReplayDeps } from '../pipeline/replay.ts';
import type { CsvDeps, ReceiveCsv } from '../pipeline/receive-csv.ts';
import { requireToken } from './require-token.ts';
import { csvRoute } from './routes/csv.ts';
import { healthRoutes, type ReadinessChecks } from './routes/health.ts';
import { hl7v2Route, type Acknowledge } from './routes/hl7v2.ts';
import { messagesRoutes } from './routes/messages.ts';
import { metricsRoute } from './routes/metrics.ts';
import type { Receive } from '../pipeline/receive.ts';

/** Everything the HTTP app serves; the app itself never listens (the service owns ports). */
export interface AppDeps extends ReplayDeps {
  receive: Receive;
  acknowledge: Acknowledge;
  /** Receives CSV files; `POST /csv` is served only with it and `csv`. */
  receiveCsv?: ReceiveCsv;
  /** The CSV layouts (and what converting them needs), for `POST /csv` and for replaying stored CSV. */
  csv?: CsvDeps;
  metrics: Metrics;
  readiness: ReadinessChecks;
  logger: Logger;
  /** Bearer token for ingest, admin and FHIR routes; undefined only on loopback. */
  apiToken?: string;
  maxBodyBytes: number;
  /** The embedded FHIR server's routes, mounted at `/fhir`; absent when delivering to an external server. */
  fhir?: Router;
  /** Wakes delivery after a replay. */
  onReplayed?: () => void;
}

/**
 * Builds the express app: `/health`, `/ready` and `/metrics` open; `/hl7v2`, `/csv`, `/messages` and `/fhir` behind
 * the API token. Errors leave as OperationOutcomes; nothing from a request body is logged.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(healthRoutes(deps.readiness));
  app.use(metricsRoute(deps.metrics.registry));
  const auth = requireToken(deps.apiToken);
  app.use(auth, hl7v2Route(deps));
  if (deps.receiveCsv && deps.csv) {
    app.use(
      auth,
      csvRoute({ receiveCsv: deps.receiveCsv, layouts: deps.csv.layouts, maxBodyBytes: deps.maxBodyBytes }),
    );
  }
  app.use(auth, messagesRoutes(deps));
  if (deps.fhir) app.use('/fhir', auth, deps.fhir);
  else {
    app.use('/fhir', auth, (_req, res) => {
      const reason = 'this instance delivers to an external FHIR server; query that server';
      res
        .status(404)
        .type('application/fhir+json')
        .json(outcome([issue('error', IssueType.NotSupported, reason)]));
    });
  }
  app.use((_req, res) => {
    res
      .status(404)
      .type('application/fhir+json')
      .json(outcome([issue('error', IssueType.NotSupported, 'no such route')]));
  });
  app.use(errorMiddleware(deps.logger));
  return app;
}

function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err as { status?: number; type?: string; message?: string };
    if (e.type === 'entity.too.large') {
      const o = outcome([issue('error', IssueType.TooLong, 'request body is larger than the configured maximum')]);
      return void res.status(413).type('application/fhir+json').json(o);
    }
    if (e.status && e.status >= 400 && e.status < 500) {
      const o = outcome([issue('error', IssueType.Invalid, 'the request could not be read')]);
      return void res.status(e.status).type('application/fhir+json').json(o);
    }
    // Only the route and the error's type: a message could quote request content.
    logger.error({ method: req.method, path: req.path, error: (err as Error)?.name }, 'unexpected error in a route');
    const o = outcome([issue('fatal', IssueType.Exception, 'internal error')]);
    res.status(500).type('application/fhir+json').json(o);
  };
}
