import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { isValidDate, toDayNumber } from 'src/common/calendar/day-number';
import { CsvFormat, DEFAULT_CSV_FORMAT } from 'src/data/csv/csv-format';
import { CsvDefect, CsvLoadError, CsvLoadErrorKind } from 'src/data/csv/csv-load.error';
import {
  loadSalesCsv,
  SalesCsvLoadOptions,
  SalesCsvLoadResult,
  SalesCsvProgress,
} from 'src/data/csv/sales-csv-loader';
import { INEXACT_FRACTION_DIGITS } from 'src/data/csv/field-scanners';
import { MAX_RECORD_BYTES } from 'src/data/csv/sales-csv-parser';

const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'csv');
const okFixture = (name: string): string => join(FIXTURES, 'ok', name);
const notOkFixture = (name: string): string => join(FIXTURES, 'not-ok', name);

const STRICT: SalesCsvLoadOptions = { format: DEFAULT_CSV_FORMAT };
const LENIENT: SalesCsvLoadOptions = { format: DEFAULT_CSV_FORMAT, lenient: true };

/** Rows as plain tuples, which makes failures readable. */
function rowsOf(result: SalesCsvLoadResult): [string, number, number][] {
  const { countries, countryCodes, days, values, rowCount } = result.columns;
  return Array.from({ length: rowCount }, (_, i) => [
    countries[countryCodes[i]],
    days[i],
    values[i],
  ]);
}

async function loadError(file: string, options: SalesCsvLoadOptions): Promise<CsvLoadError> {
  try {
    await loadSalesCsv(file, options);
  } catch (error) {
    if (error instanceof CsvLoadError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${file} to be rejected`);
}

const day = toDayNumber;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sales-csv-loader-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function tmpFile(name: string, content: string | Buffer): string {
  const file = join(tmp, name);
  writeFileSync(file, content);
  return file;
}

describe('loadSalesCsv on valid files', () => {
  it('reads a basic file', async () => {
    const result = await loadSalesCsv(okFixture('basic.csv'), STRICT);
    expect(rowsOf(result)).toEqual([
      ['AR', day(2024, 1, 1), 726.82],
      ['BR', day(2023, 6, 15), 1500],
      ['CL', day(2025, 12, 31), 0.99],
      ['AR', day(2024, 2, 29), -12.5],
    ]);
    expect(result.columns.countries).toEqual(['AR', 'BR', 'CL']);
    expect(Array.from(result.columns.countryCodes)).toEqual([0, 1, 2, 0]);
    expect(result.columns.countryCodes).toBeInstanceOf(Uint16Array);
    expect(result.columns.days).toBeInstanceOf(Int32Array);
    expect(result.columns.values).toBeInstanceOf(Float64Array);
    expect(result.columns.values).toHaveLength(4);
    expect(result.rejectedRows).toBe(0);
    expect(result.rejectedExamples).toEqual([]);
  });

  it('drops a UTF-8 BOM and reads CRLF line ends', async () => {
    const result = await loadSalesCsv(okFixture('bom-crlf.csv'), STRICT);
    expect(rowsOf(result)).toEqual([
      ['AR', day(2024, 1, 2), 10.5],
      ['UY', day(2024, 1, 3), 20],
      ['AR', day(2024, 1, 4), 30.25],
    ]);
  });

  it('reads quoted fields holding commas, doubled quotes and line breaks', async () => {
    const result = await loadSalesCsv(okFixture('quoted-fields.csv'), STRICT);
    expect(rowsOf(result)).toEqual([
      ['AR', day(2024, 1, 1), 726.82],
      ['BR', day(2024, 1, 2), 100],
      ['CL', day(2024, 1, 3), 7],
      ['AR', day(2024, 1, 4), 8.5],
      ['UY', day(2024, 1, 5), 9],
    ]);
  });

  it('skips blank lines before the header, between rows and at the end', async () => {
    const result = await loadSalesCsv(okFixture('blank-lines.csv'), STRICT);
    expect(rowsOf(result)).toEqual([
      ['AR', day(2024, 1, 1), 1],
      ['BR', day(2024, 1, 2), 2],
      ['CL', day(2024, 1, 3), 3],
    ]);
  });

  it('upper-cases country codes', async () => {
    const result = await loadSalesCsv(okFixture('lowercase-countries.csv'), STRICT);
    expect(rowsOf(result)).toEqual([
      ['AR', day(2020, 10, 10), 1.25],
      ['AR', day(2020, 10, 11), 2.5],
      ['AR', day(2020, 10, 12), 3.75],
      ['BR', day(2020, 10, 13), 4],
    ]);
    expect(result.columns.countries).toEqual(['AR', 'BR']);
  });

  it('finds the columns by name in any order and ignores extra columns', async () => {
    const result = await loadSalesCsv(okFixture('reordered-extra-column.csv'), STRICT);
    expect(rowsOf(result)).toEqual([
      ['PE', day(2022, 3, 5), 99.9],
      ['PE', day(2022, 3, 6), 100],
      ['MX', day(2022, 3, 7), 0.01],
    ]);
  });

  it('reads a last line without a line end', async () => {
    const result = await loadSalesCsv(okFixture('no-trailing-newline.csv'), STRICT);
    expect(rowsOf(result)).toEqual([
      ['AR', day(2024, 1, 1), 1],
      ['BR', day(2024, 1, 2), 2],
    ]);
  });

  it('reads signs, exponents, leading zeros and long digit strings exactly like Number()', async () => {
    const result = await loadSalesCsv(okFixture('number-forms.csv'), STRICT);
    const texts = ['+12.5', '-3', '1.5e3', '2E-2', '007.50', '0.000123', '-0'];
    texts.push('12345678901234567890', '0.1');
    expect(Array.from(result.columns.values)).toEqual(texts.map(Number));
    expect(Object.is(result.columns.values[6], -0)).toBe(true);
  });

  it('honours configured column names and the MM/DD/YYYY layout', async () => {
    const format: CsvFormat = {
      countryColumn: 'pais',
      valueColumn: 'monto',
      dateColumn: 'date',
      dateFormat: 'MM/DD/YYYY',
    };
    const result = await loadSalesCsv(okFixture('month-first-custom-columns.csv'), { format });
    expect(rowsOf(result)).toEqual([
      ['AR', day(2024, 12, 31), 1],
      ['BR', day(2024, 2, 29), 2.5],
      ['AR', day(2024, 1, 2), 3],
    ]);
  });

  it('honours the YYYY-MM-DD layout', async () => {
    const format: CsvFormat = { ...DEFAULT_CSV_FORMAT, dateFormat: 'YYYY-MM-DD' };
    const result = await loadSalesCsv(okFixture('iso-dates.csv'), { format });
    expect(rowsOf(result)).toEqual([
      ['AR', day(2024, 12, 31), 1],
      ['CL', day(2000, 2, 29), 2],
      ['AR', day(1999, 1, 2), 3],
    ]);
  });

  it.each([
    'basic.csv',
    'bom-crlf.csv',
    'quoted-fields.csv',
    'blank-lines.csv',
    'reordered-extra-column.csv',
    'no-trailing-newline.csv',
    'number-forms.csv',
  ])('gives the same result for %s whatever the read size', async (name) => {
    const expected = rowsOf(await loadSalesCsv(okFixture(name), STRICT));
    for (const chunkBytes of [1, 2, 3, 5, 8, 13]) {
      const result = await loadSalesCsv(okFixture(name), { ...STRICT, chunkBytes });
      expect(rowsOf(result)).toEqual(expected);
    }
  });

  it('accepts exactly the real calendar dates, with the day numbers of toDayNumber', async () => {
    const lines = ['country,value,fecha'];
    const expected: number[] = [];
    for (const year of [1900, 1999, 2000, 2023, 2024, 2100]) {
      for (let month = 0; month <= 13; month++) {
        for (let d = 0; d <= 32; d++) {
          const pad = (n: number): string => String(n).padStart(2, '0');
          lines.push(`AR,1,${pad(d)}/${pad(month)}/${year}`);
          if (isValidDate(year, month, d)) {
            expected.push(toDayNumber(year, month, d));
          }
        }
      }
    }
    const file = tmpFile('calendar.csv', `${lines.join('\n')}\n`);
    const result = await loadSalesCsv(file, { ...LENIENT, maxReportedDefects: 0 });
    expect(Array.from(result.columns.days)).toEqual(expected);
    expect(result.rejectedRows).toBe(lines.length - 1 - expected.length);
    expect(result.rejectedExamples).toEqual([]);
  });

  it('reports the SHA-256 and size of the file bytes', async () => {
    const file = okFixture('quoted-fields.csv');
    const bytes = readFileSync(file);
    const result = await loadSalesCsv(file, { ...STRICT, chunkBytes: 7 });
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.bytes).toBe(bytes.length);
  });
});

interface DefectCase {
  readonly file: string;
  readonly kind: CsvLoadErrorKind;
  readonly line: number;
  readonly column: string | null;
  readonly reason: string;
  /** Rows kept in lenient mode, or null when lenient mode must throw too. */
  readonly lenientRows: number | null;
}

const row = (
  file: string,
  line: number,
  column: string | null,
  reason: string,
  lenientRows: number | null,
): DefectCase => ({ file, kind: 'defective-rows', line, column, reason, lenientRows });

const fileLevel = (
  file: string,
  kind: CsvLoadErrorKind,
  line: number,
  reason: string,
): DefectCase => ({ file, kind, line, column: null, reason, lenientRows: null });

const DEFECT_CASES: DefectCase[] = [
  row('invalid-date-31-02.csv', 3, 'fecha', '"31/02/2024" is not a calendar date', 1),
  row('invalid-date-29-02-2023.csv', 4, 'fecha', '"29/02/2023" is not a calendar date', 2),
  row('iso-date.csv', 2, 'fecha', '"2024-01-05" does not match DD/MM/YYYY', null),
  row('short-year-date.csv', 3, 'fecha', '"1/1/24" does not match DD/MM/YYYY', 1),
  row('empty-date.csv', 2, 'fecha', 'date is empty', null),
  row('value-nan.csv', 3, 'value', '"NaN" is not a finite number', 1),
  row('value-infinity.csv', 2, 'value', '"-Infinity" is not a finite number', null),
  row('value-overflow.csv', 2, 'value', '"1e999" is not a finite number (out of range)', null),
  row('value-decimal-comma.csv', 3, null, 'expected 3 fields, found 4', 1),
  row('value-decimal-comma-quoted.csv', 2, 'value', 'the decimal separator must be "."', null),
  row('value-thousands-separator.csv', 2, 'value', '"1,234.50" is not a decimal number', null),
  row('value-hex.csv', 2, 'value', '"0x1F" is not a decimal number', null),
  row('value-currency-symbol.csv', 2, 'value', '"$12.50" is not a decimal number', null),
  row('value-surrounding-spaces.csv', 2, 'value', 'has leading or trailing whitespace', null),
  row('empty-value.csv', 5, 'value', 'value is empty', 3),
  row('country-three-letters.csv', 2, 'country', '"ARG" is not a two-letter country code', null),
  row('country-digits.csv', 2, 'country', '"A1" is not a two-letter country code', null),
  row('country-non-ascii.csv', 2, 'country', '"ÑA" is not a two-letter country code', null),
  row('empty-country.csv', 3, 'country', 'country is empty', 1),
  row('missing-field.csv', 3, null, 'expected 3 fields, found 2', 2),
  row('extra-field.csv', 2, null, 'expected 3 fields, found 4', null),
  row('whitespace-only-line.csv', 3, null, 'expected 3 fields, found 1', 2),
  row('repeated-header.csv', 4, null, 'repeated header', 3),
  row('unclosed-quote.csv', 3, 'value', 'quoted field is not closed before the end of the file', 1),
  row('quote-inside-unquoted-field.csv', 2, 'value', 'quote inside an unquoted field', null),
  row('text-after-closing-quote.csv', 2, 'value', 'unexpected "5" after a closing quote', null),
  row('non-utf8.csv', 3, 'notes', 'invalid UTF-8 byte 0xFA', 1),
  row('truncated-last-line.csv', 4, null, 'expected 3 fields, found 2', 2),
  row('date-with-time.csv', 3, 'fecha', '"16/01/2024 10:30" does not match DD/MM/YYYY', 1),
  row('month-13.csv', 3, 'fecha', '"15/13/2024" is not a calendar date', 1),
  row('nul-byte.csv', 3, 'value', '"5\\u0000" is not a decimal number', 1),
  fileLevel(
    'wrong-delimiter.csv',
    'bad-header',
    1,
    'header lacks columns "country", "value", "fecha" (found: "country;value;fecha"); fields must be separated by "," not ";"',
  ),
  fileLevel(
    'missing-column.csv',
    'bad-header',
    1,
    'header lacks column "value" (found: "country", "valor", "fecha")',
  ),
  fileLevel('duplicate-column.csv', 'bad-header', 1, 'header has column "value" more than once'),
  fileLevel('empty-file.csv', 'empty-file', 0, 'file is empty'),
  fileLevel('blank-lines-only.csv', 'empty-file', 0, 'file has only blank lines'),
  fileLevel('header-only.csv', 'no-data-rows', 0, 'no data rows after the header'),
  fileLevel(
    'header-wrong-case.csv',
    'bad-header',
    1,
    'header lacks columns "country", "value", "fecha" (found: "Country", "Value", "Fecha")',
  ),
  fileLevel('cr-only-line-endings.csv', 'bad-header', 1, 'header lacks column "fecha"'),
  fileLevel('utf16-le-bom.csv', 'bad-header', 1, 'header has an invalid UTF-8 byte 0xFF'),
  fileLevel('gzip-compressed.csv', 'bad-header', 1, 'header has an invalid UTF-8 byte 0x8B'),
];

describe('fraction digits', () => {
  it.each([
    // values, most fraction digits as written (trailing zeros aside, exponent applied)
    [['100', '0.5', '7'], 1],
    [['1.10', '2.2'], 1],
    [['1.2345', '-3', '+0.25'], 4],
    [['1.23456', '2'], 5],
    [['1.50000', '2.5'], 1],
    [['1.5e3', '2'], 0],
    [['15e-5', '1'], 5],
    [['0.0001', '10.00'], 4],
    // More than 15 significant digits are not read exactly: never an exact decimal.
    [['1234567890123456', '1'], INEXACT_FRACTION_DIGITS],
    [['0.10000000000000000001'], INEXACT_FRACTION_DIGITS],
  ])('counts %j as %p', async (values, expected) => {
    const canonical = ['country,value,fecha', ...values.map((v) => `AR,${v},01/01/2024`)];
    const reordered = ['fecha,value,country', ...values.map((v) => `01/01/2024,${v},AR`)];
    const quoted = ['country,value,fecha', ...values.map((v) => `AR,"${v}",01/01/2024`)];
    for (const [name, lines] of Object.entries({ canonical, reordered, quoted })) {
      const file = tmpFile(`digits-${name}.csv`, `${lines.join('\n')}\n`);
      const { columns } = await loadSalesCsv(file, STRICT);
      expect({ name, digits: columns.fractionDigits }).toEqual({ name, digits: expected });
    }
  });
});

describe('loadSalesCsv on defective files', () => {
  it.each(DEFECT_CASES)(
    'rejects $file: line $line, column $column, $reason',
    async ({ file, kind, line, column, reason }) => {
      const path = notOkFixture(file);
      const error = await loadError(path, STRICT);
      expect(error.name).toBe('CsvLoadError');
      expect(error.kind).toBe(kind);
      expect(error.file).toBe(path);
      expect(error.totalDefects).toBe(1);
      expect(error.defects).toHaveLength(1);
      const [defect] = error.defects;
      expect(defect).toEqual({ line, column, reason: expect.stringContaining(reason) });
      expect(error.message.startsWith(`${path}: `)).toBe(true);
      expect(error.message).toContain(reason);
      if (line > 0) {
        expect(error.message).toContain(`line ${line}`);
      }
      if (column !== null) {
        expect(error.message).toContain(`column "${column}"`);
      }
    },
  );

  it.each(DEFECT_CASES)('in lenient mode handles $file', async ({ file, lenientRows, line }) => {
    const path = notOkFixture(file);
    if (lenientRows === null) {
      await expect(loadSalesCsv(path, LENIENT)).rejects.toBeInstanceOf(CsvLoadError);
      return;
    }
    const result = await loadSalesCsv(path, LENIENT);
    expect(result.columns.rowCount).toBe(lenientRows);
    expect(result.rejectedRows).toBe(1);
    expect(result.rejectedExamples).toEqual([expect.objectContaining({ line })]);
  });

  it('has a fixture for every case and a case for every fixture', () => {
    const fixtures = readdirSync(join(FIXTURES, 'not-ok'));
    expect(DEFECT_CASES.map((c) => c.file).sort()).toEqual(fixtures.sort());
    expect(fixtures.length).toBeGreaterThanOrEqual(18);
  });

  it('formats the message as one line per defect', async () => {
    const file = tmpFile(
      'three-defects.csv',
      'country,value,fecha\nAR,1,01/01/2024\nAR,abc,01/01/2024\nARG,1,01/01/2024\nAR,1\n',
    );
    const error = await loadError(file, STRICT);
    expect(error.message).toBe(
      `${file}: 3 defective rows (showing 3):\n` +
        '  line 3, column "value": "abc" is not a decimal number\n' +
        '  line 4, column "country": "ARG" is not a two-letter country code\n' +
        '  line 5: expected 3 fields, found 2',
    );
  });

  it('reports the line a defect is on when quoted fields span lines', async () => {
    const file = tmpFile(
      'multiline.csv',
      'notes,country,value,fecha\n"a\nb\nc",AR,1,01/01/2024\n"d\ne",AR,x,01/01/2024\n',
    );
    const error = await loadError(file, STRICT);
    // The record starts on line 5; its value field sits on line 6.
    expect(error.defects).toEqual([
      { line: 6, column: 'value', reason: '"x" is not a decimal number' },
    ]);
  });

  it('reports the line of an invalid byte inside a multi-line field', async () => {
    const file = tmpFile(
      'multiline-latin1.csv',
      Buffer.concat([
        Buffer.from('country,value,fecha,notes\nAR,1,01/01/2024,"first\nsecond '),
        Buffer.from([0xe9]),
        Buffer.from('"\n'),
      ]),
    );
    const error = await loadError(file, STRICT);
    expect(error.defects).toEqual([
      { line: 3, column: 'notes', reason: 'invalid UTF-8 byte 0xE9' },
    ]);
  });

  it('reads quoted one-line fields and accented notes like plain ones, and checks their bytes', async () => {
    const file = tmpFile(
      'quoted-and-accented.csv',
      Buffer.concat([
        Buffer.from(
          'country,value,notes,fecha\n"AR","1.5","Perú, ñandú €","01/01/2024"\n' +
            'BR,2,año,02/01/2024\n"CL","3",""" quoted """,03/01/2024\nUY,4,"caf',
        ),
        Buffer.from([0xe9, 0x22]), // "café" in Latin-1: an invalid UTF-8 byte before the quote.
        Buffer.from(',04/01/2024\nUY,5,"ok",05/01/2024\n'),
      ]),
    );
    const error = await loadError(file, STRICT);
    expect(error.defects).toEqual([
      { line: 5, column: 'notes', reason: 'invalid UTF-8 byte 0xE9' },
    ]);
    const result = await loadSalesCsv(file, LENIENT);
    expect(rowsOf(result)).toEqual([
      ['AR', 19723, 1.5],
      ['BR', 19724, 2],
      ['CL', 19725, 3],
      ['UY', 19727, 5],
    ]);
  });
});

describe('defect reporting', () => {
  const manyDefects = (): string => {
    const lines = ['country,value,fecha'];
    for (let i = 0; i < 60; i++) {
      lines.push(i % 6 === 0 ? 'AR,1,01/01/2024' : `AR,bad${i},01/01/2024`);
    }
    return tmpFile('many-defects.csv', `${lines.join('\n')}\n`);
  };

  it('keeps the first 20 defects and counts all of them', async () => {
    const file = manyDefects();
    const error = await loadError(file, STRICT);
    expect(error.totalDefects).toBe(50);
    expect(error.defects).toHaveLength(20);
    expect(error.defects[0]).toEqual({
      line: 3,
      column: 'value',
      reason: '"bad1" is not a decimal number',
    });
    expect(error.defects[19].line).toBe(25);
    expect(error.message.split('\n')[0]).toBe(`${file}: 50 defective rows (showing 20):`);
    expect(error.message.split('\n')).toHaveLength(21);
  });

  it('honours maxReportedDefects', async () => {
    const error = await loadError(manyDefects(), { ...STRICT, maxReportedDefects: 3 });
    expect(error.totalDefects).toBe(50);
    expect(error.defects.map((d: CsvDefect) => d.line)).toEqual([3, 4, 5]);
  });

  it('skips defective rows in lenient mode and returns the valid ones', async () => {
    const result = await loadSalesCsv(manyDefects(), LENIENT);
    expect(result.columns.rowCount).toBe(10);
    expect(result.rejectedRows).toBe(50);
    expect(result.rejectedExamples).toHaveLength(20);
    expect(result.rejectedExamples[0].line).toBe(3);
  });

  it('leaves the countries of rejected rows out of the dictionary', async () => {
    const file = tmpFile(
      'rejected-countries.csv',
      'country,value,fecha,notes\nZZ,abc,01/01/2024,\nAR,1,01/01/2024,\nYY,"x",01/01/2024,\n',
    );
    const result = await loadSalesCsv(file, LENIENT);
    expect(result.columns.countries).toEqual(['AR']);
    expect(Array.from(result.columns.countryCodes)).toEqual([0]);
  });

  it('rejects invalid options', async () => {
    const format = { ...DEFAULT_CSV_FORMAT, valueColumn: 'country' };
    await expect(loadSalesCsv(okFixture('basic.csv'), { format })).rejects.toThrow(TypeError);
    await expect(
      loadSalesCsv(okFixture('basic.csv'), { ...STRICT, maxReportedDefects: -1 }),
    ).rejects.toThrow(TypeError);
  });
});

describe("dates outside the store's day range", () => {
  // 1970-01-01 to 2105-12-31, the range of ClickHouse's Date column.
  const CLICKHOUSE_DAYS = { first: 0, last: 49_672, store: 'ClickHouse' };
  const RANGED: SalesCsvLoadOptions = { ...STRICT, dayRange: CLICKHOUSE_DAYS };
  const outside = (text: string): string =>
    `"${text}" is outside the dates ClickHouse stores (1970-01-01 to 2105-12-31)`;

  it.each([
    // The canonical layout's run loop, with a quoted line break above to move the line numbers.
    [
      'canonical',
      'country,value,fecha\nAR,1,01/01/1970\n\nAR,2,31/12/1969\nAR,3,31/12/2105\nAR,4,01/01/2106\n',
      [
        { line: 4, column: 'fecha', reason: outside('31/12/1969') },
        { line: 6, column: 'fecha', reason: outside('01/01/2106') },
      ],
    ],
    [
      'columns in another order, one quoted across lines',
      'fecha,notes,country,value\n01/01/2024,"a\nb",AR,1\n15/06/1900,,AR,2\n"01/01/3000",,UY,3\n',
      [
        { line: 4, column: 'fecha', reason: outside('15/06/1900') },
        { line: 5, column: 'fecha', reason: outside('01/01/3000') },
      ],
    ],
  ])('reports each such row with its line and column (%s)', async (_, text, defects) => {
    const error = await loadError(tmpFile('outside-range.csv', text), RANGED);
    expect(error.kind).toBe('defective-rows');
    expect(error.defects).toEqual(defects);
    expect(error.totalDefects).toBe(2);
  });

  it('still names real calendar mistakes as such, whatever the range', async () => {
    const file = tmpFile('not-a-date.csv', 'country,value,fecha\nAR,1,31/02/1969\n');
    const error = await loadError(file, RANGED);
    expect(error.defects).toEqual([
      { line: 2, column: 'fecha', reason: '"31/02/1969" is not a calendar date' },
    ]);
  });

  it('honours the YYYY-MM-DD layout', async () => {
    const format: CsvFormat = { ...DEFAULT_CSV_FORMAT, dateFormat: 'YYYY-MM-DD' };
    const file = tmpFile(
      'iso-outside.csv',
      'country,value,fecha\nAR,1,1969-12-31\nAR,2,1970-01-01\n',
    );
    const error = await loadError(file, { format, dayRange: CLICKHOUSE_DAYS });
    expect(error.defects).toEqual([{ line: 2, column: 'fecha', reason: outside('1969-12-31') }]);
  });

  it('skips and counts such rows in lenient mode', async () => {
    const file = tmpFile(
      'outside-lenient.csv',
      'country,value,fecha\nAR,1,01/01/1970\nAR,2,31/12/1969\nUY,3,31/12/2105\n',
    );
    const result = await loadSalesCsv(file, { ...LENIENT, dayRange: CLICKHOUSE_DAYS });
    expect(rowsOf(result)).toEqual([
      ['AR', 0, 1],
      ['UY', 49_672, 3],
    ]);
    expect(result.rejectedRows).toBe(1);
    expect(result.rejectedExamples).toEqual([
      { line: 3, column: 'fecha', reason: outside('31/12/1969') },
    ]);
  });

  it('accepts every real date of a four-digit year without a range', async () => {
    const file = tmpFile('no-range.csv', 'country,value,fecha\nAR,1,01/01/0001\nAR,2,31/12/9999\n');
    const result = await loadSalesCsv(file, STRICT);
    expect(rowsOf(result)).toEqual([
      ['AR', day(1, 1, 1), 1],
      ['AR', day(9999, 12, 31), 2],
    ]);
  });

  it('rejects a range that is not two ordered day numbers', async () => {
    for (const dayRange of [
      { first: 10, last: 9, store: 'x' },
      { first: 0.5, last: 9, store: 'x' },
    ]) {
      await expect(loadSalesCsv(okFixture('basic.csv'), { ...STRICT, dayRange })).rejects.toThrow(
        TypeError,
      );
    }
  });
});

describe('progress', () => {
  it('reports at least every 10% of the bytes and once at the end', async () => {
    const lines = ['country,value,fecha'];
    for (let i = 0; i < 20000; i++) {
      lines.push(`AR,${i}.5,01/01/2024`);
    }
    const file = tmpFile('progress.csv', `${lines.join('\n')}\n`);
    const size = readFileSync(file).length;
    const calls: SalesCsvProgress[] = [];
    const result = await loadSalesCsv(file, {
      ...STRICT,
      chunkBytes: 4096,
      onProgress: (p) => calls.push(p),
    });

    expect(calls.length).toBeGreaterThanOrEqual(10);
    expect(calls.at(-1)).toEqual({ rows: 20000, bytesRead: size, totalBytes: size });
    let previous = { rows: 0, bytesRead: 0 };
    for (const call of calls) {
      expect(call.totalBytes).toBe(size);
      expect(call.bytesRead).toBeGreaterThan(previous.bytesRead);
      expect(call.bytesRead - previous.bytesRead).toBeLessThanOrEqual(size / 10 + 4096);
      expect(call.rows).toBeGreaterThanOrEqual(previous.rows);
      previous = call;
    }
    expect(result.columns.rowCount).toBe(20000);
  });
});

describe('bounded memory', () => {
  it('stops on a 100 MB line at the record limit instead of buffering it', async () => {
    const file = join(tmp, 'one-long-line.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, 'country,value,fecha\nAR,1,01/01/2024\nAR,');
    const block = Buffer.alloc(1 << 20, '9');
    for (let i = 0; i < 100; i++) {
      writeSync(fd, block);
    }
    closeSync(fd);
    const progress = jest.fn();

    const error = await loadError(file, { ...STRICT, onProgress: progress });

    expect(error.kind).toBe('record-too-long');
    expect(error.defects).toEqual([
      {
        line: 3,
        column: null,
        reason: `record is longer than ${MAX_RECORD_BYTES} bytes; reading stopped`,
      },
    ]);
    // It gave up within the first 10% of the file, so progress was never due.
    expect(progress).not.toHaveBeenCalled();
  });

  it('names the line of a quote left open that swallows the rest of a large file', async () => {
    const lines = ['country,value,fecha', 'AR,1,01/01/2024', 'AR,"2,01/01/2024'];
    for (let i = 0; i < 100000; i++) {
      lines.push('BR,3,02/01/2024');
    }
    const file = tmpFile('open-quote.csv', `${lines.join('\n')}\n`);
    const error = await loadError(file, LENIENT);
    expect(error.kind).toBe('record-too-long');
    expect(error.defects[0].line).toBe(3);
    expect(error.message).toContain('the quoted field opened on line 3 is still not closed');
  });
});

describe('unusable paths', () => {
  it('reports a missing file', async () => {
    const file = join(tmp, 'nope.csv');
    const error = await loadError(file, STRICT);
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe(`${file}: file not found`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('reports a directory', async () => {
    const dir = join(tmp, 'a-directory.csv');
    mkdirSync(dir);
    const error = await loadError(dir, STRICT);
    expect(error.kind).toBe('not-a-file');
    expect(error.message).toBe(`${dir}: path is a directory`);
  });

  it('reports a dangling symbolic link', async () => {
    const link = join(tmp, 'dangling.csv');
    symlinkSync(join(tmp, 'missing-target.csv'), link);
    const error = await loadError(link, STRICT);
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe(`${link}: broken symbolic link (its target does not exist)`);
  });

  it('reports a path that cannot be opened (symbolic link loop)', async () => {
    const link = join(tmp, 'loop.csv');
    symlinkSync(link, link);
    const error = await loadError(link, LENIENT);
    expect(error.kind).toBe('unreadable');
    expect(error.message).toBe(`${link}: cannot open file: too many levels of symbolic links`);
  });
});
