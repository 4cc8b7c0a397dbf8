import { SalesColumnBuilder } from 'src/data/csv/column-builder';
import { CR, LETTER_UPPER, LF, NEWLINE } from 'src/data/csv/csv-bytes';
import {
  DefectLog,
  delimiterHint,
  describeBadCountry,
  describeBadDate,
  describeBadValue,
  describeDayOutOfRange,
} from 'src/data/csv/csv-defects';
import { startsWithUtf8Bom } from 'src/data/csv/csv-file';
import type { CsvFormat } from 'src/data/csv/csv-format';
import { type CsvDefect, CsvLoadError } from 'src/data/csv/csv-load.error';
import {
  CsvRecordReader,
  fieldText,
  type RawField,
  type RawRecord,
} from 'src/data/csv/csv-records';
import { type DayRange, FieldScanner, NO_DATE } from 'src/data/csv/field-scanners';
import { COUNTRY, DATE, IGNORED, PlainRowReader, VALUE } from 'src/data/csv/plain-rows';
import type { SalesColumns } from 'src/engine';

/**
 * A record still incomplete after this many buffered bytes is abandoned, so one endless line (or
 * a quote never closed) cannot make memory grow with the file.
 */
export const MAX_RECORD_BYTES = 1 << 20;

const EMPTY = Buffer.alloc(0);

export interface SalesCsvParserOptions {
  readonly format: CsvFormat;
  readonly lenient: boolean;
  readonly maxReportedDefects: number;
  /** Dates outside it are defects (the store cannot hold them); null accepts every real date. */
  readonly dayRange: DayRange | null;
}

/**
 * Parses a sales CSV file pushed to it chunk by chunk into typed columns: skips blank lines,
 * checks the header, sends each row down the plain-row fast path or, failing that, to csv-parse
 * (csv-records.ts), and keeps the row cut by a chunk boundary for the next chunk.
 *
 * Field rules (strict, nothing is trimmed; surrounding whitespace is a defect):
 * - country: exactly two ASCII letters, upper-cased.
 * - value: `[+-]?digits[.digits][(e|E)[+-]?digits]`, finite. It yields exactly `Number(text)`.
 * - date: exactly the configured layout (zero-padded, four-digit year) naming a real day.
 */
export class SalesCsvParser {
  readonly defects: DefectLog;

  private readonly columns: SalesColumnBuilder;
  private readonly scanner: FieldScanner;
  private readonly records = new CsvRecordReader();
  private plainRows: PlainRowReader | null = null;

  private headerNames: string[] | null = null;
  private roles = new Uint8Array(0);
  private countryField = 0;
  private valueField = 0;
  private dateField = 0;

  /** Line number of the first byte not yet consumed. */
  private line = 1;
  private leftover: Buffer | null = null;
  private bomChecked = false;
  private bytesPushed = 0;

  constructor(
    private readonly file: string,
    private readonly options: SalesCsvParserOptions,
    private readonly totalBytes: number,
  ) {
    this.defects = new DefectLog(options.maxReportedDefects);
    this.columns = new SalesColumnBuilder();
    this.scanner = new FieldScanner(options.format.dateFormat, options.dayRange);
  }

  get rowCount(): number {
    return this.columns.rows;
  }

  /**
   * Parses `chunk` on from the bytes before it. Keeps no reference to any earlier chunk, which the
   * reader reuses.
   */
  push(chunk: Buffer): void {
    this.bytesPushed += chunk.length;
    let buf = chunk;
    if (this.leftover !== null) {
      const firstLf = this.headerNames === null ? -1 : chunk.indexOf(LF);
      if (firstLf < 0) {
        buf = Buffer.concat([this.leftover, chunk]);
      } else {
        // Finish the row cut by the chunk boundary on its own, sparing a copy of the whole chunk.
        const head = Buffer.concat([this.leftover, chunk.subarray(0, firstLf + 1)]);
        const pos = this.parseRows(head, 0, false);
        const rest = chunk.subarray(firstLf + 1);
        buf = pos === head.length ? rest : Buffer.concat([head.subarray(pos), rest]);
      }
      this.leftover = null;
    }
    this.parse(buf, false);
    this.columns.reserveProjected(this.bytesPushed, this.totalBytes);
  }

  finish(bytesRead: number): SalesColumns {
    if (bytesRead === 0) {
      throw CsvLoadError.fileProblem(this.file, 'empty-file', 'file is empty');
    }
    // A virtual final line end completes a last line that has none.
    this.parse(Buffer.concat([this.leftover ?? EMPTY, NEWLINE]), true);
    this.leftover = null;

    if (this.headerNames === null) {
      throw CsvLoadError.fileProblem(this.file, 'empty-file', 'file has only blank lines');
    }
    const { total, defects } = this.defects;
    if (this.columns.rows === 0 && total === 0) {
      throw CsvLoadError.fileProblem(this.file, 'no-data-rows', 'no data rows after the header');
    }
    // Lenient mode tolerates some bad rows, not a file in which none is usable.
    if (total > 0 && (!this.options.lenient || this.columns.rows === 0)) {
      throw CsvLoadError.defectiveRows(this.file, defects, total);
    }
    return this.columns.build(this.scanner.fractionDigits);
  }

  private parse(input: Buffer, eof: boolean): void {
    let buf = input;
    if (!this.bomChecked) {
      if (buf.length < 3 && !eof) {
        this.leftover = buf;
        return;
      }
      this.bomChecked = true;
      if (startsWithUtf8Bom(buf)) {
        buf = buf.subarray(3);
      }
    }

    let pos = this.skipBlankLines(buf, 0);
    if (this.headerNames === null && pos < buf.length) {
      const record = this.records.read(buf, pos, eof, this.line);
      if (record === null) {
        this.keepLeftover(buf, pos, eof);
        return;
      }
      this.acceptHeader(record);
      pos = record.end;
    }
    if (this.headerNames !== null) {
      pos = this.parseRows(buf, pos, eof);
    }
    if (pos < buf.length) {
      this.keepLeftover(buf, pos, eof);
    }
  }

  private keepLeftover(buf: Buffer, pos: number, eof: boolean): void {
    const rest = buf.subarray(pos);
    if (!eof && rest.length > MAX_RECORD_BYTES) {
      const openLine = this.records.openQuoteLine;
      const open =
        openLine > 0 ? `; the quoted field opened on line ${openLine} is still not closed` : '';
      throw CsvLoadError.fileProblem(
        this.file,
        'record-too-long',
        `record is longer than ${MAX_RECORD_BYTES} bytes${open}; reading stopped`,
        this.line,
      );
    }
    this.leftover = rest;
  }

  private skipBlankLines(buf: Buffer, from: number): number {
    let pos = from;
    for (;;) {
      if (buf[pos] === LF) {
        pos++;
      } else if (buf[pos] === CR && buf[pos + 1] === LF) {
        pos += 2;
      } else {
        return pos;
      }
      this.line++;
    }
  }

  private acceptHeader(record: RawRecord): void {
    const headerLine = this.line;
    this.line = record.nextLine;
    const { problem } = record;
    if (problem !== null) {
      throw CsvLoadError.fileProblem(
        this.file,
        'bad-header',
        problem.invalidUtf8 ? `header has an ${problem.reason}` : `header: ${problem.reason}`,
        problem.line,
      );
    }
    const names = record.fields.map((f) => f.buf.toString('utf8', f.start, f.end));
    const { countryColumn, valueColumn, dateColumn } = this.options.format;
    const wanted = [countryColumn, valueColumn, dateColumn];
    const found = `found: ${names.map((n) => JSON.stringify(n)).join(', ')}`;
    const missing = wanted.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      const list = missing.map((n) => JSON.stringify(n)).join(', ');
      const noun = missing.length === 1 ? 'column' : 'columns';
      throw CsvLoadError.fileProblem(
        this.file,
        'bad-header',
        `header lacks ${noun} ${list} (${found})${delimiterHint(names)}`,
        headerLine,
      );
    }
    const repeated = wanted.find((name) => names.indexOf(name) !== names.lastIndexOf(name));
    if (repeated !== undefined) {
      throw CsvLoadError.fileProblem(
        this.file,
        'bad-header',
        `header has column ${JSON.stringify(repeated)} more than once (${found})`,
        headerLine,
      );
    }
    this.headerNames = names;
    this.countryField = names.indexOf(countryColumn);
    this.valueField = names.indexOf(valueColumn);
    this.dateField = names.indexOf(dateColumn);
    this.roles = new Uint8Array(names.length).fill(IGNORED);
    this.roles[this.countryField] = COUNTRY;
    this.roles[this.valueField] = VALUE;
    this.roles[this.dateField] = DATE;
    this.plainRows = new PlainRowReader(this.roles, this.columns, this.scanner);
  }

  /** Parses the rows in `buf` from `from`; returns where the first incomplete record starts. */
  private parseRows(buf: Buffer, from: number, eof: boolean): number {
    const plain = this.plainRows as PlainRowReader;
    const canonical = plain.canonical;
    // Every record starting at or before the last LF ends within the buffer unless a quoted field
    // runs on past it, and quoted fields never take the fast path: it needs no bounds checks.
    const lastLf = buf.lastIndexOf(LF);
    let pos = from;
    while (pos <= lastLf) {
      const c = buf[pos];
      if (c === LF) {
        pos++;
        this.line++;
        continue;
      }
      if (c === CR && buf[pos + 1] === LF) {
        pos += 2;
        this.line++;
        continue;
      }
      if (canonical) {
        const rowsBefore = this.columns.rows;
        const after = plain.canonicalRun(buf, pos, lastLf);
        if (after !== pos) {
          this.line += this.columns.rows - rowsBefore;
          pos = after;
          continue;
        }
      }
      let next = canonical ? plain.canonicalRow(buf, pos) : -1;
      if (next < 0) {
        // Also quoted fields, and text other than ASCII in the columns the loader ignores.
        next = plain.row(buf, pos);
      }
      if (next < 0) {
        next = this.slowRow(buf, pos, eof);
        if (next < 0) {
          break;
        }
      } else {
        this.line++;
      }
      pos = next;
    }
    return pos;
  }

  /** The general path: csv-parse reads one record, then it is stored or its defect recorded. */
  private slowRow(buf: Buffer, start: number, eof: boolean): number {
    const record = this.records.read(buf, start, eof, this.line);
    if (record === null) {
      return -1;
    }
    const line = this.line;
    this.line = record.nextLine;
    const defect = this.convert(line, record);
    if (defect !== null) {
      this.defects.add(defect);
    }
    return record.end;
  }

  private convert(line: number, record: RawRecord): CsvDefect | null {
    const { fields, problem } = record;
    if (problem !== null) {
      return {
        line: problem.line,
        column: this.columnName(problem.fieldIndex),
        reason: problem.reason,
      };
    }
    if (this.isRepeatedHeader(fields)) {
      return { line, column: null, reason: 'repeated header' };
    }
    if (fields.length !== this.roles.length) {
      return {
        line,
        column: null,
        reason: `expected ${this.roles.length} fields, found ${fields.length}`,
      };
    }

    let a = 0;
    let b = 0;
    let day = 0;
    let value = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const role = this.roles[i];
      if (role === COUNTRY) {
        a = LETTER_UPPER[f.buf[f.start]];
        b = a === 0 ? 0 : LETTER_UPPER[f.buf[f.start + 1]];
        if (f.end - f.start !== 2 || b === 0) {
          return this.fieldDefect(f, i, describeBadCountry(fieldText(f)));
        }
      } else if (role === VALUE) {
        if (this.scanner.scanValue(f.buf, f.start) !== f.end) {
          return this.fieldDefect(f, i, describeBadValue(fieldText(f)));
        }
        value = this.scanner.value;
      } else if (role === DATE) {
        this.scanner.dayOutOfRange = NO_DATE;
        day = f.end - f.start === 10 ? this.scanner.scanDate(f.buf, f.start) : NO_DATE;
        if (day === NO_DATE) {
          const { dayRange, format } = this.options;
          return this.fieldDefect(
            f,
            i,
            this.scanner.dayOutOfRange !== NO_DATE && dayRange !== null
              ? describeDayOutOfRange(fieldText(f), dayRange)
              : describeBadDate(fieldText(f), format.dateFormat),
          );
        }
      }
    }
    // Registered only now, so a rejected row leaves no country behind in the dictionary.
    this.columns.store(this.columns.countryCode(a, b), day, value);
    return null;
  }

  private fieldDefect(field: RawField, index: number, reason: string): CsvDefect {
    return { line: field.line, column: this.columnName(index), reason };
  }

  private columnName(index: number): string | null {
    return this.headerNames?.[index] ?? null;
  }

  /** A header line pasted into the data, e.g. by concatenating exports (BOM and all). */
  private isRepeatedHeader(fields: readonly RawField[]): boolean {
    const { countryColumn, valueColumn, dateColumn } = this.options.format;
    const matches = (index: number, name: string): boolean => {
      const field = fields[index];
      return field !== undefined && fieldText(field).replace(/^\uFEFF/, '') === name;
    };
    return (
      matches(this.countryField, countryColumn) &&
      matches(this.valueField, valueColumn) &&
      matches(this.dateField, dateColumn)
    );
  }
}
