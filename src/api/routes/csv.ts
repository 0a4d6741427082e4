import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import express, { Router } from 'express';
import { ErrorCode } from '../../errors/error-codes.ts';
import { issue, IssueType, outcome } from '../../errors/outcomes.ts';
import type { AnyCsvLayouts } from '../../map/csv/layout-types.ts';
import { emptyCsvSummary, type CsvSummary } from '../../pipeline/convert-csv.ts';
import { withErrorCode } from '../../pipeline/receive.ts';
import { unknownLayoutError, type CsvReceiveResult, type ReceiveCsv } from '../../pipeline/receive-csv.ts';
import { Transport } from '../../store/message-store.ts';
import { httpStatusFor } from '../http-status.ts';

/** Media types accepted for a CSV body. */
export const CSV_MEDIA_TYPES = ['text/csv', 'application/csv', 'text/plain'] as const;

/** What the route needs. */
export interface CsvRouteDeps {
  receiveCsv: ReceiveCsv;
  layouts: AnyCsvLayouts;
  maxBodyBytes: number;
}

/**
 * `POST /csv?mapping=<layout id>`: a whole CSV export. Every Bundle and every rejected row is stored before the
 * answer, an OperationOutcome: 200 with a summary and each rejected row's issues; 422 when every row was rejected;
 * the file's own status (400, 413, 422) when it was refused as a whole (it is still stored, as one failed
 * message); 400 for an unknown layout (not stored); 503 when the store could not take it (nothing accepted).
 */
export function csvRoute(deps: CsvRouteDeps): Router {
  const router = Router();
  const body = express.raw({ type: [...CSV_MEDIA_TYPES], limit: deps.maxBodyBytes });
  router.post('/csv', body, async (req, res) => {
    const answer = (status: number, o: OperationOutcome): void => {
      res.status(status).type('application/fhir+json').json(o);
    };
    const asked = typeof req.query.mapping === 'string' && req.query.mapping ? req.query.mapping : undefined;
    const layout = asked === undefined ? undefined : deps.layouts.get(asked);
    if (!layout) {
      const error = unknownLayoutError(asked, deps.layouts);
      return answer(httpStatusFor(error.code), withErrorCode(error.outcome, error.code));
    }
    if (!Buffer.isBuffer(req.body)) {
      const reason = `send the file as ${CSV_MEDIA_TYPES.join(', ')}`;
      return answer(415, outcome([issue('error', IssueType.NotSupported, reason)]));
    }
    const raw = new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.length);
    const result = await deps.receiveCsv(raw, layout, Transport.Http);
    if (!result.stored) {
      const code = result.storeError?.code ?? ErrorCode.StoreWriteFailed;
      return answer(httpStatusFor(code), result.storeError?.outcome ?? outcome([]));
    }
    const firstId = result.messages.find((m) => m.storedId !== undefined)?.storedId;
    if (firstId !== undefined) res.set('Location', `/messages/${firstId}`);
    if (result.refused) {
      const stored = issue('information', IssueType.Informational, `the file is stored as failed message ${firstId}`);
      const o = result.messages[0]!.outcome;
      return answer(httpStatusFor(result.refused.code), { ...o, issue: [...(o.issue ?? []), stored] });
    }
    const rejected = result.messages.filter((m) => !m.ok);
    const imported = result.messages.length - rejected.length;
    const issues: OperationOutcomeIssue[] = [
      issue('information', IssueType.Informational, summaryText(layout.layout.id, result)),
      ...rejected.flatMap((m) => m.outcome.issue ?? []),
    ];
    answer(imported === 0 && rejected.length > 0 ? 422 : 200, outcome(issues));
  });
  return router;
}

/** E.g. `layout 'x': 18 rows read, 17 imported, 1 rejected, …; 1 Bundle (Observation 176, …) stored as message 1; …`. */
function summaryText(layoutId: string, result: CsvReceiveResult): string {
  const s: CsvSummary = result.summary ?? emptyCsvSummary();
  const counts =
    `${plural(s.rowsRead, 'row')} read, ${s.rowsImported} imported, ${s.rowsRejected} rejected, ` +
    `${s.rowsDuplicate} exact ${s.rowsDuplicate === 1 ? 'duplicate' : 'duplicates'} skipped, ` +
    `${s.rowsWithoutValues} without values`;
  const bundleIds = result.messages.filter((m) => m.ok).map((m) => m.storedId!);
  const failedIds = result.messages.filter((m) => !m.ok).map((m) => m.storedId!);
  const parts: string[] = [];
  if (bundleIds.length) {
    const resources = Object.entries(s.resources)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, n]) => `${type} ${n}`)
      .join(', ');
    const as = bundleIds.length === 1 ? 'message' : 'messages';
    parts.push(`${plural(bundleIds.length, 'Bundle')} (${resources}) stored as ${as} ${idRanges(bundleIds)}`);
  }
  if (failedIds.length) {
    const as = failedIds.length === 1 ? 'failed message' : 'failed messages';
    parts.push(`${plural(failedIds.length, 'rejected row')} stored as ${as} ${idRanges(failedIds)}`);
  }
  if (!parts.length) parts.push('nothing to store');
  return `layout '${layoutId}': ${counts}; ${parts.join('; ')}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** @returns Ids as ranges, `3-7, 9`, so a file of many rejected rows still gives a short summary. */
function idRanges(ids: readonly number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
