import { Router } from 'express';
import { issue, IssueType, outcome } from '../../errors/outcomes.ts';
import { replayAll, replayMessage, type ReplayDeps } from '../../pipeline/replay.ts';
import { MessageState, type MessageStore } from '../../store/message-store.ts';

const STATES = new Set<string>(Object.values(MessageState));

/** What the admin routes need. */
export interface MessagesRouteDeps extends ReplayDeps {
  store: MessageStore;
  /** Wakes delivery after a replay. */
  onReplayed?: () => void;
}

/**
 * Admin routes over the message store: list and inspect messages (state, attempts, last error), fetch a
 * message's raw bytes, and replay one message or every message in a state (`?state=dead` by default).
 */
export function messagesRoutes(deps: MessagesRouteDeps): Router {
  const router = Router();
  const bad = (diagnostics: string) => outcome([issue('error', IssueType.Invalid, diagnostics)]);
  const notFound = (id: string) => outcome([issue('error', IssueType.NotSupported, `no message ${id}`)]);

  router.get('/messages', (req, res) => {
    const states = String(req.query.state ?? '')
      .split(',')
      .filter(Boolean);
    const unknown = states.filter((s) => !STATES.has(s));
    if (unknown.length) return void res.status(400).json(bad(`unknown state ${unknown.join(', ')}`));
    // At least 1: SQLite reads a negative LIMIT as no limit at all.
    const limit = Math.max(1, Math.min(Math.trunc(Number(req.query.limit ?? 100)) || 100, 1000));
    const beforeId = req.query.before ? Number(req.query.before) : undefined;
    const messages = deps.store.list({
      ...(states.length ? { states: states as MessageState[] } : {}),
      limit,
      ...(beforeId ? { beforeId } : {}),
    });
    res.json({ counts: deps.store.countByState(), messages });
  });

  router.get('/messages/:id', (req, res) => {
    const record = deps.store.get(Number(req.params.id));
    if (!record) return void res.status(404).json(notFound(req.params.id));
    res.json(record);
  });

  router.get('/messages/:id/raw', (req, res) => {
    const id = Number(req.params.id);
    const raw = deps.store.raw(id);
    if (!raw) return void res.status(404).json(notFound(req.params.id));
    // CSV inputs are stored as the rows they hold (UTF-8, a whole refused file as it was sent).
    const csv = deps.store.get(id)?.messageType?.startsWith('CSV/');
    res.type(csv ? 'text/csv' : 'x-application/hl7-v2+er7').send(Buffer.from(raw));
  });

  router.post('/messages/:id/replay', async (req, res) => {
    const result = await replayMessage(Number(req.params.id), deps);
    if (!result) return void res.status(404).json(notFound(req.params.id));
    deps.onReplayed?.();
    res.json(result);
  });

  router.post('/messages/replay', async (req, res) => {
    const state = String(req.query.state ?? MessageState.Dead);
    if (!STATES.has(state)) return void res.status(400).json(bad(`unknown state ${state}`));
    const results = await replayAll(state as MessageState, deps);
    deps.onReplayed?.();
    res.json({ replayed: results.length, results });
  });
  return router;
}
