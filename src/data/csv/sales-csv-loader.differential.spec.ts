import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CsvFormat, DateFormat, DEFAULT_CSV_FORMAT } from 'src/data/csv/csv-format';
import { CsvLoadError } from 'src/data/csv/csv-load.error';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';

/*
 * The loader against csv-parse (with the options whose semantics it follows) followed by a plain
 * per-row conversion written as directly as possible. Whatever the input and the read size, both
 * must accept the same rows with the same values, and reject the same files.
 */

const CSV_PARSE_OPTIONS = { bom: true, skip_empty_lines: true, relax_column_count: false };

type Row = [country: string, day: number, value: number];

type Reference =
  /** csv-parse rejects the file, or it has no usable header or no rows. */
  | { readonly accepted: false }
  | { readonly accepted: true; readonly rows: Row[]; readonly defectiveRows: number };

const DATE_PATTERNS: Record<DateFormat, RegExp> = {
  'DD/MM/YYYY': /^(?<d>\d{2})\/(?<m>\d{2})\/(?<y>\d{4})$/,
  'MM/DD/YYYY': /^(?<m>\d{2})\/(?<d>\d{2})\/(?<y>\d{4})$/,
  'YYYY-MM-DD': /^(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})$/,
};

function referenceRow(fields: string[], index: number[], format: CsvFormat): Row | null {
  const [country, valueText, dateText] = index.map((i) => fields[i]);
  if (!/^[A-Za-z]{2}$/.test(country)) {
    return null;
  }
  const value = Number(valueText);
  if (!/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(valueText) || !Number.isFinite(value)) {
    return null;
  }
  const date = DATE_PATTERNS[format.dateFormat].exec(dateText)?.groups;
  if (date === undefined) {
    return null;
  }
  const day = utcDayNumber(Number(date.y), Number(date.m), Number(date.d));
  return day === null ? null : [country.toUpperCase(), day, value];
}

const MS_PER_DAY = 86_400_000;

/**
 * Days since 1970-01-01 by the platform's own calendar (Date.UTC), independent of the loader's
 * day-number helpers; null when the date does not exist (Date rolls 31/02 over into March).
 */
function utcDayNumber(year: number, month: number, day: number): number | null {
  // setUTCFullYear, unlike Date.UTC, takes years 0-99 literally.
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year, month - 1, day);
  const exists =
    month >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
  return exists ? date.getTime() / MS_PER_DAY : null;
}

function reference(bytes: Buffer, format: CsvFormat): Reference {
  let records: string[][];
  try {
    records = parse(bytes, CSV_PARSE_OPTIONS);
  } catch {
    return { accepted: false };
  }
  if (records.length < 2) {
    return { accepted: false };
  }
  const [header, ...data] = records;
  const names = [format.countryColumn, format.valueColumn, format.dateColumn];
  const index = names.map((name) => header.indexOf(name));
  if (
    names.some(
      (name) => header.indexOf(name) < 0 || header.indexOf(name) !== header.lastIndexOf(name),
    )
  ) {
    return { accepted: false };
  }
  const rows: Row[] = [];
  let defectiveRows = 0;
  for (const fields of data) {
    const converted = referenceRow(fields, index, format);
    if (converted === null) {
      defectiveRows++;
    } else {
      rows.push(converted);
    }
  }
  return { accepted: true, rows, defectiveRows };
}

let tmp: string;
let fileCounter = 0;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sales-csv-differential-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function load(
  file: string,
  format: CsvFormat,
  lenient: boolean,
  chunkBytes: number | undefined,
): Promise<{ rows: Row[]; rejectedRows: number } | CsvLoadError> {
  try {
    const result = await loadSalesCsv(file, { format, lenient, chunkBytes });
    const { countries, countryCodes, days, values, rowCount } = result.columns;
    const rows = Array.from({ length: rowCount }, (_, i): Row => [
      countries[countryCodes[i]],
      days[i],
      values[i],
    ]);
    // The dictionary holds exactly the accepted rows' countries, in first-seen order.
    expect(countries).toEqual([...new Set(rows.map(([country]) => country))]);
    return { rows, rejectedRows: result.rejectedRows };
  } catch (error) {
    if (error instanceof CsvLoadError) {
      return error;
    }
    throw error;
  }
}

/** Asserts the loader agrees with the reference on `bytes`, strict and lenient. */
async function expectAgreement(
  bytes: Buffer,
  format: CsvFormat,
  chunkBytes?: number,
): Promise<void> {
  const file = join(tmp, `input-${fileCounter++}.csv`);
  writeFileSync(file, bytes);
  const expected = reference(bytes, format);
  const strict = await load(file, format, false, chunkBytes);
  const lenient = await load(file, format, true, chunkBytes);

  if (!expected.accepted) {
    expect(strict).toBeInstanceOf(CsvLoadError);
    return;
  }
  if (expected.defectiveRows === 0) {
    expect(strict).toEqual({ rows: expected.rows, rejectedRows: 0 });
    expect(lenient).toEqual(strict);
    return;
  }
  expect(strict).toBeInstanceOf(CsvLoadError);
  expect((strict as CsvLoadError).totalDefects).toBe(expected.defectiveRows);
  if (expected.rows.length === 0) {
    expect(lenient).toBeInstanceOf(CsvLoadError);
  } else {
    expect(lenient).toEqual({ rows: expected.rows, rejectedRows: expected.defectiveRows });
  }
}

const READ_SIZES = [undefined, 1, 2, 3, 5, 16];

describe('loadSalesCsv agrees with csv-parse', () => {
  const H = 'country,value,fecha';
  const corpus: [string, string][] = [
    ['CRLF without a final line end', `${H}\r\nAR,1,01/01/2024\r\nBR,2,02/01/2024`],
    ['BOM and quoted everything', `\uFEFF"country","value","fecha"\n"AR","1","01/01/2024"\n`],
    ['BOM twice', `\uFEFF\uFEFF${H}\nAR,1,01/01/2024\n`],
    ['BOM in the middle', `${H}\n\uFEFFAR,1,01/01/2024\n`],
    ['doubled quote inside a country', `${H}\n"A""R",1,01/01/2024\n`],
    ['quoted header name holding a comma', `"a,b",${H}\n"x,y",AR,1,01/01/2024\n`],
    ['header name with a quote', `"say ""x""",${H}\n,AR,1,01/01/2024\n`],
    ['all fields empty', `${H}\n,,\n`],
    ['a line that is one empty quoted field', `${H}\n""\nAR,1,01/01/2024\n`],
    ['a line of spaces', `${H}\nAR,1,01/01/2024\n   \n`],
    ['a lone quote at the end', `${H}\nAR,1,01/01/2024\n"`],
    ['a quote opened on the last field', `${H}\nAR,1,"01/01/2024\n`],
    ['a doubled quote then end of file', `${H}\nAR,1,"01/01/2024""`],
    ['trailing empty field', `${H}\nAR,1,01/01/2024,""`],
    ['line break inside a value', `${H}\nAR,"1\n",01/01/2024\n`],
    ['junk after a closing quote', `${H}\nAR,1,"01/01/2024"x\n`],
    ['space after a closing quote', `${H}\nAR,"1" ,01/01/2024\n`],
    ['space before an opening quote', `${H}\nAR, "1",01/01/2024\n`],
    ['quote in the middle of a field', `${H}\nAR,1,01/0"1/2024\n`],
    ['header only', `${H}\n`],
    ['header only, blank lines after', `${H}\n\n\r\n\n`],
    ['nothing at all', ''],
    ['only a BOM', '\uFEFF'],
    ['only blank lines', '\n\n\r\n'],
    ['blank lines everywhere, LF', `\n\n${H}\n\nAR,1,01/01/2024\n\n\nBR,2,02/01/2024\n\n`],
    [
      'blank lines everywhere, CRLF',
      `\r\n\r\n${H}\r\n\r\nAR,1,01/01/2024\r\n\r\n\r\nBR,2,02/01/2024\r\n\r\n`,
    ],
    ['header with CR only at the end', `${H}\r`],
    ['underflow to zero', `${H}\nAR,1e-400,01/01/2024\nAR,-1e-400,01/01/2024\n`],
    [
      'largest and smallest doubles',
      `${H}\nAR,1.7976931348623157e308,01/01/2024\nAR,5e-324,01/01/2024\n`,
    ],
    ['just past the largest double', `${H}\nAR,1.7976931348623159e308,01/01/2024\n`],
    [
      'halfway cases',
      `${H}\nAR,9007199254740993,01/01/2024\nAR,2.2250738585072011e-308,01/01/2024\n`,
    ],
    [
      'many digits',
      `${H}\nAR,0.30000000000000004441,01/01/2024\nAR,123456789012345.678,01/01/2024\n`,
    ],
    [
      '16 significant digits',
      `${H}\nAR,1234567890123456,01/01/2024\nAR,0.1234567890123456,01/01/2024\n`,
    ],
    [
      'exponent edges',
      `${H}\nAR,1e22,01/01/2024\nAR,1e23,01/01/2024\nAR,123456789012345e-22,01/01/2024\n`,
    ],
    [
      'leading zeros',
      `${H}\nAR,0000000000000000000001.5,01/01/2024\nAR,0.0000000000000000000000001,01/01/2024\n`,
    ],
    ['signs', `${H}\nAR,+0,01/01/2024\nAR,-0.0,01/01/2024\nAR,-1E+2,01/01/2024\n`],
    [
      'number forms that are not plain',
      `${H}\nAR,.5,01/01/2024\nAR,5.,01/01/2024\nAR,1e,01/01/2024\nAR,--1,01/01/2024\nAR,1_000,01/01/2024\n`,
    ],
    [
      'dates at the edges',
      `${H}\nAR,1,29/02/2000\nAR,1,29/02/1900\nAR,1,31/12/9999\nAR,1,01/01/0000\nAR,1,00/01/2024\n`,
    ],
    ['non-ASCII in an ignored column', `${H},notes\nAR,1,01/01/2024,Perú — ñandú €\n`],
    ['non-ASCII in the country', `${H}\nÄR,1,01/01/2024\n`],
    ['repeated header', `${H}\nAR,1,01/01/2024\n${H}\nBR,2,01/01/2024\n`],
  ];

  it.each(corpus)('%s', async (_name, text) => {
    for (const chunkBytes of READ_SIZES) {
      await expectAgreement(Buffer.from(text), DEFAULT_CSV_FORMAT, chunkBytes);
    }
  });

  // Deliberate difference: csv-parse locks onto the first line end it meets (even a blank line's)
  // and then reads the other kind as data; the loader takes every LF, with or without CR, as one.
  it('reads mixed LF and CRLF line ends alike, where csv-parse does not', async () => {
    const text = `\n\r\n${H}\r\nAR,1,01/01/2024\nBR,2,02/01/2024\r\n`;
    expect(reference(Buffer.from(text), DEFAULT_CSV_FORMAT)).toEqual({ accepted: false });
    const file = join(tmp, 'mixed-line-ends.csv');
    writeFileSync(file, text);
    const result = await loadSalesCsv(file, { format: DEFAULT_CSV_FORMAT });
    expect(Array.from(result.columns.values)).toEqual([1, 2]);
  });

  it('agrees on random files', async () => {
    await fc.assert(
      fc.asyncProperty(fileArbitrary(), async ({ text, format, chunkBytes }) => {
        await expectAgreement(Buffer.from(text), format, chunkBytes);
      }),
      { numRuns: 600 },
    );
  }, 60_000);
});

/* ---------- random CSV files ---------- */

type Column = 'country' | 'value' | 'date' | 'note';

const FORMATS: CsvFormat[] = [
  DEFAULT_CSV_FORMAT,
  { ...DEFAULT_CSV_FORMAT, dateFormat: 'MM/DD/YYYY' },
  { countryColumn: 'pais', valueColumn: 'monto', dateColumn: 'dia', dateFormat: 'YYYY-MM-DD' },
];

const digits = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

const decimalText = (maxExponent: number): fc.Arbitrary<string> =>
  fc
    .record({
      sign: fc.constantFrom('', '-', '+'),
      integer: digits(1, 18),
      fraction: fc.option(digits(1, 18)),
      exponent: fc.option(
        fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.nat(maxExponent)),
      ),
    })
    .map(({ sign, integer, fraction, exponent }) => {
      const frac = fraction === null ? '' : `.${fraction}`;
      const exp = exponent === null ? '' : exponent.join('');
      return `${sign}${integer}${frac}${exp}`;
    });

const goodValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: -1e6, max: 1e6 }).map((cents) => (cents / 100).toFixed(2)),
  decimalText(20),
  fc.constantFrom('0.1', '0.3', '9007199254740993', '2.2250738585072011e-308', '4.9e-324'),
);
const badValue = fc.oneof(
  decimalText(400),
  fc.constantFrom('', 'NaN', 'Infinity', '1e999', '12,5', '1,234.5', '0x1F', ' 1', '1 ', '.5'),
);

const goodCountry = fc.constantFrom('AR', 'BR', 'CL', 'UY', 'ar', 'bR', 'Mx', 'ES');
const badCountry = fc.constantFrom('', 'ARG', 'A', 'A1', ' AR', 'Ñu', 'A"', 'A,');

const dayNumber = fc.integer({
  min: Date.UTC(1900, 0, 1) / MS_PER_DAY,
  max: Date.UTC(2100, 11, 31) / MS_PER_DAY,
});
const badDate = fc.constantFrom(
  '31/02/2024',
  '29/02/2023',
  '2024-01-05',
  '2024-02-30',
  '1/1/24',
  '',
  '00/01/2024',
  '13/13/2024',
  '01/01/2024 ',
);

function formatDate(day: number, layout: DateFormat): string {
  const date = new Date(day * MS_PER_DAY);
  const y = String(date.getUTCFullYear()).padStart(4, '0');
  const [m, dd] = [pad2(date.getUTCMonth() + 1), pad2(date.getUTCDate())];
  return layout === 'DD/MM/YYYY'
    ? `${dd}/${m}/${y}`
    : layout === 'MM/DD/YYYY'
      ? `${m}/${dd}/${y}`
      : `${y}-${m}-${dd}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

const note = fc.string({
  unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r\n', '\r', 'é', '€', ';'),
  maxLength: 8,
});

/** Mostly valid, now and then not. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: bad, weight: 1 });

const rowArbitrary = fc.record({
  country: mostly(goodCountry, badCountry),
  value: mostly(goodValue, badValue),
  day: mostly(
    dayNumber.map((d): number | string => d),
    badDate,
  ),
  note,
  quote: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  blankLinesBefore: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, fc.nat(2)),
});

/** Damage that csv-parse rejects, applied to one row's raw text. */
const CORRUPTIONS = ['unclosed quote', 'stray quote', 'junk after quote', 'missing field'] as const;
const corruptionArbitrary = fc.oneof(
  { arbitrary: fc.constant(null), weight: 12 },
  fc.tuple(fc.constantFrom(...CORRUPTIONS), fc.nat()),
);

function fileArbitrary(): fc.Arbitrary<{ text: string; format: CsvFormat; chunkBytes?: number }> {
  return fc
    .record({
      format: fc.constantFrom(...FORMATS),
      order: fc.shuffledSubarray<Column>(['country', 'value', 'date', 'note'], {
        minLength: 4,
        maxLength: 4,
      }),
      withNote: fc.boolean(),
      quoteHeader: fc.boolean(),
      rows: fc.array(rowArbitrary, { maxLength: 12 }),
      eol: fc.constantFrom('\n', '\r\n'),
      bom: fc.boolean(),
      finalEol: fc.boolean(),
      corruption: corruptionArbitrary,
      chunkBytes: fc.constantFrom(undefined, 1, 2, 3, 7, 64),
    })
    .map(({ format, order, withNote, quoteHeader, rows, eol, bom, finalEol, ...rest }) => {
      const columns = withNote ? order : order.filter((c) => c !== 'note');
      const names: Record<Column, string> = {
        country: format.countryColumn,
        value: format.valueColumn,
        date: format.dateColumn,
        note: 'notes',
      };
      const header = columns.map((c) => (quoteHeader ? `"${names[c]}"` : names[c])).join(',');
      const lines = rows.map((r) => {
        const cells: Record<Column, string> = {
          country: r.country,
          value: r.value,
          date: typeof r.day === 'number' ? formatDate(r.day, format.dateFormat) : r.day,
          note: r.note,
        };
        const raw = columns.map((c, i) => csvCell(cells[c], r.quote[i])).join(',');
        return `${eol.repeat(r.blankLinesBefore)}${raw}`;
      });
      if (rest.corruption !== null && lines.length > 0) {
        const [kind, at] = rest.corruption;
        const i = at % lines.length;
        lines[i] = corrupt(lines[i], kind);
      }
      const body = [header, ...lines].join(eol);
      const text = `${bom ? '\uFEFF' : ''}${body}${finalEol ? eol : ''}`;
      return { text, format, chunkBytes: rest.chunkBytes };
    });
}

function csvCell(text: string, forceQuotes: boolean): string {
  return forceQuotes || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function corrupt(line: string, kind: (typeof CORRUPTIONS)[number]): string {
  switch (kind) {
    case 'unclosed quote':
      return `${line},"open`;
    case 'stray quote':
      return `x"y,${line}`;
    case 'junk after quote':
      return `"x"y,${line}`;
    case 'missing field':
      return line.slice(0, Math.max(0, line.lastIndexOf(',')));
  }
}
