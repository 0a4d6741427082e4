import path from 'node:path';
import { IssueType } from '../../errors/outcomes.ts';
import { TIMEZONE_PATTERN } from '../mapping-schema.ts';
import { isAbsoluteUri } from '../study/load-studies.ts';
import type { CsvLayout } from './layout-types.ts';

/** Layout file names: `<id>.yaml` or `<id>.yml`. */
export const LAYOUT_FILE = /\.ya?ml$/;
const TIMEZONE = new RegExp(TIMEZONE_PATTERN);

/** Reports one problem of a layout file at a JSON pointer. */
export type LayoutProblem = (pointer: string, reason: string, type?: IssueType) => void;

/**
 * Checks what every layout kind shares and a schema cannot: the id is the file name, the zone is `Z` or `±HH:MM`,
 * the subject system is an absolute URI, the quote is not the delimiter.
 * @param layout - The layout as the schema let it through.
 * @param rel - Its file name as reported.
 * @param bad - Receives each problem.
 */
export function checkLayoutBasics(
  layout: Pick<CsvLayout, 'id' | 'timezone' | 'subject' | 'format'>,
  rel: string,
  bad: LayoutProblem,
): void {
  const expectedId = path.basename(rel).replace(LAYOUT_FILE, '');
  if (layout.id !== expectedId) bad('/id', `id '${layout.id}' must equal the file name '${expectedId}'`);
  if (!TIMEZONE.test(layout.timezone)) {
    bad('/timezone', `timezone '${layout.timezone}' is neither Z nor ±HH:MM (-14:00 to +14:00)`);
  }
  if (!isAbsoluteUri(layout.subject.system))
    bad('/subject/system', `'${layout.subject.system}' is not an absolute URI`);
  if (layout.format.quote === layout.format.delimiter) bad('/format/quote', 'the quote character is the delimiter');
}

/**
 * @param bad - Receives a problem for a column named a second time.
 * @returns A function that records each column a layout names (trimmed, with the pointer that named it first),
 *   and the map of names so far.
 */
export function columnNamer(bad: LayoutProblem): {
  name: (column: string, pointer: string) => void;
  named: Map<string, string>;
} {
  const named = new Map<string, string>();
  const name = (column: string, pointer: string): void => {
    const key = column.trim();
    const first = named.get(key);
    if (first) bad(pointer, `column '${key}' is already named at ${first}`, IssueType.Duplicate);
    else named.set(key, pointer);
  };
  return { name, named };
}

/**
 * Checks a file's header against the columns a layout names: every one must be there, and with
 * `extraColumns: reject` no other column may be.
 * @returns Column name → index in a record, or every header problem at once.
 */
export function headerColumns(
  namedColumns: ReadonlySet<string>,
  extraColumns: 'ignore' | 'reject',
  header: readonly string[],
): { ok: true; at: Map<string, number> } | { ok: false; problems: { column: string; reason: string }[] } {
  const at = new Map<string, number>();
  header.forEach((name, i) => at.set(name.trim(), i));
  const problems: { column: string; reason: string }[] = [];
  for (const name of namedColumns) {
    if (!at.has(name)) problems.push({ column: name, reason: `the layout's column '${name}' is not in the header` });
  }
  if (extraColumns === 'reject') {
    for (const name of at.keys()) {
      if (!namedColumns.has(name)) problems.push({ column: name, reason: `column '${name}' is not in the layout` });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, at };
}
