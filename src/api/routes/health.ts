import { Router } from 'express';

/** What readiness depends on. */
export interface ReadinessChecks {
  /** The message store answers. */
  store(): boolean;
  /** The delivery target answers (cached by the caller; must be quick). */
  target(): Promise<boolean>;
}

/**
 * `/health`: the process is alive and serving HTTP. `/ready`: the store is open and the FHIR target is
 * reachable, so messages taken in now will flow; a load balancer routes traffic only to ready instances.
 */
export function healthRoutes(checks: ReadinessChecks): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const store = checks.store();
    const target = await checks.target().catch(() => false);
    res.status(store && target ? 200 : 503).json({
      status: store && target ? 'ready' : 'not-ready',
      store: store ? 'ok' : 'unavailable',
      target: target ? 'ok' : 'unreachable',
    });
  });
  return router;
}
