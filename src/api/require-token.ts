import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { outcome, issue, IssueType } from '../errors/outcomes.ts';

/**
 * Middleware that requires `Authorization: Bearer <token>` when a token is configured; without one it lets
 * everything through (the configuration only allows that on a loopback host).
 */
export function requireToken(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  // Compare digests so the comparison takes the same time whatever the length of the guess.
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = match ? createHash('sha256').update(match[1]!).digest() : undefined;
    if (given && timingSafeEqual(given, expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="studybridge"')
      .type('application/fhir+json')
      .json(outcome([issue('error', IssueType.Invalid, 'a valid API token is required (Authorization: Bearer)')]));
  };
}
