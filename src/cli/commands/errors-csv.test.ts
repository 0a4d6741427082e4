import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issue, IssueType } from '../../errors/outcomes.ts';
import { defaultErrorsFile, ErrorsCsv, rowIssueText } from './errors-csv.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-errors-csv-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('errors CSV', () => {
  it('When the input is exports/labs.csv, then the errors file is exports/labs.errors.csv', () => {
    expect(defaultErrorsFile(path.join('exports', 'labs.csv'))).toBe(path.join('exports', 'labs.errors.csv'));
  });

  it('When an issue has a column, a FHIR path or repeats the line, then the text names line and column once', () => {
    const cell = issue('error', IssueType.Value, 'not a number', { csv: "line 4, column 'HbA1c (%)'" });
    expect(rowIssueText(cell)).toBe("line 4, column 'HbA1c (%)': not a number");
    const fhir = issue('error', IssueType.Invariant, 'value too large', {
      fhir: 'Observation.valueQuantity',
      csv: 'line 9',
    });
    expect(rowIssueText(fhir)).toBe('line 9 (Observation.valueQuantity): value too large');
    const reader = issue('error', IssueType.Structure, 'Line 5: expected 6 fields as in the header, found 3', {
      csv: 'line 5',
    });
    expect(rowIssueText(reader)).toBe('line 5: expected 6 fields as in the header, found 3');
  });

  it('When reasons hold the delimiter or the quote, then the error cell is quoted as the layout says', async () => {
    const file = path.join(dir, 'x.errors.csv');
    const errors = new ErrorsCsv(file, { delimiter: ';', quote: "'", encoding: 'utf-8', header: true });
    const reasons = [
      issue('error', IssueType.Value, "not a number; see 'HbA1c'", { csv: 'line 2' }),
      issue('error', IssueType.Value, 'no date', { csv: 'line 2' }),
    ];
    await errors.add('a;b\nS1;x', 'S1;x', reasons);
    await errors.close();
    expect(await readFile(file, 'utf8')).toBe(
      "a;b;import_error\nS1;x;'line 2: not a number; see ''HbA1c''; line 2: no date'\n",
    );
    expect(errors.rows).toBe(1);
  });

  it('When the layout is windows-1252, then the file is written back in windows-1252', async () => {
    const file = path.join(dir, 'x.errors.csv');
    const errors = new ErrorsCsv(file, { delimiter: ',', quote: '"', encoding: 'windows-1252', header: true });
    await errors.add('Prix €,Nom\n3 €,José', '3 €,José', [issue('error', IssueType.Value, 'bad', { csv: 'line 2' })]);
    await errors.close();
    const bytes = await readFile(file);
    expect([...bytes.subarray(0, 6)]).toEqual([0x50, 0x72, 0x69, 0x78, 0x20, 0x80]);
    expect(bytes.includes(Buffer.from([0x4a, 0x6f, 0x73, 0xe9]))).toBe(true);
  });

  it('When no row is rejected, then no file is created, and a stale one can be removed', async () => {
    const file = path.join(dir, 'x.errors.csv');
    await writeFile(file, 'old');
    const errors = new ErrorsCsv(file, { delimiter: ',', quote: '"', encoding: 'utf-8', header: true });
    await errors.removeStale();
    await errors.close();
    expect(existsSync(file)).toBe(false);
  });
});
