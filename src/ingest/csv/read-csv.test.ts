import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors/adapter-error.ts';
import { ErrorCode } from '../../errors/error-codes.ts';
import type { CsvFormat, CsvItem } from './csv-types.ts';
import { readCsv } from './read-csv.ts';

const CSV: CsvFormat = { delimiter: ',', quote: '"', encoding: 'utf-8', header: true };

type Chunk = Buffer | string;

async function* chunksOf(...chunks: Chunk[]): AsyncGenerator<Chunk> {
  for (const c of chunks) yield c;
}

/** Reads the whole input; fails the test if reading throws. */
async function readAll(input: Chunk | Chunk[], format: Partial<CsvFormat> = {}): Promise<CsvItem[]> {
  const items: CsvItem[] = [];
  for await (const item of readCsv(chunksOf(...[input].flat()), { ...CSV, ...format })) items.push(item);
  return items;
}

/** Reads the input expecting an AdapterError; returns it with the items yielded before it. */
async function readFailure(
  input: Chunk | Chunk[],
  format: Partial<CsvFormat> = {},
  maxRecordBytes?: number,
): Promise<{ error: AdapterError; items: CsvItem[]; text: string }> {
  const items: CsvItem[] = [];
  try {
    for await (const item of readCsv(chunksOf(...[input].flat()), { ...CSV, ...format }, { maxRecordBytes })) {
      items.push(item);
    }
  } catch (error) {
    if (!(error instanceof AdapterError)) throw error;
    const text = (error.outcome.issue ?? []).map((i) => i.diagnostics).join('\n');
    return { error, items, text };
  }
  throw new Error(`expected an AdapterError, read ${items.length} items`);
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const records = (items: CsvItem[]): { line: number; fields: string[] }[] =>
  items.flatMap((i) => (i.kind === 'record' ? [{ line: i.line, fields: i.fields }] : []));

/** Splits `b` into pieces of 1 to `max` bytes, the same pieces on every run. */
function split(b: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  let seed = 7;
  for (let at = 0; at < b.length;) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (seed % max);
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('readCsv', () => {
  it('When a file has a header, records, blank lines and a quoted field spanning two lines, then each item has the line it starts on', async () => {
    const items = await readAll('id,name,value\n1,Ann,5.4\n\n2,"Bob\nsecond line",6\n3,Cy,7\n\n');
    expect(items).toEqual([
      { kind: 'header', line: 1, names: ['id', 'name', 'value'] },
      { kind: 'record', line: 2, fields: ['1', 'Ann', '5.4'], raw: '1,Ann,5.4' },
      { kind: 'record', line: 4, fields: ['2', 'Bob\nsecond line', '6'], raw: '2,"Bob\nsecond line",6' },
      { kind: 'record', line: 6, fields: ['3', 'Cy', '7'], raw: '3,Cy,7' },
    ]);
  });

  it.each([
    ['CRLF', '\r\n'],
    ['LF', '\n'],
    ['CR', '\r'],
  ])('When lines end with %s, then records, line numbers and raw texts are the same', async (_name, eol) => {
    const text = ['id,note', '1,a', '', '2,"x', 'y"', '3,c', ''].join(eol);
    const items = await readAll(text);
    expect(items).toEqual([
      { kind: 'header', line: 1, names: ['id', 'note'] },
      { kind: 'record', line: 2, fields: ['1', 'a'], raw: '1,a' },
      { kind: 'record', line: 4, fields: ['2', `x${eol}y`], raw: `2,"x${eol}y"` },
      { kind: 'record', line: 6, fields: ['3', 'c'], raw: '3,c' },
    ]);
  });

  it('When the last line has no line ending, then its record is still read', async () => {
    expect(records(await readAll('a,b\n1,2'))).toEqual([{ line: 2, fields: ['1', '2'] }]);
  });

  it('When the file starts with a UTF-8 BOM, then the BOM is not part of the first column name', async () => {
    const items = await readAll(Buffer.from('\uFEFFid,value\n1,2\n'));
    expect(items[0]).toEqual({ kind: 'header', line: 1, names: ['id', 'value'] });
    expect(items[1]).toMatchObject({ line: 2, raw: '1,2' });
  });

  it('When header names have spaces around them, then the names are trimmed and the values are not', async () => {
    const items = await readAll(' id , value \n 1 , 2 \n');
    expect(items[0]).toMatchObject({ names: ['id', 'value'] });
    expect(items[1]).toMatchObject({ fields: [' 1 ', ' 2 '] });
  });

  it('When the layout says ";", then fields are split at semicolons and commas stay in values', async () => {
    const items = await readAll('id;value\n1;7,2\n2;"a;b"\n', { delimiter: ';' });
    expect(items[0]).toMatchObject({ names: ['id', 'value'] });
    expect(records(items)).toEqual([
      { line: 2, fields: ['1', '7,2'] },
      { line: 3, fields: ['2', 'a;b'] },
    ]);
  });

  it('When the layout says tab, then fields are split at tabs', async () => {
    const items = await readAll('id\tname\tvalue\n1\tAnn Lee\t5,4\n', { delimiter: '\t' });
    expect(items[0]).toMatchObject({ names: ['id', 'name', 'value'] });
    expect(records(items)).toEqual([{ line: 2, fields: ['1', 'Ann Lee', '5,4'] }]);
  });

  it('When a row has too few or too many fields, then it is a ragged-row problem at its line and reading goes on', async () => {
    const items = await readAll('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    expect(items.slice(1)).toEqual([
      { kind: 'record', line: 2, fields: ['1', '2', '3'], raw: '1,2,3' },
      {
        kind: 'problem',
        line: 3,
        code: 'ragged-row',
        message: 'Line 3: expected 3 fields as in the header, found 2',
        raw: '4,5',
        fields: ['4', '5'],
      },
      {
        kind: 'problem',
        line: 4,
        code: 'ragged-row',
        message: 'Line 4: expected 3 fields as in the header, found 4',
        raw: '6,7,8,9',
        fields: ['6', '7', '8', '9'],
      },
      { kind: 'record', line: 5, fields: ['10', '11', '12'], raw: '10,11,12' },
    ]);
  });

  it('When one row holds bytes that are not UTF-8, then only that row is an invalid-encoding problem, without its content in the message', async () => {
    const file = Buffer.concat([
      Buffer.from('id,name\n1,Müller\n2,M'),
      Buffer.from([0xfc]), // ü in latin1
      Buffer.from('ller\n3,\uFFFD\n4,Ng\n'),
    ]);
    const items = await readAll(file);
    expect(items.map((i) => [i.kind, i.line])).toEqual([
      ['header', 1],
      ['record', 2],
      ['problem', 3],
      ['record', 4],
      ['record', 5],
    ]);
    const problem = items[2];
    expect(problem).toMatchObject({ code: 'invalid-encoding', message: 'Line 3 is not valid UTF-8' });
    expect(problem?.kind === 'problem' && problem.message).not.toContain('ller');
    expect(items[1]).toMatchObject({ fields: ['1', 'Müller'] });
    // A U+FFFD written as valid UTF-8 is text like any other.
    expect(items[3]).toMatchObject({ fields: ['3', '\uFFFD'] });
  });

  it('When a file is latin1, then its bytes are read as ISO-8859-1', async () => {
    const items = await readAll(latin1('name,unit\nMüller,µmol/L\n'), { encoding: 'latin1' });
    expect(records(items)).toEqual([{ line: 2, fields: ['Müller', 'µmol/L'] }]);
  });

  it('When a file is windows-1252, then 0x80 is the euro sign, while latin1 keeps it as U+0080', async () => {
    const file = Buffer.concat([latin1('name,price\nMüller,'), Buffer.from([0x80]), latin1('5\n')]);
    const cp1252 = await readAll(file, { encoding: 'windows-1252' });
    expect(cp1252[1]).toEqual({ kind: 'record', line: 2, fields: ['Müller', '€5'], raw: 'Müller,€5' });
    const iso = await readAll(file, { encoding: 'latin1' });
    expect(iso[1]).toMatchObject({ fields: ['Müller', '\u00805'] });
  });

  it('When the file has no bytes, only a BOM, or only blank lines, then it is csv.empty', async () => {
    for (const input of [[], [''], [Buffer.from([0xef, 0xbb, 0xbf])], ['\n\r\n'], [' \n\t\n  ']]) {
      const { error, items } = await readFailure(input);
      expect(error.code, JSON.stringify(input)).toBe(ErrorCode.CsvEmpty);
      expect(items).toEqual([]);
    }
  });

  it('When the file has a header and no data, then only the header is yielded', async () => {
    expect(await readAll('id,value\r\n')).toEqual([{ kind: 'header', line: 1, names: ['id', 'value'] }]);
    expect(await readAll('id,value')).toEqual([{ kind: 'header', line: 1, names: ['id', 'value'] }]);
  });

  it('When the file is a PNG image or holds a NUL byte, then it is csv.not-csv and nothing is yielded', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const pngRead = await readFailure(png);
    expect(pngRead.error.code).toBe(ErrorCode.CsvNotCsv);
    expect(pngRead.text).toContain('line 2');
    expect(pngRead.items).toEqual([]);
    const nul = await readFailure([Buffer.from('id,value\n1,2\n'), Buffer.from([0x33, 0x00, 0x2c, 0x34, 0x0a])]);
    expect(nul.error.code).toBe(ErrorCode.CsvNotCsv);
    expect(nul.text).toContain('line 3');
    expect(nul.items).toEqual([]);
  });

  it('When the file is UTF-16, then it is csv.not-csv saying so', async () => {
    const { error, text } = await readFailure(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]),
    );
    expect(error.code).toBe(ErrorCode.CsvNotCsv);
    expect(text).toContain('UTF-16');
  });

  it('When a quote is never closed, then it is csv.not-csv naming the line where the quote opened', async () => {
    const { error, items, text } = await readFailure('id,note\n1,ok\n\n2,"starts here\nand goes on\n3,x\n');
    expect(error.code).toBe(ErrorCode.CsvNotCsv);
    expect(text).toBe('The quote opened at line 4 is never closed: the file ends inside a quoted field');
    // What came before was yielded; the error refuses the whole file.
    expect(items.map((i) => i.line)).toEqual([1, 2]);
    // Neither the outcome nor the cause holds the row's text.
    expect(JSON.stringify(error.outcome)).not.toContain('starts here');
    expect(error.cause).toBeUndefined();
  });

  it('When a record grows past the size limit, then it is csv.record-too-large naming where it starts', async () => {
    const { error, text } = await readFailure(['id,note\n1,"', 'x'.repeat(5000)], {}, 1000);
    expect(error.code).toBe(ErrorCode.CsvRecordTooLarge);
    expect(text).toContain('line 2');
    expect(text).toContain('quote opened at line 2');
  });

  it('When the file uses ";" but the layout says ",", then it is csv.wrong-delimiter naming both', async () => {
    const { error, text } = await readFailure('id;name;value\n1;Ann;5,4\n');
    expect(error.code).toBe(ErrorCode.CsvWrongDelimiter);
    expect(text).toContain("the file seems to use ';' as delimiter, the layout says ','");
    expect(text).toContain('line 1');
  });

  it('When the file uses tabs but the layout says ";", then the tab is named', async () => {
    const { error, text } = await readFailure('id\tvalue\n', { delimiter: ';' });
    expect(error.code).toBe(ErrorCode.CsvWrongDelimiter);
    expect(text).toContain('seems to use tab');
  });

  it('When a single-column header is one quoted name holding a comma, then it is read as written', async () => {
    expect(await readAll('"name, full"\n"Lee, Ann"\n')).toEqual([
      { kind: 'header', line: 1, names: ['name, full'] },
      { kind: 'record', line: 2, fields: ['Lee, Ann'], raw: '"Lee, Ann"' },
    ]);
  });

  it('When two header names are the same after trimming, then it is csv.duplicate-header naming them and their columns', async () => {
    const { error, text } = await readFailure('id,value, id,unit\n1,2,3,4\n');
    expect(error.code).toBe(ErrorCode.CsvDuplicateHeader);
    expect(text).toBe('The header (line 1) names "id" in columns 1, 3');
  });

  it('When a header name is empty, then it is csv.empty-header naming every empty column', async () => {
    const { error, text } = await readFailure('id,,value,  \n1,2,3,4\n');
    expect(error.code).toBe(ErrorCode.CsvEmptyHeader);
    expect(text).toBe('The header (line 1) has no name for column 2\nThe header (line 1) has no name for column 4');
  });

  it('When a blank line stands where the header is expected and data follows, then it is csv.empty-header', async () => {
    const { error, text } = await readFailure('   \nid,value\n1,2\n');
    expect(error.code).toBe(ErrorCode.CsvEmptyHeader);
    expect(text).toContain('Line 1');
  });

  it('When the header is not valid UTF-8, then it is csv.wrong-encoding', async () => {
    const { error } = await readFailure(latin1('name,Größe\nx,1\n'));
    expect(error.code).toBe(ErrorCode.CsvWrongEncoding);
  });

  it('When a file said to be windows-1252 starts with a UTF-8 BOM, then it is csv.wrong-encoding', async () => {
    const { error, text } = await readFailure(Buffer.from('\uFEFFid\n1\n'), { encoding: 'windows-1252' });
    expect(error.code).toBe(ErrorCode.CsvWrongEncoding);
    expect(text).toContain('windows-1252');
  });

  it('When a normal row is read, then raw is its original text, quotes and spaces included', async () => {
    const line = ' 7 ,"say ""hi""",,"a,b"';
    const items = await readAll(`a,b,c,d\r\n${line}\r\n`);
    expect(items[1]).toEqual({ kind: 'record', line: 2, fields: [' 7 ', 'say "hi"', '', 'a,b'], raw: line });
  });

  it('When a quoted field has text after its closing quote, then the row is an invalid-quote problem; a quote inside an unquoted field is kept', async () => {
    const items = await readAll('a,b\n1,"x"y\n2,5"\n');
    expect(items[1]).toMatchObject({
      kind: 'problem',
      line: 2,
      code: 'invalid-quote',
      message: 'Line 2, field 2: text follows the closing quote of a quoted field',
      raw: '1,"x"y',
    });
    expect(items[2]).toEqual({ kind: 'record', line: 3, fields: ['2', '5"'], raw: '2,5"' });
  });

  it('When the input comes in small chunks split inside records and characters, then the items are those of one chunk', async () => {
    // The first 4 KiB are gathered before parsing starts, so the interesting rows come after 300 plain ones.
    const padding = '0;padding;row\r\n'.repeat(300);
    const file = Buffer.concat([
      Buffer.from(`\uFEFFid;name;note\r\n${padding}1;Zoë;"two\r\nlines"\r\n\r\n2;€ 5;ok\r\n3;bad `),
      Buffer.from([0xe2, 0x82]), // a cut-off €
      Buffer.from(';x\r\n4;日本;"a ""q"""\r\n5;short\r\n6;end;😀'),
    ]);
    const whole = await readAll(file, { delimiter: ';' });
    expect(whole).toHaveLength(307);
    expect(whole.slice(301).map((i) => `${i.kind}@${i.line}`)).toEqual([
      'record@302',
      'record@305',
      'problem@306',
      'record@307',
      'problem@308',
      'record@309',
    ]);
    expect(whole.at(-1)).toMatchObject({ fields: ['6', 'end', '😀'] });
    for (const max of [1, 2, 3, 7, 100]) {
      expect(await readAll(split(file, max), { delimiter: ';' }), `pieces of up to ${max} bytes`).toEqual(whole);
    }
  });

  it('When line endings are mixed in one file, then each of CRLF, LF and CR ends a line', async () => {
    const items = await readAll('a,b\r\n1,2\n3,4\r5,6\r\n');
    expect(records(items)).toEqual([
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
      { line: 4, fields: ['5', '6'] },
    ]);
  });

  it('When text and byte chunks are mixed, then the input is refused', async () => {
    const { error } = await readFailure(['a,b\n', Buffer.from('1,2\n')]);
    expect(error.code).toBe(ErrorCode.IngestBadInput);
  });

  it('When a large file is read, then records keep their lines across the parser pieces', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => (i % 1000 === 0 ? `${i},"multi\nline"` : `${i},v${i}`));
    const items = await readAll(`n,v\n${rows.join('\n')}\n`);
    expect(items).toHaveLength(30_001);
    let line = 2;
    for (const item of items.slice(1)) {
      expect(item.line).toBe(line);
      line += item.kind === 'record' && item.fields[1] === 'multi\nline' ? 2 : 1;
    }
  });

  it('When the input is text rather than bytes, then it is read as text whatever the encoding says', async () => {
    const items = await readAll(['id,name\n1,Mü', 'ller €\n'], { encoding: 'latin1' });
    expect(records(items)).toEqual([{ line: 2, fields: ['1', 'Müller €'] }]);
  });

  it('When the format is not readable, then it is mapping.invalid before anything is read', async () => {
    const { error, text } = await readFailure('a,b\n', { delimiter: ',,', quote: ',' });
    expect(error.code).toBe(ErrorCode.MappingInvalid);
    expect(text).toContain('delimiter');
  });

  it('When the reader stops early, then the input is closed', async () => {
    let closed = false;
    let chunks = 0;
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) {
          chunks++;
          yield chunks === 1 ? 'a,b\n' : '1,2\n'.repeat(2000);
        }
      } finally {
        closed = true;
      }
    }
    for await (const item of readCsv(endless(), CSV)) if (item.kind === 'record') break;
    expect(closed).toBe(true);
    expect(chunks).toBeLessThan(5);
  });
});
